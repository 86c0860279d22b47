package frontend

// The planner of the kbk-frontend image, which reads its inputs through the
// gateway.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing/fstest"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	digest "github.com/opencontainers/go-digest"
	fstypes "github.com/tonistiigi/fsutil/types"

	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

// GatewayPlanner is the planner of the kbk-frontend image. A gateway frontend
// sees no local files: it reads the Kolla tree and the configuration
// repository from the build context through the gateway, once per build, and
// then plans every platform in memory. The profiles package reads a directory,
// so the repository's small configuration files are written to a temporary
// directory (see NewGatewayPlanner); Close removes it.
type GatewayPlanner struct {
	// TempDir is where the copy of the configuration files goes; "" means
	// os.TempDir().
	TempDir string

	mu     sync.Mutex
	loaded *gatewayInputs
	err    error

	warnings warningSender
}

// gatewayInputs is what a build reads once from its context.
type gatewayInputs struct {
	tree *render.Tree
	repo string // the temporary copy of the configuration repository
	// configVertex is the step that loaded the configuration files: the
	// profile's warnings are reported on it.
	configVertex digest.Digest
	// aptCopied are the apt files already copied into repo, by their path
	// relative to it (guarded by the planner's mutex).
	aptCopied map[string]bool
}

// NewGatewayPlanner returns a planner for one gateway build.
func NewGatewayPlanner() *GatewayPlanner { return &GatewayPlanner{} }

// Close removes the temporary copy of the configuration files.
func (g *GatewayPlanner) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.loaded != nil && g.loaded.repo != "" {
		return os.RemoveAll(g.loaded.repo)
	}
	return nil
}

// Plan implements Planner.
func (g *GatewayPlanner) Plan(ctx context.Context, req PlanRequest) (*Plan, error) {
	in, err := g.inputs(ctx, req)
	if err != nil {
		return nil, err
	}
	cfg, err := plan.Load(LoadRequest(req.Options, in.repo, in.tree))
	if err != nil {
		return nil, err
	}
	if err := g.copyAptFiles(ctx, req, in, cfg.Profile.AptFiles); err != nil {
		if cfg.Profile.Name != "" {
			err = fmt.Errorf("profile %q: %w", cfg.Profile.Name, err)
		}
		return nil, err
	}
	baseArch, err := plan.BaseArch(platforms.Format(req.Platform))
	if err != nil {
		return nil, err
	}
	im, err := cfg.ForArch(ctx, baseArch)
	// What kbk lint says about the profile, before the long part of the
	// build, as BuildKit warnings buildx prints: about the images just
	// rendered, or, when one did not render, rendering on as kbk lint does.
	g.warnings.send(ctx, req.Client, in.configVertex, in.repo, profileDiagnostics(ctx, cfg, baseArch, im, req.Options.BuildArgs))
	if err != nil {
		return nil, err
	}
	return PlanFromImages(cfg, im, req.Platform)
}

// LoadRequest is how the frontend loads the profile of a build: its build
// arguments are the environment (seed variables, .env interpolation) and its
// naming options are kolla-build flags.
func LoadRequest(o Options, repo string, tree *render.Tree) plan.Request {
	r := plan.Request{
		Repo:    repo,
		Profile: o.Profile,
		Env:     o.BuildArgs,
		Flags:   optionFlags(o),
		Tree:    tree,
		// local sources stay in the build context; BuildKit transfers them
		LocalsElsewhere: true,
	}
	if o.LocalSources {
		on := true
		r.LocalSources = &on
	}
	if o.Target != "" {
		// Only the target and its ancestors are converted.
		r.Patterns = []string{"^" + regexp.QuoteMeta(o.Target) + "$"}
	}
	return r
}

// optionFlags turns kbk's frontend options into kolla-build options.
func optionFlags(o Options) []profiles.Flag {
	var flags []profiles.Flag
	for _, f := range []struct{ name, value string }{
		{"base", o.Base}, {"base_tag", o.BaseTag}, {"base_image", o.BaseImage},
		{"tag", o.Tag}, {"namespace", o.Namespace}, {"registry", o.Registry},
	} {
		if f.value != "" {
			flags = append(flags, profiles.Flag{Name: f.name, Value: f.value})
		}
	}
	return flags
}

// inputs reads the Kolla tree and the configuration files once per build.
func (g *GatewayPlanner) inputs(ctx context.Context, req PlanRequest) (*gatewayInputs, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.loaded != nil || g.err != nil {
		return g.loaded, g.err
	}
	g.loaded, g.err = g.read(ctx, req)
	return g.loaded, g.err
}

