package jinja

import (
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// toJSON is Jinja2's tojson filter: json.dumps(sort_keys=True) with <, >, &
// and ' escaped for HTML.
func toJSON(v any, indent any) (string, error) {
	ind := ""
	hasIndent := false
	switch x := indent.(type) {
	case nil:
	case int:
		ind, hasIndent = strings.Repeat(" ", max(x, 0)), true
	case string:
		ind, hasIndent = x, true
	default:
		return "", pyErrorf("indent must be int or str")
	}
	var b strings.Builder
	if err := writeJSON(&b, v, ind, hasIndent, 0); err != nil {
		return "", err
	}
	return strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`, "'", `\u0027`).Replace(b.String()), nil
}

func writeJSON(b *strings.Builder, v any, ind string, hasIndent bool, depth int) error {
	if depth > 200 {
		return pyErrorf("maximum recursion depth exceeded")
	}
	newline := func(d int) {
		if hasIndent {
			b.WriteString("\n" + strings.Repeat(ind, d))
		}
	}
	itemSep := ", "
	if hasIndent {
		itemSep = ","
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(map[bool]string{true: "true", false: "false"}[x])
	case int:
		b.WriteString(strconv.Itoa(x))
	case *big.Int:
		b.WriteString(x.String())
	case float64:
		s := formatFloat(x)
		switch s {
		case "inf":
			s = "Infinity"
		case "-inf":
			s = "-Infinity"
		case "nan":
			s = "NaN"
		}
		b.WriteString(s)
	case string:
		writeJSONString(b, x)
	case markup:
		writeJSONString(b, string(x))
	case *list, Tuple, *generator:
		items, _ := iterate(x)
		if len(items) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteString("[")
		for i, it := range items {
			if i > 0 {
				b.WriteString(itemSep)
			}
			newline(depth + 1)
			if err := writeJSON(b, it, ind, hasIndent, depth+1); err != nil {
				return err
			}
		}
		newline(depth)
		b.WriteString("]")
	case *Dict:
		if x.Len() == 0 {
			b.WriteString("{}")
			return nil
		}
		type entry struct {
			key string
			val any
		}
		entries := make([]entry, 0, x.Len())
		for i, k := range x.keys {
			var ks string
			switch kk := k.(type) {
			case string:
				ks = kk
			case nil:
				ks = "null"
			case bool:
				ks = map[bool]string{true: "true", false: "false"}[kk]
			case int:
				ks = strconv.Itoa(kk)
			case float64:
				ks = formatFloat(kk)
			default:
				return pyErrorf("keys must be str, int, float, bool or None, not ", typeName(k))
			}
			for _, k2 := range x.keys {
				if _, ok := k2.(string); ok != (func() bool { _, s := k.(string); return s })() {
					return pyErrorf("'<' not supported between instances of 'int' and 'str'")
				}
			}
			entries = append(entries, entry{ks, x.values[i]})
		}
		sort.SliceStable(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
		b.WriteString("{")
		for i, e := range entries {
			if i > 0 {
				b.WriteString(itemSep)
			}
			newline(depth + 1)
			writeJSONString(b, e.key)
			b.WriteString(": ")
			if err := writeJSON(b, e.val, ind, hasIndent, depth+1); err != nil {
				return err
			}
		}
		newline(depth)
		b.WriteString("}")
	default:
		return pyErrorf("Object of type ", typeName(v), " is not JSON serializable")
	}
	return nil
}

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r > 0x7e:
			if r > 0xffff {
				r -= 0x10000
				b.WriteString(`\u` + hex4(0xd800+(int(r)>>10)) + `\u` + hex4(0xdc00+(int(r)&0x3ff)))
			} else if r == utf8.RuneError {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteString(`\u` + hex4(int(r)))
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

func hex4(n int) string { return hex2(n>>8) + hex2(n&0xff) }
