package jinja

import (
	"errors"
	"strconv"
	"strings"
)

// renderer executes templates for one Render call.
type renderer struct {
	env     *Env
	out     *strings.Builder
	written int
	depth   int
	steps   int
	tmpl    *Template // template whose nodes are executing, for positions
}

func newRenderer(env *Env) *renderer { return &renderer{env: env} }

func (r *renderer) newContext(parent map[string]any) *Context {
	return &Context{r: r, vars: map[string]any{}, exported: map[string]bool{}, parent: parent, blocks: map[string][]blockInfo{}}
}

// errAt converts err into an *Error located at node n of the current template.
func (r *renderer) errAt(n interface{ position() int }, err error) error {
	var je *Error
	if errors.As(err, &je) {
		return err
	}
	return errorAt(r.tmpl, n.position(), err.Error(), err)
}

func (r *renderer) failAt(n interface{ position() int }, msg string) error {
	return errorAt(r.tmpl, n.position(), msg, nil)
}

func (r *renderer) limitErr(n interface{ position() int }, what string) error {
	return errorAt(r.tmpl, n.position(), what, ErrLimit)
}

func (r *renderer) step(n interface{ position() int }) error {
	r.steps++
	if r.steps > r.env.limits.MaxSteps {
		return r.limitErr(n, "template exceeded "+strconv.Itoa(r.env.limits.MaxSteps)+" loop iterations and calls")
	}
	return nil
}

// charge counts the work of building a large value against the step budget:
// one step per 256 bytes or list items, so that loops building big values
// are bounded in time as well as in memory.
func (r *renderer) charge(n interface{ position() int }, v any) error {
	var size int
	switch x := v.(type) {
	case string:
		size = len(x)
	case markup:
		size = len(x)
	case *list:
		size = len(x.items)
	case Tuple:
		size = len(x)
	case *generator:
		size = len(x.items)
	default:
		return nil
	}
	if size < 256 {
		return nil
	}
	r.steps += size / 256
	if r.steps > r.env.limits.MaxSteps {
		return r.limitErr(n, "template exceeded "+strconv.Itoa(r.env.limits.MaxSteps)+" steps of work")
	}
	return nil
}

func (r *renderer) write(n interface{ position() int }, s string) error {
	r.written += len(s)
	if r.written > r.env.limits.MaxOutput {
		return r.limitErr(n, "template output exceeded "+strconv.Itoa(r.env.limits.MaxOutput)+" bytes")
	}
	r.out.WriteString(s)
	return nil
}

// capture runs fn with output redirected and returns what it wrote.
func (r *renderer) capture(fn func() error) (string, error) {
	saved := r.out
	var b strings.Builder
	r.out = &b
	err := fn()
	r.out = saved
	return b.String(), err
}

// enter bumps the nesting depth for a macro call, include, import or block.
func (r *renderer) enter(n interface{ position() int }) error {
	r.depth++
	if r.depth > r.env.limits.MaxDepth {
		r.depth--
		return r.limitErr(n, "maximum recursion depth exceeded")
	}
	return r.step(n)
}

func (r *renderer) leave() { r.depth-- }

// renderTemplate renders t as the root of ctx: registers its blocks and runs
// its body, then the body of the template it extends, if any.
func (r *renderer) renderTemplate(t *Template, ctx *Context) error {
	for name, b := range t.blocks {
		ctx.blocks[name] = []blockInfo{{b, t}}
	}
	return r.runRoot(t, ctx)
}

func (r *renderer) runRoot(t *Template, ctx *Context) error {
	root := &rootState{}
	f := &frame{ctx: ctx, toplevel: true, root: root}
	saved := r.tmpl
	r.tmpl = t
	err := r.execBody(t.body, f)
	r.tmpl = saved
	if err != nil {
		return err
	}
	if root.parent != nil {
		if err := r.enter(t.body[0]); err != nil {
			return err
		}
		defer r.leave()
		return r.runRoot(root.parent, ctx)
	}
	return nil
}

