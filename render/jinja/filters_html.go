package jinja

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Filters that deal with markup, URLs and text layout.

func addMarkupFilters(m map[string]filterFunc) {
	m["xmlattr"] = simple(sig("xmlattr", "autospace").with(true), filterXMLAttr)
	m["striptags"] = simple(sig("striptags"), func(r *renderer, v any, a []any, f *frame) (any, error) {
		return stripTags(softStr(v)), nil
	})
	m["urlencode"] = simple(sig("urlencode"), filterURLEncode)
	m["wordwrap"] = simple(sig("wordwrap", "width", "break_long_words", "wrapstring", "break_on_hyphens").with(79, true, nil, true), filterWordwrap)
}

func filterXMLAttr(r *renderer, v any, a []any, f *frame) (any, error) {
	d, ok := v.(*Dict)
	if !ok {
		return nil, pyErrorf(pyRepr(typeName(v)), " object has no attribute 'items'")
	}
	var parts []string
	for i, k := range d.keys {
		val := d.values[i]
		if _, undef := val.(Undefined); undef || val == nil {
			continue
		}
		key := softStr(k)
		if strings.ContainsAny(key, " /\t\n\f>=") {
			return nil, pyErrorf("Invalid character in attribute name: ", pyRepr(key))
		}
		parts = append(parts, htmlEscape(key)+`="`+htmlEscape(softStr(val))+`"`)
	}
	out := strings.Join(parts, " ")
	if out != "" && truthy(a[0]) {
		out = " " + out
	}
	return out, nil
}

// stripTags is markupsafe's striptags: drop comments and tags, collapse
// whitespace, then unescape entities.
func stripTags(s string) string {
	for {
		start := strings.Index(s, "<!--")
		if start < 0 {
			break
		}
		end := strings.Index(s[start:], "-->")
		if end < 0 {
			break
		}
		s = s[:start] + s[start+end+3:]
	}
	for {
		start := strings.IndexByte(s, '<')
		if start < 0 {
			break
		}
		end := strings.IndexByte(s[start:], '>')
		if end < 0 {
			break
		}
		s = s[:start] + s[start+end+1:]
	}
	return htmlUnescape(strings.Join(strings.FieldsFunc(s, isPySpace), " "))
}

func namedEntity(name string) (string, bool) {
	switch name {
	case "amp":
		return "&", true
	case "lt":
		return "<", true
	case "gt":
		return ">", true
	case "quot":
		return "\"", true
	case "apos":
		return "'", true
	case "nbsp":
		return "\u00a0", true
	}
	return "", false
}

func htmlUnescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			b.WriteByte(s[i])
			continue
		}
		end := strings.IndexByte(s[i:], ';')
		if end > 1 && end < 12 {
			ent := s[i+1 : i+end]
			if rep, ok := namedEntity(ent); ok {
				b.WriteString(rep)
				i += end
				continue
			}
			if strings.HasPrefix(ent, "#") {
				num, base := ent[1:], 10
				if strings.HasPrefix(num, "x") || strings.HasPrefix(num, "X") {
					num, base = num[1:], 16
				}
				if n, err := strconv.ParseUint(num, base, 32); err == nil && utf8.ValidRune(rune(n)) {
					b.WriteRune(rune(n))
					i += end
					continue
				}
			}
		}
		b.WriteByte('&')
	}
	return b.String()
}

// urlQuote is urllib.parse.quote with the given safe characters.
func urlQuote(s, safe string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-~", c) >= 0 || strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex2(int(c))))
	}
	return b.String()
}

func filterURLEncode(r *renderer, v any, a []any, f *frame) (any, error) {
	if s, ok := v.(string); ok {
		return urlQuote(s, "/"), nil
	}
	var pairs []any
	if d, ok := v.(*Dict); ok {
		pairs = dictView{"items", d}.list()
	} else {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		pairs = items
	}
	qs := func(x any) string { return strings.ReplaceAll(urlQuote(softStr(x), ""), "%20", "+") }
	parts := make([]string, 0, len(pairs))
	for _, p := range pairs {
		kv, err := iterate(p)
		if err != nil || len(kv) != 2 {
			return nil, pyErrorf("too many values to unpack (expected 2)")
		}
		parts = append(parts, qs(kv[0])+"="+qs(kv[1]))
	}
	return strings.Join(parts, "&"), nil
}

// filterWordwrap follows textwrap.TextWrapper(expand_tabs=False,
// replace_whitespace=False) for each line of the input.
func filterWordwrap(r *renderer, v any, a []any, f *frame) (any, error) {
	width, err := asInt(a[0], "width")
	if err != nil {
		return nil, err
	}
	if width <= 0 {
		return nil, pyErrorf("invalid width ", itoa(width), " (must be > 0)")
	}
	wrapstring := "\n"
	if a[2] != nil {
		wrapstring = softStr(a[2])
	}
	var paras []string
	for _, line := range pySplitLines(softStr(v)) {
		paras = append(paras, strings.Join(wrapLine(line, width, truthy(a[1])), wrapstring))
	}
	return strings.Join(paras, wrapstring), nil
}

func isWrapSpace(c byte) bool { return strings.IndexByte("\t\n\v\f\r ", c) >= 0 }

func wrapLine(text string, width int, breakLong bool) []string {
	var chunks []string
	for i := 0; i < len(text); {
		j := i
		space := isWrapSpace(text[i])
		for j < len(text) && isWrapSpace(text[j]) == space {
			j++
		}
		chunks = append(chunks, text[i:j])
		i = j
	}
	runeLen := utf8.RuneCountInString
	blank := func(s string) bool { return strings.TrimFunc(s, isPySpace) == "" }
	var lines []string
	for len(chunks) > 0 {
		var cur []string
		curLen := 0
		if blank(chunks[0]) && len(lines) > 0 {
			chunks = chunks[1:]
		}
		for len(chunks) > 0 {
			l := runeLen(chunks[0])
			if curLen+l > width {
				break
			}
			cur = append(cur, chunks[0])
			curLen += l
			chunks = chunks[1:]
		}
		if len(chunks) > 0 && runeLen(chunks[0]) > width {
			spaceLeft := max(width-curLen, 1)
			if breakLong {
				head := runeSlice(chunks[0], 0, spaceLeft)
				cur = append(cur, head)
				chunks[0] = chunks[0][len(head):]
			} else if len(cur) == 0 {
				cur = append(cur, chunks[0])
				chunks = chunks[1:]
			}
		}
		if n := len(cur); n > 0 && blank(cur[n-1]) {
			cur = cur[:n-1]
		}
		if len(cur) > 0 {
			lines = append(lines, strings.Join(cur, ""))
		}
	}
	return lines
}
