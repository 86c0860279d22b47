package plan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kbk-dev/kbk/graph"
	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

// kollaTree loads the pinned Kolla release's tree from the reference venv.
func kollaTree(t *testing.T) *render.Tree {
	t.Helper()
	v := testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"])
	tree, err := render.LoadTree(v.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// The repository's own example nova profile: its patterns select the nova
// images and their ancestors, and its overrides reach the Dockerfiles.
func TestExampleNovaProfile(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := plan.Load(plan.Request{Repo: root, Profile: "nova", Env: map[string]string{}, Tree: kollaTree(t)})
	if err != nil {
		t.Fatal(err)
	}
	im, err := cfg.ForArch(context.Background(), "x86_64")
	if err != nil {
		t.Fatal(err)
	}
	sel := im.Selection
	for _, name := range []string{"base", "openstack-base", "nova-base", "nova-api", "nova-compute"} {
		if !sel.IsSelected(name) {
			t.Errorf("%s not selected", name)
		}
	}
	for _, name := range []string{"keystone", "neutron-server", "horizon"} {
		if sel.IsSelected(name) {
			t.Errorf("%s selected by the nova profile", name)
		}
	}
	if d, _ := sel.Decision("openstack-base"); d.Status != graph.Ancestor {
		t.Errorf("openstack-base: status %v, want ancestor", d.Status)
	}
	if got, want := im.Naming.Tag, cfg.Profile.Options.Tag; got != want {
		t.Errorf("tag %q, profile says %q", got, want)
	}
	if !strings.Contains(im.Dockerfiles["nova-base"], "FROM "+im.Naming.Ref("openstack-base")) {
		t.Errorf("nova-base does not start from openstack-base:\n%s", im.Dockerfiles["nova-base"][:200])
	}
}

// Flags win over the repository, and positional patterns replace the profile.
func TestFlagsAndPatterns(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := plan.Load(plan.Request{
		Repo: root, Profile: "nova", Env: map[string]string{}, Tree: kollaTree(t),
		Flags:    []profiles.Flag{{Name: "namespace", Value: "ops"}, {Name: "registry", Value: "127.0.0.1:5000"}},
		Patterns: []string{"^keystone$"},
	})
	if err != nil {
		t.Fatal(err)
	}
	im, err := cfg.ForArch(context.Background(), "aarch64")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"base", "openstack-base", "keystone-base", "keystone"}
	if diff := cmp.Diff(want, im.Selection.BuildOrder()); diff != "" {
		t.Errorf("build order (-want +got):\n%s", diff)
	}
	if got := im.Naming.Ref("keystone"); !strings.HasPrefix(got, "127.0.0.1:5000/ops/keystone:") {
		t.Errorf("ref %q", got)
	}
	if im.BaseArch != "aarch64" {
		t.Errorf("base arch %q", im.BaseArch)
	}
}

func TestBaseArch(t *testing.T) {
	for in, want := range map[string]string{"linux/amd64": "x86_64", "linux/arm64": "aarch64", "arm64": "aarch64", "linux/arm64/v8": "aarch64"} {
		got, err := plan.BaseArch(in)
		if err != nil || got != want {
			t.Errorf("BaseArch(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := plan.BaseArch("windows/amd64"); err == nil {
		t.Error("windows/amd64: no error")
	}
}