func (r *renderer) execBody(body []stmt, f *frame) error {
	for _, s := range body {
		if err := r.exec(s, f); err != nil {
			return err
		}
	}
	return nil
}

func (r *renderer) exec(s stmt, f *frame) error {
	switch n := s.(type) {
	case *dataStmt:
		if f.suppressed() {
			return nil
		}
		return r.write(n, n.text)
	case *outputStmt:
		if f.suppressed() {
			return nil
		}
		v, err := r.eval(n.e, f)
		if err != nil {
			return err
		}
		if f.autoescape {
			return r.write(n, string(escapeValue(v)))
		}
		return r.write(n, pyStr(v))
	case *autoescapeStmt:
		on, err := r.eval(n.enabled, f)
		if err != nil {
			return err
		}
		inner := f.child()
		inner.autoescape = truthy(on)
		return r.execBody(n.body, inner)
	case *ifStmt:
		for i, test := range n.tests {
			v, err := r.eval(test, f)
			if err != nil {
				return err
			}
			if truthy(v) {
				return r.execBody(n.bodies[i], f)
			}
		}
		return r.execBody(n.orElse, f)
	case *forStmt:
		return r.execFor(n, f)
	case *assignStmt:
		v, err := r.eval(n.value, f)
		if err != nil {
			return err
		}
		return r.assignSet(n.target, v, f)
	case *assignBlockStmt:
		inner := &frame{parent: f, ctx: f.ctx, block: f.block}
		s, err := r.capture(func() error { return r.execBody(n.body, inner) })
		if err != nil {
			return err
		}
		var v any = s
		for _, flt := range n.filters {
			if v, err = r.applyFilter(flt, v, f); err != nil {
				return err
			}
		}
		return r.assignSet(n.target, v, f)
	case *macroStmt:
		f.set(n.def.name, &macro{def: n.def, closure: f})
		return nil
	case *callBlockStmt:
		if f.suppressed() {
			return nil
		}
		caller := &macro{def: n.def, closure: f}
		v, err := r.evalCall(n.call, f, caller)
		if err != nil {
			return err
		}
		return r.write(n, pyStr(v))
	case *filterBlockStmt:
		inner := f.child()
		s, err := r.capture(func() error { return r.execBody(n.body, inner) })
		if err != nil {
			return err
		}
		var v any = s
		for _, flt := range n.filters {
			if v, err = r.applyFilter(flt, v, f); err != nil {
				return err
			}
		}
		return r.write(n, pyStr(v))
	case *withStmt:
		inner := f.child()
		vals := make([]any, len(n.values))
		for i, e := range n.values {
			v, err := r.eval(e, f)
			if err != nil {
				return err
			}
			vals[i] = v
		}
		for i, t := range n.targets {
			if err := r.assign(t, vals[i], inner); err != nil {
				return err
			}
		}
		return r.execBody(n.body, inner)
	case *blockStmt:
		if f.suppressed() {
			return nil
		}
		parent := (*frame)(nil)
		if n.scoped {
			parent = f
		}
		return r.renderBlock(n, n.name, 0, f.ctx, parent)
	case *extendsStmt:
		return r.execExtends(n, f)
	case *includeStmt:
		return r.execInclude(n, f)
	case *importStmt:
		v, err := r.eval(n.template, f)
		if err != nil {
			return err
		}
		m, err := r.importModule(n, v, n.withContext, f)
		if err != nil {
			return err
		}
		f.set(n.target, m)
		return nil
	case *fromImportStmt:
		return r.execFromImport(n, f)
	}
	return r.failAt(s, "unsupported statement")
}

// assignSet is assign for {% set %}, which also exposes the names of loop and
// block bodies to context functions.
func (r *renderer) assignSet(target expr, v any, f *frame) error {
	if err := r.assign(target, v, f); err != nil {
		return err
	}
	if f.exposeSets {
		walkExpr(target, func(e expr) {
			if n, ok := e.(*nameExpr); ok {
				if f.exposed == nil {
					f.exposed = map[string]any{}
				}
				f.exposed[n.name], _ = f.lookup(n.name)
			}
		})
	}
	return nil
}

