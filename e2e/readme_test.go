package e2e

import (
	"bufio"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/render"
)

// TestReadmeCommands does what a new user does: clone the repository and run
// the `make` lines of the README's first ```sh block (make demo). They must
// print the example nova profile's image tree and write its Dockerfiles to
// out/nova, as many as the plan package selects for nova on the same clone.
// Only committed files are in a clone, which is the point.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("clones the repository and runs make demo; skipped with -short")
	}
	for _, tool := range []string{"git", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	// make demo fills kolla-docker/ from the pinned release's venv.
	testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"])
	clone := freshClone(t)
	commands := readmeSetupCommands(t, filepath.Join(clone, "README.md"))
	var output strings.Builder
	for _, line := range commands {
		cmd := exec.Command("sh", "-c", line)
		cmd.Dir = clone
		// KBK_CACHE passes through, so the cached venvs serve the clone.
		cmd.Env = os.Environ()
		out, err := cmd.CombinedOutput()
		t.Logf("%s:\n%s", line, out)
		if err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
		output.Write(out)
	}
	if !strings.Contains(output.String(), "nova-api") {
		t.Errorf("no nova-api in the output of %q", commands)
	}
	want := novaImageCount(t, clone)
	if got := countDockerfiles(t, filepath.Join(clone, "out", "nova", "docker")); got != want {
		t.Errorf("out/nova/docker holds %d Dockerfiles, want %d (the nova profile's selection)", got, want)
	}
}

// freshClone clones the repository as a new user would: only committed
// files are in it.
func freshClone(t *testing.T) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	clone := filepath.Join(t.TempDir(), "kbk")
	if out, err := exec.Command("git", "clone", "--quiet", root, clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	return clone
}

// readmeSetupCommands returns the lines of the README's first ```sh block
// that run make, without their comments, except those running the test
// suite (make ci, make test...), which holds this test: a clone would clone
// again.
func readmeSetupCommands(t *testing.T, readme string) []string {
	t.Helper()
	f, err := os.Open(readme)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case !in && line == "```sh":
			in = true
		case in && line == "```":
			if len(lines) == 0 {
				t.Fatalf("%s: the first sh block has no make command", readme)
			}
			return lines
		case in && strings.HasPrefix(line, "make "):
			cmd, _, _ := strings.Cut(line, "#")
			if target := strings.Fields(cmd)[1]; target == "ci" || strings.HasPrefix(target, "test") {
				continue
			}
			lines = append(lines, strings.TrimSpace(cmd))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("%s: no ```sh block with make commands", readme)
	return nil
}

// novaImageCount is how many images the nova profile of repo selects, by the
// plan package on the Kolla tree make demo put in repo/kolla-docker.
func novaImageCount(t *testing.T, repo string) int {
	t.Helper()
	tree, err := render.LoadTree(filepath.Join(repo, "kolla-docker"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := plan.Load(plan.Request{Repo: repo, Profile: "nova", Env: map[string]string{}, Tree: tree})
	if err != nil {
		t.Fatal(err)
	}
	im, err := cfg.ForArch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	n := len(im.Selection.Selected())
	if n == 0 {
		t.Fatal("the nova profile selects no image")
	}
	return n
}

func countDockerfiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "Dockerfile" {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
