package jinja

import "strconv"

// macro is a macro bound to the scope it was defined in.
type macro struct {
	def     *macroDef
	closure *frame
}

// callMacro binds arguments the way jinja2.runtime.Macro does and renders the
// body into a string.
func (r *renderer) callMacro(at expr, m *macro, args []any, kw []kwarg) (any, error) {
	def := m.def
	if err := r.enter(at); err != nil {
		return nil, err
	}
	defer r.leave()
	f := &frame{parent: m.closure, ctx: m.closure.ctx, vars: make(map[string]any, len(def.params)+2)}
	remaining := kw
	take := func(name string) (any, bool) {
		for i, k := range remaining {
			if k.name == name {
				remaining = append(remaining[:i:i], remaining[i+1:]...)
				return k.val, true
			}
		}
		return nil, false
	}
	n := len(def.params)
	given := make([]bool, n)
	for i, p := range def.params {
		if i < len(args) {
			f.vars[p] = args[i]
			given[i] = true
		} else if v, ok := take(p); ok {
			f.vars[p] = v
			given[i] = true
		}
	}
	explicitCaller := false
	for _, p := range def.params {
		if p == "caller" {
			explicitCaller = true
		}
	}
	if def.callerUsed && !explicitCaller {
		if v, ok := take("caller"); ok {
			f.vars["caller"] = v
		} else {
			f.vars["caller"] = Undefined{Name: "caller", Hint: "No caller defined"}
		}
	}
	if def.catchKwargs {
		d := NewDict()
		for _, k := range remaining {
			d.Set(k.name, k.val)
		}
		f.vars["kwargs"] = d
	} else if len(remaining) > 0 {
		for _, k := range remaining {
			if k.name == "caller" {
				return nil, pyErrorf("macro ", pyRepr(def.name), " was invoked with two values for the special caller argument. This is most likely a bug.")
			}
		}
		return nil, pyErrorf("macro ", pyRepr(def.name), " takes no keyword argument ", pyRepr(remaining[0].name))
	}
	if def.catchVarargs {
		var extra Tuple
		if len(args) > n {
			extra = append(Tuple{}, args[n:]...)
		} else {
			extra = Tuple{}
		}
		f.vars["varargs"] = extra
	} else if len(args) > n {
		return nil, pyErrorf("macro ", pyRepr(def.name), " takes not more than ", strconv.Itoa(n), " argument(s)")
	}
	saved := r.tmpl
	r.tmpl = def.templateOwner
	defer func() { r.tmpl = saved }()
	firstDefault := n - len(def.defaults)
	for i, p := range def.params {
		if given[i] {
			continue
		}
		if i >= firstDefault {
			v, err := r.eval(def.defaults[i-firstDefault], f)
			if err != nil {
				return nil, err
			}
			f.vars[p] = v
		} else {
			f.vars[p] = Undefined{Name: p, Hint: "parameter " + pyRepr(p) + " was not provided"}
		}
	}
	return r.capture(func() error { return r.execBody(def.body, f) })
}

// loopContext is the loop variable of a for loop.
type loopContext struct {
	items   []any
	index   int
	depth   int
	recurse *forStmt
	frame   *frame
	changed []any
	hasLast bool
}

func (l *loopContext) attr(name string) (any, bool) {
	n := len(l.items)
	switch name {
	case "index":
		return l.index + 1, true
	case "index0":
		return l.index, true
	case "revindex":
		return n - l.index, true
	case "revindex0":
		return n - l.index - 1, true
	case "first":
		return l.index == 0, true
	case "last":
		return l.index == n-1, true
	case "length":
		return n, true
	case "depth":
		return l.depth + 1, true
	case "depth0":
		return l.depth, true
	case "previtem":
		if l.index == 0 {
			return Undefined{Name: "previtem", Hint: "there is no previous item"}, true
		}
		return l.items[l.index-1], true
	case "nextitem":
		if l.index >= n-1 {
			return Undefined{Name: "nextitem", Hint: "there is no next item"}, true
		}
		return l.items[l.index+1], true
	case "cycle":
		return builtinFunc(func(r *renderer, args []any, kw []kwarg) (any, error) {
			if len(args) == 0 {
				return nil, pyErrorf("no items for cycling given")
			}
			return args[l.index%len(args)], nil
		}), true
	case "changed":
		return builtinFunc(func(r *renderer, args []any, kw []kwarg) (any, error) {
			cur := Tuple(args)
			if l.hasLast && pyEqual(Tuple(l.changed), cur) {
				return false, nil
			}
			l.changed, l.hasLast = cur, true
			return true, nil
		}), true
	}
	return nil, false
}