func (g *GatewayPlanner) read(ctx context.Context, req PlanRequest) (*gatewayInputs, error) {
	if req.Client == nil || req.Kolla == nil || req.Local == nil {
		return nil, errors.New("gateway planner: the request has no client or trees")
	}
	kolla, err := solveTree(ctx, req.Client, req.Kolla, []string{"docker", "kolla"}, "kolla tree")
	if err != nil {
		return nil, err
	}
	files := fstest.MapFS{}
	if err := kolla.copyFiles(ctx, ".", files, isKollaDataFile); err != nil {
		return nil, fmt.Errorf("reading the Kolla tree: %w", err)
	}
	tree, err := render.LoadTreeFS(files)
	if err != nil {
		return nil, fmt.Errorf("Kolla tree (the %q context or %s/ in the build context): %w", KollaContext, DefaultKollaDir, err)
	}
	repo, err := os.MkdirTemp(g.TempDir, "kbk-config-")
	if err != nil {
		return nil, fmt.Errorf("a temporary directory for the configuration files: %w", err)
	}
	configVertex, err := copyConfig(ctx, req.Client, req.Local, repo)
	if err != nil {
		os.RemoveAll(repo)
		return nil, fmt.Errorf("reading the configuration repository: %w", err)
	}
	return &gatewayInputs{tree: tree, repo: repo, configVertex: configVertex}, nil
}

// configFiles are the files of a configuration repository (at its root and in
// each profile folder) that loading a profile reads.
var configFiles = []string{profiles.ConfFile, profiles.LocalSourcesFile, profiles.OverridesFile, profiles.DotenvFile, "*.env"}