// assign binds target (a name, tuple of targets or namespace attribute) in f.
func (r *renderer) assign(target expr, v any, f *frame) error {
	switch t := target.(type) {
	case *nameExpr:
		f.set(t.name, v)
		return nil
	case *nsRefExpr:
		ns, _ := f.lookup(t.name)
		n, ok := ns.(*Namespace)
		if !ok {
			return r.failAt(t, "cannot assign attribute on non-namespace object")
		}
		n.attrs.Set(t.attr, v)
		return nil
	case *tupleExpr:
		items, err := r.iterate(v)
		if err != nil {
			return r.errAt(t, err)
		}
		if len(items) < len(t.items) {
			return r.failAt(t, "not enough values to unpack (expected "+strconv.Itoa(len(t.items))+", got "+strconv.Itoa(len(items))+")")
		}
		if len(items) > len(t.items) {
			return r.failAt(t, "too many values to unpack (expected "+strconv.Itoa(len(t.items))+")")
		}
		for i, sub := range t.items {
			if err := r.assign(sub, items[i], f); err != nil {
				return err
			}
		}
		return nil
	}
	return r.failAt(target, "can't assign to this expression")
}

func (r *renderer) execFor(n *forStmt, f *frame) error {
	v, err := r.eval(n.iter, f)
	if err != nil {
		return err
	}
	items, err := r.iterate(v)
	if err != nil {
		return r.errAt(n.iter, err)
	}
	_, err = r.runLoop(n, f, items, 0, false, v)
	return err
}

// runLoop renders one level of a for loop; recursive loops call it again via
// loop(...) with depth+1 and capture the output.
//
// When the iterable is a list without a loop filter, iteration sees items
// appended by the body, as Python's list iterator does.
func (r *renderer) runLoop(n *forStmt, f *frame, items []any, depth int, capture bool, source any) (string, error) {
	live, _ := source.(*list)
	if n.filter != nil {
		var kept []any
		for _, item := range items {
			if err := r.step(n); err != nil {
				return "", err
			}
			tmp := f.child()
			if err := r.assign(n.target, item, tmp); err != nil {
				return "", err
			}
			ok, err := r.eval(n.filter, tmp)
			if err != nil {
				return "", err
			}
			if truthy(ok) {
				kept = append(kept, item)
			}
		}
		items = kept
		live = nil
	}
	body := func() error {
		if len(items) == 0 {
			return r.execBody(n.orElse, f.child())
		}
		loop := &loopContext{items: items, depth: depth, recurse: n, frame: f}
		for i := 0; i < len(items); i++ {
			item := items[i]
			if err := r.step(n); err != nil {
				return err
			}
			loop.index = i
			it := &frame{parent: f, ctx: f.ctx, root: f.root, block: f.block, vars: map[string]any{"loop": loop}, exposeSets: true, autoescape: f.autoescape}
			if err := r.assign(n.target, item, it); err != nil {
				return err
			}
			if err := r.execBody(n.body, it); err != nil {
				return err
			}
			if live != nil {
				items = live.items
				loop.items = items
			}
		}
		return nil
	}
	if capture {
		return r.capture(body)
	}
	return "", body()
}

func (r *renderer) execExtends(n *extendsStmt, f *frame) error {
	if !f.toplevel || f.root == nil {
		return r.failAt(n, "cannot use extend from a non top-level scope")
	}
	if f.root.parent != nil {
		return r.failAt(n, "extended multiple times")
	}
	v, err := r.eval(n.template, f)
	if err != nil {
		return err
	}
	t, err := r.loadTemplate(v)
	if err != nil {
		return r.errAt(n, err)
	}
	f.root.parent = t
	for name, b := range t.blocks {
		f.ctx.blocks[name] = append(f.ctx.blocks[name], blockInfo{b, t})
	}
	return nil
}

