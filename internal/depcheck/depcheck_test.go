package depcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/kbk-dev/kbk/internal/testenv"
)

const module = "github.com/kbk-dev/kbk"

// rule says what the packages under root (root itself and its subpackages, unless a
// longer root has its own rule) may import besides the standard library and their
// own subtree. Dependencies are followed transitively through kbk's own packages;
// an allowed third-party package is not looked into.
type rule struct {
	root  string   // package path relative to the module
	allow []string // import path prefixes, matched at "/" boundaries
}

// rules is ARCHITECTURE.md's "may import" column for the packages that must stay
// independent of BuildKit and of each other.
var rules = []rule{
	{root: "render/jinja"},
	{root: "render", allow: []string{"go.yaml.in/yaml/v3"}},
	{root: "profiles", allow: []string{"gopkg.in/ini.v1", "github.com/dlclark/regexp2", "github.com/joho/godotenv"}},
	{root: "graph"},
	// plan and lint sit above the three: they may combine them, never BuildKit.
	{root: "plan", allow: libraryLayer},
	{root: "lint", allow: append([]string{"github.com/kbk-dev/kbk/plan", "github.com/kbk-dev/kbk/internal/udiff"}, libraryLayer...)},
}

// libraryLayer is what a package combining render, graph and profiles may
// import: those packages and their own allowed dependencies.
var libraryLayer = []string{
	"github.com/kbk-dev/kbk/render", "github.com/kbk-dev/kbk/graph", "github.com/kbk-dev/kbk/profiles",
	"go.yaml.in/yaml/v3", "gopkg.in/ini.v1", "github.com/dlclark/regexp2", "github.com/joho/godotenv",
}

func TestImportRules(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"list", "-e", "-deps", "-json=ImportPath,Standard,Imports,Error"}
	for _, r := range rules {
		args = append(args, "./"+r.root+"/...")
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	pkgs, err := decodePackages(out)
	if err != nil {
		t.Fatalf("go list output: %v", err)
	}
	checked := 0
	for _, p := range sortedKeys(pkgs) {
		if _, ok := ruleFor(p); ok {
			checked++
		}
	}
	if checked == 0 {
		t.Fatalf("go list found none of the packages the rules cover (%s)", stderr.String())
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
	t.Logf("checked %d packages", checked)
}

// TestViolationsReportTheChain makes sure the checker itself can fail: render
// reaching BuildKit through one of its own subpackages is reported with the chain.
func TestViolationsReportTheChain(t *testing.T) {
	pkgs := map[string]*listedPackage{
		module + "/render":                    {ImportPath: module + "/render", Imports: []string{"fmt", module + "/render/jinja", module + "/render/llbx"}},
		module + "/render/jinja":              {ImportPath: module + "/render/jinja", Imports: []string{"fmt"}},
		module + "/render/llbx":               {ImportPath: module + "/render/llbx", Imports: []string{"github.com/moby/buildkit/client/llb"}},
		"github.com/moby/buildkit/client/llb": {ImportPath: "github.com/moby/buildkit/client/llb"},
		"fmt":                                 {ImportPath: "fmt", Standard: true},
		module + "/graph":                     {ImportPath: module + "/graph", Imports: []string{module + "/profiles"}},
		module + "/profiles":                  {ImportPath: module + "/profiles", Imports: []string{"gopkg.in/ini.v1"}},
		"gopkg.in/ini.v1":                     {ImportPath: "gopkg.in/ini.v1"},
	}
	got := violations(pkgs)
	want := []string{
		"graph must not import github.com/kbk-dev/kbk/profiles (allowed: the standard library, graph/...): github.com/kbk-dev/kbk/graph -> github.com/kbk-dev/kbk/profiles",
		"render must not import github.com/moby/buildkit/client/llb (allowed: the standard library, render/..., go.yaml.in/yaml/v3): github.com/kbk-dev/kbk/render -> github.com/kbk-dev/kbk/render/llbx -> github.com/moby/buildkit/client/llb",
		"render/llbx must not import github.com/moby/buildkit/client/llb (allowed: the standard library, render/..., go.yaml.in/yaml/v3): github.com/kbk-dev/kbk/render/llbx -> github.com/moby/buildkit/client/llb",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations:\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// listedPackage is the part of `go list -json` output the rules need.
type listedPackage struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Error      *struct{ Err string }
}

func decodePackages(out []byte) (map[string]*listedPackage, error) {
	pkgs := map[string]*listedPackage{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := &listedPackage{}
		err := dec.Decode(p)
		if errors.Is(err, io.EOF) {
			return pkgs, nil
		}
		if err != nil {
			return nil, err
		}
		pkgs[p.ImportPath] = p
	}
}

// violations returns one message per (kbk package, forbidden import) pair, with the
// shortest import chain that reaches it, in a stable order.
func violations(pkgs map[string]*listedPackage) []string {
	var msgs []string
	for _, path := range sortedKeys(pkgs) {
		r, ok := ruleFor(path)
		if !ok {
			continue
		}
		for _, chain := range forbidden(path, r, pkgs) {
			rel := strings.TrimPrefix(path, module+"/")
			allowed := append([]string{"the standard library", r.root + "/..."}, r.allow...)
			msgs = append(msgs, fmt.Sprintf("%s must not import %s (allowed: %s): %s",
				rel, chain[len(chain)-1], strings.Join(allowed, ", "), strings.Join(chain, " -> ")))
		}
	}
	return msgs
}

// forbidden walks from start breadth first, so each forbidden package is reported
// with a shortest chain, and returns those chains sorted by their last element.
func forbidden(start string, r rule, pkgs map[string]*listedPackage) [][]string {
	parent := map[string]string{start: ""}
	queue := []string{start}
	var found []string
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		p := pkgs[cur]
		if p == nil {
			continue
		}
		for _, imp := range p.Imports {
			if _, seen := parent[imp]; seen || imp == "C" {
				continue
			}
			parent[imp] = cur
			dep := pkgs[imp]
			switch {
			case dep != nil && dep.Standard:
			case within(imp, module+"/"+r.root):
				queue = append(queue, imp)
			case allowedBy(imp, r.allow):
			default:
				found = append(found, imp)
			}
		}
	}
	sort.Strings(found)
	chains := make([][]string, 0, len(found))
	for _, f := range found {
		var chain []string
		for at := f; at != ""; at = parent[at] {
			chain = append([]string{at}, chain...)
		}
		chains = append(chains, chain)
	}
	return chains
}

// ruleFor returns the rule with the longest root covering a kbk package.
func ruleFor(path string) (rule, bool) {
	var best rule
	found := false
	for _, r := range rules {
		if within(path, module+"/"+r.root) && len(r.root) > len(best.root) {
			best, found = r, true
		}
	}
	return best, found
}

func allowedBy(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if within(path, p) {
			return true
		}
	}
	return false
}

// within reports whether path is prefix or a package below it.
func within(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

func sortedKeys(m map[string]*listedPackage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
