package frontend

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/tonistiigi/fsutil"
)

// TestGatewayImage runs cmd/kbk-frontend the way `docker buildx build` does
// with BUILDKIT_SYNTAX: as a gateway image the daemon starts. Until a planner
// is wired in, the frontend must answer with its own error, which proves the
// entry point, the gateway protocol and the option parsing work in a container.
func TestGatewayImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kbk-frontend binary; skipped with -short")
	}
	e := newE2E(t)
	bin := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(bin, "kbk-frontend"), "github.com/kbk-dev/kbk/cmd/kbk-frontend")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	binFS, err := fsutil.NewFS(bin)
	if err != nil {
		t.Fatal(err)
	}
	img := dockerspec.DockerOCIImage{
		Image: ocispecs.Image{Platform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}},
		Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{
			Entrypoint: []string{"/bin/kbk-frontend"},
		}},
	}
	config, err := json.Marshal(img)
	if err != nil {
		t.Fatal(err)
	}
	st := llb.Scratch().File(llb.Copy(llb.Local("bin"), "/kbk-frontend", "/bin/kbk-frontend", &llb.CopyInfo{CreateDestPath: true}))
	def, err := st.Marshal(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ref := e.namespace + "/kbk-frontend:" + e.tag
	exports := pushTo(ref)
	exports[0].Attrs["containerimage.config"] = string(config)
	if _, err := e.c.Solve(t.Context(), def, client.SolveOpt{
		LocalMounts: map[string]fsutil.FS{"bin": binFS},
		Exports:     exports,
	}, nil); err != nil {
		t.Fatalf("pushing the frontend image: %v", err)
	}

	ctxFS, err := fsutil.NewFS(e.context)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.c.Solve(t.Context(), nil, client.SolveOpt{
		Frontend:      "gateway.v0",
		FrontendAttrs: map[string]string{"source": ref, "build-arg:profile": "demo", "build-arg:target": "demo-api"},
		LocalMounts:   map[string]fsutil.FS{"context": ctxFS, "dockerfile": ctxFS},
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "kbk-frontend: no planner wired in") {
		t.Fatalf("gateway run: %v, want the frontend's own no-planner error", err)
	}
}
