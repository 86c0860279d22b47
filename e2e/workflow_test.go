package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// workflowFile is the example GitHub Actions workflow of issue 10.
const workflowFile = "examples/github-actions/build.yml"

// ghWorkflow is what the test reads of a GitHub Actions workflow.
type ghWorkflow struct {
	Env  map[string]string
	Jobs map[string]struct {
		Strategy struct {
			Matrix struct {
				Profile []string
			}
		}
		Steps []ghStep
	}
}

type ghStep struct {
	ID   string
	Name string
	Uses string
	Run  string
}

// How TestExampleWorkflow treats each run step, by job and step name: run
// it as written, run it with its kbk commands only checked (kbk parses
// their flags and stops at --help), run it with docker buildx bake only
// printing, or skip it because it needs what no test machine has (a Docker
// daemon, ghcr.io, the internet). A run step missing here fails the test,
// so that a new step is checked too.
var workflowSteps = map[string]string{
	"lint/Build kbk and fetch the pinned Kolla tree":  "run",
	"lint/kbk lint (every profile; warnings fail)":    "run",
	"build/Build kbk and fetch the pinned Kolla tree": "run",
	"build/Image names":     "run",
	"build/kbk affected":    "run",
	"build/Start buildkitd": "skip: docker run of the BuildKit image (Docker daemon, Docker Hub)",
	"build/kbk graph":       "run",
	"build/kbk build":       "check",
	"bake/Build kbk and fetch the pinned Kolla tree": "run",
	"bake/Names":                       "run",
	"bake/Push the kbk frontend image": "skip: pushes to ghcr.io",
	"bake/kbk bake":                    "run",
	"bake/docker buildx bake":          "print",
}

// TestExampleWorkflow runs the example workflow's steps as written, in a
// fresh clone, as a push to main would run them, for every profile of each
// job's matrix: the lint job; the build job's image names, kbk affected
// (against the clone's previous commit), kbk graph, and kbk build's command
// line; the bake job's kbk bake with its jq rewrite, and the bake file it
// writes, which docker buildx bake --print must read with one cache ref per
// image.
func TestExampleWorkflow(t *testing.T) {
	if testing.Short() {
		t.Skip("clones the repository and runs the workflow's steps; skipped with -short")
	}
	for _, tool := range []string{"git", "make", "bash", "jq"} {
		testenv.NeedTool(t, tool, "make tools")
	}
	testenv.NeedBuildx(t)
	testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"]) // make kolla-docker reads it
	clone := freshClone(t)
	revs, err := exec.Command("git", "-C", clone, "rev-parse", "HEAD", "HEAD~1").Output()
	if err != nil {
		t.Fatalf("the clone has no previous commit: %v", err)
	}
	head, before, _ := strings.Cut(strings.TrimSpace(string(revs)), "\n")
	dt, err := os.ReadFile(filepath.Join(clone, workflowFile))
	if err != nil {
		t.Fatal(err)
	}
	var wf ghWorkflow
	if err := yaml.Unmarshal(dt, &wf); err != nil {
		t.Fatalf("%s: %v", workflowFile, err)
	}
	// kbk-check is ./bin/kbk for "check" steps: kbk parses the command
	// line, then --help stops it.
	testenv.WriteFile(t, filepath.Join(clone, "bin", "kbk-check"), "#!/bin/sh\nexec ./bin/kbk \"$@\" --help >/dev/null\n")
	if err := os.Chmod(filepath.Join(clone, "bin", "kbk-check"), 0o755); err != nil {
		t.Fatal(err)
	}

	for _, job := range slices.Sorted(maps.Keys(wf.Jobs)) {
		profiles := wf.Jobs[job].Strategy.Matrix.Profile
		if len(profiles) == 0 {
			profiles = []string{""}
		}
		for _, profile := range profiles {
			t.Run(job+"/"+profile, func(t *testing.T) {
				r := &workflowRun{t: t, dir: clone, env: map[string]string{
					"GITHUB_REPOSITORY_OWNER": "Example-Org", "GITHUB_SHA": head,
				}, exprs: map[string]string{
					"matrix.profile": profile, "github.event_name": "push", "github.event.before": before,
				}}
				maps.Copy(r.env, wf.Env)
				for _, step := range wf.Jobs[job].Steps {
					r.step(job, step)
				}
				if job == "bake" {
					r.checkBakeFile(profile)
				}
			})
		}
	}
}

// workflowRun is one job of the workflow run for one matrix entry.
type workflowRun struct {
	t     *testing.T
	dir   string
	env   map[string]string // the job's environment, GITHUB_ENV included
	exprs map[string]string // the values of ${{ … }} expressions
	print string            // what docker buildx bake --print wrote
}

var ghExpr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

