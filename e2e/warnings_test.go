package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// misspeltOverride overrides a block of demo-api under a name no template
// of the fixture tree defines, a mistake Kolla ignores without a word.
const misspeltOverride = `{% extends parent_template %}

{% block demo_api_footr %}
RUN echo never >> /var/lib/kbk/chain
{% endblock %}
`

// TestGatewayFrontendWarnings builds demo-api with the kbk-frontend image on
// a configuration repository whose demo profile overrides a misspelt block,
// and checks that the daemon's status stream carries what `kbk lint demo`
// says about it as BuildKit warnings (what `docker buildx build` prints),
// with the override file and the line of the block for the excerpt; then,
// when a buildx builder is set up, that `docker buildx build` prints it.
func TestGatewayFrontendWarnings(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kbk-frontend binary; skipped with -short")
	}
	w := newBuildWorld(t)
	c, err := client.New(t.Context(), w.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	ctxDir := w.buildContext(t)
	const overrideFile = "profiles/demo/kolla-template-overrides.j2"
	testenv.WriteFile(t, filepath.Join(ctxDir, filepath.FromSlash(overrideFile)), misspeltOverride)

	// The oracle: kbk lint on the same repository and tree, one
	// "file:line:col: severity: message [code]" line per diagnostic.
	lintCmd := exec.Command(w.kbk, "lint", "demo", "--repo", ctxDir,
		"--kolla-dir", filepath.Join(ctxDir, "kolla-docker"), "--base-arch", "x86_64")
	out, err := lintCmd.Output()
	if err != nil {
		t.Fatalf("kbk lint: %v\n%s", err, out)
	}
	want := strings.Split(strings.TrimSpace(string(out)), "\n")
	var typo string
	var typoLine int
	for _, l := range want {
		if strings.HasPrefix(l, overrideFile+":") && strings.Contains(l, "demo_api_footr") {
			typo = l
			typoLine, err = strconv.Atoi(strings.Split(l, ":")[1])
		}
	}
	if typo == "" || err != nil {
		t.Fatalf("kbk lint does not place the misspelt block in %s: %s", overrideFile, out)
	}

	frontendRef := w.pushFrontend(t, c)
	ctxFS, err := fsutil.NewFS(ctxDir)
	if err != nil {
		t.Fatal(err)
	}
	status := make(chan *client.SolveStatus)
	warnings := make(chan []*client.VertexWarning, 1)
	go func() {
		var all []*client.VertexWarning
		for s := range status {
			all = append(all, s.Warnings...)
		}
		warnings <- all
	}()
	_, err = c.Solve(t.Context(), nil, client.SolveOpt{
		Frontend: "gateway.v0",
		FrontendAttrs: map[string]string{
			"source": frontendRef, "build-arg:profile": "demo", "build-arg:target": "demo-api",
			"build-arg:tag": "warnings", "platform": "linux/amd64",
		},
		LocalMounts: map[string]fsutil.FS{"context": ctxFS, "dockerfile": ctxFS},
	}, status)
	got := <-warnings
	if err != nil {
		t.Fatalf("gateway build: %v", err)
	}

	var found bool
	for _, wa := range got {
		if string(wa.Short) != typo {
			continue
		}
		found = true
		si := wa.SourceInfo
		if si == nil || si.Filename != overrideFile || string(si.Data) != misspeltOverride {
			t.Errorf("warning %q: source %v, want %s", wa.Short, si, overrideFile)
		}
		if len(wa.Range) != 1 || wa.Range[0].GetStart().GetLine() != int32(typoLine) {
			t.Errorf("warning %q: range %v, want line %d", wa.Short, wa.Range, typoLine)
		}
	}
	if !found {
		var shorts []string
		for _, wa := range got {
			shorts = append(shorts, string(wa.Short))
		}
		t.Fatalf("no warning %q in the status stream; got %q", typo, shorts)
	}
	// Every diagnostic of kbk lint arrives, each once.
	count := map[string]int{}
	for _, wa := range got {
		count[string(wa.Short)]++
	}
	for _, l := range want {
		if count[l] != 1 {
			t.Errorf("kbk lint's %q arrived %d times, want once", l, count[l])
		}
	}

	t.Run("buildx", func(t *testing.T) {
		builder := os.Getenv("BUILDX_BUILDER")
		if builder == "" {
			t.Skip("BUILDX_BUILDER is not set: hack/services.sh up creates a remote builder when docker buildx is installed (make tools)")
		}
		testenv.NeedBuildx(t)
		run := exec.Command("docker", "--debug", "buildx", "build", "--builder", builder, "--progress", "plain", "-f", "-",
			"--build-arg", "profile=demo", "--build-arg", "target=demo-api", "--build-arg", "tag=warnings",
			"--platform", "linux/amd64", ctxDir)
		run.Stdin = strings.NewReader("# syntax=" + frontendRef + "\n")
		out, err := run.CombinedOutput()
		if err != nil {
			t.Fatalf("docker buildx build: %v\n%s", err, out)
		}
		// --debug makes buildx print the excerpt of the file at the line.
		for _, s := range []string{typo, ">>> {% block demo_api_footr %}"} {
			if !strings.Contains(string(out), s) {
				t.Errorf("docker buildx build does not print %q:\n%s", s, out)
			}
		}
	})
}
