package jinja

// Filters that format or reshape text.

import (
	"strings"
	"unicode/utf8"
)

func filterFormat(r *renderer, v any, args []any, kw []kwarg, f *frame) (any, error) {
	if len(args) > 0 && len(kw) > 0 {
		return nil, pyErrorf("can't handle positional and keyword arguments at the same time")
	}
	if len(kw) > 0 {
		d := NewDict()
		for _, k := range kw {
			d.Set(k.name, k.val)
		}
		return percentFormat(softStr(v), d)
	}
	return percentFormat(softStr(v), Tuple(append([]any{}, args...)))
}

func filterIndent(r *renderer, v any, a []any, f *frame) (any, error) {
	s, ok := v.(string)
	if !ok {
		if u, isU := v.(Undefined); isU {
			return nil, &undefinedError{u: u}
		}
		return nil, pyErrorf("unsupported operand type(s) for +=: ", pyRepr(typeName(v)), " and 'str'")
	}
	var ind string
	if w, ok := a[0].(string); ok {
		ind = w
	} else {
		n, err := asInt(a[0], "width")
		if err != nil {
			return nil, err
		}
		ind = strings.Repeat(" ", max(n, 0))
	}
	lines := pySplitLines(s + "\n")
	var rv string
	if truthy(a[2]) {
		rv = strings.Join(lines, "\n"+ind)
	} else {
		rv = lines[0]
		if len(lines) > 1 {
			rest := make([]string, len(lines)-1)
			for i, l := range lines[1:] {
				if l != "" {
					l = ind + l
				}
				rest[i] = l
			}
			rv += "\n" + strings.Join(rest, "\n")
		}
	}
	if truthy(a[1]) {
		rv = ind + rv
	}
	return rv, nil
}

// pySplitLines is str.splitlines() without keepends.
func pySplitLines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexAny(s, "\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029")
		if i < 0 {
			out = append(out, s)
			break
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			n = 2
		}
		out = append(out, s[:i])
		s = s[i+n:]
	}
	return out
}

func filterTruncate(r *renderer, v any, a []any, f *frame) (any, error) {
	s := softStr(v)
	n, err := asInt(a[0], "length")
	if err != nil {
		return nil, err
	}
	end := softStr(a[2])
	leeway := 5
	if a[3] != nil {
		if leeway, err = asInt(a[3], "leeway"); err != nil {
			return nil, err
		}
	}
	endLen := utf8.RuneCountInString(end)
	if n < endLen {
		return nil, pyErrorf("expected length >= ", itoa(endLen), ", got ", itoa(n))
	}
	if utf8.RuneCountInString(s) <= n+leeway {
		return s, nil
	}
	head := runeSlice(s, 0, n-endLen)
	if truthy(a[1]) {
		return head + end, nil
	}
	if i := strings.LastIndexByte(head, ' '); i >= 0 {
		head = head[:i]
	}
	return head + end, nil
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&#34;", "'", "&#39;").Replace(s)
}

// jinjaTitle is Jinja2's title filter: upper-case the first character of
// each word, words separated by whitespace, '-', '(', '{', '[' or '<'.
func jinjaTitle(s string) string {
	var b strings.Builder
	start := true
	for _, c := range s {
		sep := isPySpace(c) || strings.ContainsRune("-({[<", c)
		switch {
		case sep:
			b.WriteRune(c)
			start = true
		case start:
			b.WriteString(strings.ToUpper(string(c)))
			start = false
		default:
			b.WriteString(strings.ToLower(string(c)))
		}
	}
	return b.String()
}

func isWordRune(c rune) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c > 127 && (isLetterOrDigit(c))
}
