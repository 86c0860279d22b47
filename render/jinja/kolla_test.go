package jinja

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kollaDockerDir returns the docker/ template tree of a Kolla venv, skipping
// the test when the venv is absent.
func kollaDockerDir(tb testing.TB, version string) string {
	tb.Helper()
	base := os.Getenv("KBK_TEST_VENV_DIR")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			tb.Skipf("no home directory: %v", err)
		}
		base = filepath.Join(home, ".cache", "kbk", "venv")
	}
	venv := filepath.Join(base, "kolla-"+version)
	candidates := []string{
		filepath.Join(venv, "lib", "python3.11", "site-packages", "kolla", "docker"),
		filepath.Join(venv, "share", "kolla", "docker"),
	}
	if matches, _ := filepath.Glob(filepath.Join(venv, "lib", "python3*", "site-packages", "kolla", "docker")); len(matches) > 0 {
		candidates = append(matches, candidates...)
	}
	for _, dir := range candidates {
		if _, err := os.Stat(filepath.Join(dir, "macros.j2")); err == nil {
			return dir
		}
	}
	tb.Skipf("Kolla %s venv not found under %s; create it with `make venv` (hack/venv.sh)", version, base)
	return ""
}

// kollaTemplates lists the .j2 files of dir, relative and slash-separated.
func kollaTemplates(tb testing.TB, dir string) []string {
	tb.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".j2") {
			rel, _ := filepath.Rel(dir, path)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return names
}

func TestKollaTemplatesParse(t *testing.T) {
	for _, version := range []string{"23.0.0", "20.6.0", "16.6.0"} {
		t.Run(version, func(t *testing.T) {
			dir := kollaDockerDir(t, version)
			env := NewEnv(FSLoader(os.DirFS(dir)))
			kollaFuncs(env) // Kolla's filters must exist, as in Kolla's environment
			names := kollaTemplates(t, dir)
			if len(names) < 100 {
				t.Fatalf("only %d templates under %s", len(names), dir)
			}
			for _, name := range names {
				if err := env.Parse(name); err != nil {
					var je *Error
					if !errors.As(err, &je) {
						t.Errorf("%s: error is not a *jinja.Error: %v", name, err)
					}
					t.Errorf("parse %s: %v", name, err)
				}
			}
			t.Logf("%d templates parsed", len(names))
		})
	}
}
