package main

// This file runs a planned build on BuildKit: one session shared by every
// solve, a conversion job that turns each platform's plan into LLB, then one
// client.Build per image, all at once, each exporting its own image.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/docker/cli/cli/config"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/moby/buildkit/session/filesync"
	"github.com/moby/buildkit/util/progress/progressui"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/tonistiigi/fsutil"

	"github.com/kbk-dev/kbk/frontend"
)

// Session local names of the two directories kbk build shares.
const (
	localKolla = "kbk-kolla" // the Kolla template directory
	localRepo  = "kbk-repo"  // the configuration repository (local sources)
)

// sessionResult is what one session did: every planned image's job.
type sessionResult struct {
	names     []string // parents first
	jobs      map[string]*imageJob
	converted time.Duration // from the start to the end of conversion
}

// runSession builds every image of bp on the daemon of c, showing progress
// through mux. Only a failure to start (session, conversion) is an error;
// image failures are in the jobs.
func runSession(ctx context.Context, c *client.Client, bp *buildPlan, caches buildCaches, mux *progressMux) (*sessionResult, error) {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	s, outputs, err := newBuildSession(ctx, bp)
	if err != nil {
		return nil, err
	}
	go s.Run(ctx, func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
		return c.Dialer()(ctx, proto, meta)
	})
	defer s.Close()

	kolla := frontend.LocalTree{Name: localKolla, Options: []llb.LocalOption{llb.SessionID(s.ID()), llb.SharedKeyHint("kbk-kolla:" + bp.cfg.Tree.DockerDir)}}
	repo := frontend.LocalTree{Name: localRepo, Options: []llb.LocalOption{llb.SessionID(s.ID()), llb.SharedKeyHint("kbk-repo:" + bp.cfg.Profile.Repo)}}
	convs, err := convertAll(ctx, c, s, bp, kolla, repo, mux)
	if err != nil {
		return nil, err
	}
	if err := mux.own(ctx, bp, convs); err != nil {
		return nil, err
	}
	res := &sessionResult{converted: time.Since(start)}
	if res.names, err = bp.imageNames(); err != nil {
		return nil, err
	}
	res.jobs = make(map[string]*imageJob, len(res.names))
	for _, name := range res.names {
		res.jobs[name] = &imageJob{name: name, done: make(chan struct{})}
	}
	var wg sync.WaitGroup
	for _, name := range res.names {
		j := res.jobs[name]
		wg.Go(func() {
			defer close(j.done)
			runImageJob(ctx, c, s, bp, caches, convs, j, res.jobs, outputs, mux)
		})
	}
	wg.Wait()
	return res, nil
}

// startProgress starts the one progress display of a build; finish closes
// it once every stream forwarded to the mux has ended.
func startProgress(out io.Writer, mode string) (mux *progressMux, finish func(), err error) {
	display, err := progressui.NewDisplay(out, progressui.DisplayMode(mode))
	if err != nil {
		return nil, nil, err
	}
	mux = newProgressMux()
	done := make(chan struct{})
	go func() {
		defer close(done)
		display.UpdateFrom(context.Background(), mux.out)
	}()
	return mux, func() {
		mux.close()
		<-done
	}, nil
}

// newBuildSession creates the shared session: the two local directories, the
// registry credentials of the docker config, the ssh agent of SSH_AUTH_SOCK
// (see build_ssh.go), and the OCI archive targets.
func newBuildSession(ctx context.Context, bp *buildPlan) (*session.Session, *archiveOutputs, error) {
	// First, so that ssh sources without an agent fail before any build.
	agent, err := sshAgent(bp.plans, os.Getenv("SSH_AUTH_SOCK"))
	if err != nil {
		return nil, nil, err
	}
	s, err := session.NewSession(ctx, "kbk-build")
	if err != nil {
		return nil, nil, fmt.Errorf("creating the BuildKit session: %w", err)
	}
	kollaFS, err := fsutil.NewFS(bp.cfg.Tree.DockerDir)
	if err != nil {
		return nil, nil, fmt.Errorf("Kolla tree %s: %w", bp.cfg.Tree.DockerDir, err)
	}
	repoFS, err := fsutil.NewFS(bp.cfg.Profile.Repo)
	if err != nil {
		return nil, nil, fmt.Errorf("configuration repository %s: %w", bp.cfg.Profile.Repo, err)
	}
	s.Allow(filesync.NewFSSyncProvider(filesync.StaticDirSource{localKolla: kollaFS, localRepo: repoFS}))
	s.Allow(authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: authprovider.LoadAuthConfig(config.LoadDefaultConfigFile(io.Discard)),
	}))
	if agent != nil {
		s.Allow(agent)
	}
	outputs := &archiveOutputs{dir: bp.output, files: map[string]string{}}
	if bp.output != "" {
		if err := os.MkdirAll(bp.output, 0o755); err != nil {
			return nil, nil, err
		}
		// Every Build on the session numbers its exports from 0: one target
		// serves them all and tells the images apart by the name the
		// exporter reports.
		s.Allow(filesync.NewFSSyncTarget(filesync.WithFSSync(0, outputs.open), filesync.WithFSSync(1, outputs.open)))
	}
	return s, outputs, nil
}

