package graph

// BuildOrder returns the images for which keep is true (every image when keep is
// nil) with each parent before its children: depth first from the roots, children
// in Kolla order. The same graph always gives the same order.
func (g *Graph) BuildOrder(keep func(name string) bool) []string {
	var out []int
	for i := range g.images {
		if g.parent[i] < 0 {
			out = g.preorder(i, out)
		}
	}
	if keep != nil {
		kept := out[:0]
		for _, i := range out {
			if keep(g.images[i].Name) {
				kept = append(kept, i)
			}
		}
		out = kept
	}
	return g.names(out)
}

// CriticalPath returns the length, in images, of the longest chain of images to
// build one after the other: for each image for which build is true, itself and
// its ancestors that are built too. Ancestors not built (skipped, or already
// there) do not count, since nothing waits for them.
func (g *Graph) CriticalPath(build func(name string) bool) int {
	longest := 0
	for i, img := range g.images {
		if !build(img.Name) {
			continue
		}
		n := 1
		for p := g.parent[i]; p >= 0; p = g.parent[p] {
			if build(g.images[p].Name) {
				n++
			}
		}
		longest = max(longest, n)
	}
	return longest
}
