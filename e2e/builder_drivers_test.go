package e2e

import (
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

// driverWorld is a build world with buildx builders of drivers whose
// daemons this machine cannot run (a Docker daemon, a Kubernetes cluster):
// their clients, docker or kubectl, are stand-ins on PATH that accept only
// the commands kbk must run and then become `buildctl dial-stdio` to the
// test daemon, what the builder's container or pod would run. Everything
// past that command is real.
type driverWorld struct {
	*buildWorld
	buildctl     string
	bin          string // the stand-ins
	buildxConfig string
	log          string // every stand-in invocation, a line each
}

func newDriverWorld(t *testing.T) *driverWorld {
	if testing.Short() {
		t.Skip("builds; skipped with -short")
	}
	return &driverWorld{buildWorld: newBuildWorld(t), buildctl: testenv.Buildctl(t), bin: t.TempDir(),
		buildxConfig: filepath.Join(t.TempDir(), "buildx"), log: filepath.Join(t.TempDir(), "standins.log")}
}

// builder writes a builder's file as buildx writes it.
func (w *driverWorld) builder(t *testing.T, name, instance string) {
	testenv.WriteFile(t, filepath.Join(w.buildxConfig, "instances", name), instance)
}

// standIn writes an executable script called name on the stand-ins' PATH.
func (w *driverWorld) standIn(t *testing.T, name, script string) {
	path := filepath.Join(w.bin, name)
	testenv.WriteFile(t, path, script)
	if err := os.Chmod(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

// build runs kbk build demo --push through builder, with no --addr and no
// BUILDKIT_HOST: the builder says where BuildKit is.
func (w *driverWorld) build(t *testing.T, builder, tag string) (string, error) {
	build := exec.Command(w.kbk, "build", "demo", "--progress", "plain", "--repo", w.repo, "--kolla-dir", w.kollaDir,
		"--retries", "0", "--push", "--tag", tag)
	build.Env = []string{"PATH=" + w.bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"BUILDX_CONFIG=" + w.buildxConfig, "BUILDX_BUILDER=" + builder}
	return runWithin(t, build, 10*time.Minute)
}

// builtThrough checks that tag's images were pushed, that the test daemon
// built them, and that a stand-in ran the command want.
func (w *driverWorld) builtThrough(t *testing.T, tag, want string) {
	for _, image := range []string{"demo-base", "demo-api", "demo-worker"} {
		r, err := name.ParseReference(w.ref(image, tag), name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := remote.Head(r); err != nil {
			t.Errorf("%s was not pushed: %v", r, err)
		}
	}
	if n := builtRecords(t, w.addr, w.namespace, tag); n == 0 {
		t.Errorf("the daemon behind the builder has no build of tag %s", tag)
	}
	dt, err := os.ReadFile(w.log)
	if err != nil {
		t.Fatalf("kbk build ran no stand-in: %v", err)
	}
	if !strings.Contains(string(dt), want+"\n") {
		t.Errorf("the stand-ins ran:\n%s\nnot %q", dt, want)
	}
}