// loadTemplate resolves a template name, Template object or list of them
// (the first that exists), as get_template/select_template do.
func (r *renderer) loadTemplate(v any) (*Template, error) {
	switch x := v.(type) {
	case *Template:
		return x, nil
	case string:
		// Like Jinja2, a template loads others through its own environment.
		return r.tmpl.env.Template(x)
	case *list, Tuple:
		items, _ := r.iterate(x)
		var names []string
		for _, item := range items {
			t, err := r.loadTemplate(item)
			if err == nil {
				return t, nil
			}
			var nf *notFoundError
			if !errors.As(err, &nf) {
				return nil, err
			}
			names = append(names, pyRepr(item))
		}
		return nil, &notFoundError{name: strings.Join(names, ", ")}
	case Undefined:
		return nil, &undefinedError{u: x}
	}
	return nil, pyErrorf("template name must be a string or Template, not ", pyRepr(typeName(v)))
}

func (r *renderer) execInclude(n *includeStmt, f *frame) error {
	v, err := r.eval(n.template, f)
	if err != nil {
		return err
	}
	t, err := r.loadTemplate(v)
	if err != nil {
		var nf *notFoundError
		if n.ignoreMissing && errors.As(err, &nf) {
			return nil
		}
		return r.errAt(n, err)
	}
	ctx := r.newContext(nil)
	if n.withContext {
		ctx.parent, ctx.base = f.snapshot(), f.ctx.base
	}
	if err := r.enter(n); err != nil {
		return err
	}
	defer r.leave()
	return r.renderTemplate(t, ctx)
}

// module is the result of {% import %}: the exported names and the output.
type module struct {
	name    string
	exports map[string]any
	body    string
}

func (r *renderer) importModule(n stmt, v any, withContext bool, f *frame) (*module, error) {
	t, err := r.loadTemplate(v)
	if err != nil {
		return nil, r.errAt(n, err)
	}
	ctx := r.newContext(nil)
	if withContext {
		ctx.parent, ctx.base = f.snapshot(), f.ctx.base
	}
	if err := r.enter(n); err != nil {
		return nil, err
	}
	defer r.leave()
	body, err := r.capture(func() error { return r.renderTemplate(t, ctx) })
	if err != nil {
		return nil, err
	}
	m := &module{name: t.name, exports: map[string]any{}, body: body}
	for name := range ctx.exported {
		m.exports[name] = ctx.vars[name]
	}
	return m, nil
}

func (r *renderer) execFromImport(n *fromImportStmt, f *frame) error {
	v, err := r.eval(n.template, f)
	if err != nil {
		return err
	}
	m, err := r.importModule(n, v, n.withContext, f)
	if err != nil {
		return err
	}
	for _, in := range n.names {
		val, ok := m.exports[in.name]
		if !ok {
			line, _ := lineCol(r.tmpl.source, n.position())
			val = Undefined{Name: in.name, Hint: "the template " + pyRepr(m.name) + " (imported on line " + strconv.Itoa(line) + ") does not export the requested name " + pyRepr(in.name)}
		}
		f.set(in.alias, val)
	}
	return nil
}

// renderBlock renders the index-th definition of block name (0 is the most
// derived) into the current output.
func (r *renderer) renderBlock(at stmt, name string, index int, ctx *Context, scope *frame) error {
	chain := ctx.blocks[name]
	if index >= len(chain) {
		return r.failAt(at, "there is no parent block called "+pyRepr(name)+".")
	}
	b := chain[index]
	if b.stmt.required && index == 0 {
		return r.failAt(at, "Required block "+pyRepr(name)+" not found")
	}
	if err := r.enter(at); err != nil {
		return err
	}
	defer r.leave()
	f := &frame{ctx: ctx, parent: scope, block: &blockCall{name: name, index: index}, exposeSets: true}
	saved := r.tmpl
	r.tmpl = b.tmpl
	err := r.execBody(b.stmt.body, f)
	r.tmpl = saved
	return err
}
