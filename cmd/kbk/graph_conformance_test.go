package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kbk-dev/kbk/graph"
	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

// The conformance test asks Python Kolla (testdata/kolla_selections.py, in
// each reference venv) which images it selects, and compares what kolla-build
// --list-images, --list-dependencies and --save-dependency write with kbk list
// and kbk graph --format json|dot, byte for byte.
//
// Three checks per platform:
//   - the graph package alone: the graph is built from the Dockerfiles Python
//     Kolla rendered, so a renderer difference cannot hide a graph difference;
//   - kbk's renderer gives every image the same FROM reference as Kolla's;
//   - the kbk list and kbk graph commands end to end, rendering with kbk.
// Selection predicates come from kbk's own reading of the Kolla tree (profiles,
// unbuildable images). Kolla finds images in file-system order; the driver makes
// it list directories by name, which is the order kbk defines.

// conformanceSelection is one set of kolla-build selection options.
type conformanceSelection struct {
	name              string
	profiles          []string
	regexes           []string
	skipParents       bool
	enableUnbuildable bool
}

func (s conformanceSelection) kollaArgs() []string {
	args := []string{} // never null in the request
	for _, p := range s.profiles {
		args = append(args, "--profile", p)
	}
	if s.skipParents {
		args = append(args, "--skip-parents")
	}
	if s.enableUnbuildable {
		args = append(args, "--enable-unbuildable")
	}
	return append(args, s.regexes...)
}

// conformancePlatform is a base and arch with the selections tried on it.
type conformancePlatform struct {
	base, arch, baseTag, registry, prefix string
	selections                            []conformanceSelection
}

func conformancePlatforms(tree *render.Tree) []conformancePlatform {
	debian := []conformanceSelection{
		{name: "everything"},
		{name: "nova-prefix", regexes: []string{"^nova-"}},
		{name: "lookahead", regexes: []string{"^(?!nova)[a-z]+-api$"}},
		{name: "lookbehind", regexes: []string{"(?<=neutron-)(server|metadata)"}},
		{name: "several-profiles", profiles: []string{"infra", "main"}},
		{name: "regexes-replace-profiles", profiles: []string{"infra"}, regexes: []string{"keystone", "^glance-api$"}},
		{name: "skip-parents", skipParents: true, regexes: []string{"nova-"}},
		{name: "skip-parents-everything", skipParents: true},
		{name: "nothing", regexes: []string{"^no-such-image$"}},
	}
	for _, p := range tree.Profiles {
		debian = append(debian, conformanceSelection{name: "profile-" + p.Name, profiles: []string{p.Name}})
	}
	return []conformancePlatform{
		{base: "debian", arch: "x86_64", selections: debian},
		{base: "rocky", arch: "x86_64", registry: "registry.test:5000", prefix: "pre-", selections: []conformanceSelection{
			{name: "everything"},
			{name: "unbuildable-ovsdpdk", regexes: []string{"ovs"}},
			{name: "enable-unbuildable", enableUnbuildable: true, regexes: []string{"ovs"}},
			{name: "unbuildable-only", regexes: []string{"nova-spice", "tgtd"}},
			{name: "unbuildable-among-nova", regexes: []string{"^nova-"}},
			{name: "unbuildable-skip-parents", skipParents: true, regexes: []string{"^nova-", "^ovsdpdk"}},
			{name: "profile-default", profiles: []string{"default"}},
		}},
		{base: "rocky", arch: "x86_64", baseTag: "10", selections: []conformanceSelection{
			{name: "everything"},
			{name: "unbuildable-with-tag", regexes: []string{"^redis", "^telegraf", "^releaser"}},
		}},
		{base: "debian", arch: "aarch64", selections: []conformanceSelection{
			{name: "everything"},
			{name: "unbuildable-only", regexes: []string{"bifrost"}},
			{name: "unbuildable-among-ironic", regexes: []string{"^bifrost", "^ironic"}},
			{name: "enable-unbuildable", enableUnbuildable: true, regexes: []string{"bifrost"}},
		}},
	}
}

// kollaAnswer is the driver's output.
type kollaAnswer struct {
	DockerDir string `json:"docker_dir"`
	Results   map[string]struct {
		List         string  `json:"list"`
		Dependencies string  `json:"dependencies"`
		Dot          *string `json:"dot"`
	} `json:"results"`
}

