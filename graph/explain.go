package graph

import (
	"fmt"
	"strings"
)

// Explain says in a few lines why image name is built or not: the decision and
// its reason, the image's reference and FROM line, its ancestors and children.
func (r *Result) Explain(name string) (string, error) {
	g := r.graph
	i, ok := g.index[name]
	if !ok {
		return "", fmt.Errorf("no image %q in this tree", name)
	}
	img := g.images[i]
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", name, r.reason(i))
	fmt.Fprintf(&b, "  path:      %s\n", img.Path)
	fmt.Fprintf(&b, "  reference: %s\n", g.naming.Ref(name))
	if p := g.parent[i]; p >= 0 {
		fmt.Fprintf(&b, "  FROM:      %s (image %s, %s)\n", img.From, g.images[p].Name, r.decisions[p].Status)
	} else {
		fmt.Fprintf(&b, "  FROM:      %s (external base)\n", img.From)
	}
	if a := g.Ancestors(name); len(a) > 0 {
		fmt.Fprintf(&b, "  ancestors: %s\n", strings.Join(a, ", "))
	}
	if c := g.Children(name); len(c) > 0 {
		fmt.Fprintf(&b, "  children:  %s\n", strings.Join(c, ", "))
	}
	return b.String(), nil
}

// reason is the sentence Explain opens with.
func (r *Result) reason(i int) string {
	d := r.decisions[i]
	var s string
	switch d.Status {
	case Matched:
		s = fmt.Sprintf("built: its name matches %q", d.Pattern)
		if !r.filtered {
			s = "built: no profile or pattern was given, so every buildable image is"
		}
	case Ancestor:
		s = fmt.Sprintf("built: %s is built on it (its own name matches no pattern)", d.NeededBy)
	case Skipped:
		why := "it was matched"
		if d.Selected == Ancestor {
			why = "it was needed by " + d.NeededBy
		}
		if d.Skip == SkipExisting {
			s = fmt.Sprintf("not built: %s, but %s already exists (--skip-existing)", why, r.graph.naming.Ref(r.graph.images[i].Name))
		} else {
			s = fmt.Sprintf("not built: %s, but it has children and --skip-parents is set; its children build on the existing image", why)
		}
	case Unbuildable:
		if d.Listed == r.graph.images[i].Name {
			s = fmt.Sprintf("not built: unbuildable here (Kolla's unbuildable images, key %q)", d.Rule)
		} else {
			s = fmt.Sprintf("not built: it is built on %s, which is unbuildable here (key %q)", d.Listed, d.Rule)
		}
		if d.Pattern != "" {
			s += fmt.Sprintf("; its name matches %q", d.Pattern)
		}
		s += "; --enable-unbuildable builds it anyway"
	default:
		s = "not built: its name matches no pattern and no selected image is built on it"
	}
	if d.AllowedToFail {
		s += "; allowed to fail"
	}
	return s
}
