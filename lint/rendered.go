package lint

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/kbk-dev/kbk/graph"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

// Rendered is every image of a tree rendered for one profile, with the image
// graph and the profile's selection over it.
type Rendered struct {
	Images      []render.Image
	Dockerfiles map[string]string // image name → rendered Dockerfile, for images that rendered
	Errors      map[string]error  // image name → why it did not render
	Graph       *graph.Graph
	Selection   *graph.Result
}

// Render renders every image of tree for profile p, builds the image graph
// and applies p's selection. An image that fails to render is recorded in
// Errors; its parent is then taken from a render without the template
// overrides, so that one broken override does not break the graph.
func Render(ctx context.Context, tree *render.Tree, p *profiles.Profile, opts Options) (*Rendered, error) {
	rOpts, err := plan.RenderOptions(p, "", plan.TemplateEnv(p, opts.Env))
	if err != nil {
		return nil, err
	}
	rn, err := render.NewRenderer(tree, rOpts)
	if err != nil {
		return nil, err
	}
	return buildAll(ctx, tree, rn, rOpts, p, opts)
}

func buildAll(ctx context.Context, tree *render.Tree, rn *render.Renderer, rOpts render.Options, p *profiles.Profile, opts Options) (*Rendered, error) {
	images := rn.Images()
	texts, errs := renderEach(ctx, rn, images)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &Rendered{Images: images, Dockerfiles: map[string]string{}, Errors: map[string]error{}}
	var plain *render.Renderer // without overrides, for the parents of images that failed
	gimages := make([]graph.Image, len(images))
	for i, im := range images {
		gimages[i] = graph.Image{Name: im.Name, Path: im.Path}
		if errs[i] == nil {
			r.Dockerfiles[im.Name] = texts[i]
			gimages[i].From = graph.FromReference(texts[i])
			continue
		}
		r.Errors[im.Name] = errs[i]
		if plain == nil {
			noOverrides := rOpts
			noOverrides.TemplateOverrides = nil
			var err error
			if plain, err = render.NewRenderer(tree, noOverrides); err != nil {
				return nil, err
			}
		}
		if text, err := plain.RenderImage(im); err == nil {
			gimages[i].From = graph.FromReference(text)
		}
	}
	g, err := graph.New(gimages, naming(p))
	if err != nil {
		return nil, err
	}
	r.Graph = g
	if err := r.selectFor(ctx, tree, p, opts); err != nil {
		return nil, err
	}
	return r, nil
}

// fromImages is the Rendered of images the caller rendered already: the
// Dockerfiles (shared, not copied) and, when its naming is p's, the graph of
// im. plan.Config.ForArch fails on any image that does not render, so there
// are no Errors. The selection is p's, as Render makes it, not im's: lint
// judges the profile, not a command line's patterns or a registry.
func fromImages(ctx context.Context, tree *render.Tree, images []render.Image, im *plan.Images, p *profiles.Profile, opts Options) (*Rendered, error) {
	r := &Rendered{Images: images, Dockerfiles: im.Dockerfiles, Errors: map[string]error{}, Graph: im.Graph}
	for _, i := range images {
		if _, ok := im.Dockerfiles[i.Name]; !ok {
			return nil, fmt.Errorf("image %q: not among the rendered images", i.Name)
		}
	}
	if n := naming(p); r.Graph == nil || im.Naming != n {
		gimages := make([]graph.Image, len(images))
		for i, m := range images {
			gimages[i] = graph.Image{Name: m.Name, Path: m.Path, From: graph.FromReference(im.Dockerfiles[m.Name])}
		}
		g, err := graph.New(gimages, n)
		if err != nil {
			return nil, err
		}
		r.Graph = g
	}
	if err := r.selectFor(ctx, tree, p, opts); err != nil {
		return nil, err
	}
	return r, nil
}

// naming is how p names images, for the graph to link parents.
func naming(p *profiles.Profile) graph.Naming {
	return graph.Naming{Registry: p.Options.Registry, Namespace: p.Options.Namespace,
		Prefix: p.Options.ImageNamePrefix, Tag: p.Options.Tag, ParentTag: p.Options.ParentTag}
}

// selectFor applies p's selection to the graph.
func (r *Rendered) selectFor(ctx context.Context, tree *render.Tree, p *profiles.Profile, opts Options) error {
	sel, err := graphSelection(tree, p, opts)
	if err != nil {
		return err
	}
	r.Selection, err = r.Graph.Select(ctx, sel)
	return err
}

// renderEach renders images concurrently, one worker per CPU.
func renderEach(ctx context.Context, rn *render.Renderer, images []render.Image) ([]string, []error) {
	texts := make([]string, len(images))
	errs := make([]error, len(images))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				texts[i], errs[i] = rn.RenderImage(images[i])
			}
		})
	}
	for i := range images {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return texts, errs
}