func isConfigFile(name string) bool {
	for _, pat := range configFiles {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}

// copyConfig writes the configuration files of the main context into dir
// (local sources stay in the context: they are LLB of the main context). It
// returns the step that loaded the files.
func copyConfig(ctx context.Context, c gwclient.Client, local Tree, dir string) (digest.Digest, error) {
	var include []string
	for _, f := range configFiles {
		include = append(include, f, profiles.ProfilesDir+"/*/"+f, "*/"+f)
	}
	t, err := solveTree(ctx, c, local, include, "configuration files")
	if err != nil {
		return "", err
	}
	write := func(rel string, data []byte) error {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	}
	top, err := t.readDir(ctx, ".")
	if err != nil {
		return "", err
	}
	for _, st := range top {
		name := path.Base(st.Path)
		switch {
		case fs.FileMode(st.Mode).IsRegular() && isConfigFile(name):
			if err := t.copyFile(ctx, name, write); err != nil {
				return "", err
			}
		case fs.FileMode(st.Mode).IsDir():
			if err := t.copyConfigDir(ctx, name, write); err != nil {
				return "", err
			}
		}
	}
	return t.vertex, nil
}

// copyConfigDir copies the configuration files of a profile folder: a
// directory at the root, or one under profiles/.
func (t *solvedTree) copyConfigDir(ctx context.Context, dir string, write func(string, []byte) error) error {
	entries, err := t.readDir(ctx, dir)
	if err != nil {
		return err
	}
	for _, st := range entries {
		name := path.Base(st.Path)
		rel := path.Join(dir, name)
		switch {
		case fs.FileMode(st.Mode).IsRegular() && isConfigFile(name):
			if err := t.copyFile(ctx, rel, write); err != nil {
				return err
			}
		case fs.FileMode(st.Mode).IsDir() && dir == profiles.ProfilesDir:
			if err := t.copyConfigDir(ctx, rel, write); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *solvedTree) copyFile(ctx context.Context, rel string, write func(string, []byte) error) error {
	data, err := t.readFile(ctx, rel)
	if err != nil {
		return err
	}
	return write(rel, data)
}

// copyAptFiles copies the apt files a profile names (apt_sources_list,
// apt_preferences) from the main context into the copy of the repository,
// where planning reads them like every other configuration file. The profile
// has checked that they are inside the repository by name.
func (g *GatewayPlanner) copyAptFiles(ctx context.Context, req PlanRequest, in *gatewayInputs, files []profiles.AptFile) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, f := range files {
		rel, err := filepath.Rel(in.repo, f.Path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if in.aptCopied[rel] {
			continue
		}
		at := fmt.Sprintf("%s: [DEFAULT] %s", f.Origin, f.Option)
		t, err := solveTree(ctx, req.Client, req.Local, []string{rel}, f.Option+" file")
		if err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		st, err := t.ref.StatFile(ctx, gwclient.StatRequest{Path: path.Join(t.root, rel)})
		if err != nil {
			return fmt.Errorf("%s: %q does not exist in the build context", at, rel)
		}
		if !fs.FileMode(st.Mode).IsRegular() {
			return fmt.Errorf("%s: %q is not a file", at, rel)
		}
		data, err := t.readFile(ctx, rel)
		if err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f.Path, data, 0o644); err != nil {
			return err
		}
		if in.aptCopied == nil {
			in.aptCopied = map[string]bool{}
		}
		in.aptCopied[rel] = true
	}
	return nil
}

// isKollaDataFile tells which files of a Kolla tree rendering reads: the
// templates and the Python package's sources and data, not tests or build
// context files.
func isKollaDataFile(rel string) bool {
	for _, skip := range []string{"__pycache__", "tests"} {
		if strings.Contains("/"+rel+"/", "/"+skip+"/") {
			return false
		}
	}
	switch path.Ext(rel) {
	case ".j2":
		return true
	case ".py", ".yaml", ".yml", ".json", ".txt", ".cfg":
		return !strings.HasPrefix(rel, "docker/") && !strings.Contains(rel, "/docker/")
	}
	return false
}

// solvedTree is part of a tree solved to a reference the planner can read.
type solvedTree struct {
	ref    gwclient.Reference
	root   string        // the tree's directory inside ref
	vertex digest.Digest // the step that produced ref
}

// solveTree solves the parts of a tree that include (patterns relative to the
// tree's root) names. A local tree transfers only those; other trees are
// solved whole, since their content is already on the daemon.
func solveTree(ctx context.Context, c gwclient.Client, t Tree, include []string, what string) (*solvedTree, error) {
	st, root := treeState(t, include)
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, fmt.Errorf("loading the %s: %w", what, err)
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	vertex, err := def.Head()
	if err != nil {
		return nil, err
	}
	return &solvedTree{ref: ref, root: root, vertex: vertex}, nil
}

// treeState is the state holding a tree's root, with a local tree narrowed to
// the include patterns.
func treeState(t Tree, include []string) (llb.State, string) {
	switch t := t.(type) {
	case LocalTree:
		var patterns []string
		for _, p := range include {
			patterns = append(patterns, path.Join(t.Root, p))
		}
		opts := append(slices.Clone(t.Options), llb.IncludePatterns(patterns),
			llb.WithCustomName("[kbk] load "+strings.Join(include, " ")))
		return llb.Local(t.Name, opts...), path.Join("/", t.Root)
	case subTree:
		var patterns []string
		for _, p := range include {
			patterns = append(patterns, path.Join(t.dir, p))
		}
		st, root := treeState(t.parent, patterns)
		return st, path.Join(root, t.dir)
	}
	return t.Dir(".")
}

func (t *solvedTree) readDir(ctx context.Context, rel string) ([]*fstypes.Stat, error) {
	entries, err := t.ref.ReadDir(ctx, gwclient.ReadDirRequest{Path: path.Join(t.root, rel)})
	if err != nil {
		if rel == "." {
			return nil, nil // an empty (narrowed) tree has no root directory
		}
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return entries, nil
}

func (t *solvedTree) readFile(ctx context.Context, rel string) ([]byte, error) {
	data, err := t.ref.ReadFile(ctx, gwclient.ReadRequest{Filename: path.Join(t.root, rel)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return data, nil
}

// copyFiles reads every file under dir that keep accepts into files, by its
// path relative to the tree's root.
func (t *solvedTree) copyFiles(ctx context.Context, dir string, files fstest.MapFS, keep func(rel string) bool) error {
	entries, err := t.readDir(ctx, dir)
	if err != nil {
		return err
	}
	for _, st := range entries {
		rel := path.Join(dir, path.Base(st.Path))
		mode := fs.FileMode(st.Mode)
		switch {
		case mode.IsDir():
			if err := t.copyFiles(ctx, rel, files, keep); err != nil {
				return err
			}
		case mode.IsRegular() && keep(rel):
			data, err := t.readFile(ctx, rel)
			if err != nil {
				return err
			}
			files[rel] = &fstest.MapFile{Data: data, Mode: 0o644}
		}
	}
	return nil
}
