package plan

import (
	"context"
	"fmt"
	"sort"

	"github.com/kbk-dev/kbk/graph"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

// Request says what to plan: which profile of which repository, against which
// Kolla tree, with which overrides.
type Request struct {
	// Repo is the configuration repository. A directory without any
	// kolla-build.conf is fine: Kolla's defaults and the flags apply.
	Repo         string
	Profile      string // "" means KOLLA_BUILD_PROFILE, else every image
	SubProfile   string
	LocalSources *bool
	Env          map[string]string // the process environment (or build args)
	Flags        []profiles.Flag   // command-line flags or build arguments
	// Patterns are positional regexes; like kolla-build's, they replace the
	// profile's patterns.
	Patterns []string
	Tree     *render.Tree
	// LocalsElsewhere: local sources are in a build context, not on disk
	// (see profiles.LoadOptions).
	LocalsElsewhere bool
	// Exists reports whether an image reference is already in its registry,
	// for skip_existing; nil disables the check.
	Exists func(ctx context.Context, ref string) (bool, error)
}

// Config is a loaded profile bound to a Kolla tree, before any rendering.
type Config struct {
	Profile  *profiles.Profile
	Warnings []profiles.Warning
	Tree     *render.Tree
	patterns []string
	env      map[string]string
	exists   func(ctx context.Context, ref string) (bool, error)
}

// Load reads the profile of req against req.Tree.
func Load(req Request) (*Config, error) {
	if req.Tree == nil {
		return nil, fmt.Errorf("no Kolla tree")
	}
	p, warns, err := profiles.Load(req.Repo, profiles.LoadOptions{
		Profile:         req.Profile,
		SubProfile:      req.SubProfile,
		LocalSources:    req.LocalSources,
		Env:             req.Env,
		Flags:           req.Flags,
		Kolla:           KollaDefaults(req.Tree),
		LocalsElsewhere: req.LocalsElsewhere,
	})
	if err != nil {
		return nil, err
	}
	return &Config{Profile: p, Warnings: warns, Tree: req.Tree, patterns: req.Patterns, env: TemplateEnv(p, req.Env), exists: req.Exists}, nil
}

// TemplateEnv is the environment templates see as env: the process
// environment over the profile's .env variables. The seed's wrappers loaded
// the .env files into kolla-build's environment without replacing what was
// already set, so a template override reading {{ env.NAME }} renders alike.
func TemplateEnv(p *profiles.Profile, process map[string]string) map[string]string {
	env := make(map[string]string, len(p.Dotenv)+len(process))
	for k, v := range p.Dotenv {
		env[k] = v
	}
	for k, v := range process {
		env[k] = v
	}
	return env
}

// Arches are the base architectures to build, in Kolla's words (x86_64,
// aarch64): one per configured platform, else base_arch.
func (c *Config) Arches() ([]string, error) {
	if len(c.Profile.Options.Platforms) == 0 {
		return []string{c.Profile.Options.BaseArch}, nil
	}
	var arches []string
	for _, p := range c.Profile.Options.Platforms {
		a, err := BaseArch(p)
		if err != nil {
			return nil, err
		}
		arches = append(arches, a)
	}
	return arches, nil
}

// Images is the plan for one base architecture: every image of the tree with
// its rendered Dockerfile, the image graph, and the selection.
type Images struct {
	Base        string // the base distro and its image tag, as resolved
	BaseTag     string
	BaseArch    string
	Render      render.Options
	Naming      graph.Naming
	Graph       *graph.Graph
	Selection   *graph.Result
	Dockerfiles map[string]string // image name → rendered Dockerfile
	Paths       map[string]string // image name → folder in the template tree
}

// ForArch renders every image for baseArch ("" keeps the profile's) and
// selects the images to build.
func (c *Config) ForArch(ctx context.Context, baseArch string) (*Images, error) {
	opts, err := RenderOptions(c.Profile, baseArch, c.env)
	if err != nil {
		return nil, err
	}
	rn, err := render.NewRenderer(c.Tree, opts)
	if err != nil {
		return nil, err
	}
	dockerfiles, images, err := renderAll(ctx, rn)
	if err != nil {
		return nil, err
	}
	naming := graph.Naming{
		Registry:  rn.Setting("registry"),
		Namespace: rn.Setting("namespace"),
		Prefix:    rn.Setting("image_name_prefix"),
		Tag:       rn.Setting("tag"),
		ParentTag: c.Profile.Options.ParentTag,
	}
	g, err := graph.New(images, naming)
	if err != nil {
		return nil, err
	}
	sel, err := c.selection(rn)
	if err != nil {
		return nil, err
	}
	res, err := g.Select(ctx, sel)
	if err != nil {
		return nil, err
	}
	paths := make(map[string]string, len(images))
	for _, im := range images {
		paths[im.Name] = im.Path
	}
	return &Images{
		Base: rn.Setting("base"), BaseTag: rn.Setting("base_tag"), BaseArch: rn.Setting("base_arch"), Render: opts, Naming: naming,
		Graph: g, Selection: res, Dockerfiles: dockerfiles, Paths: paths,
	}, nil
}

// selection turns the profile's selection options into the graph's predicates.
func (c *Config) selection(rn *render.Renderer) (graph.Selection, error) {
	o := c.Profile.Options
	sel := graph.Selection{SkipParents: o.SkipParents, AllowedToFail: o.AllowedToFail}
	match, err := c.matcher()
	if err != nil {
		return graph.Selection{}, err
	}
	sel.Match = match
	if !o.EnableUnbuildable {
		sel.Unbuildable = graph.UnbuildableImages(c.Tree.Unbuildable,
			rn.Setting("base"), rn.Setting("base_arch"), rn.Setting("base_tag"))
	}
	if o.SkipExisting {
		sel.Exists = c.exists
	}
	return sel, nil
}

// sortedKeys returns m's keys in order, for output that must not depend on
// map iteration.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
