package jinja

import "strings"

// markup is markupsafe.Markup: a string known to be safe HTML. It comes from
// the escape and safe filters; most operations treat it as a plain string.
type markup string

// plain turns markup into a plain string for operations that do not care.
func plain(v any) any {
	if m, ok := v.(markup); ok {
		return string(m)
	}
	return v
}

func plainAll(vs []any) []any {
	for i, v := range vs {
		if _, ok := v.(markup); ok {
			out := make([]any, len(vs))
			copy(out, vs)
			for j := i; j < len(out); j++ {
				out[j] = plain(out[j])
			}
			return out
		}
	}
	return vs
}

// escapeValue is markupsafe.escape: markup stays, anything else is escaped.
func escapeValue(v any) markup {
	if m, ok := v.(markup); ok {
		return m
	}
	return markup(htmlEscape(pyStr(v)))
}

// markupOp handles + and % when an operand is markup, escaping the other
// operand like Markup.__add__, __radd__ and __mod__. ok is false when
// neither operand is markup.
func markupOp(op string, a, b any, maxLen int) (v any, ok bool, err error) {
	am, aIs := a.(markup)
	bm, bIs := b.(markup)
	if !aIs && !bIs {
		return nil, false, nil
	}
	switch op {
	case "+":
		switch {
		case aIs && bIs:
			return am + bm, true, nil
		case aIs:
			if s, isStr := b.(string); isStr {
				return am + markup(htmlEscape(s)), true, nil
			}
		case bIs:
			if s, isStr := a.(string); isStr {
				return markup(htmlEscape(s)) + bm, true, nil
			}
		}
	case "%":
		if aIs {
			var args any
			switch x := b.(type) {
			case Tuple:
				esc := make(Tuple, len(x))
				for i, e := range x {
					esc[i] = escapeArg(e)
				}
				args = esc
			case *Dict:
				esc := NewDict()
				for i, k := range x.keys {
					esc.Set(k, escapeArg(x.values[i]))
				}
				args = esc
			default:
				args = escapeArg(b)
			}
			s, err := percentFormat(string(am), args)
			return markup(s), true, err
		}
	case "*":
		if aIs {
			v, err := binaryOp(op, string(am), b, maxLen)
			if s, isStr := v.(string); isStr {
				return markup(s), true, err
			}
			return v, true, err
		}
	}
	v, err = binaryOp(op, plain(a), plain(b), maxLen)
	return v, true, err
}

// escapeArg escapes string-like format arguments; numbers stay numbers.
func escapeArg(v any) any {
	switch v.(type) {
	case string, markup:
		return escapeValue(v)
	}
	return v
}

// markupJoin is ~ under autoescape: non-markup operands are escaped.
func markupJoin(parts ...any) markup {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(string(escapeValue(p)))
	}
	return markup(b.String())
}
