package jinja

// Filters over sequences and mappings: sorting, grouping, map/select.

import (
	"strings"
)

func filterDictsort(r *renderer, v any, a []any, f *frame) (any, error) {
	d, ok := v.(*Dict)
	if !ok {
		return nil, pyErrorf(pyRepr(typeName(v)), " object has no attribute 'items'")
	}
	var idx int
	switch a[1] {
	case "key":
		idx = 0
	case "value":
		idx = 1
	default:
		return nil, pyErrorf("You can only sort by either \"key\" or \"value\"")
	}
	items := dictView{"items", d}.list()
	caseSensitive := truthy(a[0])
	sorted, err := sortValues(items, func(it any) any {
		k := it.(Tuple)[idx]
		if !caseSensitive {
			k = lowerIfString(k)
		}
		return k
	}, truthy(a[2]))
	if err != nil {
		return nil, err
	}
	return newList(sorted), nil
}

func filterSort(r *renderer, v any, a []any, f *frame) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	keyFn, err := r.multiAttrGetter(a[2], !truthy(a[1]))
	if err != nil {
		return nil, err
	}
	keys := make([]any, len(items))
	for i, it := range items {
		if keys[i], err = keyFn(it); err != nil {
			return nil, err
		}
	}
	idx := make([]any, len(items))
	for i := range items {
		idx[i] = i
	}
	sorted, err := sortValues(idx, func(i any) any { return keys[i.(int)] }, truthy(a[0]))
	if err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, j := range sorted {
		out[i] = items[j.(int)]
	}
	return newList(out), nil
}

// multiAttrGetter handles sort's "a,b" attribute lists: the key is a tuple.
func (r *renderer) multiAttrGetter(attribute any, lower bool) (func(any) (any, error), error) {
	s, ok := attribute.(string)
	if !ok || !strings.Contains(s, ",") {
		return r.attrGetter(attribute, lower, nil), nil
	}
	var getters []func(any) (any, error)
	for _, part := range strings.Split(s, ",") {
		getters = append(getters, r.attrGetter(part, lower, nil))
	}
	return func(item any) (any, error) {
		key := make(Tuple, len(getters))
		for i, g := range getters {
			v, err := g(item)
			if err != nil {
				return nil, err
			}
			key[i] = v
		}
		return key, nil
	}, nil
}

func filterUnique(r *renderer, v any, a []any, f *frame) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	get := r.attrGetter(a[1], !truthy(a[0]), nil)
	var seen []any
	var out []any
	for _, it := range items {
		k, err := get(it)
		if err != nil {
			return nil, err
		}
		if !hashable(k) {
			return nil, pyErrorf("unhashable type: ", pyRepr(typeName(k)))
		}
		if containsSeq(seen, k) {
			continue
		}
		seen = append(seen, k)
		out = append(out, it)
	}
	return newGenerator("do_unique", out), nil
}

func (r *renderer) minMax(v any, a []any, sign int) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return Undefined{Hint: "No aggregated item, sequence was empty."}, nil
	}
	get := r.attrGetter(a[1], !truthy(a[0]), nil)
	best := items[0]
	bestKey, err := get(best)
	if err != nil {
		return nil, err
	}
	for _, it := range items[1:] {
		k, err := get(it)
		if err != nil {
			return nil, err
		}
		c, err := order(k, bestKey, map[int]string{1: ">", -1: "<"}[sign])
		if err != nil {
			return nil, err
		}
		if c == sign {
			best, bestKey = it, k
		}
	}
	return best, nil
}