func referenceVenvs(t *testing.T) []string {
	dir := os.Getenv("KBK_TEST_VENV_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "kbk", "venv")
	}
	venvs, _ := filepath.Glob(filepath.Join(dir, "kolla-*"))
	var out []string
	for _, v := range venvs {
		if _, err := os.Stat(filepath.Join(v, "bin", "python")); err == nil {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Skipf("no Kolla reference venvs under %s (KBK_TEST_VENV_DIR): create them with make venv or hack/venv.sh", dir)
	}
	return out
}

func TestGraphConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("renders every Kolla template with Python Kolla")
	}
	driver, err := filepath.Abs("testdata/kolla_selections.py")
	if err != nil {
		t.Fatal(err)
	}
	for _, venv := range referenceVenvs(t) {
		t.Run(filepath.Base(venv), func(t *testing.T) {
			t.Parallel()
			tree, err := render.LoadTree(venv)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range conformancePlatforms(tree) {
				t.Run(p.base+p.baseTag+"-"+p.arch, func(t *testing.T) {
					checkPlatform(t, venv, driver, tree, p)
				})
			}
		})
	}
}

func checkPlatform(t *testing.T, venv, driver string, tree *render.Tree, p conformancePlatform) {
	work := t.TempDir()
	conf := filepath.Join(work, "empty.conf") // keeps /etc/kolla/kolla-build.conf out
	if err := os.WriteFile(conf, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	naming := graph.Naming{Registry: p.registry, Namespace: "kolla", Prefix: p.prefix, Tag: "conformance"}
	args := []string{"--config-file", conf, "--work-dir", filepath.Join(work, "kolla"),
		"--base", p.base, "--base-arch", p.arch, "--namespace", naming.Namespace, "--tag", naming.Tag}
	if p.baseTag != "" {
		args = append(args, "--base-tag", p.baseTag)
	}
	if p.registry != "" {
		args = append(args, "--registry", p.registry)
	}
	if p.prefix != "" {
		args = append(args, "--image-name-prefix", p.prefix)
	}
	answer := askKolla(t, venv, driver, args, p.selections)

	pyImages := renderedImages(t, answer.DockerDir)
	g, err := graph.New(pyImages, naming)
	if err != nil {
		t.Fatal(err)
	}
	kbkImages := planFor(t, venv, tree, p, conformanceSelection{})
	if diff := cmp.Diff(pyImages, kbkImages.Graph.Images(), cmpopts.SortSlices(func(a, b graph.Image) bool { return a.Path < b.Path })); diff != "" {
		t.Errorf("images and FROM references differ (-kolla +kbk):\n%s", diff)
	}
	for _, s := range p.selections {
		want, ok := answer.Results[s.name]
		if !ok {
			t.Fatalf("%s: no answer from Kolla", s.name)
		}
		// kbk's selection, applied to the graph of Python Kolla's Dockerfiles.
		sel := planFor(t, venv, tree, p, s).Selection
		r, err := g.Select(context.Background(), sel.Selection())
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var list, deps, dot bytes.Buffer
		if err := r.WriteList(&list); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteJSON(&deps); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteDot(&dot); err != nil {
			t.Fatal(err)
		}
		compare(t, s.name+": kbk list vs --list-images", want.List, list.String())
		compare(t, s.name+": kbk graph --format json vs --list-dependencies", want.Dependencies, deps.String())
		if want.Dot == nil {
			msg := fmt.Sprintf("%s: --save-dependency not compared: the graphviz package is not importable in %s (hack/venv.sh installs it)", s.name, venv)
			if os.Getenv(testenv.RequireEnv) == "1" {
				t.Error(msg)
			} else {
				t.Log(msg)
			}
		} else {
			compare(t, s.name+": kbk graph --format dot vs --save-dependency", *want.Dot, dot.String())
		}
		t.Logf("%s: %d images selected", s.name, len(r.Selected()))

		cli := cliArgs(venv, p, s)
		compare(t, s.name+": kbk list (command) vs --list-images", want.List, runKbk(t, append([]string{"list"}, cli...)))
		wantJSON := want.Dependencies
		if len(r.Selected()) > 0 {
			wantJSON += "\n" // the command ends the JSON with a newline
		}
		compare(t, s.name+": kbk graph --format json (command) vs --list-dependencies", wantJSON, runKbk(t, append([]string{"graph", "--format", "json"}, cli...)))
		if want.Dot != nil {
			compare(t, s.name+": kbk graph --format dot (command) vs --save-dependency", *want.Dot, runKbk(t, append([]string{"graph", "--format", "dot"}, cli...)))
		}
	}
}

// cliArgs spells a platform and a selection as kbk's command line.
func cliArgs(venv string, p conformancePlatform, s conformanceSelection) []string {
	args := []string{"--kolla-dir", venv}
	for _, f := range platformFlags(p, s) {
		switch f.Name {
		case "profile":
			args = append(args, "--profile", f.Value)
		case "skip_parents", "enable_unbuildable":
			args = append(args, "--"+strings.ReplaceAll(f.Name, "_", "-"))
		default:
			args = append(args, "--"+strings.ReplaceAll(f.Name, "_", "-"), f.Value)
		}
	}
	return append(append(args, "--"), s.regexes...)
}

// platformFlags are the kolla-build options of a platform and a selection.
func platformFlags(p conformancePlatform, s conformanceSelection) []profiles.Flag {
	flags := []profiles.Flag{{Name: "base", Value: p.base}, {Name: "base_arch", Value: p.arch},
		{Name: "namespace", Value: "kolla"}, {Name: "tag", Value: "conformance"}}
	for _, f := range [][2]string{{"base_tag", p.baseTag}, {"registry", p.registry}, {"image_name_prefix", p.prefix}} {
		if f[1] != "" {
			flags = append(flags, profiles.Flag{Name: f[0], Value: f[1]})
		}
	}
	for _, name := range s.profiles {
		flags = append(flags, profiles.Flag{Name: "profile", Value: name})
	}
	if s.skipParents {
		flags = append(flags, profiles.Flag{Name: "skip_parents", Value: "true"})
	}
	if s.enableUnbuildable {
		flags = append(flags, profiles.Flag{Name: "enable_unbuildable", Value: "true"})
	}
	return flags
}

// planFor plans a platform and a selection with kbk, with no configuration
// repository: Kolla's defaults and the flags alone.
func planFor(t *testing.T, venv string, tree *render.Tree, p conformancePlatform, s conformanceSelection) *plan.Images {
	t.Helper()
	cfg, err := plan.Load(plan.Request{Repo: t.TempDir(), Env: map[string]string{}, Flags: platformFlags(p, s), Patterns: s.regexes, Tree: tree})
	if err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	im, err := cfg.ForArch(context.Background(), "")
	if err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	return im
}

// runKbk runs kbk's command line in-process and returns what it printed.
func runKbk(t *testing.T, args []string) string {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Errorf("kbk %s: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

func compare(t *testing.T, what, want, got string) {
	t.Helper()
	if want != got {
		t.Errorf("%s: differs (-kolla +kbk):\n%s", what, cmp.Diff(strings.Split(want, "\n"), strings.Split(got, "\n")))
	}
}

// askKolla runs the driver for one platform and its selections.
func askKolla(t *testing.T, venv, driver string, args []string, selections []conformanceSelection) kollaAnswer {
	type selection struct {
		Name string   `json:"name"`
		Args []string `json:"args"`
	}
	req := struct {
		Args       []string    `json:"args"`
		Selections []selection `json:"selections"`
	}{Args: args}
	for _, s := range selections {
		req.Selections = append(req.Selections, selection{Name: s.name, Args: s.kollaArgs()})
	}
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(venv, "bin", "python"), driver)
	// Python's temporary files go to the test's directory, and no bytecode is
	// written into the venv.
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir(), "PYTHONDONTWRITEBYTECODE=1")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python kolla: %v\n%s", err, tail(stderr.String(), 3000))
	}
	var answer kollaAnswer
	if err := json.Unmarshal(out, &answer); err != nil {
		t.Fatalf("python kolla answered %q: %v", tail(string(out), 500), err)
	}
	return answer
}

// renderedImages reads the Dockerfiles Python Kolla rendered, as kolla-build
// finds them: every directory holding a Dockerfile.j2.
func renderedImages(t *testing.T, dockerDir string) []graph.Image {
	var images []graph.Image
	err := filepath.WalkDir(dockerDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "Dockerfile.j2" {
			return err
		}
		dir := filepath.Dir(p)
		data, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dockerDir, dir)
		if err != nil {
			return err
		}
		images = append(images, graph.Image{Name: filepath.Base(dir), Path: filepath.ToSlash(rel), From: graph.FromReference(string(data))})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(images) == 0 {
		t.Fatalf("no rendered Dockerfiles under %s", dockerDir)
	}
	return images
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
