package lint

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusWarnings are the intended diagnostics of render's override corpus
// (render/testdata/overrides), by file and code: the corpus exercises
// customizable() on every distro, so on Debian it removes entries that only
// Rocky's lists hold.
var corpusWarnings = map[string]map[string]bool{
	"02-packages-append-remove.j2": {CodeRemoveMissing: true},
	"04-pip-packages.j2":           {CodeRemoveMissing: true},
	"07-merge-third.j2":            {CodeRemoveMissing: true},
	"11-customizable-kinds.j2":     {CodeRemoveMissing: true},
}

// corpusDockerDirs are the template trees a corpus file is written for.
var corpusDockerDirs = map[string]string{
	"13-fork-extends-only.j2": "fork-docker",
}

// TestOverrideCorpusLints lints each file of render's override corpus as the
// override of a repository building every image for Debian.
func TestOverrideCorpusLints(t *testing.T) {
	corpus := filepath.Join("..", "render", "testdata")
	files, _ := filepath.Glob(filepath.Join(corpus, "overrides", "*.j2"))
	if len(files) == 0 {
		t.Skip("no override corpus in ../render/testdata/overrides")
	}
	tree := kollaTree(t)
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			repo := t.TempDir()
			conf := "[DEFAULT]\nbase = debian\n"
			if d, ok := corpusDockerDirs[name]; ok {
				abs, err := filepath.Abs(filepath.Join(corpus, d))
				if err != nil {
					t.Fatal(err)
				}
				conf += "docker_dir = " + abs + "\n"
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(repo, "kolla-build.conf"), []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(repo, "kolla-template-overrides.j2"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, d := range lintRepo(t, tree, repo, "") {
				if !corpusWarnings[name][d.Code] {
					t.Errorf("unintended: %s", d)
				}
			}
		})
	}
}
