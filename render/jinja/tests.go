package jinja

import (
	"strings"
	"unicode"
)

// testFunc is a test implemented by the engine or wrapped from a Func.
type testFunc func(r *renderer, v any, args []any, kw []kwarg, f *frame) (bool, error)

func wrapFuncTest(fn Func) testFunc {
	return func(r *renderer, v any, args []any, kw []kwarg, f *frame) (bool, error) {
		out, err := r.callFunc(fn, append([]any{v}, args...), kw, f)
		if err != nil {
			return false, err
		}
		return truthy(out), nil
	}
}

func (r *renderer) applyTest(n *testExpr, f *frame) (any, error) {
	fn, ok := r.tmpl.env.tests[n.name]
	if !ok {
		return nil, r.failAt(n, unknownName("test", n.name, sortedKeys(r.env.tests)))
	}
	v, err := r.eval(n.obj, f)
	if err != nil {
		return nil, err
	}
	args, kw, err := r.evalArgs(&n.callArgs, f)
	if err != nil {
		return nil, err
	}
	if n.name != "escaped" {
		v, args = plain(v), plainAll(args)
	}
	ok, err = fn(r, v, args, kw, f)
	if err != nil {
		return nil, r.errAt(n, inConstruct("test", n.name, err))
	}
	return ok, nil
}

func (r *renderer) callTest(name string, v any, args []any, kw []kwarg, f *frame) (bool, error) {
	fn, ok := r.env.tests[name]
	if !ok {
		return false, pyErrorf("No test named ", pyRepr(name), ".")
	}
	if err := r.step(pos(0)); err != nil {
		return false, err
	}
	if name != "escaped" {
		v, args = plain(v), plainAll(args)
	}
	return fn(r, v, args, kw, f)
}

// unary adapts a test without arguments.
func unary(name string, fn func(v any) bool) testFunc {
	return func(r *renderer, v any, args []any, kw []kwarg, f *frame) (bool, error) {
		if _, err := sig(name).bind(args, kw); err != nil {
			return false, err
		}
		return fn(v), nil
	}
}

// binary adapts a test with one argument.
func binary(name, param string, fn func(v, other any) (bool, error)) testFunc {
	return func(r *renderer, v any, args []any, kw []kwarg, f *frame) (bool, error) {
		a, err := sig(name, param).bind(args, kw)
		if err != nil {
			return false, err
		}
		return fn(v, a[0])
	}
}

func compareTest(name, op string) testFunc {
	return binary(name, "other", func(v, other any) (bool, error) { return compare(op, v, other) })
}

func isCallable(v any) bool {
	switch v.(type) {
	case Func, builtinFunc, boundMethod, *macro, blockRef, *joiner, Undefined:
		return true
	case *loopContext:
		return true
	}
	return false
}

func builtinTests() map[string]testFunc {
	m := map[string]testFunc{
		"odd":  binaryMod("odd", 1),
		"even": binaryMod("even", 0),
		"divisibleby": binary("divisibleby", "num", func(v, n any) (bool, error) {
			m, err := binaryOp("%", v, n, 0)
			if err != nil {
				return false, err
			}
			return pyEqual(m, 0), nil
		}),
		"defined":   unary("defined", func(v any) bool { _, u := v.(Undefined); return !u }),
		"undefined": unary("undefined", func(v any) bool { _, u := v.(Undefined); return u }),
		"none":      unary("none", func(v any) bool { return v == nil }),
		"boolean":   unary("boolean", func(v any) bool { _, ok := v.(bool); return ok }),
		"false":     unary("false", func(v any) bool { b, ok := v.(bool); return ok && !b }),
		"true":      unary("true", func(v any) bool { b, ok := v.(bool); return ok && b }),
		"integer":   unary("integer", func(v any) bool { _, ok := v.(int); return ok || isBig(v) }),
		"float":     unary("float", func(v any) bool { _, ok := v.(float64); return ok }),
		"number":    unary("number", func(v any) bool { _, _, _, ok := number(v); return ok || isBig(v) }),
		"string":    unary("string", func(v any) bool { _, ok := v.(string); return ok }),
		"mapping":   unary("mapping", func(v any) bool { _, ok := v.(*Dict); return ok }),
		"sequence": unary("sequence", func(v any) bool {
			switch v.(type) {
			case string, *list, Tuple, *Dict, Undefined, rangeValue:
				return true
			}
			return false
		}),
		"iterable": unary("iterable", func(v any) bool {
			switch v.(type) {
			case string, *list, Tuple, *Dict, Undefined, rangeValue, dictView, *generator, *loopContext:
				return true
			}
			return false
		}),
		"callable": unary("callable", isCallable),
		"escaped":  unary("escaped", func(v any) bool { _, ok := v.(markup); return ok }),
		"lower": unary("lower", func(v any) bool {
			return isCased(pyStr(v), unicode.IsLower, unicode.IsUpper)
		}),
		"upper": unary("upper", func(v any) bool {
			return isCased(pyStr(v), unicode.IsUpper, unicode.IsLower)
		}),
		"sameas": binary("sameas", "other", func(v, other any) (bool, error) { return sameAs(v, other), nil }),
		"in":     binary("in", "seq", func(v, seq any) (bool, error) { return contains(seq, v) }),
		"==":     compareTest("eq", "eq"),
		"!=":     compareTest("ne", "ne"),
		">":      compareTest("gt", "gt"),
		">=":     compareTest("ge", "gteq"),
		"<":      compareTest("lt", "lt"),
		"<=":     compareTest("le", "lteq"),
	}
	m["eq"], m["equalto"] = m["=="], m["=="]
	m["ne"] = m["!="]
	m["gt"], m["greaterthan"] = m[">"], m[">"]
	m["ge"] = m[">="]
	m["lt"], m["lessthan"] = m["<"], m["<"]
	m["le"] = m["<="]
	m["filter"] = func(r *renderer, v any, args []any, kw []kwarg, f *frame) (bool, error) {
		s, ok := v.(string)
		_, exists := r.env.filters[s]
		return ok && exists, nil
	}
	m["test"] = func(r *renderer, v any, args []any, kw []kwarg, f *frame) (bool, error) {
		s, ok := v.(string)
		_, exists := r.env.tests[s]
		return ok && exists, nil
	}
	return m
}

func binaryMod(name string, want int) testFunc {
	return unaryErr(name, func(v any) (bool, error) {
		m, err := binaryOp("%", v, 2, 0)
		if err != nil {
			return false, err
		}
		return pyEqual(m, want), nil
	})
}

func unaryErr(name string, fn func(v any) (bool, error)) testFunc {
	return func(r *renderer, v any, args []any, kw []kwarg, f *frame) (bool, error) {
		if _, err := sig(name).bind(args, kw); err != nil {
			return false, err
		}
		return fn(v)
	}
}

// sameAs approximates Python's "is": identity for containers, equality of
// type and value for immutable scalars.
func sameAs(a, b any) bool {
	switch x := a.(type) {
	case nil, bool:
		return a == b
	case int:
		y, ok := b.(int)
		return ok && x == y && x >= -5 && x <= 256
	case string:
		y, ok := b.(string)
		return ok && x == y && !strings.ContainsAny(x, " ")
	case *list, *Dict, *Namespace, *macro, *module, *loopContext, *generator:
		return a == b
	}
	return false
}
