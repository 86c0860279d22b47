package udiff

import (
	"fmt"
	"strings"
)

// DefaultContext is diff -u's number of context lines.
const DefaultContext = 3

// Unified returns the unified diff of old and new text, or "" when they are
// equal. A last line without a newline is marked as diff marks it.
func Unified(oldName, newName, old, new string, context int) string {
	if old == new {
		return ""
	}
	ops := Edits(splitLines(old), splitLines(new))
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", oldName, newName)
	for _, h := range hunks(ops, context) {
		writeHunk(&b, ops, h)
	}
	return b.String()
}

// splitLines splits text after each newline; the last line may lack one.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// hunk is a range [start, end) of the edit script to print.
type hunk struct{ start, end int }

// hunks groups changes whose context lines touch or overlap.
func hunks(ops []Op, context int) []hunk {
	var out []hunk
	for i := 0; i < len(ops); {
		if ops[i].Kind == Equal {
			i++
			continue
		}
		start := max(i-context, 0)
		end := i
		// extend while the next change is within 2*context equal lines
		for end < len(ops) {
			if ops[end].Kind != Equal {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].Kind == Equal {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = run
		}
		if len(out) > 0 && start <= out[len(out)-1].end {
			out[len(out)-1].end = end
		} else {
			out = append(out, hunk{start, end})
		}
		i = end
	}
	return out
}

func writeHunk(b *strings.Builder, ops []Op, h hunk) {
	oldStart, newStart := 1, 1 // 1-based line numbers of the hunk's first line
	for _, op := range ops[:h.start] {
		if op.Kind != Insert {
			oldStart++
		}
		if op.Kind != Delete {
			newStart++
		}
	}
	oldCount, newCount := 0, 0
	for _, op := range ops[h.start:h.end] {
		if op.Kind != Insert {
			oldCount++
		}
		if op.Kind != Delete {
			newCount++
		}
	}
	fmt.Fprintf(b, "@@ -%s +%s @@\n", span(oldStart, oldCount), span(newStart, newCount))
	for _, op := range ops[h.start:h.end] {
		mark := " "
		switch op.Kind {
		case Delete:
			mark = "-"
		case Insert:
			mark = "+"
		}
		b.WriteString(mark + op.Line)
		if !strings.HasSuffix(op.Line, "\n") {
			b.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// span writes a hunk range as diff does: "l,n", "l" when n is 1, and the
// line before with 0 when the range is empty.
func span(start, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprintf("%d", start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}
