package profiles

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// exampleRepo is the repository's own example configuration (its root holds
// kolla-build.conf and profiles/<name>/).
const exampleRepo = ".."

func exampleCases() []seedCase {
	yes := true
	common := []string{"--namespace", "kolla"} // root .env: KOLLA_NAMESPACE
	withArgs := func(extra ...string) []string { return append(append([]string{}, common...), extra...) }
	return []seedCase{
		{name: "base", opts: LoadOptions{Profile: "base"}, args: withArgs("--profile", "base")},
		{name: "nova", opts: LoadOptions{Profile: "nova"}, args: withArgs("--profile", "nova"),
			sections: []string{"nova-base", "nova-base-plugin-blazar"}},
		{name: "horizon", opts: LoadOptions{Profile: "horizon"}, args: withArgs("--profile", "horizon"),
			sections: []string{"horizon", "horizon-additions-theme"}},
		{name: "neutron-ovn-local", opts: LoadOptions{Profile: "neutron", SubProfile: "ovn", LocalSources: &yes},
			args:     withArgs("--base-tag", "trixie-20251117", "--tag", "2026.2-debian-ovn", "--profile", "neutron"),
			sections: []string{"neutron-base", "neutron-base-additions-patches"}},
		{name: "ironic", opts: LoadOptions{Profile: "ironic"}, args: withArgs("--profile", "ironic")},
	}
}

// TestExampleRepository loads every example profile without a warning and
// checks what the example promises.
func TestExampleRepository(t *testing.T) {
	for _, tc := range exampleCases() {
		t.Run(tc.name, func(t *testing.T) {
			p, warns, err := Load(exampleRepo, withKolla(tc.opts, BuiltinKollaDefaults()))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range warns {
				t.Errorf("warning: %s", w)
			}
			m, err := p.Matcher()
			if err != nil {
				t.Fatal(err)
			}
			if len(p.OverrideFiles) == 0 || filepath.Base(p.OverrideFiles[0]) != OverridesFile {
				t.Errorf("OverrideFiles = %q, want the root overrides first", p.OverrideFiles)
			}
			switch tc.name {
			case "nova":
				if s := p.Sources["nova-base"]; s.Type != "git" || s.Reference != "stable/"+p.Options.OpenstackRelease {
					t.Errorf("nova-base = %+v", s)
				}
				if s := p.Sources["nova-base-plugin-blazar"]; s.Role != Plugin || s.Image != "nova-base" || s.Part != "blazar" {
					t.Errorf("nova-base-plugin-blazar = %+v", s)
				}
			case "horizon":
				s := p.Sources["horizon-additions-theme"]
				if s.Role != Addition || s.Path == "" {
					t.Errorf("horizon-additions-theme = %+v", s)
				} else if _, err := os.Stat(filepath.Join(s.Path, "_90_example_theme.py")); err != nil {
					t.Error(err)
				}
			case "neutron-ovn-local":
				if p.Options.BaseTag != "trixie-20251117" || p.Options.Tag != "2026.2-debian-ovn" {
					t.Errorf("base_tag %q (%s), tag %q (%s)", p.Options.BaseTag, p.Origin("base_tag"), p.Options.Tag, p.Origin("tag"))
				}
				if s := p.Sources["neutron-base"]; s.Type != "local" || s.Path == "" {
					t.Errorf("neutron-base = %+v", s)
				}
			case "ironic":
				if !m.Match("ironic-conductor") || m.Match("ironic-neutron-agent") {
					t.Errorf("ironic patterns %q select the wrong images", m.Patterns)
				}
			}
		})
	}
}

// TestExampleAgainstOslo compares the example profiles with Python Kolla.
func TestExampleAgainstOslo(t *testing.T) {
	py := venvPython(t, testenv.KollaVersions(t)[0])
	for _, tc := range exampleCases() {
		t.Run(tc.name, func(t *testing.T) { diffAgainstOslo(t, py, exampleRepo, tc) })
	}
}

// TestExampleOverridesRenderWithKolla renders each example profile with
// Python kolla-build --template-only, using the conf and override files
// Load chose, and checks the profile's override reached its image.
func TestExampleOverridesRenderWithKolla(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kolla-build once per profile (about 10 s each)")
	}
	py := venvPython(t, testenv.KollaVersions(t)[0])
	kollaBuild := filepath.Join(filepath.Dir(py), "kolla-build")
	stub := testenv.DockerSDKStub(t)
	want := map[string]struct{ image, line string }{
		"base":              {"docker/base/Dockerfile", `LABEL org.example.cloud.build-repository="kolla-customisations"`},
		"nova":              {"docker/nova/nova-base/Dockerfile", "/etc/kolla-nova-profile"},
		"horizon":           {"docker/horizon/Dockerfile", "cp -a /additions/example-theme"},
		"neutron-ovn-local": {"docker/neutron/neutron-base/Dockerfile", `patch -p1 < "$p"`},
		"ironic":            {"docker/ironic/ironic-conductor/Dockerfile", "freeipmi-tools"},
	}
	repo, err := filepath.Abs(exampleRepo)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range exampleCases() {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := Load(repo, withKolla(tc.opts, BuiltinKollaDefaults()))
			if err != nil {
				t.Fatal(err)
			}
			work := t.TempDir()
			args := []string{"--template-only", "--work-dir", work}
			for _, f := range p.ConfFiles {
				args = append(args, "--config-file", filepath.Join(repo, f))
			}
			for _, f := range p.OverrideFiles {
				args = append(args, "--template-override", f)
			}
			cmd := exec.Command(kollaBuild, append(args, tc.args...)...)
			cmd.Dir = repo
			cmd.Env = append(os.Environ(), "PYTHONPATH="+stub)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("kolla-build: %v\n%s", err, out)
			}
			w := want[tc.name]
			data, err := os.ReadFile(filepath.Join(work, w.image))
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if !strings.Contains(string(data), w.line) {
				t.Errorf("%s lacks %q:\n%s", w.image, w.line, data)
			}
		})
	}
}
