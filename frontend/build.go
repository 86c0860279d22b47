package frontend

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Planner produces the plan of one platform: it renders the profile's
// Dockerfiles, builds the image graph and selects the images. The production
// planner (render + graph + profiles) is wired in by cmd/kbk-frontend and
// cmd/kbk; tests give their own.
type Planner interface {
	Plan(ctx context.Context, req PlanRequest) (*Plan, error)
}

// PlannerFunc adapts a function to Planner.
type PlannerFunc func(ctx context.Context, req PlanRequest) (*Plan, error)

// Plan implements Planner.
func (f PlannerFunc) Plan(ctx context.Context, req PlanRequest) (*Plan, error) { return f(ctx, req) }

// Plans is a Planner for plans made beforehand, one per platform: `kbk build`
// plans once and then starts one solve per image over a shared session.
type Plans []*Plan

// Plan implements Planner.
func (ps Plans) Plan(_ context.Context, req PlanRequest) (*Plan, error) {
	want := platforms.FormatAll(platforms.Normalize(req.Platform))
	for _, p := range ps {
		if platforms.FormatAll(platforms.Normalize(p.Platform)) == want {
			return p, nil
		}
	}
	return nil, fmt.Errorf("no plan for platform %s", want)
}

// PlanRequest is what a planner gets to plan one platform.
type PlanRequest struct {
	Options  Options
	Platform ocispecs.Platform
	// Kolla holds the Kolla tree; Local holds the main build context (config
	// repository, local sources). A planner reads them by solving
	// Tree.Dir(...) with Client.
	Kolla  Tree
	Local  Tree
	Client gwclient.Client
}

// Frontend is kbk's BuildKit frontend around a Planner.
type Frontend struct {
	Planner Planner
}

// Build is the gateway entry point of kbk-frontend. It has no planner until the
// render, graph and profiles packages are wired in, and then fails with a
// message saying so.
func Build(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
	return Frontend{}.Build(ctx, c)
}

// Build runs one build: with a target, that image for every requested platform
// (a multi-platform image when several are requested); without a target, every
// planned image, returning a JSON report of what was built.
func (f Frontend) Build(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
	if f.Planner == nil {
		return nil, errors.New("kbk-frontend: no planner wired in: the profile cannot be rendered yet")
	}
	c = &platformAliasClient{Client: c}
	ui, err := dockerui.NewClient(c)
	if err != nil {
		return nil, err
	}
	opts, err := ParseOptions(ui.BuildOpts().Opts)
	if err != nil {
		return nil, err
	}
	kolla, local, err := trees(ctx, ui)
	if err != nil {
		return nil, err
	}
	inputs, err := c.Inputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading frontend inputs: %w", err)
	}
	delete(inputs, dockerui.DefaultLocalNameContext)
	delete(inputs, dockerui.DefaultLocalNameDockerfile)

	b := &build{
		planner: f.Planner,
		c:       c,
		ui:      ui,
		opts:    opts,
		kolla:   kolla,
		local:   local,
		inputs:  inputs,
	}
	if res, ok, err := ui.HandleSubrequest(ctx, dockerui.RequestHandler{ListTargets: b.listTargets, Outline: b.outline}); err != nil || ok {
		return res, err
	}
	if opts.Target != "" {
		return b.buildTarget(ctx)
	}
	return b.buildAll(ctx)
}

// build is the state of one Build call.
type build struct {
	planner Planner
	c       gwclient.Client
	ui      *dockerui.Client
	opts    Options
	kolla   Tree
	local   Tree
	inputs  map[string]llb.State
}

// platforms are the target platforms, the worker's own when none are asked for.
func (b *build) platforms() []ocispecs.Platform {
	if len(b.ui.TargetPlatforms) > 0 {
		return b.ui.TargetPlatforms
	}
	return b.ui.BuildPlatforms[:1]
}

