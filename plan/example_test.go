package plan_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
)

// TestExampleProfilesRenderLikeKolla renders every profile of the
// repository's own example configuration with kbk and with Python
// kolla-build --template-only given the same conf files, override files and
// .env values, and compares the Dockerfiles of the images kbk selects byte
// for byte.
func TestExampleProfilesRenderLikeKolla(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kolla-build once per example profile")
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	venv := testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"])
	tree := kollaTree(t)
	yes := true
	cases := []struct {
		name string
		req  plan.Request
	}{
		{"base", plan.Request{Profile: "base"}},
		{"nova", plan.Request{Profile: "nova"}},
		{"horizon", plan.Request{Profile: "horizon"}},
		{"neutron-ovn-local", plan.Request{Profile: "neutron", SubProfile: "ovn", LocalSources: &yes}},
		{"ironic", plan.Request{Profile: "ironic"}},
	}
	limit := make(chan struct{}, 2) // kolla-build runs are heavy; two at a time
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			limit <- struct{}{}
			defer func() { <-limit }()
			req := tc.req
			req.Repo, req.Tree, req.Env = root, tree, map[string]string{}
			cfg, err := plan.Load(req)
			if err != nil {
				t.Fatal(err)
			}
			im, err := cfg.ForArch(context.Background(), "x86_64")
			if err != nil {
				t.Fatal(err)
			}
			work := t.TempDir()
			cmd := venv.KollaBuildCmd(t, kollaArgs(cfg.Profile, work)...)
			cmd.Dir = root
			// the seed's wrappers loaded the .env files into kolla-build's
			// environment, which templates read as env
			for k, v := range cfg.Profile.Dotenv {
				if _, set := os.LookupEnv(k); !set {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("kolla-build: %v\n%s", err, out)
			}
			selected := im.Selection.Selected()
			if len(selected) == 0 {
				t.Fatal("the profile selects no image")
			}
			for _, name := range selected {
				want, err := os.ReadFile(filepath.Join(work, "docker", im.Paths[name], "Dockerfile"))
				if err != nil {
					t.Errorf("%s: Python Kolla wrote no Dockerfile: %v", name, err)
					continue
				}
				if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(im.Dockerfiles[name], "\n")); diff != "" {
					t.Errorf("%s differs (-kolla +kbk):\n%s", name, diff)
				}
			}
			t.Logf("%d selected images identical to kolla-build's", len(selected))
		})
	}
}

// kollaArgs is the kolla-build command line for a loaded profile: its conf
// files and override files, and the values of .env files, which the seed's
// wrappers turned into flags.
func kollaArgs(p *profiles.Profile, work string) []string {
	args := []string{"--template-only", "--work-dir", work, "--base-arch", "x86_64"}
	for _, f := range p.ConfFiles {
		args = append(args, "--config-file", filepath.Join(p.Repo, f))
	}
	for _, f := range p.OverrideFiles {
		args = append(args, "--template-override", f)
	}
	for _, name := range p.SettingNames() {
		s := p.Settings[name]
		if s.Origin.Kind != profiles.FromDotenv || s.Group != "DEFAULT" {
			continue
		}
		if v, ok := s.Value.(string); ok {
			args = append(args, "--"+strings.ReplaceAll(name, "_", "-"), v)
		}
	}
	return args
}
