package lint

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
)

// TestLintImagesIsLint: linting the images a command has rendered already
// says what linting the profile from scratch says, for every profile of the
// example repository and of the fixtures whose images all render (kbk render
// and kbk build stop at a render error; kbk lint renders on).
func TestLintImagesIsLint(t *testing.T) {
	tree := kollaTree(t)
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	compared, diags := 0, 0
	for _, repo := range []string{root, filepath.Join("testdata", "repo")} {
		names, err := profiles.List(repo)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			t.Run(filepath.Base(repo)+"/"+name, func(t *testing.T) {
				env := map[string]string{}
				cfg, err := plan.Load(plan.Request{Repo: repo, Profile: name, Env: env, Tree: tree})
				if err != nil {
					t.Fatal(err)
				}
				want, err := Lint(ctx, tree, cfg.Profile, Options{Env: env})
				if err != nil {
					t.Fatal(err)
				}
				im, err := cfg.ForArch(ctx, "")
				if err != nil {
					for _, d := range want {
						if d.Code == CodeRenderFailed {
							t.Skipf("an image does not render: %v", err)
						}
					}
					t.Fatal(err)
				}
				got, err := LintImages(ctx, tree, cfg.Profile, im, Options{Env: env})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(lines(want), lines(got)); diff != "" {
					t.Errorf("LintImages (-Lint +LintImages):\n%s", diff)
				}
				compared++
				diags += len(got)
			})
		}
	}
	if (compared < 10 || diags == 0) && !t.Failed() {
		t.Errorf("compared %d profiles with %d diagnostics, want the example ones and the fixtures", compared, diags)
	}
}