// convert plans and converts one platform.
func (b *build) convert(ctx context.Context, platform ocispecs.Platform) (*Plan, map[string]*Converted, error) {
	platform = platforms.Normalize(platform)
	plan, err := b.planner.Plan(ctx, PlanRequest{
		Options:  b.opts,
		Platform: platform,
		Kolla:    b.kolla,
		Local:    b.local,
		Client:   b.c,
	})
	if err != nil {
		return nil, nil, err
	}
	// The planner may hand the same plan to concurrent builds: set the
	// platform on a copy.
	own := *plan
	own.Platform = platform
	plan = &own
	convs, err := Convert(ctx, b.c, plan, ConvertOptions{
		Kolla:        b.kolla,
		Local:        b.local,
		BuildArgs:    b.opts.BuildArgs,
		FrontendOpts: b.opts.FrontendOpts,
		Inputs:       b.inputs,
	})
	if err != nil {
		return nil, nil, err
	}
	return plan, convs, nil
}

// listTargets answers `--call targets` with the planned images of the first
// platform.
func (b *build) listTargets(ctx context.Context) (*targets.List, error) {
	plan, err := b.planner.Plan(ctx, PlanRequest{
		Options:  b.opts,
		Platform: platforms.Normalize(b.platforms()[0]),
		Kolla:    b.kolla,
		Local:    b.local,
		Client:   b.c,
	})
	if err != nil {
		return nil, err
	}
	ordered, err := plan.Ordered()
	if err != nil {
		return nil, err
	}
	list := &targets.List{}
	for _, img := range ordered {
		list.Targets = append(list.Targets, targets.Target{
			Name:        img.Name,
			Description: img.Ref,
			Default:     img.Name == b.opts.Target,
		})
	}
	return list, nil
}

// trees finds the Kolla tree (the kolla named context, or kolla-docker/ in the
// main context) and the main context for local sources.
func trees(ctx context.Context, ui *dockerui.Client) (kolla, local Tree, err error) {
	main, err := mainTree(ctx, ui)
	if err != nil {
		return nil, nil, err
	}
	nc, err := ui.NamedContext(KollaContext, dockerui.ContextOpt{})
	if err != nil {
		return nil, nil, err
	}
	if nc == nil {
		return subTree{main, DefaultKollaDir}, main, nil
	}
	st, _, err := nc.Load(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("loading the %q context: %w", KollaContext, err)
	}
	return StateTree{State: *st}, main, nil
}

// mainTree is the main build context as a Tree: one llb.Local per directory
// when the client shares a local directory, otherwise the whole context state
// (git, http or a parent frontend's input).
func mainTree(ctx context.Context, ui *dockerui.Client) (Tree, error) {
	opts := ui.BuildOpts().Opts
	contextKey := dockerui.DefaultLocalNameContext
	if v, ok := opts["contextkey"]; ok {
		contextKey = v
	}
	_, isGit, _ := dockerui.DetectGitContext(opts[contextKey], nil)
	_, _, isHTTP := dockerui.DetectHTTPContext(opts[contextKey])
	inputs, err := ui.GatewayClient().Inputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading frontend inputs: %w", err)
	}
	_, isInput := inputs[dockerui.DefaultLocalNameContext]
	if isGit || isHTTP || isInput {
		st, err := ui.MainContext(ctx)
		if err != nil {
			return nil, err
		}
		return StateTree{State: *st}, nil
	}
	sessionID := ui.BuildOpts().SessionID
	if v, ok := opts["local-sessionid:"+contextKey]; ok {
		sessionID = v
	}
	return LocalTree{
		Name:    contextKey,
		Options: []llb.LocalOption{llb.SessionID(sessionID), llb.SharedKeyHint(contextKey)},
	}, nil
}

// subTree is a directory of another tree.
type subTree struct {
	parent Tree
	dir    string
}

// Dir implements Tree.
func (t subTree) Dir(p string) (llb.State, string) {
	return t.parent.Dir(t.dir + "/" + p)
}

// platformAliasClient lets `--build-arg platform=…` stand for `--platform`.
type platformAliasClient struct {
	gwclient.Client
}

// BuildOpts implements gwclient.Client.
func (c *platformAliasClient) BuildOpts() gwclient.BuildOpts {
	bo := c.Client.BuildOpts()
	bo.Opts = maps.Clone(bo.Opts)
	if bo.Opts == nil {
		bo.Opts = map[string]string{}
	}
	if v, ok := bo.Opts[buildArgPrefix+KeyPlatform]; ok && bo.Opts[KeyPlatform] == "" {
		bo.Opts[KeyPlatform] = v
	}
	return bo
}

// sortedNames returns the keys of a conversion result in order.
func sortedNames(convs map[string]*Converted) []string {
	return slices.Sorted(maps.Keys(convs))
}
