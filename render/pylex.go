package render

import (
	"fmt"
	"strings"
)

// Kolla keeps its data (sources, users, default images, unbuildable images) as
// Python literals in its own modules. This file tokenizes Python source just
// well enough to find those literals; pyparse.go turns tokens into values.

type pyTokKind int

const (
	tokName pyTokKind = iota
	tokNumber
	tokString
	tokOp
	tokNewline // end of a logical line
	tokEOF
)

type pyToken struct {
	kind      pyTokKind
	text      string // raw source text (strings keep prefix and quotes)
	line, col int    // 1-based
	indent    int    // column of the first token of the logical line, for the first token only; -1 otherwise
}

// pyTokenize splits Python source into tokens. Brackets suppress newlines
// like Python's own tokenizer, so a logical line ends only at depth 0.
func pyTokenize(src string) ([]pyToken, error) {
	var toks []pyToken
	line, col := 1, 1
	depth := 0
	atLineStart := true
	i := 0
	advance := func(n int) {
		for k := 0; k < n; k++ {
			if src[i] == '\n' {
				line++
				col = 1
			} else {
				col++
			}
			i++
		}
	}
	emit := func(kind pyTokKind, text string, l, c int) {
		t := pyToken{kind: kind, text: text, line: l, col: c, indent: -1}
		if atLineStart && kind != tokNewline {
			t.indent = c - 1
			atLineStart = false
		}
		toks = append(toks, t)
	}
	for i < len(src) {
		ch := src[i]
		switch {
		case ch == '\n':
			if depth == 0 && !atLineStart {
				emit(tokNewline, "\n", line, col)
				atLineStart = true
			}
			advance(1)
		case ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f':
			advance(1)
		case ch == '\\' && i+1 < len(src) && src[i+1] == '\n':
			advance(2)
		case ch == '#':
			for i < len(src) && src[i] != '\n' {
				advance(1)
			}
		case isPyNameStart(ch):
			j := i
			for j < len(src) && isPyNameChar(src[j]) {
				j++
			}
			if j < len(src) && (src[j] == '\'' || src[j] == '"') && isStringPrefix(src[i:j]) {
				n, err := scanPyString(src, j)
				if err != nil {
					return nil, fmt.Errorf("%d:%d: %w", line, col, err)
				}
				l, c := line, col
				text := src[i : j+n]
				advance(j + n - i)
				emit(tokString, text, l, c)
				continue
			}
			l, c := line, col
			text := src[i:j]
			advance(j - i)
			emit(tokName, text, l, c)
		case ch == '\'' || ch == '"':
			n, err := scanPyString(src, i)
			if err != nil {
				return nil, fmt.Errorf("%d:%d: %w", line, col, err)
			}
			l, c := line, col
			text := src[i : i+n]
			advance(n)
			emit(tokString, text, l, c)
		case ch >= '0' && ch <= '9' || ch == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i
			for j < len(src) && (isPyNameChar(src[j]) || src[j] == '.' ||
				(src[j] == '+' || src[j] == '-') && (src[j-1] == 'e' || src[j-1] == 'E') && !strings.HasPrefix(strings.ToLower(src[i:j]), "0x")) {
				j++
			}
			l, c := line, col
			text := src[i:j]
			advance(j - i)
			emit(tokNumber, text, l, c)
		default:
			n := 1
			for _, op := range []string{"**=", "//=", ">>=", "<<=", "->", "**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", ":=", "<<", ">>"} {
				if strings.HasPrefix(src[i:], op) {
					n = len(op)
					break
				}
			}
			switch ch {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				if depth > 0 {
					depth--
				}
			}
			l, c := line, col
			text := src[i : i+n]
			advance(n)
			emit(tokOp, text, l, c)
		}
	}
	if !atLineStart {
		emit(tokNewline, "\n", line, col)
	}
	toks = append(toks, pyToken{kind: tokEOF, line: line, col: col, indent: -1})
	return toks, nil
}

func isPyNameStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isPyNameChar(c byte) bool { return isPyNameStart(c) || c >= '0' && c <= '9' }

func isStringPrefix(p string) bool {
	switch strings.ToLower(p) {
	case "r", "u", "b", "f", "br", "rb", "fr", "rf":
		return true
	}
	return false
}

// scanPyString returns the length of the string literal (quotes included)
// starting at src[i].
func scanPyString(src string, i int) (int, error) {
	q := src[i]
	triple := strings.HasPrefix(src[i:], strings.Repeat(string(q), 3))
	j := i + 1
	if triple {
		j = i + 3
	}
	for j < len(src) {
		c := src[j]
		switch {
		case c == '\\':
			j += 2
			continue
		case c == '\n' && !triple:
			return 0, fmt.Errorf("unterminated string literal")
		case c == q:
			if !triple {
				return j + 1 - i, nil
			}
			if strings.HasPrefix(src[j:], strings.Repeat(string(q), 3)) {
				return j + 3 - i, nil
			}
		}
		j++
	}
	return 0, fmt.Errorf("unterminated string literal")
}
