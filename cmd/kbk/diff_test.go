package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// diffResult reads kbk diff --format json.
func diffResult(t *testing.T, out []byte) []diffJSON {
	t.Helper()
	var got []diffJSON
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return got
}

func imageNames(list []imageDiffJSON) []string {
	var out []string
	for _, im := range list {
		out = append(out, im.Image)
	}
	return out
}

// configRepo writes a configuration repository whose nova profile has an
// override file with the given footer of nova-base.
func writeConfig(t *testing.T, dir, footer string) {
	t.Helper()
	files := map[string]string{
		"kolla-build.conf":                          "[DEFAULT]\nbase = debian\n\n[profiles]\nnova = ^nova-\n",
		"profiles/nova/kolla-template-overrides.j2": "{% extends parent_template %}\n{% block nova_base_footer %}\n" + footer + "\n{% endblock %}\n",
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=kbk test", "-c", "user.email=test@kbk.invalid",
		"-c", "commit.gpgsign=false"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// TestDiffConfigRevisions changes nova-base's footer between two commits of
// a repository kept in a folder of a git work tree: nova-base changes, and
// the nova images built on it are rebuilt.
func TestDiffConfigRevisions(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	kolla := lintKollaDir(t)
	work := t.TempDir()
	repo := filepath.Join(work, "cloud", "kolla")
	writeConfig(t, repo, "RUN echo one")
	git(t, work, "init", "-q")
	git(t, work, "add", ".")
	git(t, work, "commit", "-q", "-m", "one")
	writeConfig(t, repo, "RUN echo two")
	git(t, work, "commit", "-q", "-a", "-m", "two")
	writeConfig(t, repo, "RUN echo three") // on disk only

	for _, tc := range []struct{ name, from, to, old, new string }{
		{"revisions", "HEAD~1", "HEAD", "one", "two"},
		{"revision to disk", "HEAD", "", "two", "three"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			o := &diffOptions{repo: repo, from: tc.from, to: tc.to, kollaDir: kolla, baseArch: "x86_64", format: "json", contextLines: 3}
			if err := runDiff(t.Context(), &out, o, []string{"nova"}); err != nil {
				t.Fatal(err)
			}
			got := diffResult(t, out.Bytes())
			if len(got) != 1 {
				t.Fatalf("want one profile, got %d", len(got))
			}
			r := got[0]
			if diff := cmp.Diff([]string{"nova-base"}, imageNames(r.Changed)); diff != "" {
				t.Errorf("changed (-want +got):\n%s", diff)
			}
			if len(r.Added)+len(r.Removed) != 0 {
				t.Errorf("added %v, removed %v", imageNames(r.Added), imageNames(r.Removed))
			}
			for _, want := range []string{"nova-api", "nova-compute", "nova-conductor"} {
				if !contains(r.Rebuilt, want) {
					t.Errorf("rebuilt %v lacks %s", r.Rebuilt, want)
				}
			}
			if contains(r.Rebuilt, "nova-base") || contains(r.Rebuilt, "base") {
				t.Errorf("rebuilt %v holds a changed image or an ancestor", r.Rebuilt)
			}
			d := r.Changed[0].Diff
			if !strings.Contains(d, "--- a/nova/nova-base/Dockerfile\n+++ b/nova/nova-base/Dockerfile\n") ||
				!strings.Contains(d, "\n-RUN echo "+tc.old+"\n+RUN echo "+tc.new+"\n") {
				t.Errorf("diff:\n%s", d)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDiffKollaReleasesMatchesPython compares two pinned Kolla releases for
// Debian: the images kbk diff reports changed, added and removed are those
// whose Python kolla-build --template-only output differs.
func TestDiffKollaReleasesMatchesPython(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kolla-build twice (about 30 s)")
	}
	versions := testenv.KollaVersions(t)
	if len(versions) < 2 {
		t.Skip("needs two pinned Kolla releases")
	}
	newVenv, oldVenv := testenv.KollaVenv(t, versions[0]), testenv.KollaVenv(t, versions[1])
	stub := testenv.DockerSDKStub(t)
	oldFiles := pythonTemplates(t, oldVenv, stub)
	newFiles := pythonTemplates(t, newVenv, stub)
	var want diffJSON
	for name, text := range newFiles {
		old, ok := oldFiles[name]
		switch {
		case !ok:
			want.Added = append(want.Added, imageDiffJSON{Image: name})
		case old != text:
			want.Changed = append(want.Changed, imageDiffJSON{Image: name})
		}
	}
	for name := range oldFiles {
		if _, ok := newFiles[name]; !ok {
			want.Removed = append(want.Removed, imageDiffJSON{Image: name})
		}
	}

	var out bytes.Buffer
	o := &diffOptions{repo: t.TempDir(), kollaFrom: oldVenv.Dir, kollaTo: newVenv.Dir, base: "debian", baseArch: "x86_64",
		set: []string{"tag=kbk-diff-test"}, enableUnbuildable: true, stat: true, format: "json"}
	if err := runDiff(t.Context(), &out, o, nil); err != nil {
		t.Fatal(err)
	}
	got := diffResult(t, out.Bytes())[0]
	for _, c := range []struct {
		what      string
		want, got []imageDiffJSON
	}{{"changed", want.Changed, got.Changed}, {"added", want.Added, got.Added}, {"removed", want.Removed, got.Removed}} {
		w, g := imageNames(c.want), imageNames(c.got)
		sort.Strings(w)
		sort.Strings(g)
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("%s images (-python +kbk):\n%s", c.what, diff)
		}
	}
	t.Logf("%s → %s: %d changed, %d added, %d removed", versions[1], versions[0], len(got.Changed), len(got.Added), len(got.Removed))
}

// pythonTemplates runs kolla-build --template-only for Debian x86_64 with an
// empty configuration and returns each image's Dockerfile by image name.
func pythonTemplates(t *testing.T, venv testenv.Venv, stub string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "kolla-build.conf")
	if err := os.WriteFile(conf, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "conf.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	cmd := exec.Command(venv.KollaBuild(), "--template-only", "--work-dir", work, "--config-file", conf,
		"--config-dir", filepath.Join(dir, "conf.d"), "--base", "debian", "--base-arch", "x86_64",
		"--tag", "kbk-diff-test", "--enable-unbuildable")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "LANG=C.UTF-8", "TZ=UTC", "PYTHONPATH=" + stub}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", venv.KollaBuild(), err, out)
	}
	files := map[string]string{}
	root := filepath.Join(work, "docker")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "Dockerfile" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[filepath.Base(filepath.Dir(path))] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("kolla-build wrote no Dockerfile under %s", root)
	}
	return files
}
