package plan

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"github.com/kbk-dev/kbk/graph"
	"github.com/kbk-dev/kbk/render"
)

// renderAll renders every image's Dockerfile, a few at a time, and returns
// them with the graph's view of each image (its first FROM reference).
func renderAll(ctx context.Context, rn *render.Renderer) (map[string]string, []graph.Image, error) {
	todo := rn.Images()
	images := make([]graph.Image, len(todo))
	texts := make([]string, len(todo))
	errs := make([]error, len(todo))
	limit := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, im := range todo {
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			if err := ctx.Err(); err != nil {
				errs[i] = err
				return
			}
			texts[i], errs[i] = rn.RenderImage(im)
			images[i] = graph.Image{Name: im.Name, Path: im.Path, From: graph.FromReference(texts[i])}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	dockerfiles := make(map[string]string, len(todo))
	for i, im := range todo {
		dockerfiles[im.Name] = texts[i]
	}
	return dockerfiles, images, nil
}
