package jinja

// Python equality, ordering and membership.

import (
	"strings"
)

// pyEqual is Python's ==.
func pyEqual(a, b any) bool { return pyEqualDepth(a, b, 0) }

func pyEqualDepth(a, b any, depth int) bool {
	a, b = plain(a), plain(b)
	if depth > 200 {
		return false
	}
	if isBig(a) || isBig(b) {
		_, _, _, aN := number(a)
		_, _, _, bN := number(b)
		if (aN || isBig(a)) && (bN || isBig(b)) {
			c, _ := bigCompare(a, b)
			return c == 0
		}
		return false
	}
	if ai, _, af, ok := number(a); ok {
		bi, _, bf, ok2 := number(b)
		if !ok2 {
			return false
		}
		if !af && !bf {
			return ai == bi
		}
		x, _ := toFloat(a)
		y, _ := toFloat(b)
		return x == y
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case Undefined:
		_, ok := b.(Undefined)
		return ok
	case *list:
		y, ok := b.(*list)
		return ok && (x == y || seqEqual(x.items, y.items, depth))
	case Tuple:
		y, ok := b.(Tuple)
		return ok && seqEqual(x, y, depth)
	case *Dict:
		y, ok := b.(*Dict)
		if !ok || x.Len() != y.Len() {
			return false
		}
		if x == y {
			return true
		}
		for i, k := range x.keys {
			v, ok := y.Get(k)
			if !ok || !pyEqualDepth(x.values[i], v, depth+1) {
				return false
			}
		}
		return true
	case rangeValue:
		y, ok := b.(rangeValue)
		return ok && seqEqual(rangeItems(x), rangeItems(y), depth)
	case *macro, *Namespace, *loopContext, *module, *Template:
		return a == b
	}
	return false
}

func seqEqual(a, b []any, depth int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] == b[i] && isRef(a[i]) {
			continue
		}
		if !pyEqualDepth(a[i], b[i], depth+1) {
			return false
		}
	}
	return true
}

func opSymbol(op string) string {
	switch op {
	case "lt":
		return "<"
	case "gt":
		return ">"
	case "lteq":
		return "<="
	}
	return ">="
}

// compare evaluates one comparison operator.
func compare(op string, a, b any) (bool, error) {
	switch op {
	case "eq":
		return pyEqual(a, b), nil
	case "ne":
		return !pyEqual(a, b), nil
	case "in":
		return contains(b, a)
	case "notin":
		ok, err := contains(b, a)
		return !ok, err
	}
	c, err := order(a, b, opSymbol(op))
	if err != nil {
		return false, err
	}
	switch op {
	case "lt":
		return c < 0, nil
	case "gt":
		return c > 0, nil
	case "lteq":
		return c <= 0, nil
	default:
		return c >= 0, nil
	}
}

// order compares a and b for <, >, <=, >= (-1, 0, 1).
func order(a, b any, sym string) (int, error) {
	a, b = plain(a), plain(b)
	if u, ok := a.(Undefined); ok {
		return 0, &undefinedError{u: u}
	}
	if u, ok := b.(Undefined); ok {
		return 0, &undefinedError{u: u}
	}
	if isBig(a) || isBig(b) {
		_, _, _, aN := number(a)
		_, _, _, bN := number(b)
		if (aN || isBig(a)) && (bN || isBig(b)) {
			c, _ := bigCompare(a, b)
			return c, nil
		}
	}
	if _, _, _, ok := number(a); ok {
		if _, _, _, ok := number(b); ok {
			ai, _, af, _ := number(a)
			bi, _, bf, _ := number(b)
			if !af && !bf {
				return cmpInt(ai, bi), nil
			}
			x, _ := toFloat(a)
			y, _ := toFloat(b)
			switch {
			case x < y:
				return -1, nil
			case x > y:
				return 1, nil
			case x == y:
				return 0, nil
			}
			return 2, nil // NaN: every comparison false
		}
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	case *list:
		if y, ok := b.(*list); ok {
			return orderSeq(x.items, y.items, sym)
		}
	case Tuple:
		if y, ok := b.(Tuple); ok {
			return orderSeq(x, y, sym)
		}
	}
	return 0, pyErrorf(pyRepr(sym), " not supported between instances of ", pyRepr(typeName(a)), " and ", pyRepr(typeName(b)))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func orderSeq(a, b []any, sym string) (int, error) {
	for i := 0; i < len(a) && i < len(b); i++ {
		if pyEqual(a[i], b[i]) {
			continue
		}
		return order(a[i], b[i], sym)
	}
	return cmpInt(len(a), len(b)), nil
}

// contains is Python's "item in container".
func contains(container, item any) (bool, error) {
	container, item = plain(container), plain(item)
	switch c := container.(type) {
	case string:
		s, ok := item.(string)
		if !ok {
			if u, isU := item.(Undefined); isU {
				return false, &undefinedError{u: u}
			}
			return false, pyErrorf("'in <string>' requires string as left operand, not ", typeName(item))
		}
		return strings.Contains(c, s), nil
	case *list:
		return containsSeq(c.items, item), nil
	case Tuple:
		return containsSeq(c, item), nil
	case *Dict:
		if !hashable(item) {
			return false, pyErrorf("unhashable type: ", pyRepr(typeName(item)))
		}
		_, ok := c.Get(item)
		return ok, nil
	case dictView:
		return containsSeq(c.list(), item), nil
	case rangeValue:
		return containsSeq(rangeItems(c), item), nil
	case Undefined:
		return false, nil
	case *Namespace:
		_, ok := c.attrs.Get(item)
		return ok, nil
	case *generator:
		return containsSeq(c.take(), item), nil
	}
	return false, pyErrorf("argument of type ", pyRepr(typeName(container)), " is not iterable")
}

func containsSeq(items []any, item any) bool {
	for _, e := range items {
		if pyEqual(e, item) {
			return true
		}
	}
	return false
}

// isRef reports reference values, which Python compares by identity first.
func isRef(v any) bool {
	switch v.(type) {
	case *list, *Dict:
		return true
	}
	return false
}
