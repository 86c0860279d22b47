package main

// A build over the nodes of a buildx builder: each platform goes to a node as
// buildx sends it (the node declared for it, else one whose daemon reports
// it, else the first), each node runs its platforms' part of the plan in a
// session of its own, parents linked inside it, and pushes its images by
// digest. Each image's tag is written last, as an index of every node's
// part, and only when every part of the image was built: nothing partial is
// tagged.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// buildNodes are the daemons kbk build may use: the one at --addr (or
// BUILDKIT_HOST), reached with tls, else every node of the current buildx
// builder.
func buildNodes(addr string, tls buildTLS) ([]buildNode, error) {
	if addr != "" {
		return []buildNode{{Name: addr, Endpoint: addr, TLS: tls}}, nil
	}
	nodes, err := buildxNodes()
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return nil, errors.New("no BuildKit address: give --addr, set BUILDKIT_HOST (e.g. unix:///run/buildkit/buildkitd.sock) or use a remote docker buildx builder")
	}
	return nodes, nil
}

// nodePart is what one node builds: some of the plan's platforms.
type nodePart struct {
	node      buildNode
	c         *client.Client
	platforms []int // indices into buildPlan.plans
	bp        *buildPlan
}

// routePlatforms connects to the nodes the plan's platforms go to and
// returns one part per node used, in the builder's order.
func routePlatforms(ctx context.Context, nodes []buildNode, bp *buildPlan) ([]*nodePart, error) {
	clients := make([]*client.Client, len(nodes))
	connect := func(i int) (*client.Client, error) {
		if clients[i] == nil {
			opts, err := nodes[i].clientOpts()
			if err != nil {
				return nil, fmt.Errorf("connecting to BuildKit at %s: %w", nodes[i].Endpoint, err)
			}
			c, err := client.New(ctx, nodes[i].Endpoint, opts...)
			if err != nil {
				return nil, fmt.Errorf("connecting to BuildKit at %s: %w", nodes[i].Endpoint, err)
			}
			// The client dials lazily: ask the daemon once, so that a refused
			// connection (a missing client certificate, say) names the node.
			ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
			_, err = c.Info(ictx)
			cancel()
			if err != nil {
				c.Close()
				if _, via := nodes[i].dialer(); via != "" {
					// buildx starts a builder's container or deployment on
					// first use; kbk creates neither.
					return nil, fmt.Errorf("connecting to BuildKit at %s (through %q; if the builder is not running, start it with docker buildx inspect --bootstrap): %w",
						nodes[i].Endpoint, via, err)
				}
				return nil, fmt.Errorf("connecting to BuildKit at %s: %w", nodes[i].Endpoint, err)
			}
			clients[i] = c
		}
		return clients[i], nil
	}
	closeAll := func() {
		for _, c := range clients {
			if c != nil {
				c.Close()
			}
		}
	}
	var (
		want     []ocispecs.Platform
		assigned = make([]int, len(bp.plans))
	)
	for _, p := range bp.plans {
		want = append(want, p.Platform)
	}
	if len(nodes) > 1 {
		supported := nodePlatforms(ctx, nodes, connect)
		for i, p := range want {
			assigned[i] = pickNode(supported, p)
		}
	}
	byNode := map[int]*nodePart{}
	var parts []*nodePart
	for i, n := range assigned {
		part := byNode[n]
		if part == nil {
			c, err := connect(n)
			if err != nil {
				closeAll()
				return nil, err
			}
			part = &nodePart{node: nodes[n], c: c}
			byNode[n] = part
			parts = append(parts, part)
		}
		part.platforms = append(part.platforms, i)
	}
	if len(parts) == 1 {
		parts[0].bp = bp
		return parts, nil
	}
	for _, part := range parts {
		part.bp = bp.part(part.platforms)
	}
	return parts, nil
}

// dialer is how to connect to a node without an address (a docker-container
// or kubernetes builder's), and what it runs to, for messages; nil and ""
// for a node at an address.
func (n buildNode) dialer() (func() (net.Conn, error), string) {
	switch {
	case len(n.Dial) > 0:
		return func() (net.Conn, error) { return dialCommand(n.Dial) }, strings.Join(n.Dial, " ")
	case n.Pod != nil:
		return n.Pod.dial, "kubectl"
	}
	return nil, ""
}

