package jinja

import "strings"

// Func is a Go callable exposed to templates (global function, filter or test).
type Func func(c *Call) (any, error)

// Call is one invocation of a Func.
type Call struct {
	Args   []any    // positional arguments (for filters/tests: Args[0] is the value)
	Kwargs *Dict    // keyword arguments (never nil)
	Ctx    *Context // active template context, like @jinja2.pass_context
}

// Context is the state of one template render as a Func sees it.
type Context struct {
	r        *renderer
	vars     map[string]any  // top-level assignments of the template(s)
	exported map[string]bool // names of vars visible to importers
	parent   map[string]any  // the importer's or includer's snapshot
	base     *baseVars       // the render variables, converted on first use
	blocks   map[string][]blockInfo
	// locals are the set-assigned names of the calling loop or block body,
	// which Jinja2 passes to context functions (context.derived).
	locals map[string]any
}

type blockInfo struct {
	stmt *blockStmt
	tmpl *Template
}

// Lookup resolves a name in the template context, like a Jinja2
// pass_context function's context[name]: top-level assignments, render
// variables and globals. As in Jinja2, locals of loops, macros and with
// blocks are not visible.
func (c *Context) Lookup(name string) (any, bool) {
	v, ok := c.resolve(name)
	if !ok {
		return nil, false
	}
	return toGo(v), true
}

func (c *Context) resolve(name string) (any, bool) {
	if v, ok := c.locals[name]; ok {
		return v, true
	}
	if v, ok := c.vars[name]; ok {
		return v, true
	}
	if v, ok := c.parent[name]; ok {
		return v, true
	}
	if c.base != nil {
		if v, ok := c.base.get(name); ok {
			return v, true
		}
	}
	v, ok := c.r.env.globals[name]
	return v, ok
}

// baseVars are the variables given to Render. They are converted to engine
// values when first used, so that large unused values cost nothing.
type baseVars struct {
	raw  map[string]any
	conv map[string]any
}

func (b *baseVars) get(name string) (any, bool) {
	if v, ok := b.conv[name]; ok {
		return v, true
	}
	raw, ok := b.raw[name]
	if !ok {
		return nil, false
	}
	v := toValue(raw)
	if b.conv == nil {
		b.conv = map[string]any{}
	}
	b.conv[name] = v
	return v, true
}

// frame is one variable scope. Lookups walk to the parent and finally to the
// context; assignments go to the innermost frame (to the context at top level).
type frame struct {
	vars     map[string]any
	parent   *frame
	ctx      *Context
	toplevel bool
	// root is shared by frames whose output a child template discards once it
	// has extended a parent; nil for macro, block and capture bodies.
	root *rootState
	// block is the block being rendered, for super().
	block *blockCall
	// exposeSets marks loop and block bodies: names assigned there by set
	// are also recorded in exposed, for context functions.
	exposeSets bool
	exposed    map[string]any
	// autoescape is set inside {% autoescape true %}.
	autoescape bool
}

type rootState struct {
	parent *Template // set by {% extends %}
}

type blockCall struct {
	name  string
	index int
}

func (f *frame) lookup(name string) (any, bool) {
	for x := f; x != nil; x = x.parent {
		if x.toplevel {
			if v, ok := x.ctx.vars[name]; ok {
				return v, true
			}
			continue
		}
		if v, ok := x.vars[name]; ok {
			return v, true
		}
	}
	return f.ctx.resolve(name)
}

func (f *frame) set(name string, v any) {
	if f.toplevel {
		f.ctx.vars[name] = v
		if !strings.HasPrefix(name, "_") {
			f.ctx.exported[name] = true
		}
		return
	}
	if f.vars == nil {
		f.vars = make(map[string]any, 4)
	}
	f.vars[name] = v
}

// child returns a scope nested in f that shares f's output suppression.
func (f *frame) child() *frame {
	return &frame{parent: f, ctx: f.ctx, root: f.root, block: f.block, autoescape: f.autoescape}
}

// suppressed reports whether output is discarded because the template
// extends another.
func (f *frame) suppressed() bool { return f.root != nil && f.root.parent != nil }

// snapshot is context.get_all() plus the locals visible from f, as passed to
// included templates and imports "with context".
func (f *frame) snapshot() map[string]any {
	out := make(map[string]any, len(f.ctx.parent)+len(f.ctx.vars))
	for k, v := range f.ctx.parent {
		out[k] = v
	}
	for k, v := range f.ctx.vars {
		out[k] = v
	}
	var chain []*frame
	for x := f; x != nil; x = x.parent {
		if !x.toplevel {
			chain = append(chain, x)
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for k, v := range chain[i].vars {
			if k == "loop" {
				continue
			}
			out[k] = v
		}
	}
	return out
}
