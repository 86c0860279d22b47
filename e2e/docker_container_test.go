package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// TestDockerContainerBuilder builds through the current buildx builder when
// it uses the docker-container driver, the kind `docker buildx create` makes
// by default. This machine has no Docker daemon, so a `docker` on PATH
// stands in for `docker exec` into the builder's container: it accepts
// exactly the command kbk must run for the builder's node, logs it, and
// becomes `buildctl dial-stdio` to the test daemon, the program buildx's
// container would run. Everything past the exec is real: the build, its
// session and its pushes go over that standard input and output.
func TestDockerContainerBuilder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds; skipped with -short")
	}
	w := newBuildWorld(t)
	buildctl := testenv.Buildctl(t)

	// A builder as `docker buildx create --name kbk-dc --driver
	// docker-container --platform linux/amd64` writes it.
	buildxConfig := filepath.Join(t.TempDir(), "buildx")
	testenv.WriteFile(t, filepath.Join(buildxConfig, "instances", "kbk-dc"),
		`{"Name":"kbk-dc","Driver":"docker-container","Nodes":[{"Name":"kbk-dc0","Endpoint":"default",`+
			`"Platforms":[{"architecture":"amd64","os":"linux"}],"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}`)

	bin := t.TempDir()
	log := filepath.Join(t.TempDir(), "docker.log")
	testenv.WriteFile(t, filepath.Join(bin, "docker"), fmt.Sprintf(`#!/bin/sh
# The test's stand-in for "docker exec" into a buildx builder's container.
echo "$*" >> %q
if [ "$*" != "--context default exec -i buildx_buildkit_kbk-dc0 buildctl dial-stdio" ]; then
	echo "Error response from daemon: No such container (the stand-in knows only buildx_buildkit_kbk-dc0): $*" >&2
	exit 1
fi
exec %q --addr %q dial-stdio
`, log, buildctl, w.addr))
	if err := os.Chmod(filepath.Join(bin, "docker"), 0o755); err != nil {
		t.Fatal(err)
	}

	kbkBuild := func(t *testing.T, builder, tag string) (string, error) {
		build := exec.Command(w.kbk, "build", "demo", "--progress", "plain", "--repo", w.repo, "--kolla-dir", w.kollaDir,
			"--retries", "0", "--push", "--tag", tag)
		// No --addr, no BUILDKIT_HOST: the builder says where BuildKit is.
		build.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir(),
			"BUILDX_CONFIG=" + buildxConfig, "BUILDX_BUILDER=" + builder}
		return runWithin(t, build, 10*time.Minute)
	}

	t.Run("build and push", func(t *testing.T) {
		const tag = "docker-container"
		out, err := kbkBuild(t, "kbk-dc", tag)
		if err != nil {
			t.Fatalf("kbk build: %v\n%s", err, out)
		}
		for _, image := range []string{"demo-base", "demo-api", "demo-worker"} {
			r, err := name.ParseReference(w.ref(image, tag), name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := remote.Head(r); err != nil {
				t.Errorf("%s was not pushed: %v", r, err)
			}
		}
		dt, err := os.ReadFile(log)
		if err != nil {
			t.Fatalf("kbk build never ran docker: %v", err)
		}
		if n := builtRecords(t, w.addr, w.namespace, tag); n == 0 {
			t.Errorf("the daemon behind the builder has no build of tag %s", tag)
		}
		t.Logf("docker ran as:\n%s", dt)
	})

	t.Run("container not running", func(t *testing.T) {
		testenv.WriteFile(t, filepath.Join(buildxConfig, "instances", "kbk-gone"),
			`{"Name":"kbk-gone","Driver":"docker-container","Nodes":[{"Name":"kbk-gone0","Endpoint":"default",`+
				`"Platforms":null,"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}`)
		out, err := kbkBuild(t, "kbk-gone", "docker-container-gone")
		if err == nil {
			t.Fatalf("kbk build succeeded through a builder whose container does not exist\n%s", out)
		}
		t.Logf("kbk build through a missing container: %v\n%s", err, out)
		for _, want := range []string{"connecting to BuildKit at docker-container://buildx_buildkit_kbk-gone0", "docker buildx inspect --bootstrap", "No such container"} {
			if !strings.Contains(out, want) {
				t.Errorf("the error does not say %q:\n%s", want, out)
			}
		}
	})
}
