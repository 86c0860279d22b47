package jinja

import (
	"errors"
	"fmt"
)

// kwarg is one keyword argument of a call.
type kwarg struct {
	name string
	val  any
}

// builtinFunc is a function implemented by the engine (range, dict, methods…).
type builtinFunc func(r *renderer, args []any, kw []kwarg) (any, error)

// selfRef is the "self" variable: its attributes render blocks by name.
type selfRef struct {
	ctx  *Context
	name string
}

// blockRef is super(): it renders the next definition of a block.
type blockRef struct {
	name  string
	index int
	ctx   *Context
}

func (r *renderer) eval(e expr, f *frame) (any, error) {
	switch n := e.(type) {
	case *constExpr:
		return n.val, nil
	case *nameExpr:
		return r.lookupName(n.name, f), nil
	case *getattrExpr:
		obj, err := r.eval(n.obj, f)
		if err != nil {
			return nil, err
		}
		v, err := r.getattr(obj, n.attr)
		if err != nil {
			return nil, r.errAt(n, err)
		}
		return v, nil
	case *getitemExpr:
		obj, err := r.eval(n.obj, f)
		if err != nil {
			return nil, err
		}
		if s, ok := n.key.(*sliceExpr); ok {
			return r.evalSlice(obj, s, f)
		}
		key, err := r.eval(n.key, f)
		if err != nil {
			return nil, err
		}
		v, err := r.getitem(obj, key)
		if err != nil {
			return nil, r.errAt(n, err)
		}
		return v, nil
	case *binExpr:
		return r.evalBinary(n, f)
	case *unaryExpr:
		v, err := r.eval(n.operand, f)
		if err != nil {
			return nil, err
		}
		if n.op == "not" {
			return !truthy(v), nil
		}
		v, err = unaryOp(n.op, v)
		if err != nil {
			return nil, r.errAt(n, err)
		}
		return v, nil
	case *compareExpr:
		return r.evalCompare(n, f)
	case *condExpr:
		t, err := r.eval(n.test, f)
		if err != nil {
			return nil, err
		}
		if truthy(t) {
			return r.eval(n.then, f)
		}
		if n.orElse == nil {
			return Undefined{Hint: "the inline if-expression on line " + r.lineOf(n) + " evaluated to false and no else section was defined."}, nil
		}
		return r.eval(n.orElse, f)
	case *listExpr:
		items := make([]any, len(n.items))
		for i, x := range n.items {
			v, err := r.eval(x, f)
			if err != nil {
				return nil, err
			}
			items[i] = v
		}
		return newList(items), nil
	case *tupleExpr:
		items := make(Tuple, len(n.items))
		for i, x := range n.items {
			v, err := r.eval(x, f)
			if err != nil {
				return nil, err
			}
			items[i] = v
		}
		return items, nil
	case *dictExpr:
		d := NewDict()
		for i := range n.keys {
			k, err := r.eval(n.keys[i], f)
			if err != nil {
				return nil, err
			}
			v, err := r.eval(n.values[i], f)
			if err != nil {
				return nil, err
			}
			if !hashable(k) {
				return nil, r.failAt(n.keys[i], "unhashable type: "+pyRepr(typeName(k)))
			}
			d.Set(k, v)
		}
		return d, nil
	case *callExpr:
		return r.evalCall(n, f, nil)
	case *filterExpr:
		v, err := r.eval(n.obj, f)
		if err != nil {
			return nil, err
		}
		return r.applyFilter(n, v, f)
	case *testExpr:
		return r.applyTest(n, f)
	}
	return nil, r.failAt(e, "unsupported expression")
}

func (r *renderer) lineOf(n expr) string {
	line, _ := lineCol(r.tmpl.source, n.position())
	return itoa(line)
}

func (r *renderer) lookupName(name string, f *frame) any {
	if v, ok := f.lookup(name); ok {
		return v
	}
	switch name {
	case "super":
		if f.block != nil {
			return blockRef{name: f.block.name, index: f.block.index + 1, ctx: f.ctx}
		}
	case "self":
		return selfRef{f.ctx, r.tmpl.name}
	}
	return Undefined{Name: name}
}

