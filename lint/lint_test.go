package lint

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
	"github.com/kbk-dev/kbk/render"
)

// kollaTree loads the Kolla tree of the newest pinned reference venv.
func kollaTree(t *testing.T) *render.Tree {
	t.Helper()
	venv := testenv.KollaVenv(t, testenv.KollaVersions(t)[0])
	tree, err := render.LoadTree(venv.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// lintRepo lints one profile of a repository the way `kbk lint` does, on an
// x86_64 host whatever the machine.
func lintRepo(t *testing.T, tree *render.Tree, repo, profile string) []Diagnostic {
	t.Helper()
	p, warns, err := profiles.Load(repo, profiles.LoadOptions{Profile: profile, Env: map[string]string{},
		Kolla: plan.KollaDefaults(tree), HostArch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := Lint(context.Background(), tree, p, Options{Env: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	return Sort(append(Warnings(profile, warns), ds...))
}

func lines(ds []Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

// TestDiagnostics lints each profile of testdata/repo, one per diagnostic,
// and compares with the exact lines of its lint.want.
func TestDiagnostics(t *testing.T) {
	tree := kollaTree(t)
	repo := filepath.Join("testdata", "repo")
	names, err := profiles.List(repo)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 11 {
		t.Fatalf("testdata/repo has %d profiles, want one per diagnostic: %v", len(names), names)
	}
	codes := map[string]bool{}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(repo, "profiles", name, "lint.want"))
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			if want[0] == "" {
				want = nil
			}
			ds := lintRepo(t, tree, repo, name)
			if diff := cmp.Diff(want, lines(ds)); diff != "" {
				t.Errorf("lint %s (-want +got):\n%s", name, diff)
			}
			for _, d := range ds {
				codes[d.Code] = true
			}
		})
	}
	for _, c := range []string{CodeUnknownBlock, CodeUnselectedBlock, CodeUnusedCustomization, CodeUnselectedCustomization, CodeRemoveMissing,
		CodeUnknownSourceImage, CodeMissingLocation, CodePatternNoMatch, CodeProfileEmpty, CodeRenderFailed} {
		if !codes[c] && !t.Failed() {
			t.Errorf("no fixture demonstrates [%s]", c)
		}
	}
}

// exampleWarnings are the intended warnings of the repository's own example
// configuration: none.
var exampleWarnings = map[string][]string{}

// TestExampleRepositoryLintsClean lints every profile of kbk's own example
// configuration (the repository root).
func TestExampleRepositoryLintsClean(t *testing.T) {
	tree := kollaTree(t)
	repo, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	names, err := profiles.List(repo)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("the repository has no example profiles")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			got := lines(lintRepo(t, tree, repo, name))
			if diff := cmp.Diff(exampleWarnings[name], got); diff != "" {
				t.Errorf("lint %s (-want +got):\n%s", name, diff)
			}
		})
	}
}

// TestRemoveProbeSeesPresentEntries guards the removal check against always
// answering "missing": an entry that is in the list must not be reported.
func TestRemoveProbeSeesPresentEntries(t *testing.T) {
	tree := kollaTree(t)
	ds := lintRepo(t, tree, filepath.Join("testdata", "repo"), "remove-missing")
	for _, d := range ds {
		if strings.Contains(d.Message, `"sysfsutils"`) {
			t.Errorf("sysfsutils is in nova-compute's Debian packages, yet: %s", d)
		}
	}
}