// clientOpts are the client options that reach n: through its dialer when
// it has one; over TLS when any of its TLS settings is given, trusting its
// CA certificate or else the system's, with its client certificate when it
// has one; the server name defaults to the endpoint's host, as buildctl and
// buildx do.
func (n buildNode) clientOpts() ([]client.ClientOpt, error) {
	if dial, _ := n.dialer(); dial != nil {
		// The connection is a command's: it outlives the dial's context.
		return []client.ClientOpt{client.WithContextDialer(func(context.Context, string) (net.Conn, error) { return dial() })}, nil
	}
	t := n.TLS
	if t == (buildTLS{}) {
		return nil, nil
	}
	if (t.Cert == "") != (t.Key == "") {
		return nil, fmt.Errorf("TLS client certificate %q and key %q: give both or neither", t.Cert, t.Key)
	}
	name := t.ServerName
	if name == "" {
		if u, err := url.Parse(n.Endpoint); err == nil {
			name = u.Hostname()
		}
	}
	var opts []client.ClientOpt
	if t.CACert != "" {
		opts = append(opts, client.WithServerConfig(name, t.CACert))
	} else {
		opts = append(opts, client.WithServerConfigSystem(name))
	}
	if t.Cert != "" {
		opts = append(opts, client.WithCredentials(t.Cert, t.Key))
	}
	return opts, nil
}

// nodePlatforms are the platforms each node builds: those it was declared
// for, else those its daemon reports (none when it cannot be asked).
func nodePlatforms(ctx context.Context, nodes []buildNode, connect func(int) (*client.Client, error)) [][]ocispecs.Platform {
	out := make([][]ocispecs.Platform, len(nodes))
	for i, n := range nodes {
		if len(n.Platforms) > 0 {
			out[i] = n.Platforms
			continue
		}
		c, err := connect(i)
		if err != nil {
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		workers, err := c.ListWorkers(wctx)
		cancel()
		if err != nil {
			continue
		}
		for _, w := range workers {
			out[i] = append(out[i], w.Platforms...)
		}
	}
	return out
}

// pickNode is the first node that builds p, else the first node.
func pickNode(supported [][]ocispecs.Platform, p ocispecs.Platform) int {
	for i, ps := range supported {
		for _, s := range ps {
			if platforms.Only(s).Match(p) && platforms.Only(p).Match(s) {
				return i
			}
		}
	}
	return 0
}

// partResult is one part's session, or why it could not run.
type partResult struct {
	part *nodePart
	res  *sessionResult
	err  error
}

// runParts runs every part's session at once.
func runParts(ctx context.Context, parts []*nodePart, caches buildCaches, mux *progressMux) []partResult {
	out := make([]partResult, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() {
			res, err := runSession(ctx, part.c, part.bp, caches, mux)
			out[i] = partResult{part: part, res: res, err: err}
		})
	}
	wg.Wait()
	return out
}

// mergeParts gives each image one job over the parts that built it: failed
// when any part failed, and when pushing, its tag written as the index of
// every part. A part that could not start fails all its images.
func mergeParts(ctx context.Context, bp *buildPlan, results []partResult) (names []string, jobs map[string]*imageJob, err error) {
	if names, err = bp.imageNames(); err != nil {
		return nil, nil, err
	}
	jobs = make(map[string]*imageJob, len(names))
	pushes := map[string][]partPush{}
	for _, name := range names {
		j := &imageJob{name: name}
		jobs[name] = j
		for _, r := range results {
			if !r.part.bp.hasImage(name) {
				continue
			}
			if r.err != nil {
				if j.err == nil {
					j.err = fmt.Errorf("node %s (%s): %w", r.part.node.Name, r.part.bp.node, r.err)
				}
				continue
			}
			pj := r.res.jobs[name]
			j.ref = pj.ref
			j.attempts = max(j.attempts, pj.attempts)
			j.duration = max(j.duration, pj.duration)
			if pj.err != nil && j.err == nil {
				j.err = fmt.Errorf("%s: %w", r.part.bp.node, pj.err)
				j.parentFailed = pj.parentFailed
			}
			pushes[name] = append(pushes[name], partPush{platforms: r.part.bp.platformList(), digest: pj.digest, descriptor: pj.descriptor})
		}
	}
	if !bp.push {
		return names, jobs, nil
	}
	// Tags are written a few at a time: each is one small request, after
	// the registry was asked for the parts that are indexes themselves.
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, name := range names {
		j := jobs[name]
		if j.err != nil {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			d, err := writeIndex(ctx, j.ref, pushes[name])
			if err != nil {
				j.err = fmt.Errorf("tagging %s as the index of every node's part: %w", j.ref, err)
				return
			}
			j.digest = d
			j.duration += time.Since(start)
		})
	}
	wg.Wait()
	return names, jobs, nil
}
