package render

import (
	"errors"
	"regexp"
	"strings"

	"github.com/kbk-dev/kbk/render/jinja"
)

// mergedOverride is Kolla's concatenation of the template override files:
// the first file whole, the others without their `{% extends %}` lines.
type mergedOverride struct {
	name   string
	source string
	lines  []lineOrigin // merged line index → file and line
}

type lineOrigin struct {
	file string
	line int
}

// reExtendsLine is the line Kolla's _merge_overrides deletes from every file
// but the first: one holding "{%" followed by "extends", with its newline.
var reExtendsLine = regexp.MustCompile(`\{%.*extends`)

func mergeOverrides(files []Override) *mergedOverride {
	m := &mergedOverride{name: files[0].Name}
	var b strings.Builder
	lineStart := true
	for i, f := range files {
		// Python reads the files in text mode, which turns CRLF into LF.
		src := strings.ReplaceAll(f.Source, "\r\n", "\n")
		src = strings.ReplaceAll(src, "\r", "\n")
		lines := strings.SplitAfter(src, "\n")
		for n, l := range lines {
			if l == "" {
				continue
			}
			if i > 0 && strings.HasSuffix(l, "\n") && reExtendsLine.MatchString(l) {
				continue
			}
			// A file without a final newline runs into the next one's first line.
			if lineStart {
				m.lines = append(m.lines, lineOrigin{file: f.Name, line: n + 1})
			}
			b.WriteString(l)
			lineStart = strings.HasSuffix(l, "\n")
		}
	}
	m.source = b.String()
	return m
}

// locate rewrites an engine error located in the merged override so that it
// names the override file and line the text came from.
func (rn *Renderer) locate(err error) error {
	var je *jinja.Error
	if rn.override == nil || !errors.As(err, &je) || je.Template != rn.override.name {
		return err
	}
	if je.Line < 1 || je.Line > len(rn.override.lines) {
		return err
	}
	o := rn.override.lines[je.Line-1]
	located := *je
	located.Template = o.file
	located.Line = o.line
	return &located
}
