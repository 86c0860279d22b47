package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// copyTree copies testdata/<name> into a fresh temporary directory.
func copyTree(t *testing.T, name string) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join("testdata", name)
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// seedCase is one load of the fixture repository, with the kolla-build
// command line the seed's wrappers would run for it.
type seedCase struct {
	name     string
	opts     LoadOptions
	args     []string // what the .env layers and environment become on kolla-build's command line
	sections []string // sections whose options the reference reports
}

var rootSections = []string{"openstack-base", "keystone-base", "etcd", "nova-user", "acme-user", "kolla-user"}

func seedCases() []seedCase {
	yes := true
	return []seedCase{{
		name: "root",
		args: []string{"--registry", "registry.acme.test:5000"},
	}, {
		name: "nova",
		opts: LoadOptions{Profile: "nova", Flags: []Flag{{Name: "docker-dir", Value: "more-templates"}, {Name: "threads", Value: "2"},
			{Name: "template_override", Value: "overrides/extra.j2"}}},
		args: []string{"--registry", "registry.acme.test:5000", "--profile", "nova", "--docker-dir", "more-templates",
			"--threads", "2", "--template-override", "overrides/extra.j2"},
		sections: []string{"nova-base", "nova-base-plugin-blazar", "nova-compute-additions-tools"},
	}, {
		name: "neutron-ovn-local",
		opts: LoadOptions{Profile: "neutron", Env: map[string]string{EnvSubProfile: "ovn"}, LocalSources: &yes},
		args: []string{"--registry", "registry.acme.test:5000", "--base-tag", "jammy-20240101",
			"--tag", "ovn-neutron-jammy-20240101", "--profile", "neutron"},
		sections: []string{"neutron-base", "neutron-base-additions-patches", "neutron-server-plugin-vpnaas"},
	}, {
		name:     "ironic-env",
		opts:     LoadOptions{Profile: "ironic", Env: map[string]string{"KOLLA_BASE": "debian", "KOLLA_PUSH": "no", "DOCKER_REGISTRY": "quay.acme.test"}},
		args:     []string{"--registry", "quay.acme.test", "--base", "debian", "--nopush", "--profile", "ironic"},
		sections: []string{"ironic-base-additions-extra"},
	}}
}

// TestDifferentialOslo loads the fixture repository with kbk and with Python
// Kolla's oslo.config and compares every effective value.
func TestDifferentialOslo(t *testing.T) {
	for _, version := range testenv.KollaVersions(t) {
		t.Run(version, func(t *testing.T) {
			py := venvPython(t, version)
			for _, tc := range seedCases() {
				t.Run(tc.name, func(t *testing.T) {
					tc.sections = append(append([]string{}, rootSections...), tc.sections...)
					diffAgainstOslo(t, py, copyTree(t, "seedrepo"), tc)
				})
			}
		})
	}
}

// diffAgainstOslo loads a profile with kbk and the same files with Python
// Kolla, and compares every value the reference reports.
func diffAgainstOslo(t *testing.T, py, repo string, tc seedCase) {
	t.Helper()
	// First pass: the profile's conf files and [profiles] names.
	probe, _, err := Load(repo, withKolla(tc.opts, BuiltinKollaDefaults()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	req := referenceRequest{Args: tc.args, Sections: tc.sections}
	for _, f := range probe.ConfFiles {
		req.ConfigFiles = append(req.ConfigFiles, filepath.Join(repo, f))
	}
	for name := range probe.Profiles {
		req.Profiles = append(req.Profiles, name)
	}
	var env []string
	for k, v := range tc.opts.Env {
		env = append(env, k+"="+v)
	}
	ans := runReference(t, py, req, env...)
	if ans.Error != "" {
		t.Fatalf("reference: %s", ans.Error)
	}
	opts := withKolla(tc.opts, ans.kollaDefaults())
	opts.HostArch = ans.Kolla.HostArch
	p, _, err := Load(repo, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	compareDefault(t, p, ans)
	compareProfiles(t, p, ans)
	compareSections(t, p, ans)
}

func withKolla(o LoadOptions, k *KollaDefaults) LoadOptions {
	o.Kolla = k
	return o
}

func compareDefault(t *testing.T, p *Profile, ans *referenceAnswer) {
	t.Helper()
	if len(ans.Default) < 40 {
		t.Fatalf("reference reported only %d options", len(ans.Default))
	}
	for name, want := range ans.Default {
		s, ok := p.Settings[name]
		if !ok {
			t.Errorf("[DEFAULT] %s: kbk does not model it (reference: %v)", name, want)
			continue
		}
		if diff := cmp.Diff(want, asJSON(t, s.Value)); diff != "" {
			t.Errorf("[DEFAULT] %s (%s): -oslo.config +kbk\n%s", name, s.Origin, diff)
		}
	}
}

func compareProfiles(t *testing.T, p *Profile, ans *referenceAnswer) {
	t.Helper()
	for name, want := range ans.Profiles {
		got := []string{}
		for _, it := range p.Profiles[name].Items {
			got = append(got, it.Text)
		}
		if diff := cmp.Diff(want, asJSON(t, got)); diff != "" {
			t.Errorf("[profiles] %s: -oslo.config +kbk\n%s", name, diff)
		}
	}
}

// absentInRelease reports whether the reference says the option does not
// exist in its Kolla release (16.x sources have no version or sha256).
func absentInRelease(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	msg, _ := m["error"].(string)
	return strings.HasPrefix(msg, "NoSuchOptError")
}

// blankIsNone treats "" as None: Source and User keep strings, not pointers.
func blankIsNone(v any) any {
	if v == "" {
		return nil
	}
	return v
}

func compareSections(t *testing.T, p *Profile, ans *referenceAnswer) {
	t.Helper()
	for section, want := range ans.Sections {
		got := map[string]any{}
		if strings.HasSuffix(section, "-user") {
			u, ok := p.Users[section]
			if !ok {
				t.Errorf("[%s]: missing from kbk's users", section)
				continue
			}
			got = map[string]any{"uid": asJSON(t, u.UID), "gid": asJSON(t, u.GID), "group": u.Group}
		} else {
			s, ok := p.Sources[section]
			if !ok {
				t.Errorf("[%s]: missing from kbk's sources", section)
				continue
			}
			got = map[string]any{"type": blankIsNone(s.Type), "location": blankIsNone(s.Location),
				"reference": blankIsNone(s.Reference), "enabled": s.Enabled, "version": blankIsNone(s.Version),
				"sha256": asJSON(t, s.SHA256)}
		}
		for k, v := range want {
			if absentInRelease(v) {
				delete(want, k)
				delete(got, k)
				continue
			}
			want[k] = blankIsNone(v)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("[%s]: -oslo.config +kbk\n%s", section, diff)
		}
	}
}
