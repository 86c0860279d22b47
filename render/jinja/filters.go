package jinja

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
)

// filterFunc is a filter implemented by the engine or wrapped from a Func.
type filterFunc func(r *renderer, v any, args []any, kw []kwarg, f *frame) (any, error)

func wrapFuncFilter(fn Func) filterFunc {
	return func(r *renderer, v any, args []any, kw []kwarg, f *frame) (any, error) {
		return r.callFunc(fn, append([]any{v}, args...), kw, f)
	}
}

// simple adapts a filter with a fixed signature (after the value).
func simple(s signature, fn func(r *renderer, v any, a []any, f *frame) (any, error)) filterFunc {
	return func(r *renderer, v any, args []any, kw []kwarg, f *frame) (any, error) {
		a, err := s.bind(args, kw)
		if err != nil {
			return nil, err
		}
		return fn(r, v, a, f)
	}
}

func (r *renderer) applyFilter(n *filterExpr, v any, f *frame) (any, error) {
	fn, ok := r.tmpl.env.filters[n.name]
	if !ok {
		return nil, r.failAt(n, unknownName("filter", n.name, sortedKeys(r.env.filters)))
	}
	args, kw, err := r.evalArgs(&n.callArgs, f)
	if err != nil {
		return nil, err
	}
	if !markupAware(n.name) {
		v, args = plain(v), plainAll(args)
	}
	out, err := fn(r, v, args, kw, f)
	if err != nil {
		return nil, r.errAt(n, inConstruct("filter", n.name, err))
	}
	return out, r.charge(n, out)
}

// callFilter calls a filter by name (map and friends).
func (r *renderer) callFilter(name string, v any, args []any, kw []kwarg, f *frame) (any, error) {
	fn, ok := r.env.filters[name]
	if !ok {
		return nil, pyErrorf("No filter named ", pyRepr(name), ".")
	}
	if err := r.step(pos(0)); err != nil {
		return nil, err
	}
	if !markupAware(name) {
		v, args = plain(v), plainAll(args)
	}
	return fn(r, v, args, kw, f)
}

func softStr(v any) string { return pyStr(v) }

// markupAware reports the filters that receive markup values as they are;
// other filters see plain strings.
func markupAware(filter string) bool {
	switch filter {
	case "escape", "e", "forceescape", "safe", "length", "count", "string", "default", "d", "first", "last", "list":
		return true
	}
	return false
}

func lowerIfString(v any) any {
	if s, ok := v.(string); ok {
		return strings.ToLower(s)
	}
	return v
}

// attrGetter is Jinja2's make_attrgetter: "a.b.0" looks up each part as an
// item (falling back to attributes).
func (r *renderer) attrGetter(attribute any, lower bool, dflt any) func(any) (any, error) {
	var parts []any
	switch a := attribute.(type) {
	case nil:
	case string:
		for _, p := range strings.Split(a, ".") {
			if isAllDigits(p) {
				n, _ := strconv.Atoi(p)
				parts = append(parts, n)
			} else {
				parts = append(parts, p)
			}
		}
	default:
		parts = []any{a}
	}
	return func(item any) (any, error) {
		for _, p := range parts {
			v, err := r.getitem(item, p)
			if err != nil {
				return nil, err
			}
			item = v
		}
		if _, undef := item.(Undefined); undef && dflt != nil {
			item = dflt
		}
		if lower {
			item = lowerIfString(item)
		}
		return item, nil
	}
}

