package lint

import (
	"regexp"
	"strings"
)

// This file reads the few facts lint needs from a Jinja template without
// evaluating it: the blocks it defines, the variables it sets at top level
// and the customizable() calls it makes. The jinja package keeps its syntax
// tree unexported, so this is a small scanner of its own; templates that do
// not parse are reported by rendering them.

// templateFacts are what a scan of one template finds.
type templateFacts struct {
	Blocks        []named // {% block NAME %}
	Sets          []set   // top-level {% set NAME = … %}
	Customizables []named // customizable("KIND") call sites, Name = KIND
}

// named is a name found at a byte offset of a template.
type named struct {
	Name  string
	Off   int
	Block string // the innermost enclosing block, "" at top level
}

// set is a top-level assignment; Expr is its source text.
type set struct {
	named
	Expr string
}

var (
	reTagWord       = regexp.MustCompile(`^\s*([A-Za-z_]\w*)`)
	reBlockTag      = regexp.MustCompile(`^\s*block\s+([A-Za-z_]\w*)`)
	reSetTag        = regexp.MustCompile(`^\s*set\s+([A-Za-z_]\w*)\s*(=)?`)
	reEndraw        = regexp.MustCompile(`\{%[-+]?\s*endraw\s*[-+]?%\}`)
	reCustomizable  = regexp.MustCompile(`\bcustomizable\s*\(\s*(?:call_type\s*=\s*)?(?:'(\w+)'|"(\w+)")`)
	reCustomizable2 = regexp.MustCompile(`\bcustomizable\s*\(\s*[^,()]+,\s*(?:call_type\s*=\s*)?(?:'(\w+)'|"(\w+)")`)
)

// tags that open a body closed by end<tag>; "set" only in its block form.
var bodyTags = map[string]bool{
	"block": true, "macro": true, "call": true, "for": true, "if": true,
	"filter": true, "with": true, "autoescape": true, "raw": true,
}

// scanTemplate scans src.
func scanTemplate(src string) templateFacts {
	var f templateFacts
	var stack []string  // open body tags
	var blocks []string // open block names
	i := 0
	for i < len(src) {
		open := strings.Index(src[i:], "{")
		if open < 0 || i+open+1 >= len(src) {
			break
		}
		at := i + open
		switch src[at+1] {
		case '#':
			end := strings.Index(src[at+2:], "#}")
			if end < 0 {
				return f
			}
			i = at + 2 + end + 2
		case '{':
			end := strings.Index(src[at+2:], "}}")
			if end < 0 {
				return f
			}
			f.addCalls(src[at+2:at+2+end], at+2, innermost(blocks))
			i = at + 2 + end + 2
		case '%':
			end := strings.Index(src[at+2:], "%}")
			if end < 0 {
				return f
			}
			bodyStart := at + 2
			body := src[bodyStart : bodyStart+end]
			i = bodyStart + end + 2
			trimmed := strings.TrimLeft(body, "-+")
			shift := len(body) - len(trimmed)
			trimmed = strings.TrimRight(trimmed, "-+")
			m := reTagWord.FindStringSubmatch(trimmed)
			if m == nil {
				continue
			}
			word := m[1]
			switch {
			case word == "raw":
				// skip to {% endraw %} without looking inside
				end := reEndraw.FindStringIndex(src[i:])
				if end == nil {
					return f
				}
				i += end[1]
				continue
			case word == "block":
				if bm := reBlockTag.FindStringSubmatchIndex(trimmed); bm != nil {
					name := trimmed[bm[2]:bm[3]]
					f.Blocks = append(f.Blocks, named{Name: name, Off: bodyStart + shift + bm[2], Block: innermost(blocks)})
					blocks = append(blocks, name)
				}
				stack = append(stack, word)
				continue
			case word == "set":
				sm := reSetTag.FindStringSubmatchIndex(trimmed)
				if sm == nil {
					continue
				}
				if sm[4] < 0 { // {% set x %}…{% endset %}
					stack = append(stack, word)
					continue
				}
				if len(stack) == 0 {
					f.Sets = append(f.Sets, set{
						named: named{Name: trimmed[sm[2]:sm[3]], Off: bodyStart + shift + sm[2]},
						Expr:  strings.TrimSpace(trimmed[sm[1]:]),
					})
				}
			case bodyTags[word]:
				stack = append(stack, word)
			case strings.HasPrefix(word, "end"):
				if n := len(stack); n > 0 {
					if stack[n-1] == "block" && len(blocks) > 0 {
						blocks = blocks[:len(blocks)-1]
					}
					stack = stack[:n-1]
				}
				continue
			}
			f.addCalls(body, bodyStart, innermost(blocks))
		default:
			i = at + 1
		}
	}
	return f
}

func innermost(blocks []string) string {
	if len(blocks) == 0 {
		return ""
	}
	return blocks[len(blocks)-1]
}

// addCalls records the customizable() calls of an expression starting at off:
// the filter form (`list | customizable("packages")`) and the call form
// (`customizable(list, "packages")`).
func (f *templateFacts) addCalls(expr string, off int, block string) {
	for _, re := range []*regexp.Regexp{reCustomizable, reCustomizable2} {
		for _, m := range re.FindAllStringSubmatchIndex(expr, -1) {
			g := 2
			if m[g] < 0 {
				g = 4
			}
			f.Customizables = append(f.Customizables, named{Name: expr[m[g]:m[g+1]], Off: off + m[0], Block: block})
		}
	}
}

// lineCol converts a byte offset of src into a 1-based line and column.
func lineCol(src string, off int) (int, int) {
	off = min(off, len(src))
	line := 1 + strings.Count(src[:off], "\n")
	return line, off - strings.LastIndexByte(src[:off], '\n')
}
