package lint

import (
	"context"
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
	rOpts, err := plan.RenderOptions(p, "", opts.Env)
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
	naming := graph.Naming{Registry: p.Options.Registry, Namespace: p.Options.Namespace,
		Prefix: p.Options.ImageNamePrefix, Tag: p.Options.Tag, ParentTag: p.Options.ParentTag}
	g, err := graph.New(gimages, naming)
	if err != nil {
		return nil, err
	}
	sel, err := graphSelection(tree, p, opts)
	if err != nil {
		return nil, err
	}
	if r.Selection, err = g.Select(ctx, sel); err != nil {
		return nil, err
	}
	r.Graph = g
	return r, nil
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
