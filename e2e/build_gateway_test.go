package e2e

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/tonistiigi/fsutil"
)

// TestGatewayPlanner runs cmd/kbk-frontend as BuildKit runs a `# syntax=`
// frontend: an image holding nothing but the binary (no /tmp), started by
// the daemon, reading the Kolla tree (kolla-docker/) and the configuration
// repository from the build context through the gateway. It builds demo-api
// of the demo profile and checks the pushed image ran its whole chain.
func TestGatewayPlanner(t *testing.T) {
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
	frontendRef := w.pushFrontend(t, c)
	ctxFS, err := fsutil.NewFS(ctxDir)
	if err != nil {
		t.Fatal(err)
	}
	ref := w.ref("demo-api", "gateway")
	_, err = c.Solve(t.Context(), nil, client.SolveOpt{
		Frontend: "gateway.v0",
		FrontendAttrs: map[string]string{
			"source": frontendRef, "build-arg:profile": "demo", "build-arg:target": "demo-api", "build-arg:tag": "gateway",
		},
		LocalMounts: map[string]fsutil.FS{"context": ctxFS, "dockerfile": ctxFS},
		Exports: []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{
			"name": ref, "push": "true", "registry.insecure": "true",
		}}},
	}, nil)
	if err != nil {
		t.Fatalf("gateway build: %v", err)
	}
	files := imageFiles(t, w.pull(t, ref))
	if got, want := files["var/lib/kbk/chain"], "base\nopenstack-base\ndemo-base\ndemo-api\n"; got != want {
		t.Errorf("chain %q, want %q", got, want)
	}
	if got := files["additions/conf/settings.ini"]; got != "[demo]\nmode = e2e\n" {
		t.Errorf("local addition: %q", got)
	}
}

// buildContext makes the build context a frontend user has: the
// configuration repository with the Kolla tree in kolla-docker/ (templates and
// Kolla's python package, copied: a context carries no links out of it).
func (w *buildWorld) buildContext(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, w.repo, dir, nil)
	copyTree(t, filepath.Join(w.kollaDir, "docker"), filepath.Join(dir, "kolla-docker", "docker"), nil)
	pkg, err := filepath.EvalSymlinks(filepath.Join(w.kollaDir, "kolla"))
	if err != nil {
		t.Fatal(err)
	}
	copyTree(t, pkg, filepath.Join(dir, "kolla-docker", "kolla"), func(rel string) bool {
		return !strings.HasPrefix(rel, "docker") && !strings.HasPrefix(rel, "tests") && !strings.Contains(rel, "__pycache__")
	})
	return dir
}

// TestBakeBuildsWithBuildx writes a bake file with kbk bake and builds it with
// docker buildx bake on the test daemon (remote builder): every image of the
// profile is pushed, built on its parent.
func TestBakeBuildsWithBuildx(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kbk-frontend binary; skipped with -short")
	}
	builder := os.Getenv("BUILDX_BUILDER")
	if builder == "" {
		t.Skip("BUILDX_BUILDER is not set: hack/services.sh up creates a remote builder when docker buildx is installed (make tools)")
	}
	testenv.NeedBuildx(t)
	w := newBuildWorld(t)
	c, err := client.New(t.Context(), w.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctxDir := w.buildContext(t)
	frontendRef := w.pushFrontend(t, c)

	bakeFile := filepath.Join(ctxDir, "kbk-bake.json")
	bake := exec.Command(w.kbk, "bake", "demo", "--repo", ctxDir, "--kolla-dir", filepath.Join(ctxDir, "kolla-docker"),
		"--frontend-image", frontendRef, "--push", "--tag", "baked", "-o", bakeFile)
	if out, err := bake.CombinedOutput(); err != nil {
		t.Fatalf("kbk bake: %v\n%s", err, out)
	}
	run := exec.Command("docker", "buildx", "bake", "--builder", builder, "--progress", "plain", "-f", bakeFile, "demo")
	run.Dir = ctxDir
	out, err := run.CombinedOutput()
	if err != nil {
		dt, _ := os.ReadFile(bakeFile)
		t.Fatalf("docker buildx bake: %v\n%s\nbake file:\n%s", err, out, dt)
	}
	chains := map[string]string{
		"base": "base\n", "openstack-base": "base\nopenstack-base\n", "demo-base": "base\nopenstack-base\ndemo-base\n",
		"demo-api": "base\nopenstack-base\ndemo-base\ndemo-api\n", "demo-worker": "base\nopenstack-base\ndemo-base\ndemo-worker\n",
	}
	for n, chain := range chains {
		if got := imageFiles(t, w.pull(t, w.ref(n, "baked")))["var/lib/kbk/chain"]; got != chain {
			t.Errorf("%s: chain %q, want %q", n, got, chain)
		}
	}
}

// pushFrontend pushes an image of the kbk-frontend binary alone, as the
// repository's Dockerfile makes it, and returns its reference.
func (w *buildWorld) pushFrontend(t *testing.T, c *client.Client) string {
	t.Helper()
	bin := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(bin, "kbk-frontend"), "github.com/kbk-dev/kbk/cmd/kbk-frontend")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build kbk-frontend: %v\n%s", err, out)
	}
	binFS, err := fsutil.NewFS(bin)
	if err != nil {
		t.Fatal(err)
	}
	config, err := json.Marshal(dockerspec.DockerOCIImage{
		Image: ocispecs.Image{Platform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}},
		Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{
			Entrypoint: []string{"/kbk-frontend"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	def, err := llb.Scratch().File(llb.Copy(llb.Local("bin"), "/kbk-frontend", "/kbk-frontend")).Marshal(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ref := w.registry + "/" + w.namespace + "/kbk-frontend:dev"
	if _, err := c.Solve(t.Context(), def, client.SolveOpt{
		LocalMounts: map[string]fsutil.FS{"bin": binFS},
		Exports: []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{
			"name": ref, "push": "true", "registry.insecure": "true", "containerimage.config": string(config),
		}}},
	}, nil); err != nil {
		t.Fatalf("pushing the frontend image: %v", err)
	}
	return ref
}

// copyTree copies the regular files of from into to, those keep accepts
// (by slash path relative to from; nil keeps all).
func copyTree(t *testing.T, from, to string, keep func(rel string) bool) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() || (keep != nil && !keep(rel)) {
			return nil
		}
		dt, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(to, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), dt, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