func (r *workflowRun) step(job string, step ghStep) {
	t := r.t
	if step.Run == "" {
		return // an action: nothing of ours to run
	}
	how, ok := workflowSteps[job+"/"+step.Name]
	if !ok {
		t.Fatalf("%s: step %q is new to this test: say in workflowSteps how to check it", job, step.Name)
	}
	if strings.HasPrefix(how, "skip") {
		return
	}
	script := ghExpr.ReplaceAllStringFunc(step.Run, func(m string) string {
		expr := ghExpr.FindStringSubmatch(m)[1]
		v, ok := r.exprs[expr]
		if !ok {
			t.Fatalf("%s/%s: expression %q unknown to this test", job, step.Name, expr)
		}
		return v
	})
	switch how {
	case "check":
		if !strings.Contains(script, "./bin/kbk ") {
			t.Fatalf("%s/%s: no ./bin/kbk command to check", job, step.Name)
		}
		script = strings.ReplaceAll(script, "./bin/kbk ", "./bin/kbk-check ")
	case "print":
		if !strings.Contains(script, "docker buildx bake ") {
			t.Fatalf("%s/%s: no docker buildx bake to print", job, step.Name)
		}
		script = strings.Replace(script, "docker buildx bake ", "docker buildx bake --print ", 1)
	}
	githubEnv := filepath.Join(t.TempDir(), "env")
	githubOutput := filepath.Join(t.TempDir(), "output")
	cmd := exec.Command("bash", "-e", "-c", script)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GITHUB_ENV="+githubEnv, "GITHUB_OUTPUT="+githubOutput)
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s/%s: %v\n%s%s", job, step.Name, err, out, stderr)
	}
	t.Logf("%s/%s (%s):\n%s", job, step.Name, how, out)
	if how == "print" {
		r.print = string(out)
	}
	// Later steps see GITHUB_ENV as their environment and, for a step with
	// an id, GITHUB_OUTPUT as steps.<id>.outputs.<name>.
	for file, prefix := range map[string]string{githubEnv: "", githubOutput: "steps." + step.ID + ".outputs."} {
		dt, err := os.ReadFile(file)
		if err != nil || (file == githubOutput && step.ID == "") {
			continue // the step wrote none, or nothing can read it
		}
		for _, line := range strings.Split(strings.TrimSpace(string(dt)), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s/%s: %s line %q is not KEY=VALUE", job, step.Name, file, line)
			}
			if prefix == "" {
				r.env[k] = v
			} else {
				r.exprs[prefix+k] = v
			}
		}
	}
	if job == "build" && step.ID == "affected" {
		if _, ok := r.exprs["steps.affected.outputs.count"]; !ok {
			t.Errorf("kbk affected wrote no count to GITHUB_OUTPUT")
		}
	}
}

// checkBakeFile checks what docker buildx bake --print made of the bake
// file: the profile's group, each target built by the kbk frontend with a
// cache ref of its own, pushed under the namespace the Names step chose.
func (r *workflowRun) checkBakeFile(profile string) {
	t := r.t
	var printed struct {
		Group  map[string]struct{ Targets []string }
		Target map[string]struct {
			Args      map[string]string
			Tags      []string
			CacheFrom []json.RawMessage `json:"cache-from"`
			CacheTo   []json.RawMessage `json:"cache-to"`
		}
	}
	if err := json.Unmarshal([]byte(r.print), &printed); err != nil {
		t.Fatalf("docker buildx bake --print: %v\n%s", err, r.print)
	}
	targets := printed.Group[profile].Targets
	if len(targets) == 0 {
		t.Fatalf("docker buildx bake --print %s: no targets in group %s\n%s", profile, profile, r.print)
	}
	for _, name := range targets {
		target, ok := printed.Target[name]
		if !ok {
			t.Errorf("target %s of group %s is not printed", name, profile)
			continue
		}
		if target.Args["BUILDKIT_SYNTAX"] != r.env["KBK_FRONTEND_IMAGE"] || target.Args["profile"] != profile {
			t.Errorf("target %s: build args %v; want the frontend %s and profile %s", name, target.Args, r.env["KBK_FRONTEND_IMAGE"], profile)
		}
		if len(target.Tags) != 1 || !strings.HasPrefix(target.Tags[0], "ghcr.io/example-org/kolla/") {
			t.Errorf("target %s: tags %v; want one under ghcr.io/example-org/kolla/", name, target.Tags)
		}
		ref := fmt.Sprintf("ghcr.io/example-org/kolla-cache:%s", name)
		if len(target.CacheFrom) != 1 || !strings.Contains(string(target.CacheFrom[0]), ref) ||
			len(target.CacheTo) != 1 || !strings.Contains(string(target.CacheTo[0]), ref) {
			t.Errorf("target %s: cache-from %s, cache-to %s; want each %s", name, target.CacheFrom, target.CacheTo, ref)
		}
	}
}