func filterMap(r *renderer, v any, args []any, kw []kwarg, f *frame) (any, error) {
	if !truthy(v) {
		return newGenerator("sync_do_map", nil), nil
	}
	var fn func(any) (any, error)
	if len(args) == 0 {
		var attribute, dflt any
		hasAttr := false
		var rest []kwarg
		for _, k := range kw {
			switch k.name {
			case "attribute":
				attribute, hasAttr = k.val, true
			case "default":
				dflt = k.val
			default:
				rest = append(rest, k)
			}
		}
		if !hasAttr {
			return nil, pyErrorf("map requires a filter argument")
		}
		if len(rest) > 0 {
			return nil, pyErrorf("Unexpected keyword argument ", pyRepr(rest[0].name))
		}
		fn = r.attrGetter(attribute, false, dflt)
	} else {
		name, ok := args[0].(string)
		if !ok {
			return nil, pyErrorf("filter name must be a string")
		}
		rest := args[1:]
		fn = func(item any) (any, error) { return r.callFilter(name, item, rest, kw, f) }
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, it := range items {
		if out[i], err = fn(it); err != nil {
			return nil, err
		}
	}
	return newGenerator("sync_do_map", out), nil
}

func (r *renderer) selectOrReject(v any, args []any, kw []kwarg, f *frame, reject, lookupAttr bool, name string) (any, error) {
	if !truthy(v) {
		return newGenerator(name, nil), nil
	}
	trans := func(x any) (any, error) { return x, nil }
	off := 0
	if lookupAttr {
		if len(args) == 0 {
			return nil, pyErrorf("Missing parameter for attribute name")
		}
		trans = r.attrGetter(args[0], false, nil)
		off = 1
	}
	var test func(any) (bool, error)
	if len(args) > off {
		tname, ok := args[off].(string)
		if !ok {
			return nil, pyErrorf("test name must be a string")
		}
		rest := args[off+1:]
		test = func(x any) (bool, error) { return r.callTest(tname, x, rest, kw, f) }
	} else {
		test = func(x any) (bool, error) { return truthy(x), nil }
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, it := range items {
		x, err := trans(it)
		if err != nil {
			return nil, err
		}
		ok, err := test(x)
		if err != nil {
			return nil, err
		}
		if ok != reject {
			out = append(out, it)
		}
	}
	return newGenerator(name, out), nil
}

func filterBatch(r *renderer, v any, a []any, f *frame) (any, error) {
	n, err := asInt(a[0], "linecount")
	if err != nil {
		return nil, err
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	// The same steps as Jinja2's do_batch, including its behaviour for n <= 0.
	var out []any
	var tmp []any
	for _, it := range items {
		if len(tmp) == n {
			out = append(out, newList(tmp))
			tmp = nil
		}
		tmp = append(tmp, it)
	}
	if len(tmp) > 0 {
		if a[1] != nil {
			for len(tmp) < n {
				tmp = append(tmp, a[1])
			}
		}
		out = append(out, newList(tmp))
	}
	return newGenerator("do_batch", out), nil
}

func filterSlice(r *renderer, v any, a []any, f *frame) (any, error) {
	slices, err := asInt(a[0], "slices")
	if err != nil {
		return nil, err
	}
	if slices <= 0 {
		return nil, pyErrorf("integer division or modulo by zero")
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	per := len(items) / slices
	extra := len(items) % slices
	offset := 0
	var out []any
	for i := 0; i < slices; i++ {
		start := offset + i*per
		if i < extra {
			offset++
		}
		end := offset + (i+1)*per
		chunk := append([]any{}, items[start:end]...)
		if a[1] != nil && i >= extra {
			chunk = append(chunk, a[1])
		}
		out = append(out, newList(chunk))
	}
	return newGenerator("do_slice", out), nil
}

func filterGroupby(r *renderer, v any, a []any, f *frame) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	get := r.attrGetter(a[0], !truthy(a[2]), a[1])
	keys := make([]any, len(items))
	for i, it := range items {
		if keys[i], err = get(it); err != nil {
			return nil, err
		}
	}
	idx := make([]any, len(items))
	for i := range idx {
		idx[i] = i
	}
	sorted, err := sortValues(idx, func(i any) any { return keys[i.(int)] }, false)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, j := range sorted {
		k, it := keys[j.(int)], items[j.(int)]
		if n := len(out); n > 0 && pyEqual(out[n-1].(Tuple)[0], k) {
			g := out[n-1].(Tuple)[1].(*list)
			g.items = append(g.items, it)
			continue
		}
		out = append(out, Tuple{k, newList([]any{it})})
	}
	if !truthy(a[2]) && a[0] != nil {
		// The grouper is the original value of the first item of each group.
		orig := r.attrGetter(a[0], false, a[1])
		for _, g := range out {
			first := g.(Tuple)[1].(*list).items[0]
			if k, err := orig(first); err == nil {
				g.(Tuple)[0] = k
			}
		}
	}
	return newList(out), nil
}
