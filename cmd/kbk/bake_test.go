package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/kbk-dev/kbk/frontend"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/render"
)

// bakeSelection parses kbk bake's flags on the example repository.
func bakeSelection(t *testing.T, args ...string) (selectOptions, *render.Tree) {
	t.Helper()
	var o selectOptions
	f := pflag.NewFlagSet("bake", pflag.ContinueOnError)
	o.addFlags(f)
	if err := f.Parse(append(exampleRepoFlags(t), args...)); err != nil {
		t.Fatal(err)
	}
	o.args = f.Args()
	tree, err := render.LoadTree(o.kollaDir)
	if err != nil {
		t.Fatal(err)
	}
	return o, tree
}

// frontendImages is what the frontend renders from a bake target's build
// arguments, loading the profile as it does in BuildKit.
func frontendImages(t *testing.T, args map[string]string, repo string, tree *render.Tree) *plan.Images {
	t.Helper()
	opts := map[string]string{}
	for k, v := range args {
		opts["build-arg:"+k] = v
	}
	o, err := frontend.ParseOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := plan.Load(frontend.LoadRequest(o, repo, tree))
	if err != nil {
		t.Fatal(err)
	}
	im, err := cfg.ForArch(context.Background(), "x86_64")
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// The seed variables of kbk bake's environment and its flags reach the
// frontend: it renders and names every image of the profile as kbk does.
func TestBakeArgsRenderAsKbk(t *testing.T) {
	t.Setenv("DOCKER_TAG", "seed-tag")
	t.Setenv("KOLLA_NAMESPACE", "operators")
	t.Setenv("KOLLA_BASE_TAG", "bookworm-20261101")
	sel, tree := bakeSelection(t, "nova", "--parent-tag", "seed-tag", "--registry", "registry.example.org")
	cfg, err := loadConfig(sel)
	if err != nil {
		t.Fatal(err)
	}
	kbk, err := cfg.ForArch(context.Background(), "x86_64")
	if err != nil {
		t.Fatal(err)
	}
	args, err := bakeOptionArgs(sel, environ())
	if err != nil {
		t.Fatal(err)
	}
	args[frontend.KeyProfile] = "nova"
	fe := frontendImages(t, args, sel.repo, tree)

	names := kbk.Selection.BuildOrder()
	if diff := cmp.Diff(names, fe.Selection.BuildOrder()); diff != "" {
		t.Fatalf("selection (-kbk +frontend):\n%s", diff)
	}
	for _, n := range names {
		if a, b := kbk.Naming.Ref(n), fe.Naming.Ref(n); a != b {
			t.Errorf("%s: kbk names it %s, the frontend %s", n, a, b)
		}
		if kbk.Dockerfiles[n] != fe.Dockerfiles[n] {
			t.Errorf("%s: the frontend renders another Dockerfile", n)
		}
	}
	if ref := kbk.Naming.Ref("nova-api"); ref != "registry.example.org/operators/nova-api:seed-tag" {
		t.Errorf("nova-api is %s: the environment did not apply", ref)
	}
	// Without the environment's variables the frontend would render
	// something else: the comparison above is not vacuous.
	bare := map[string]string{frontend.KeyProfile: "nova", frontend.KeyRegistry: "registry.example.org"}
	if other := frontendImages(t, bare, sel.repo, tree); other.Dockerfiles["base"] == kbk.Dockerfiles["base"] {
		t.Error("the base image's Dockerfile does not depend on KOLLA_BASE_TAG")
	}
}

// Flags the frontend cannot receive stop kbk bake instead of baking images
// other than those kbk showed.
func TestBakeRefusesFlagsTheFrontendCannotTake(t *testing.T) {
	for _, args := range [][]string{
		{"nova", "--maintainer", "ops@example.org"},
		{"nova", "--template-override", "/tmp/override.j2"},
	} {
		sel, _ := bakeSelection(t, args...)
		_, err := bakeOptionArgs(sel, map[string]string{})
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[1], "--")) {
			t.Errorf("kbk bake %s: %v", strings.Join(args, " "), err)
		}
	}
}

// An apt file outside the repository cannot be in the frontend's build
// context: kbk bake says so instead of writing targets that would fail.
func TestBakeRefusesAptFilesOutsideTheRepository(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "sources.list")
	if err := os.WriteFile(outside, []byte("deb http://mirror.example.org/debian trixie main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sel, _ := bakeSelection(t, "nova")
	repo := t.TempDir()
	copyPath(t, sel.repo, repo)
	conf := filepath.Join(repo, "kolla-build.conf")
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "[DEFAULT]\n", "[DEFAULT]\napt_sources_list = "+outside+"\n", 1))
	if err := os.WriteFile(conf, data, 0o644); err != nil {
		t.Fatal(err)
	}
	o := &bakeOptions{sel: sel, frontendImage: "registry.example.org/kbk/frontend:dev"}
	o.sel.repo = repo
	_, err = bakeProfile(context.Background(), o, "nova", map[string]bakeTarget{})
	if err == nil || !strings.Contains(err.Error(), "apt_sources_list") || !strings.Contains(err.Error(), "outside the repository") {
		t.Errorf("kbk bake with an apt file outside the repository: %v", err)
	}
}
