package jinja

// Python iteration, len() and slicing.

import (
	"strings"
	"unicode/utf8"
)

// iterate materialises an iterable value.
func (r *renderer) iterate(v any) ([]any, error) { return iterate(v) }

func iterate(v any) ([]any, error) {
	v = plain(v)
	switch x := v.(type) {
	case *list:
		return x.items, nil
	case Tuple:
		return x, nil
	case *Dict:
		return x.Keys(), nil
	case dictView:
		return x.list(), nil
	case string:
		out := make([]any, 0, len(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case rangeValue:
		if x.len() > 50_000_000 {
			return nil, pyErrorf("range too large")
		}
		return rangeItems(x), nil
	case Undefined:
		return nil, nil
	case *loopContext:
		return x.items, nil
	case *generator:
		return x.take(), nil
	}
	return nil, pyErrorf(pyRepr(typeName(v)), " object is not iterable")
}

// length is Python's len().
func length(v any) (int, error) {
	v = plain(v)
	switch x := v.(type) {
	case string:
		return utf8.RuneCountInString(x), nil
	case *list:
		return len(x.items), nil
	case Tuple:
		return len(x), nil
	case *Dict:
		return x.Len(), nil
	case dictView:
		return x.d.Len(), nil
	case rangeValue:
		return x.len(), nil
	case Undefined:
		return 0, nil
	}
	return 0, pyErrorf("object of type ", pyRepr(typeName(v)), " has no len()")
}

// sliceIndices is Python's slice.indices for a sequence of length n.
func sliceIndices(n int, start, stop, step any) (int, int, int, error) {
	st := 1
	if step != nil {
		i, _, isF, ok := number(step)
		if !ok || isF {
			return 0, 0, 0, pyErrorf("slice indices must be integers or None or have an __index__ method")
		}
		if i == 0 {
			return 0, 0, 0, pyErrorf("slice step cannot be zero")
		}
		st = i
	}
	conv := func(v any, dflt int, lower, upper int) (int, error) {
		if v == nil {
			return dflt, nil
		}
		i, _, isF, ok := number(v)
		if !ok || isF {
			return 0, pyErrorf("slice indices must be integers or None or have an __index__ method")
		}
		if i < 0 {
			i += n
			if i < lower {
				i = lower
			}
		} else if i > upper {
			i = upper
		}
		return i, nil
	}
	var lo, hi int
	var err error
	if st > 0 {
		if lo, err = conv(start, 0, 0, n); err != nil {
			return 0, 0, 0, err
		}
		if hi, err = conv(stop, n, 0, n); err != nil {
			return 0, 0, 0, err
		}
	} else {
		if lo, err = conv(start, n-1, -1, n-1); err != nil {
			return 0, 0, 0, err
		}
		if hi, err = conv(stop, -1, -1, n-1); err != nil {
			return 0, 0, 0, err
		}
	}
	return lo, hi, st, nil
}

func sliceItems(items []any, start, stop, step any) ([]any, error) {
	lo, hi, st, err := sliceIndices(len(items), start, stop, step)
	if err != nil {
		return nil, err
	}
	out := []any{}
	if st > 0 {
		for i := lo; i < hi; i += st {
			out = append(out, items[i])
		}
	} else {
		for i := lo; i > hi; i += st {
			out = append(out, items[i])
		}
	}
	return out, nil
}

func sliceValue(obj, start, stop, step any) (any, error) {
	if m, ok := obj.(markup); ok {
		v, err := sliceValue(string(m), start, stop, step)
		if s, isStr := v.(string); isStr {
			return markup(s), err
		}
		return v, err
	}
	switch x := obj.(type) {
	case *list:
		out, err := sliceItems(x.items, start, stop, step)
		if err != nil {
			return nil, err
		}
		return newList(out), nil
	case Tuple:
		out, err := sliceItems(x, start, stop, step)
		if err != nil {
			return nil, err
		}
		return Tuple(out), nil
	case string:
		chars, _ := iterate(x)
		out, err := sliceItems(chars, start, stop, step)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		for _, c := range out {
			b.WriteString(c.(string))
		}
		return b.String(), nil
	case rangeValue:
		lo, hi, st, err := sliceIndices(x.len(), start, stop, step)
		if err != nil {
			return nil, err
		}
		return rangeValue{x.start + lo*x.step, x.start + hi*x.step, x.step * st}, nil
	case Undefined:
		return nil, &undefinedError{u: x}
	}
	return Undefined{owner: typeName(obj) + " object", key: "slice", hasKey: true}, nil
}
