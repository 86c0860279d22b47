package lint

import (
	"fmt"
	"slices"
)

// Comparison is what changes between two renders of the same profile: with
// another configuration, or another Kolla tree.
type Comparison struct {
	Changed []ImageChange // selected on both sides, Dockerfile differs
	Added   []ImageChange // selected only on the new side
	Removed []ImageChange // selected only on the old side
	// Rebuilt lists the images whose own Dockerfile is unchanged but that
	// are built on a changed or added image, so a build rebuilds them too.
	Rebuilt []string
	// Errors are images selected on a side that failed to render there.
	Errors []error
}

// ImageChange is one image's Dockerfile on both sides; Old is "" for an
// added image and New "" for a removed one.
type ImageChange struct {
	Image, Path string
	Old, New    string
}

// Compare compares the selected images of two renders, in the new side's
// order, removed images last in the old side's order.
func Compare(old, new *Rendered) *Comparison {
	c := &Comparison{}
	oldPaths := paths(old)
	for _, im := range new.Images {
		if !new.Selection.IsSelected(im.Name) {
			continue
		}
		newText, newOK := new.Dockerfiles[im.Name]
		if !newOK {
			c.Errors = append(c.Errors, fmt.Errorf("new: image %q: %w", im.Name, new.Errors[im.Name]))
			continue
		}
		if !old.Selection.IsSelected(im.Name) {
			c.Added = append(c.Added, ImageChange{Image: im.Name, Path: im.Path, New: newText})
			continue
		}
		oldText, oldOK := old.Dockerfiles[im.Name]
		if !oldOK {
			c.Errors = append(c.Errors, fmt.Errorf("old: image %q: %w", im.Name, old.Errors[im.Name]))
			continue
		}
		if oldText != newText {
			c.Changed = append(c.Changed, ImageChange{Image: im.Name, Path: oldPaths[im.Name], Old: oldText, New: newText})
		}
	}
	for _, im := range old.Images {
		if old.Selection.IsSelected(im.Name) && !new.Selection.IsSelected(im.Name) {
			c.Removed = append(c.Removed, ImageChange{Image: im.Name, Path: im.Path, Old: old.Dockerfiles[im.Name]})
		}
	}
	c.Rebuilt = rebuilt(new, append(append([]ImageChange{}, c.Changed...), c.Added...))
	return c
}

func paths(r *Rendered) map[string]string {
	m := map[string]string{}
	for _, im := range r.Images {
		m[im.Name] = im.Path
	}
	return m
}

// rebuilt lists, in the new side's order, the selected descendants of the
// changed images that are not changed themselves.
func rebuilt(new *Rendered, changed []ImageChange) []string {
	own := map[string]bool{}
	for _, ch := range changed {
		own[ch.Image] = true
	}
	hit := map[string]bool{}
	for _, ch := range changed {
		for _, d := range new.Graph.Descendants(ch.Image) {
			if !own[d] && new.Selection.IsSelected(d) {
				hit[d] = true
			}
		}
	}
	var out []string
	for _, name := range new.Graph.Names() {
		if hit[name] {
			out = append(out, name)
		}
	}
	return slices.Clip(out)
}

// Names lists the images of changes.
func Names(changes []ImageChange) []string {
	out := make([]string, len(changes))
	for i, ch := range changes {
		out[i] = ch.Image
	}
	return out
}
