package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kbk-dev/kbk/graph"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

// Options tune a lint run.
type Options struct {
	// Env is the process environment templates see as `env`.
	Env map[string]string
	// EnableUnbuildable keeps images Kolla lists as unbuildable in the
	// selection, as --enable-unbuildable does.
	EnableUnbuildable bool
}

// overrideFile is one template override file of the profile, scanned.
type overrideFile struct {
	name    string // repository-relative
	src     string
	facts   templateFacts
	profile bool // the file belongs to the profile's folder, not the root
}

// linter holds what the checks share.
type linter struct {
	tree      *render.Tree
	p         *profiles.Profile
	opts      Options
	rOpts     render.Options
	idx       *treeIndex
	overrides []overrideFile
	built     *Rendered
	diags     []Diagnostic
}

func (l *linter) report(d Diagnostic) {
	d.Profile = l.p.Name
	l.diags = append(l.diags, d)
}

// at locates a diagnostic at an offset of an override file.
func (of overrideFile) at(off int) (string, int, int) {
	line, col := lineCol(of.src, off)
	return of.name, line, col
}

// Lint checks the profile p against the Kolla tree and returns what it
// finds, sorted by place. An error means the check itself could not run.
func Lint(ctx context.Context, tree *render.Tree, p *profiles.Profile, opts Options) ([]Diagnostic, error) {
	rOpts, err := plan.RenderOptions(p, "", plan.TemplateEnv(p, opts.Env))
	if err != nil {
		return nil, err
	}
	return run(tree, p, rOpts, opts, func(rn *render.Renderer) (*Rendered, error) {
		return buildAll(ctx, tree, rn, rOpts, p, opts)
	})
}

// LintImages is Lint over images the caller has already rendered for p
// (plan.Config.ForArch), so that the tree is not rendered a second time. The
// images' render options and base arch stand for opts.Env and p's base_arch;
// the selection is still p's own, as Lint makes it. Lint's probes of single
// images render again, as in Lint.
func LintImages(ctx context.Context, tree *render.Tree, p *profiles.Profile, im *plan.Images, opts Options) ([]Diagnostic, error) {
	if im.BaseArch != "" && im.BaseArch != p.Options.BaseArch {
		// Unbuildable images depend on the arch the images are for.
		arch := *p
		arch.Options.BaseArch = im.BaseArch
		p = &arch
	}
	return run(tree, p, im.Render, opts, func(rn *render.Renderer) (*Rendered, error) {
		return fromImages(ctx, tree, rn.Images(), im, p, opts)
	})
}

// run runs every check of p on the images that images returns, given the
// renderer of rOpts.
func run(tree *render.Tree, p *profiles.Profile, rOpts render.Options, opts Options, images func(*render.Renderer) (*Rendered, error)) ([]Diagnostic, error) {
	l := &linter{tree: tree, p: p, opts: opts, rOpts: rOpts}
	for _, path := range p.OverrideFiles {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("template override: %w", err)
		}
		l.overrides = append(l.overrides, overrideFile{
			name: relToRepo(p.Repo, path), src: string(data), facts: scanTemplate(string(data)),
			profile: p.Dir != "" && within(p.Dir, path),
		})
	}
	rn, err := render.NewRenderer(tree, rOpts)
	if err != nil {
		return nil, err
	}
	if l.idx, err = indexTree(tree, rn.Images(), rOpts.DockerDirs); err != nil {
		return nil, err
	}
	if l.built, err = images(rn); err != nil {
		return nil, err
	}
	l.checkBlocks()
	l.checkCustomizations()
	l.checkRemovals()
	l.checkSources()
	l.checkPatterns()
	l.checkRenders()
	return Sort(l.diags), nil
}

// Warnings turns the profile loader's warnings into diagnostics.
func Warnings(profile string, warns []profiles.Warning) []Diagnostic {
	var out []Diagnostic
	for _, w := range warns {
		d := Diagnostic{Severity: Warning, Code: CodeConfig, Message: w.Message, Profile: profile}
		d.File, d.Line = originPos(w.Origin)
		if d.File == "" {
			d.Message = w.Origin.String() + ": " + w.Message
		}
		out = append(out, d)
	}
	return out
}

// originPos is the file and line of an origin in the repository, if any.
func originPos(o profiles.Origin) (string, int) {
	if o.Kind == profiles.FromFile || o.Kind == profiles.FromDotenv {
		return o.Pos.File, o.Pos.Line
	}
	return "", 0
}

// within reports whether path is dir or below it.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// listNames shortens a list of image names for a message.
func listNames(names []string) string {
	const most = 4
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

// graphSelection is the profile's selection in the graph package's terms.
func graphSelection(tree *render.Tree, p *profiles.Profile, opts Options) (graph.Selection, error) {
	m, err := p.Matcher()
	if err != nil {
		return graph.Selection{}, err
	}
	sel := graph.Selection{}
	if len(m.Patterns) > 0 {
		sel.Match = func(name string) (string, bool) {
			if !m.Match(name) {
				return "", false
			}
			return strings.Join(m.Patterns, "|"), true
		}
	}
	if !opts.EnableUnbuildable && !p.Options.EnableUnbuildable {
		sel.Unbuildable = graph.UnbuildableImages(tree.Unbuildable, p.Options.Base, p.Options.BaseArch, p.Options.BaseTag)
	}
	return sel, nil
}

// relToRepo names a file of the repository relative to its root.
func relToRepo(repo, path string) string {
	if r, err := filepath.Rel(repo, path); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(r)
	}
	return path
}
