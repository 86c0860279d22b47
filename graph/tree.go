package graph

import (
	"fmt"
	"io"
	"strings"
)

// TreeOptions choose what WriteTree shows.
type TreeOptions struct {
	// All shows every image; by default only the selected and skipped images, the
	// unbuildable ones a pattern matched, and their ancestors are shown.
	All bool
}

// WriteTree draws the image tree, each image with what the selection decided
// and why, followed by a one-line summary.
func (r *Result) WriteTree(w io.Writer, opt TreeOptions) error {
	g := r.graph
	show := make([]bool, len(g.images))
	for i, d := range r.decisions {
		if opt.All || d.Status != Unmatched && (d.Status != Unbuildable || d.Pattern != "") {
			for j := i; j >= 0 && !show[j]; j = g.parent[j] {
				show[j] = true
			}
		}
	}
	var b strings.Builder
	for i := range g.images {
		if g.parent[i] < 0 && show[i] {
			r.drawNode(&b, i, "", "", show)
		}
	}
	b.WriteString(r.summary())
	_, err := io.WriteString(w, b.String())
	return err
}

// drawNode writes image i after lead, then its shown children under it, each
// line of their subtrees starting with indent.
func (r *Result) drawNode(b *strings.Builder, i int, lead, indent string, show []bool) {
	b.WriteString(lead + r.graph.images[i].Name + "  " + r.label(i) + "\n")
	var kids []int
	for _, c := range r.graph.children[i] {
		if show[c] {
			kids = append(kids, c)
		}
	}
	for k, c := range kids {
		if k == len(kids)-1 {
			r.drawNode(b, c, indent+"└── ", indent+"    ", show)
		} else {
			r.drawNode(b, c, indent+"├── ", indent+"│   ", show)
		}
	}
}

// label is the short reason shown beside an image in the tree.
func (r *Result) label(i int) string {
	d := r.decisions[i]
	var s string
	switch d.Status {
	case Matched:
		s = "[matched]"
		if d.Pattern != "" {
			s = fmt.Sprintf("[matched %q]", d.Pattern)
		}
	case Ancestor:
		s = "[ancestor of " + d.NeededBy + "]"
	case Skipped:
		s = "[skipped: " + skipText(d.Skip) + "]"
	case Unbuildable:
		s = fmt.Sprintf("[unbuildable for %q]", d.Rule)
		if d.Listed != r.graph.images[i].Name {
			s = fmt.Sprintf("[unbuildable: built on %s, unbuildable for %q]", d.Listed, d.Rule)
		}
	default:
		s = "[not selected]"
	}
	if d.AllowedToFail {
		s += " [allowed to fail]"
	}
	return s
}

func skipText(s SkipReason) string {
	switch s {
	case SkipExisting:
		return "exists"
	case SkipParent:
		return "has children"
	}
	return ""
}

// summary counts the images by status, and the length of the longest chain of
// images built one after the other.
func (r *Result) summary() string {
	sel := len(r.selected())
	return fmt.Sprintf("%d selected (%d matched, %d ancestors), %d skipped, %d unbuildable, %d not selected; longest chain %d images\n",
		sel, r.Count(Matched), r.Count(Ancestor), r.Count(Skipped), r.Count(Unbuildable), r.Count(Unmatched), r.CriticalPath())
}
