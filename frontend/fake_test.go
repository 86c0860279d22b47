package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/moby/buildkit/client/llb/sourceresolver"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// fakeGateway is the part of a gateway client that conversion uses: build
// options with every capability. Any other call panics through the nil
// embedded interface, which would show that conversion talks to the daemon.
type fakeGateway struct {
	gwclient.Client
}

func (fakeGateway) BuildOpts() gwclient.BuildOpts {
	return gwclient.BuildOpts{
		Opts:      map[string]string{},
		SessionID: "fake-session",
		Workers:   []gwclient.WorkerInfo{{ID: "fake", Platforms: []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}}}},
		LLBCaps:   pb.Caps.CapSet(pb.Caps.All()),
		Caps:      gwpb.Caps.CapSet(gwpb.Caps.All()),
	}
}

// fakeResolver answers image config lookups for base images with a fixed
// config and records what was asked, so tests can see parents are never
// resolved through a registry.
type fakeResolver struct {
	mu       sync.Mutex
	resolved []string
}

func (r *fakeResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	r.mu.Lock()
	r.resolved = append(r.resolved, ref)
	r.mu.Unlock()
	p := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	img := dockerspec.DockerOCIImage{
		Image: ocispecs.Image{Platform: p, RootFS: ocispecs.RootFS{Type: "layers"}},
		Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{
			Env: []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
		}},
	}
	dt, err := json.Marshal(img)
	if err != nil {
		return "", "", nil, err
	}
	// A fixed digest per reference and platform keeps conversions comparable.
	dgst := digest.FromString(fmt.Sprintf("%s %s/%s", ref, p.OS, p.Architecture))
	return ref, dgst, dt, nil
}