func builtinFilters() map[string]filterFunc {
	m := map[string]filterFunc{
		"abs": simple(sig("abs"), func(r *renderer, v any, a []any, f *frame) (any, error) {
			if b, isB := v.(*big.Int); isB {
				return new(big.Int).Abs(b), nil
			}
			i, fl, isF, ok := number(v)
			if !ok {
				return nil, pyErrorf("bad operand type for abs(): ", pyRepr(typeName(v)))
			}
			if isF {
				return math.Abs(fl), nil
			}
			return abs(i), nil
		}),
		"attr": simple(sig("attr", "name"), func(r *renderer, v any, a []any, f *frame) (any, error) {
			name, ok := a[0].(string)
			if !ok {
				return Undefined{Name: pyStr(a[0]), owner: ownerName(v)}, nil
			}
			switch v.(type) {
			case *Dict:
				if !hasMethod(dictMethods, name) {
					return Undefined{Name: name, owner: ownerName(v)}, nil
				}
			}
			return r.getattr(v, name)
		}),
		"batch":      simple(sig("batch", "linecount", "fill_with").with(nil), filterBatch),
		"capitalize": simple(sig("capitalize"), func(r *renderer, v any, a []any, f *frame) (any, error) { return pyCapitalize(softStr(v)), nil }),
		"center": simple(sig("center", "width").with(80), func(r *renderer, v any, a []any, f *frame) (any, error) {
			w, err := asInt(a[0], "width")
			if err != nil {
				return nil, err
			}
			return pad(softStr(v), w, " ", "center"), nil
		}),
		"default": simple(sig("default", "default_value", "boolean").with("", false), func(r *renderer, v any, a []any, f *frame) (any, error) {
			if _, undef := v.(Undefined); undef || truthy(a[1]) && !truthy(v) {
				return a[0], nil
			}
			return v, nil
		}),
		"dictsort":       simple(sig("dictsort", "case_sensitive", "by", "reverse").with(false, "key", false), filterDictsort),
		"escape":         simple(sig("escape"), func(r *renderer, v any, a []any, f *frame) (any, error) { return escapeValue(v), nil }),
		"filesizeformat": simple(sig("filesizeformat", "binary").with(false), filterFilesize),
		"first": simple(sig("first"), func(r *renderer, v any, a []any, f *frame) (any, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			if len(items) == 0 {
				return Undefined{Hint: "No first item, sequence was empty."}, nil
			}
			return items[0], nil
		}),
		"float": simple(sig("float", "default").with(0.0), func(r *renderer, v any, a []any, f *frame) (any, error) {
			if u, isU := v.(Undefined); isU {
				return nil, &undefinedError{u: u}
			}
			if fl, ok := pyFloat(v); ok {
				return fl, nil
			}
			return a[0], nil
		}),
		"format":  filterFormat,
		"groupby": simple(sig("groupby", "attribute", "default", "case_sensitive").with(nil, false), filterGroupby),
		"indent":  simple(sig("indent", "width", "first", "blank").with(4, false, false), filterIndent),
		"int": simple(sig("int", "default", "base").with(0, 10), func(r *renderer, v any, a []any, f *frame) (any, error) {
			if u, isU := v.(Undefined); isU {
				return nil, &undefinedError{u: u}
			}
			base, err := asInt(a[1], "base")
			if err != nil {
				return nil, err
			}
			if n, ok := pyInt(v, base); ok {
				return n, nil
			}
			return a[0], nil
		}),
		"items": simple(sig("items"), func(r *renderer, v any, a []any, f *frame) (any, error) {
			switch d := v.(type) {
			case Undefined:
				return newGenerator("do_items", nil), nil
			case *Dict:
				return newGenerator("do_items", dictView{"items", d}.list()), nil
			}
			return nil, pyErrorf("Can only get item pairs from a mapping.")
		}),
		"join": simple(sig("join", "d", "attribute").with("", nil), func(r *renderer, v any, a []any, f *frame) (any, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			get := r.attrGetter(a[1], false, nil)
			parts := make([]string, len(items))
			for i, it := range items {
				if a[1] != nil {
					if it, err = get(it); err != nil {
						return nil, err
					}
				}
				parts[i] = softStr(it)
			}
			return strings.Join(parts, softStr(a[0])), nil
		}),
		"last": simple(sig("last"), func(r *renderer, v any, a []any, f *frame) (any, error) {
			switch v.(type) {
			case Undefined:
				return Undefined{Hint: "No last item, sequence was empty."}, nil
			case *generator:
				return nil, pyErrorf(pyRepr(typeName(v)), " object is not reversible")
			}
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			if len(items) == 0 {
				return Undefined{Hint: "No last item, sequence was empty."}, nil
			}
			return items[len(items)-1], nil
		}),
		"length": simple(sig("length"), func(r *renderer, v any, a []any, f *frame) (any, error) { return length(v) }),
		"list": simple(sig("list"), func(r *renderer, v any, a []any, f *frame) (any, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			return newList(append([]any{}, items...)), nil
		}),
		"lower":  simple(sig("lower"), func(r *renderer, v any, a []any, f *frame) (any, error) { return strings.ToLower(softStr(v)), nil }),
		"map":    filterMap,
		"max":    simple(sig("max", "case_sensitive", "attribute").with(false, nil), func(r *renderer, v any, a []any, f *frame) (any, error) { return r.minMax(v, a, 1) }),
		"min":    simple(sig("min", "case_sensitive", "attribute").with(false, nil), func(r *renderer, v any, a []any, f *frame) (any, error) { return r.minMax(v, a, -1) }),
		"pprint": simple(sig("pprint"), func(r *renderer, v any, a []any, f *frame) (any, error) { return pyRepr(sortedDicts(v)), nil }),
		"reject": func(r *renderer, v any, args []any, kw []kwarg, f *frame) (any, error) {
			return r.selectOrReject(v, args, kw, f, true, false, "select_or_reject")
		},
		"rejectattr": func(r *renderer, v any, args []any, kw []kwarg, f *frame) (any, error) {
			return r.selectOrReject(v, args, kw, f, true, true, "select_or_reject")
		},
		"replace": simple(sig("replace", "old", "new", "count").with(nil), func(r *renderer, v any, a []any, f *frame) (any, error) {
			n := -1
			if a[2] != nil {
				var err error
				if n, err = asInt(a[2], "count"); err != nil {
					return nil, err
				}
			}
			return pyReplace(softStr(v), softStr(a[0]), softStr(a[1]), n, r.env.limits.MaxValue)
		}),
		"reverse": simple(sig("reverse"), func(r *renderer, v any, a []any, f *frame) (any, error) {
			if s, ok := v.(string); ok {
				return sliceValue(s, nil, nil, -1)
			}
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(items))
			for i, it := range items {
				out[len(items)-1-i] = it
			}
			switch v.(type) {
			case *list, Tuple, rangeValue, *Dict, dictView:
				return newGenerator("reversed", out), nil
			}
			return newList(out), nil
		}),
		"round": simple(sig("round", "precision", "method").with(0, "common"), filterRound),
		"safe":  simple(sig("safe"), func(r *renderer, v any, a []any, f *frame) (any, error) { return markup(softStr(v)), nil }),
		"select": func(r *renderer, v any, args []any, kw []kwarg, f *frame) (any, error) {
			return r.selectOrReject(v, args, kw, f, false, false, "select_or_reject")
		},
		"selectattr": func(r *renderer, v any, args []any, kw []kwarg, f *frame) (any, error) {
			return r.selectOrReject(v, args, kw, f, false, true, "select_or_reject")
		},
		"slice":  simple(sig("slice", "slices", "fill_with").with(nil), filterSlice),
		"sort":   simple(sig("sort", "reverse", "case_sensitive", "attribute").with(false, false, nil), filterSort),
		"string": simple(sig("string"), func(r *renderer, v any, a []any, f *frame) (any, error) { return softStr(v), nil }),
		"sum": simple(sig("sum", "attribute", "start").with(nil, 0), func(r *renderer, v any, a []any, f *frame) (any, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			get := r.attrGetter(a[0], false, nil)
			total := a[1]
			for _, it := range items {
				if a[0] != nil {
					if it, err = get(it); err != nil {
						return nil, err
					}
				}
				if total, err = binaryOp("+", total, it, r.env.limits.MaxValue); err != nil {
					return nil, err
				}
			}
			return total, nil
		}),
		"title": simple(sig("title"), func(r *renderer, v any, a []any, f *frame) (any, error) { return jinjaTitle(softStr(v)), nil }),
		"tojson": simple(sig("tojson", "indent").with(nil), func(r *renderer, v any, a []any, f *frame) (any, error) {
			return toJSON(v, a[0])
		}),
		"trim": simple(sig("trim", "chars").with(nil), func(r *renderer, v any, a []any, f *frame) (any, error) {
			chars, has, err := optString(a[0], "strip")
			if err != nil {
				return nil, err
			}
			return pyStrip(softStr(v), "strip", chars, has), nil
		}),
		"truncate": simple(sig("truncate", "length", "killwords", "end", "leeway").with(255, false, "...", nil), filterTruncate),
		"unique":   simple(sig("unique", "case_sensitive", "attribute").with(false, nil), filterUnique),
		"upper":    simple(sig("upper"), func(r *renderer, v any, a []any, f *frame) (any, error) { return pyUpper(softStr(v)), nil }),
		"wordcount": simple(sig("wordcount"), func(r *renderer, v any, a []any, f *frame) (any, error) {
			n := 0
			inWord := false
			for _, c := range softStr(v) {
				w := c == '_' || isWordRune(c)
				if w && !inWord {
					n++
				}
				inWord = w
			}
			return n, nil
		}),
	}
	addMarkupFilters(m)
	m["random"] = simple(sig("random"), func(r *renderer, v any, a []any, f *frame) (any, error) {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return Undefined{Hint: "No random item, sequence was empty."}, nil
		}
		return items[rand.IntN(len(items))], nil
	})
	m["count"] = m["length"]
	m["d"] = m["default"]
	m["e"] = m["escape"]
	m["forceescape"] = simple(sig("forceescape"), func(r *renderer, v any, a []any, f *frame) (any, error) {
		return markup(htmlEscape(pyStr(v))), nil
	})
	return m
}
