package graph

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Graph is the image DAG of one Kolla tree: each image's parent is the image
// whose canonical reference its first FROM line names; other bases are external.
// Images are kept in Kolla order: by path, compared directory by directory, which
// is the order kolla-build finds Dockerfiles in when directories list by name.
type Graph struct {
	naming   Naming
	images   []Image
	index    map[string]int // image name → position in images
	parent   []int          // position of each image's parent, -1 for an external base
	children [][]int        // positions of each image's children, in Kolla order
}

// New builds the graph of images. It fails, naming the images, when two images
// share a name, when a FROM line names an image of this tree's namespace that does
// not exist, or when FROM lines form a cycle.
func New(images []Image, naming Naming) (*Graph, error) {
	g := &Graph{
		naming: naming,
		images: slices.Clone(images),
		index:  make(map[string]int, len(images)),
	}
	slices.SortStableFunc(g.images, func(a, b Image) int { return comparePaths(a.Path, b.Path) })

	var errs []error
	paths := make(map[string][]string) // image name → every path defining it
	for i, img := range g.images {
		paths[img.Name] = append(paths[img.Name], img.Path)
		if _, dup := g.index[img.Name]; !dup {
			g.index[img.Name] = i
		}
	}
	for _, img := range g.images {
		if p := paths[img.Name]; len(p) > 1 && p[0] == img.Path {
			errs = append(errs, fmt.Errorf("image %q is defined %d times: %s", img.Name, len(p), strings.Join(p, ", ")))
		}
	}

	g.parent = make([]int, len(g.images))
	g.children = make([][]int, len(g.images))
	for i, img := range g.images {
		g.parent[i] = -1
		name, own := naming.ownName(img.From)
		if !own {
			continue
		}
		switch p := paths[name]; {
		case len(p) == 0:
			errs = append(errs, fmt.Errorf("image %q: FROM %q names no image of this tree (there is no image %q)", img.Name, img.From, name))
		case len(p) > 1:
			errs = append(errs, fmt.Errorf("image %q: parent %q is ambiguous: %s", img.Name, img.From, strings.Join(p, ", ")))
		default:
			j := g.index[name]
			g.parent[i] = j
			g.children[j] = append(g.children[j], i)
		}
	}
	errs = append(errs, g.cycles()...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return g, nil
}

// cycles returns one error per cycle of parent links, each written from the
// image first in Kolla order: "cycle: a -> b -> a", an arrow reading "FROM".
func (g *Graph) cycles() []error {
	const (
		unseen = iota
		walking
		done
	)
	state := make([]int, len(g.images))
	var errs []error
	for start := range g.images {
		var path []int
		i := start
		for i >= 0 && state[i] == unseen {
			state[i] = walking
			path = append(path, i)
			i = g.parent[i]
		}
		if i >= 0 && state[i] == walking {
			at := slices.Index(path, i)
			names := make([]string, 0, len(path)-at+1)
			for _, j := range path[at:] {
				names = append(names, g.images[j].Name)
			}
			names = append(names, g.images[i].Name)
			errs = append(errs, fmt.Errorf("cycle: %s", strings.Join(names, " -> ")))
		}
		for _, j := range path {
			state[j] = done
		}
	}
	return errs
}

// comparePaths orders slash-separated paths directory by directory, so that
// "nova/nova-api" comes before "nova-base" as it does in a walk of the tree.
func comparePaths(a, b string) int {
	return slices.Compare(strings.Split(a, "/"), strings.Split(b, "/"))
}

// Naming returns the naming options the graph resolved parents with.
func (g *Graph) Naming() Naming { return g.naming }

// Images returns every image in Kolla order.
func (g *Graph) Images() []Image { return slices.Clone(g.images) }

// Names returns every image name in Kolla order.
func (g *Graph) Names() []string { return g.names(g.all()) }

// Image returns the image called name.
func (g *Graph) Image(name string) (Image, bool) {
	i, ok := g.index[name]
	if !ok {
		return Image{}, false
	}
	return g.images[i], true
}

// Ref returns the canonical reference of image name.
func (g *Graph) Ref(name string) string { return g.naming.Ref(name) }

// Parent returns the parent of image name; ok is false for an image built on an
// external base or for an unknown name.
func (g *Graph) Parent(name string) (parent string, ok bool) {
	i, known := g.index[name]
	if !known || g.parent[i] < 0 {
		return "", false
	}
	return g.images[g.parent[i]].Name, true
}

// Children returns the images built FROM image name, in Kolla order.
func (g *Graph) Children(name string) []string {
	i, ok := g.index[name]
	if !ok {
		return nil
	}
	return g.names(g.children[i])
}

// Ancestors returns the parent of image name, its parent, and so on up to the
// image built on an external base.
func (g *Graph) Ancestors(name string) []string {
	i, ok := g.index[name]
	if !ok {
		return nil
	}
	var out []string
	for p := g.parent[i]; p >= 0; p = g.parent[p] {
		out = append(out, g.images[p].Name)
	}
	return out
}

// Descendants returns every image built on image name, directly or not, parents
// before their children (depth first, children in Kolla order).
func (g *Graph) Descendants(name string) []string {
	i, ok := g.index[name]
	if !ok {
		return nil
	}
	var out []int
	for _, c := range g.children[i] {
		out = g.preorder(c, out)
	}
	return g.names(out)
}

// Roots returns the images built on external bases, in Kolla order.
func (g *Graph) Roots() []string {
	var out []int
	for i := range g.images {
		if g.parent[i] < 0 {
			out = append(out, i)
		}
	}
	return g.names(out)
}

func (g *Graph) preorder(i int, out []int) []int {
	out = append(out, i)
	for _, c := range g.children[i] {
		out = g.preorder(c, out)
	}
	return out
}

func (g *Graph) all() []int {
	out := make([]int, len(g.images))
	for i := range out {
		out[i] = i
	}
	return out
}

func (g *Graph) names(idx []int) []string {
	if len(idx) == 0 {
		return nil
	}
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = g.images[i].Name
	}
	return out
}