// archiveOutputs opens the OCI archive of an image by its reference.
type archiveOutputs struct {
	dir   string
	mu    sync.Mutex
	files map[string]string // reference → archive path
}

func (a *archiveOutputs) add(ref, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.files[normalRef(ref)] = filepath.Join(a.dir, name+".tar")
}

func (a *archiveOutputs) open(md map[string]string) (io.WriteCloser, error) {
	ref := md[exptypes.ExporterImageNameKey]
	a.mu.Lock()
	path, ok := a.files[normalRef(ref)]
	a.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("an OCI archive for %q, which is no image of this build", ref)
	}
	return os.Create(path)
}

// convertAll converts every platform's plan into LLB in one job of the
// session. Only conversion needs a gateway client (to resolve the root's base
// image); the states it returns are solved by the image jobs.
func convertAll(ctx context.Context, c *client.Client, s *session.Session, bp *buildPlan, kolla, repo frontend.Tree, mux *progressMux) ([]map[string]*frontend.Converted, error) {
	convs := make([]map[string]*frontend.Converted, len(bp.plans))
	opts := frontend.ConvertOptions{Kolla: kolla, Local: repo, BuildArgs: bp.buildArgs, FrontendOpts: map[string]string{}}
	if bp.noCache {
		opts.FrontendOpts["no-cache"] = ""
	}
	ch := make(chan *client.SolveStatus)
	done := mux.forward(bp.node, ch)
	// Internal: the conversion builds no image, so it stays out of the
	// daemon's build history, where each image has its own record.
	_, err := c.Build(ctx, client.SolveOpt{SharedSession: s, SessionPreInitialized: true, Internal: true}, "kbk", func(ctx context.Context, gc gwclient.Client) (*gwclient.Result, error) {
		for i, p := range bp.plans {
			cv, err := frontend.Convert(ctx, gc, p, opts)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", platformID(p.Platform), err)
			}
			convs[i] = cv
		}
		return gwclient.NewResult(), nil
	}, ch)
	<-done
	if err != nil {
		return nil, err
	}
	return convs, nil
}

// imageJob is the build of one image on every platform that plans it.
type imageJob struct {
	name     string
	ref      string
	done     chan struct{}
	start    time.Time
	duration time.Duration
	attempts int
	err      error
	// parentFailed names the failed ancestor when the image was not built
	// because of it.
	parentFailed string
	digest       string
	// descriptor is the exporter's descriptor of what it pushed (base64
	// JSON), which a build over several nodes puts in the image's index.
	descriptor string
}

