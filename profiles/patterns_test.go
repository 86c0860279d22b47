package profiles

import (
	"strings"
	"testing"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// regexPatterns exercise Python re syntax that RE2 lacks or reads
// differently; each is searched in regexNames by Python and by kbk.
var regexPatterns = []string{
	`^ironic(?!-neutron-agent)`,
	`^ironic(?!-neutron)`,
	`^neutron-(?!ovn|sriov)`,
	`(?<!nova-)compute`,
	`^nova-`,
	`nova-`,
	`^(nova|placement)-api$`,
	`^(?P<svc>[a-z]+)-(?P=svc)-agent$`,
	`^(\w+)-\1`,
	`(?i)^IRONIC`,
	`^[^-]+$`,
	`-(api|server)$`,
	`^base$|^openstack-base$`,
	`\bagent\b`,
	`^kolla-toolbox$`,
	`^.{4,5}$`,
	`ova-c.*?e$`,
	`(?=.*-agent)neutron`,
	`^(?:cron|fluentd)$`,
	`^\d+$`,
	`x*`,
	`^nova-\w+\Z`,
	`^[]a-z-]{,4}$`,
	`^[^]x]+-api$`,
	`\(?P<`,
}

var regexNames = []string{
	"ironic-api", "ironic-conductor", "ironic-neutron-agent", "ironic-pxe",
	"neutron-server", "neutron-ovn-agent", "neutron-sriov-agent", "neutron-l3-agent",
	"nova-compute", "nova-compute-ironic", "nova-api", "placement-api", "nova-nova-agent",
	"ovn-ovn-agent", "base", "openstack-base", "cron", "fluentd", "kolla-toolbox", "12345",
	"horizon", "dnsmasq",
}

// TestRegexPython compares kbk's matching with Python's re.search, pattern
// by pattern and for each profile as kolla-build joins them.
func TestRegexPython(t *testing.T) {
	py := venvPython(t, testenv.KollaVersions(t)[0])
	patterns := append([]string{}, regexPatterns...)
	profiles := [][]string{
		{`^ironic(?!-neutron-agent)`, `^dnsmasq$`},
		{`^nova-(?!libvirt)`, ` ^placement-api$`},
		{`^base$`, `^openstack-base$`, `^cron$`},
		{`^(?P<svc>[a-z]+)-(?P=svc)-`, `^horizon$`},
	}
	joined := map[string][]string{}
	for _, profile := range profiles {
		j := "(" + strings.Join(profile, "|") + ")" // what kolla-build compiles
		joined[j] = profile
		patterns = append(patterns, j)
	}
	ans := runReference(t, py, referenceRequest{Regex: map[string][]string{"patterns": patterns, "names": regexNames}})
	if len(ans.Regex) != len(patterns) {
		t.Fatalf("reference answered %d patterns, want %d", len(ans.Regex), len(patterns))
	}
	for _, p := range patterns {
		want := ans.Regex[p]
		if msg, bad := want["error"]; bad {
			t.Errorf("Python rejects %q: %v", p, msg)
			continue
		}
		match := func(name string) (bool, error) { return false, nil }
		if list, ok := joined[p]; ok {
			m, err := NewMatcher(list)
			if err != nil {
				t.Errorf("NewMatcher(%q): %v", list, err)
				continue
			}
			match = m.MatchString
		} else {
			re, err := compilePython(p)
			if err != nil {
				t.Errorf("compilePython(%q): %v", p, err)
				continue
			}
			match = re.MatchString
		}
		for _, name := range regexNames {
			got, err := match(name)
			if err != nil {
				t.Fatal(err)
			}
			if got != want[name] {
				t.Errorf("re.search(%q, %q) = %v in Python, %v in kbk", p, name, want[name], got)
			}
		}
	}
}

func TestMatcherJoinsLikeKolla(t *testing.T) {
	m, err := NewMatcher([]string{`^ironic(?!-neutron-agent)`, `^dnsmasq$`})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"ironic-api": true, "ironic-neutron-agent": false, "dnsmasq": true, "nova-api": false,
	} {
		if got := m.Match(name); got != want {
			t.Errorf("Match(%q) = %v, want %v", name, got, want)
		}
	}
	if m.Patterns[0] != `^ironic(?!-neutron-agent)` {
		t.Errorf("Patterns = %q", m.Patterns)
	}
}

// TestMatcherWithoutSelection: with neither a profile nor a regex,
// kolla-build builds every image.
func TestMatcherWithoutSelection(t *testing.T) {
	p, _, err := Load(copyTree(t, "seedrepo"), LoadOptions{Kolla: BuiltinKollaDefaults()})
	if err != nil {
		t.Fatal(err)
	}
	p.Options.Profile = nil
	m, err := p.Matcher()
	if err != nil {
		t.Fatal(err)
	}
	if !m.Match("anything") {
		t.Error("an empty selection must match every image")
	}
	p.Options.Profile = []string{"glance"}
	if _, err := p.Matcher(); err == nil || err.Error() != `profile "glance" does not exist in [profiles]` {
		t.Errorf("unknown profile: %v", err)
	}
}
