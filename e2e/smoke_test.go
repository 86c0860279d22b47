package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	gateway "github.com/moby/buildkit/frontend/gateway/client"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// TestSmoke proves the plumbing every other integration test relies on: an
// in-process gateway build function solves LLB on the real buildkitd, the image
// exporter pushes the result to the test registry, and the registry serves back
// exactly the file and config the build function produced.
func TestSmoke(t *testing.T) {
	addr := testenv.BuildkitAddr(t)
	ref := testenv.Ref(t, "kbk/smoke")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	c, err := client.New(ctx, addr)
	if err != nil {
		t.Fatalf("connect to buildkitd at %s: %v", addr, err)
	}
	defer c.Close()

	// The content names the tag, so the solve cannot be answered from cache.
	content := []byte("kbk smoke " + ref + "\n")
	cmd := []string{"/hello"}
	build := func(ctx context.Context, gw gateway.Client) (*gateway.Result, error) {
		def, err := llb.Scratch().File(llb.Mkfile("/hello", 0o644, content)).Marshal(ctx)
		if err != nil {
			return nil, err
		}
		res, err := gw.Solve(ctx, gateway.SolveRequest{Definition: def.ToPB()})
		if err != nil {
			return nil, err
		}
		config, err := json.Marshal(ocispecs.Image{
			Platform: ocispecs.Platform{OS: "linux", Architecture: runtime.GOARCH},
			Config:   ocispecs.ImageConfig{Cmd: cmd},
			RootFS:   ocispecs.RootFS{Type: "layers"},
		})
		if err != nil {
			return nil, err
		}
		res.AddMeta(exptypes.ExporterImageConfigKey, config)
		return res, nil
	}

	opt := client.SolveOpt{Exports: []client.ExportEntry{{
		Type:  client.ExporterImage,
		Attrs: map[string]string{"name": ref, "push": "true", "registry.insecure": "true"},
	}}}
	status := make(chan *client.SolveStatus)
	logs := collectLogs(status)
	resp, err := c.Build(ctx, opt, "", build, status)
	if err != nil {
		t.Fatalf("build and push %s: %v\nbuild log:\n%s", ref, err, <-logs)
	}
	t.Logf("build log:\n%s", <-logs)

	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Get(r, remote.WithContext(ctx))
	if err != nil {
		t.Fatalf("pull %s back: %v", ref, err)
	}
	if got, want := desc.Digest.String(), resp.ExporterResponse[exptypes.ExporterImageDigestKey]; got != want {
		t.Errorf("registry serves %s as %s, exporter pushed %s", ref, got, want)
	}
	img, err := desc.Image()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH || strings.Join(cfg.Config.Cmd, " ") != "/hello" {
		t.Errorf("config: got %s/%s cmd %q, want linux/%s cmd %q", cfg.OS, cfg.Architecture, cfg.Config.Cmd, runtime.GOARCH, cmd)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("got %d layers, want 1", len(layers))
	}
	got, err := readFile(layers[0].Uncompressed, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) {
		t.Errorf("/hello in the pushed layer: got %q, want %q", got, content)
	}
}

// collectLogs drains a build's status stream and yields one line per finished or
// failed step, plus the steps' log output, once the stream closes.
func collectLogs(status <-chan *client.SolveStatus) <-chan string {
	out := make(chan string, 1)
	go func() {
		var b strings.Builder
		reported := map[digest.Digest]bool{} // the stream repeats a vertex as it updates
		for s := range status {
			for _, v := range s.Vertexes {
				if reported[v.Digest] {
					continue
				}
				switch {
				case v.Error != "":
					fmt.Fprintf(&b, "%s: ERROR %s\n", v.Name, v.Error)
					reported[v.Digest] = true
				case v.Completed != nil:
					fmt.Fprintf(&b, "%s: done\n", v.Name)
					reported[v.Digest] = true
				}
			}
			for _, l := range s.Logs {
				b.Write(l.Data)
			}
		}
		out <- b.String()
	}()
	return out
}

// readFile returns the content of path in an uncompressed layer tarball.
func readFile(open func() (io.ReadCloser, error), path string) ([]byte, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s not in layer", path)
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimPrefix(h.Name, "./") == path {
			return io.ReadAll(tr)
		}
	}
}

// TestWorkerPlatforms checks that the harness registered qemu's binfmt handlers
// before starting buildkitd, which the multi-platform builds depend on.
func TestWorkerPlatforms(t *testing.T) {
	addr := testenv.BuildkitAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.New(ctx, addr)
	if err != nil {
		t.Fatalf("connect to buildkitd at %s: %v", addr, err)
	}
	defer c.Close()
	workers, err := c.ListWorkers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, w := range workers {
		for _, p := range w.Platforms {
			all = append(all, p.OS+"/"+p.Architecture)
		}
	}
	for _, want := range []string{"linux/amd64", "linux/arm64"} {
		if !slices.Contains(all, want) {
			t.Errorf("buildkitd at %s offers %v, want %s (is qemu-aarch64 registered? see hack/tools.sh)", addr, all, want)
		}
	}
}
