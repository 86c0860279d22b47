package graph

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Status is what a selection decided for one image.
type Status int

const (
	// Unmatched images match no pattern and no matched image needs them.
	Unmatched Status = iota
	// Matched images match a pattern (or every image does, when there is none).
	Matched
	// Ancestor images are parents, direct or not, of a matched image.
	Ancestor
	// Skipped images were matched or needed but are not built: --skip-parents or
	// --skip-existing. Their children are still built.
	Skipped
	// Unbuildable images are listed as unbuildable for this base and arch, or
	// descend from one that is.
	Unbuildable
)

func (s Status) String() string {
	switch s {
	case Unmatched:
		return "unmatched"
	case Matched:
		return "matched"
	case Ancestor:
		return "ancestor"
	case Skipped:
		return "skipped"
	case Unbuildable:
		return "unbuildable"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// SkipReason says why a selected image is skipped.
type SkipReason int

const (
	NotSkipped   SkipReason = iota
	SkipExisting            // the image is already in the registry (--skip-existing)
	SkipParent              // the image has children (--skip-parents)
)

// Selection says which images to build, as kolla-build's options do. The caller
// builds the predicates: pattern matching with Python's re.search semantics,
// registry look-ups, Kolla's unbuildable table.
type Selection struct {
	// Match reports whether the image name matches the profiles' or positional
	// patterns, and which pattern matched. Nil selects every buildable image, as
	// kolla-build does without profile or pattern.
	Match func(name string) (pattern string, ok bool)
	// Unbuildable maps an image name to the rule that makes it unbuildable here
	// (see UnbuildableImages); its descendants are unbuildable too. Leave it empty for
	// --enable-unbuildable.
	Unbuildable map[string]string
	// SkipParents skips every selected image that has children (--skip-parents).
	SkipParents bool
	// Exists, when set, skips every selected image whose reference it reports
	// present (--skip-existing). It is called concurrently.
	Exists func(ctx context.Context, ref string) (bool, error)
	// AllowedToFail lists images whose failure does not fail the build.
	AllowedToFail []string
}

// Decision is the selection's verdict on one image, with the reason.
type Decision struct {
	Status Status
	// Pattern is the pattern that matched the image's name, whatever its status;
	// empty when no pattern matched or when there were no patterns.
	Pattern string
	// NeededBy is, for an ancestor, the first matched image (in Kolla order) that
	// is built on it.
	NeededBy string
	// Listed is, for an unbuildable image, the image named in the table: itself or
	// its nearest listed ancestor. Rule is the table key that lists it.
	Listed, Rule string
	// Skip says why a skipped image is not built; Selected tells whether it was
	// matched (Matched) or needed (Ancestor) before that.
	Skip     SkipReason
	Selected Status
	// AllowedToFail is true when the image may fail without failing the build.
	AllowedToFail bool
}

// Result is a selection applied to a graph.
type Result struct {
	graph     *Graph
	sel       Selection
	filtered  bool // false when every buildable image was selected for want of patterns
	decisions []Decision
}

// existsConcurrency bounds concurrent registry look-ups for --skip-existing.
const existsConcurrency = 8

// Select applies sel to the graph the way kolla-build filters images: unbuildable
// images and their descendants first, then matching and the matched images'
// ancestors, then skips.
func (g *Graph) Select(ctx context.Context, sel Selection) (*Result, error) {
	r := &Result{graph: g, sel: sel, filtered: sel.Match != nil, decisions: make([]Decision, len(g.images))}
	d := r.decisions
	matches := make([]bool, len(g.images))
	for i, img := range g.images {
		d[i].AllowedToFail = slices.Contains(sel.AllowedToFail, img.Name)
		matches[i] = true
		if sel.Match != nil {
			var pattern string
			if pattern, matches[i] = sel.Match(img.Name); matches[i] {
				d[i].Pattern = pattern
			}
		}
		for j := i; j >= 0; j = g.parent[j] {
			if rule, ok := sel.Unbuildable[g.images[j].Name]; ok {
				d[i].Status, d[i].Listed, d[i].Rule = Unbuildable, g.images[j].Name, rule
				break
			}
		}
	}
	for i := range g.images {
		if d[i].Status == Unbuildable || !matches[i] {
			continue
		}
		d[i].Status = Matched
		for p := g.parent[i]; p >= 0 && d[p].NeededBy == ""; p = g.parent[p] {
			d[p].NeededBy = g.images[i].Name
		}
	}
	for i := range g.images {
		if d[i].Status == Unmatched && d[i].NeededBy != "" {
			d[i].Status = Ancestor
		}
	}
	if err := r.skip(ctx, sel); err != nil {
		return nil, err
	}
	return r, nil
}

// skip marks selected images skipped, existing images first, as Kolla does.
func (r *Result) skip(ctx context.Context, sel Selection) error {
	g, d := r.graph, r.decisions
	var exists []bool
	if sel.Exists != nil {
		var err error
		if exists, err = r.lookUp(ctx, sel.Exists); err != nil {
			return err
		}
	}
	for i := range g.images {
		if !selected(d[i].Status) {
			continue
		}
		switch {
		case exists != nil && exists[i]:
			d[i].Selected, d[i].Status, d[i].Skip = d[i].Status, Skipped, SkipExisting
		case sel.SkipParents && len(g.children[i]) > 0:
			d[i].Selected, d[i].Status, d[i].Skip = d[i].Status, Skipped, SkipParent
		}
	}
	return nil
}

// lookUp asks exists about every selected image, a few at a time.
func (r *Result) lookUp(ctx context.Context, exists func(context.Context, string) (bool, error)) ([]bool, error) {
	g := r.graph
	found := make([]bool, len(g.images))
	errs := make([]error, len(g.images))
	limit := make(chan struct{}, existsConcurrency)
	var wg sync.WaitGroup
	for i, img := range g.images {
		if !selected(r.decisions[i].Status) {
			continue
		}
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			ref := g.naming.Ref(img.Name)
			ok, err := exists(ctx, ref)
			if err != nil {
				errs[i] = fmt.Errorf("image %q: checking whether %s exists: %w", img.Name, ref, err)
			}
			found[i] = ok
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return found, nil
}

func selected(s Status) bool { return s == Matched || s == Ancestor }

// Graph returns the graph the selection was applied to.
func (r *Result) Graph() *Graph { return r.graph }

// Selection returns the predicates the result was selected with, so the same
// choice can be applied to another graph of the same images.
func (r *Result) Selection() Selection { return r.sel }

// Filtered reports whether patterns chose the images; when false every
// buildable image was selected.
func (r *Result) Filtered() bool { return r.filtered }

// Decision returns the verdict on image name.
func (r *Result) Decision(name string) (Decision, bool) {
	i, ok := r.graph.index[name]
	if !ok {
		return Decision{}, false
	}
	return r.decisions[i], true
}

// Selected returns, in Kolla order, the images to build: matched images and
// their ancestors, less the skipped ones. These are the images kolla-build
// lists with --list-images.
func (r *Result) Selected() []string { return r.graph.names(r.selected()) }

// IsSelected reports whether image name is to be built.
func (r *Result) IsSelected(name string) bool {
	i, ok := r.graph.index[name]
	return ok && selected(r.decisions[i].Status)
}

// BuildOrder returns the selected images, each parent before its children.
func (r *Result) BuildOrder() []string { return r.graph.BuildOrder(r.IsSelected) }

// CriticalPath returns the longest chain of selected images, in images.
func (r *Result) CriticalPath() int { return r.graph.CriticalPath(r.IsSelected) }

// WithStatus returns the images with status s, in Kolla order.
func (r *Result) WithStatus(s Status) []string {
	var out []int
	for i, d := range r.decisions {
		if d.Status == s {
			out = append(out, i)
		}
	}
	return r.graph.names(out)
}

// Count returns how many images have status s.
func (r *Result) Count(s Status) int {
	n := 0
	for _, d := range r.decisions {
		if d.Status == s {
			n++
		}
	}
	return n
}

func (r *Result) selected() []int {
	var out []int
	for i, d := range r.decisions {
		if selected(d.Status) {
			out = append(out, i)
		}
	}
	return out
}