func (r *renderer) evalBinary(n *binExpr, f *frame) (any, error) {
	left, err := r.eval(n.left, f)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "and":
		if !truthy(left) {
			return left, nil
		}
		return r.eval(n.right, f)
	case "or":
		if truthy(left) {
			return left, nil
		}
		return r.eval(n.right, f)
	}
	right, err := r.eval(n.right, f)
	if err != nil {
		return nil, err
	}
	if n.op == "~" {
		if f.autoescape {
			return markupJoin(left, right), nil
		}
		s := pyStr(left) + pyStr(right)
		if len(s) > r.env.limits.MaxValue {
			return nil, r.limitErr(n, "string too long")
		}
		return s, r.charge(n, s)
	}
	v, isMarkup, err := markupOp(n.op, left, right, r.env.limits.MaxValue)
	if !isMarkup {
		v, err = binaryOp(n.op, left, right, r.env.limits.MaxValue)
	}
	if err != nil {
		return nil, r.errAt(n, err)
	}
	return v, r.charge(n, v)
}

func (r *renderer) evalCompare(n *compareExpr, f *frame) (any, error) {
	left, err := r.eval(n.first, f)
	if err != nil {
		return nil, err
	}
	for _, op := range n.ops {
		right, err := r.eval(op.e, f)
		if err != nil {
			return nil, err
		}
		ok, err := compare(op.op, left, right)
		if err != nil {
			return nil, r.errAt(op.e, err)
		}
		if !ok {
			return false, nil
		}
		left = right
	}
	return true, nil
}

func (r *renderer) evalSlice(obj any, s *sliceExpr, f *frame) (any, error) {
	var parts [3]any
	for i, e := range []expr{s.start, s.stop, s.step} {
		if e == nil {
			continue
		}
		v, err := r.eval(e, f)
		if err != nil {
			return nil, err
		}
		parts[i] = v
	}
	v, err := sliceValue(obj, parts[0], parts[1], parts[2])
	if err != nil {
		return nil, r.errAt(s, err)
	}
	return v, nil
}

// evalArgs evaluates call arguments, expanding *args and **kwargs.
func (r *renderer) evalArgs(a *callArgs, f *frame) ([]any, []kwarg, error) {
	var args []any
	if len(a.args) > 0 {
		args = make([]any, 0, len(a.args))
	}
	for _, e := range a.args {
		v, err := r.eval(e, f)
		if err != nil {
			return nil, nil, err
		}
		args = append(args, v)
	}
	var kw []kwarg
	for _, k := range a.kwargs {
		v, err := r.eval(k.val, f)
		if err != nil {
			return nil, nil, err
		}
		kw = append(kw, kwarg{k.name, v})
	}
	if a.dynArgs != nil {
		v, err := r.eval(a.dynArgs, f)
		if err != nil {
			return nil, nil, err
		}
		items, err := r.iterate(v)
		if err != nil {
			return nil, nil, r.errAt(a.dynArgs, err)
		}
		args = append(args, items...)
	}
	if a.dynKwargs != nil {
		v, err := r.eval(a.dynKwargs, f)
		if err != nil {
			return nil, nil, err
		}
		d, ok := v.(*Dict)
		if !ok {
			if _, undef := v.(Undefined); !undef {
				return nil, nil, r.failAt(a.dynKwargs, "argument after ** must be a mapping, not "+typeName(v))
			}
			d = NewDict()
		}
		for i, k := range d.keys {
			ks, ok := k.(string)
			if !ok {
				return nil, nil, r.failAt(a.dynKwargs, "keywords must be strings")
			}
			for _, existing := range kw {
				if existing.name == ks {
					return nil, nil, r.failAt(a.dynKwargs, "got multiple values for keyword argument "+pyRepr(ks))
				}
			}
			kw = append(kw, kwarg{ks, d.values[i]})
		}
	}
	return args, kw, nil
}

// evalCall evaluates a call expression; caller is the {% call %} block's
// caller macro, passed as the caller keyword argument.
func (r *renderer) evalCall(n *callExpr, f *frame, caller *macro) (any, error) {
	fn, err := r.eval(n.fn, f)
	if err != nil {
		return nil, err
	}
	args, kw, err := r.evalArgs(&n.callArgs, f)
	if err != nil {
		return nil, err
	}
	if caller != nil {
		kw = append(kw, kwarg{"caller", caller})
	}
	if u, ok := fn.(Undefined); ok && u.Hint == "" && !u.hasKey {
		return nil, r.errAt(n, &undefinedError{u: u, called: true, suggestion: r.suggestCallable(u, f)})
	}
	v, err := r.callValue(n, fn, args, kw, f)
	if err != nil {
		if m, ok := fn.(*macro); ok {
			r.noteCallSite(n, m.def.name, err)
		}
		return nil, r.errAt(n, err)
	}
	return v, r.charge(n, v)
}