// runImageJob solves one image, retrying when it failed on its own, and
// exports it.
func runImageJob(ctx context.Context, c *client.Client, s *session.Session, bp *buildPlan, caches buildCaches, convs []map[string]*frontend.Converted, j *imageJob, jobs map[string]*imageJob, outputs *archiveOutputs, mux *progressMux) {
	j.start = time.Now()
	defer func() { j.duration = time.Since(j.start) }()
	var mine []platformImage
	for i, p := range bp.plans {
		if cv, ok := convs[i][j.name]; ok {
			mine = append(mine, platformImage{platform: p.Platform, conv: cv})
			j.ref = cv.Ref
		}
	}
	exports := imageExports(bp, j.ref)
	imports := gatewayCacheImports(cacheEntries(caches.from, bp.cacheKey(j.name), bp.cacheKeys(bp.ancestors(j.name))...))
	if bp.output != "" {
		outputs.add(j.ref, j.name)
	}
	for {
		j.attempts++
		ch := make(chan *client.SolveStatus)
		done := mux.forward(bp.jobLabel(j.name), ch)
		opt := client.SolveOpt{SharedSession: s, SessionPreInitialized: true, Exports: exports,
			CacheExports: cacheEntries(caches.to, bp.cacheKey(j.name)), FrontendAttrs: bp.historyAttrs(j.name, j.ref)}
		resp, err := c.Build(ctx, opt, "kbk", func(ctx context.Context, gc gwclient.Client) (*gwclient.Result, error) {
			return solveImage(ctx, gc, bp, mine, imports)
		}, ch)
		<-done
		if err == nil {
			j.err = nil
			j.digest = resp.ExporterResponse[exptypes.ExporterImageDigestKey]
			j.descriptor = resp.ExporterResponse[exptypes.ExporterImageDescriptorKey]
			return
		}
		j.err = err
		// A failed ancestor fails this image too; wait for the ancestors'
		// final word before retrying.
		for _, a := range bp.ancestors(j.name) {
			aj := jobs[a]
			<-aj.done
			if aj.err != nil {
				j.parentFailed = a
				return
			}
		}
		if j.attempts > bp.retries || ctx.Err() != nil {
			return
		}
	}
}

// platformImage is an image converted for one platform.
type platformImage struct {
	platform ocispecs.Platform
	conv     *frontend.Converted
}

// imageExports exports one image: pushed to its reference, and as an OCI
// archive under --output.
func imageExports(bp *buildPlan, ref string) []client.ExportEntry {
	var exports []client.ExportEntry
	if bp.push {
		attrs := map[string]string{"name": ref, "push": "true"}
		if bp.byDigest {
			// The tag names the index of every node's part, written once
			// each node has pushed its part (see build_index.go).
			attrs["name"] = repository(ref)
			attrs["push-by-digest"] = "true"
		}
		if isLoopbackRegistry(ref) {
			attrs["registry.insecure"] = "true"
		}
		exports = append(exports, client.ExportEntry{Type: client.ExporterImage, Attrs: attrs})
	}
	if bp.output != "" {
		exports = append(exports, client.ExportEntry{
			Type:  client.ExporterOCI,
			Attrs: map[string]string{"name": ref},
			// The session's target (see newBuildSession) writes the archive.
			Output: func(map[string]string) (io.WriteCloser, error) { return nil, errors.New("unreachable") },
		})
	}
	return exports
}

// solveImage solves the image's converted state for each platform and
// returns it as the result to export: one image, or a multi-platform index.
func solveImage(ctx context.Context, gc gwclient.Client, bp *buildPlan, images []platformImage, cacheImports []gwclient.CacheOptionsEntry) (*gwclient.Result, error) {
	res := gwclient.NewResult()
	multi := len(bp.plans) > 1
	var ps exptypes.Platforms
	for _, pi := range images {
		cv := pi.conv
		def, err := cv.State.Marshal(ctx)
		if err != nil {
			return nil, fmt.Errorf("image %q: marshalling LLB: %w", cv.Name, err)
		}
		r, err := gc.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), Evaluate: true, CacheImports: cacheImports})
		if err != nil {
			return nil, err
		}
		ref, err := r.SingleRef()
		if err != nil {
			return nil, err
		}
		if !multi {
			res.SetRef(ref)
			res.AddMeta(exptypes.ExporterImageConfigKey, cv.Config)
			continue
		}
		p := pi.platform
		id := platformID(p)
		res.AddRef(id, ref)
		res.AddMeta(exptypes.ExporterImageConfigKey+"/"+id, cv.Config)
		ps.Platforms = append(ps.Platforms, exptypes.Platform{ID: id, Platform: p})
	}
	if multi {
		dt, err := json.Marshal(ps)
		if err != nil {
			return nil, err
		}
		res.AddMeta(exptypes.ExporterPlatformsKey, dt)
	}
	return res, nil
}
