package jinja

import (
	"sort"
)

// callMethod calls a Python method of str, list, dict or tuple.
func (r *renderer) callMethod(m boundMethod, args []any, kw []kwarg) (any, error) {
	switch recv := m.recv.(type) {
	case string:
		return r.strMethod(recv, m.name, args, kw)
	case *list:
		return r.listMethod(recv, m.name, args, kw)
	case *Dict:
		return dictMethod(recv, m.name, args, kw)
	case Tuple:
		return seqMethod(recv, m.name, args, kw)
	case float64:
		return recv == float64(int(recv)), nil
	}
	return nil, pyErrorf("unsupported method ", m.name)
}

func (r *renderer) listMethod(l *list, name string, args []any, kw []kwarg) (any, error) {
	switch name {
	case "append":
		if len(args) != 1 || len(kw) > 0 {
			return nil, pyErrorf("list.append() takes exactly one argument (", itoa(len(args)), " given)")
		}
		if len(l.items) >= r.env.limits.MaxValue {
			return nil, pyErrorf("list too long")
		}
		l.items = append(l.items, args[0])
		return nil, nil
	case "extend":
		if len(args) != 1 {
			return nil, pyErrorf("list.extend() takes exactly one argument (", itoa(len(args)), " given)")
		}
		items, err := iterate(args[0])
		if err != nil {
			return nil, err
		}
		if len(l.items)+len(items) > r.env.limits.MaxValue {
			return nil, pyErrorf("list too long")
		}
		l.items = append(l.items, items...)
		return nil, nil
	case "insert":
		if len(args) != 2 {
			return nil, pyErrorf("insert expected 2 arguments, got ", itoa(len(args)))
		}
		i, err := asInt(args[0], "index")
		if err != nil {
			return nil, err
		}
		n := len(l.items)
		if i < 0 {
			i = max(i+n, 0)
		}
		i = min(i, n)
		l.items = append(l.items, nil)
		copy(l.items[i+1:], l.items[i:])
		l.items[i] = args[1]
		return nil, nil
	case "pop":
		if len(l.items) == 0 {
			return nil, pyErrorf("pop from empty list")
		}
		i := len(l.items) - 1
		if len(args) > 0 {
			n, err := asInt(args[0], "index")
			if err != nil {
				return nil, err
			}
			if n < 0 {
				n += len(l.items)
			}
			if n < 0 || n >= len(l.items) {
				return nil, pyErrorf("pop index out of range")
			}
			i = n
		}
		v := l.items[i]
		l.items = append(l.items[:i:i], l.items[i+1:]...)
		return v, nil
	case "remove":
		if len(args) != 1 {
			return nil, pyErrorf("list.remove() takes exactly one argument (", itoa(len(args)), " given)")
		}
		for i, e := range l.items {
			if pyEqual(e, args[0]) {
				l.items = append(l.items[:i:i], l.items[i+1:]...)
				return nil, nil
			}
		}
		return nil, pyErrorf("list.remove(x): x not in list")
	case "reverse":
		for i, j := 0, len(l.items)-1; i < j; i, j = i+1, j-1 {
			l.items[i], l.items[j] = l.items[j], l.items[i]
		}
		return nil, nil
	case "sort":
		a, err := sig("sort", "reverse").with(false).bind(args, kw)
		if err != nil {
			return nil, err
		}
		sorted, err := sortValues(l.items, func(v any) any { return v }, truthy(a[0]))
		if err != nil {
			return nil, err
		}
		l.items = sorted
		return nil, nil
	case "copy":
		return newList(append([]any{}, l.items...)), nil
	case "clear":
		l.items = nil
		return nil, nil
	}
	return seqMethod(l.items, name, args, kw)
}

func seqMethod(items []any, name string, args []any, kw []kwarg) (any, error) {
	switch name {
	case "count":
		if len(args) != 1 {
			return nil, pyErrorf("count() takes exactly one argument (", itoa(len(args)), " given)")
		}
		n := 0
		for _, e := range items {
			if pyEqual(e, args[0]) {
				n++
			}
		}
		return n, nil
	case "index":
		if len(args) < 1 {
			return nil, pyErrorf("index expected at least 1 argument, got 0")
		}
		for i, e := range items {
			if pyEqual(e, args[0]) {
				return i, nil
			}
		}
		return nil, pyErrorf(pyRepr(args[0]), " is not in list")
	}
	return nil, pyErrorf("unsupported method ", name)
}

func dictMethod(d *Dict, name string, args []any, kw []kwarg) (any, error) {
	switch name {
	case "items", "keys", "values":
		if len(args) > 0 {
			return nil, pyErrorf("dict.", name, "() takes no arguments (", itoa(len(args)), " given)")
		}
		return dictView{name, d}, nil
	case "get":
		if len(args) < 1 || len(args) > 2 {
			return nil, pyErrorf("get expected at most 2 arguments, got ", itoa(len(args)))
		}
		if !hashable(args[0]) {
			return nil, pyErrorf("unhashable type: ", pyRepr(typeName(args[0])))
		}
		if v, ok := d.Get(args[0]); ok {
			return v, nil
		}
		if len(args) == 2 {
			return args[1], nil
		}
		return nil, nil
	case "setdefault":
		if len(args) < 1 {
			return nil, pyErrorf("setdefault expected at least 1 argument, got 0")
		}
		if v, ok := d.Get(args[0]); ok {
			return v, nil
		}
		var dflt any
		if len(args) > 1 {
			dflt = args[1]
		}
		d.Set(args[0], dflt)
		return dflt, nil
	case "pop":
		if len(args) < 1 {
			return nil, pyErrorf("pop expected at least 1 argument, got 0")
		}
		if v, ok := d.Get(args[0]); ok {
			d.Delete(args[0])
			return v, nil
		}
		if len(args) > 1 {
			return args[1], nil
		}
		return nil, pyErrorf(pyRepr(args[0]))
	case "popitem":
		if d.Len() == 0 {
			return nil, pyErrorf("'popitem(): dictionary is empty'")
		}
		k, v := d.keys[len(d.keys)-1], d.values[len(d.keys)-1]
		d.Delete(k)
		return Tuple{k, v}, nil
	case "update":
		if len(args) > 1 {
			return nil, pyErrorf("update expected at most 1 argument, got ", itoa(len(args)))
		}
		if len(args) == 1 {
			switch src := args[0].(type) {
			case *Dict:
				for i, k := range src.keys {
					d.Set(k, src.values[i])
				}
			default:
				items, err := iterate(src)
				if err != nil {
					return nil, err
				}
				for _, it := range items {
					pair, err := iterate(it)
					if err != nil || len(pair) != 2 {
						return nil, pyErrorf("dictionary update sequence element has wrong length")
					}
					d.Set(pair[0], pair[1])
				}
			}
		}
		for _, k := range kw {
			d.Set(k.name, k.val)
		}
		return nil, nil
	case "copy":
		return d.copy(), nil
	case "clear":
		*d = Dict{}
		return nil, nil
	}
	return nil, pyErrorf("unsupported method ", name)
}

// sortValues sorts stably by key with Python ordering.
func sortValues(items []any, key func(any) any, reverse bool) ([]any, error) {
	out := append([]any{}, items...)
	keys := make([]any, len(out))
	for i, v := range out {
		keys[i] = key(v)
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	var firstErr error
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := keys[idx[a]], keys[idx[b]]
		if reverse {
			x, y = y, x
		}
		c, err := order(x, y, "<")
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return c < 0
	})
	if firstErr != nil {
		return nil, firstErr
	}
	sorted := make([]any, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted, nil
}
