package profiles

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLayering checks the precedence conf < .env < sub-profile .env <
// environment < flags, and where each value is said to come from.
func TestLayering(t *testing.T) {
	type want struct{ option, value, origin string }
	cases := []struct {
		name string
		opts LoadOptions
		want []want
	}{
		{"conf only", LoadOptions{Profile: "nova"}, []want{
			{"threads", "6", "nova/kolla-build.conf:2"},
			{"namespace", "acme", "kolla-build.conf:5"},
			{"registry", "registry.acme.test:5000", "DOCKER_REGISTRY (.env:2)"},
			{"tag", "2025.1-ubuntu-24.04", "derived from openstack_release, base, base_tag"},
			{"profile", "[base nova]", "profile nova"},
		}},
		{"profile env", LoadOptions{Profile: "neutron"}, []want{
			{"base_tag", "jammy-20240101", "KOLLA_BASE_TAG (neutron/.env:1)"},
			{"tag", "neutron-jammy-20240101", "DOCKER_TAG (neutron/.env:2)"},
		}},
		{"sub-profile", LoadOptions{Profile: "neutron", SubProfile: "ovn"}, []want{
			{"tag", "ovn-neutron-jammy-20240101", "DOCKER_TAG (neutron/ovn.env:1)"},
		}},
		{"environment", LoadOptions{Profile: "neutron", SubProfile: "ovn", Env: map[string]string{"DOCKER_TAG": "from-env", "KOLLA_USE_CACHE": "no"}}, []want{
			{"tag", "from-env", "environment DOCKER_TAG"},
			{"cache", "false", "environment KOLLA_USE_CACHE"},
		}},
		{"flags", LoadOptions{Profile: "neutron", Env: map[string]string{"DOCKER_TAG": "from-env"}, Flags: []Flag{{Name: "tag", Value: "from-flag"}, {Name: "parent-tag", Value: "parents"}}}, []want{
			{"tag", "from-flag", "flag --tag"},
			{"parent_tag", "parents", "flag --parent-tag"},
		}},
		{"profile from env", LoadOptions{Env: map[string]string{EnvProfile: "ironic", EnvPlatform: "linux/amd64,linux/arm64"}}, []want{
			{"profile", "[base ironic]", "profile ironic"},
			{"platforms", "[linux/amd64 linux/arm64]", "environment DOCKER_DEFAULT_PLATFORM"},
		}},
	}
	repo := copyTree(t, "seedrepo")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Kolla, tc.opts.HostArch = BuiltinKollaDefaults(), "x86_64"
			tc.opts.Kolla.OpenstackRelease = "2025.1" // the fixture pins it; keep derived values stable
			p, _, err := Load(repo, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				s, ok := p.Settings[w.option]
				if !ok {
					t.Errorf("%s: not set", w.option)
					continue
				}
				if got := iniText(s.Value); got != w.value {
					t.Errorf("%s = %q, want %q", w.option, got, w.value)
				}
				if got := s.Origin.String(); got != w.origin {
					t.Errorf("%s comes from %q, want %q", w.option, got, w.origin)
				}
			}
		})
	}
}

func iniText(v any) string {
	switch v := v.(type) {
	case []string:
		return "[" + joinSpace(v) + "]"
	}
	return pyStrLower(v)
}

func joinSpace(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func pyStrLower(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return pyStr(v)
}

// TestLocalSourcesFromEnv checks KOLLA_LOCAL_SOURCES turns on the profile's
// local-sources conf and that local paths resolve inside the repository.
func TestLocalSourcesFromEnv(t *testing.T) {
	repo := copyTree(t, "seedrepo")
	p, _, err := Load(repo, LoadOptions{Profile: "neutron", Env: map[string]string{EnvLocalSources: "yes"}, Kolla: BuiltinKollaDefaults()})
	if err != nil {
		t.Fatal(err)
	}
	if !p.LocalSources || p.ConfFiles[len(p.ConfFiles)-1] != "neutron/"+LocalSourcesFile {
		t.Fatalf("LocalSources %v, conf files %q", p.LocalSources, p.ConfFiles)
	}
	real, err := filepath.EvalSymlinks(filepath.Join(repo, "neutron", "src", "neutron"))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Sources["neutron-base"].Path; got != real {
		t.Errorf("neutron-base path %q, want %q", got, real)
	}
	if _, err := os.Stat(p.Sources["neutron-base-additions-patches"].Path); err != nil {
		t.Error(err)
	}
}