// noteCallSite adds where a macro was called to an error raised inside its
// body, once: the location stays that of the failing line in the macro.
func (r *renderer) noteCallSite(n expr, name string, err error) {
	var je *Error
	if !errors.As(err, &je) || je.called {
		return
	}
	line, col := lineCol(r.tmpl.source, n.position())
	if je.Template == r.tmpl.name && je.Line == line {
		return
	}
	je.called = true
	je.Msg += fmt.Sprintf(" (in macro %q called from %s:%d:%d)", name, r.tmpl.name, line, col)
}

// suggestCallable finds the macro or function name closest to the name of
// an undefined value that was called.
func (r *renderer) suggestCallable(u Undefined, f *frame) string {
	var names []string
	add := func(m map[string]any) {
		for k, v := range m {
			if isCallable(v) {
				names = append(names, k)
			}
		}
	}
	switch {
	case u.mod != nil:
		add(u.mod.exports)
	case u.owner == "":
		for x := f; x != nil; x = x.parent {
			add(x.vars)
		}
		add(f.ctx.vars)
		add(f.ctx.parent)
		add(r.env.globals)
	}
	return closestName(u.Name, names)
}

// callValue calls any callable template value.
func (r *renderer) callValue(at expr, fn any, args []any, kw []kwarg, f *frame) (any, error) {
	switch c := fn.(type) {
	case *macro:
		return r.callMacro(at, c, args, kw)
	case builtinFunc:
		if err := r.step(at); err != nil {
			return nil, err
		}
		return c(r, args, kw)
	case boundMethod:
		if err := r.step(at); err != nil {
			return nil, err
		}
		return r.callMethod(c, plainAll(args), kw)
	case Func:
		if err := r.step(at); err != nil {
			return nil, err
		}
		return r.callFunc(c, args, kw, f)
	case blockRef:
		if len(args) > 0 || len(kw) > 0 {
			return nil, pyErrorf("super() takes no arguments")
		}
		if c.index >= len(c.ctx.blocks[c.name]) {
			return nil, &undefinedError{u: Undefined{Hint: "there is no parent block called " + pyRepr(c.name) + "."}}
		}
		return r.capture(func() error { return r.renderBlock(at, c.name, c.index, c.ctx, nil) })
	case *loopContext:
		if len(args) != 1 || len(kw) > 0 {
			return nil, pyErrorf("loop() takes exactly one argument")
		}
		if !c.recurse.recursive {
			return nil, pyErrorf("Tried to call non recursive loop.  Maybe you forgot the 'recursive' modifier.")
		}
		items, err := r.iterate(args[0])
		if err != nil {
			return nil, err
		}
		if err := r.enter(at); err != nil {
			return nil, err
		}
		defer r.leave()
		return r.runLoop(c.recurse, c.frame, items, c.depth+1, true, args[0])
	case *joiner:
		if c.used {
			return c.sep, nil
		}
		c.used = true
		return "", nil
	case Undefined:
		return nil, &undefinedError{u: c}
	}
	return nil, pyErrorf(pyRepr(typeName(fn)), " object is not callable")
}

// callFunc calls a Go Func with API-typed arguments.
func (r *renderer) callFunc(fn Func, args []any, kw []kwarg, f *frame) (any, error) {
	call := &Call{Args: make([]any, len(args)), Kwargs: NewDict(), Ctx: nil}
	for i, a := range args {
		call.Args[i] = toGo(a)
	}
	for _, k := range kw {
		call.Kwargs.Set(k.name, toGo(k.val))
	}
	if f != nil {
		call.Ctx = f.ctx
		if len(f.exposed) > 0 {
			derived := *f.ctx
			derived.locals = f.exposed
			call.Ctx = &derived
		}
	}
	v, err := fn(call)
	if err != nil {
		return nil, err
	}
	return toValue(v), nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
