package graph

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The writers in this file print what kolla-build prints for --list-images,
// --list-dependencies and --save-dependency, in Kolla order.

// WriteList writes the selected images the way kolla-build --list-images does:
// "<n> : <name>", numbered from 1.
func (r *Result) WriteList(w io.Writer) error {
	var b strings.Builder
	for n, name := range r.Selected() {
		fmt.Fprintf(&b, "%d : %s\n", n+1, name)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// NothingMatched is what kolla-build --list-dependencies prints, with a newline,
// when no image is selected.
const NothingMatched = "Nothing matched!"

// WriteJSON writes the selected images as the tree kolla-build
// --list-dependencies prints, without a final newline: the base image's name
// maps to the list of its selected children, a child with children of its own
// (selected or not) as a one-key object, any other as its name; indented by two
// spaces as Python's json.dump does. Like Kolla it shows one base, the last image
// in Kolla order built on an external base, selected or not; WriteTree shows
// every base.
func (r *Result) WriteJSON(w io.Writer) error {
	if len(r.selected()) == 0 {
		_, err := io.WriteString(w, NothingMatched+"\n")
		return err
	}
	g := r.graph
	root := -1
	for i := range g.images {
		if g.parent[i] < 0 {
			root = i
		}
	}
	var b strings.Builder
	b.WriteString("{\n  " + pythonJSONString(g.images[root].Name) + ": ")
	r.writeJSONChildren(&b, root, 1)
	b.WriteString("\n}")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeJSONChildren writes the list of i's selected children at the given depth.
func (r *Result) writeJSONChildren(b *strings.Builder, i, depth int) {
	g := r.graph
	var kids []int
	for _, c := range g.children[i] {
		if selected(r.decisions[c].Status) {
			kids = append(kids, c)
		}
	}
	if len(kids) == 0 {
		b.WriteString("[]")
		return
	}
	inner := strings.Repeat("  ", depth+1)
	b.WriteString("[")
	for k, c := range kids {
		if k > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n" + inner)
		name := pythonJSONString(g.images[c].Name)
		if len(g.children[c]) == 0 {
			b.WriteString(name)
			continue
		}
		b.WriteString("{\n" + inner + "  " + name + ": ")
		r.writeJSONChildren(b, c, depth+2)
		b.WriteString("\n" + inner + "}")
	}
	b.WriteString("\n" + strings.Repeat("  ", depth) + "]")
}

// pythonJSONString quotes s as Python's json module does by default: ASCII
// only, other characters as \u escapes (surrogate pairs beyond the BMP).
func pythonJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c < 0x20 || (c > 0x7e && c <= 0xffff) || c == utf8.RuneError:
			fmt.Fprintf(&b, `\u%04x`, c)
		case c > 0xffff:
			c -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(c>>10), 0xdc00+(c&0x3ff))
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// WriteDot writes the Graphviz source kolla-build --save-dependency saves: the
// selected images as nodes, each with an edge from its parent, formatted as the
// graphviz Python package (0.21) formats a Digraph, including the missing line
// break after "rankdir=LR".
func (r *Result) WriteDot(w io.Writer) error {
	g := r.graph
	var b strings.Builder
	b.WriteString("// Container Images Dependency\ndigraph {\nrankdir=LR")
	for _, i := range r.selected() {
		name := dotID(g.images[i].Name)
		b.WriteString("\t" + name + "\n")
		if p := g.parent[i]; p >= 0 {
			b.WriteString("\t" + dotID(g.images[p].Name) + " -> " + name + "\n")
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// plainDotID is a DOT identifier that needs no quotes.
var plainDotID = regexp.MustCompile(`^([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$`)

// dotKeywords must be quoted to be used as names, in any case.
var dotKeywords = map[string]bool{"node": true, "edge": true, "graph": true, "digraph": true, "subgraph": true, "strict": true}

// dotID quotes name where DOT needs it, as the graphviz package does.
func dotID(name string) string {
	if strings.HasPrefix(name, "<") && strings.HasSuffix(name, ">") {
		return name // the graphviz package passes what looks like an HTML label through
	}
	if plainDotID.MatchString(name) && !dotKeywords[strings.ToLower(name)] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `\"`) + `"`
}
