package jinja

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

// Loader finds template source by name ("nova/nova-api/Dockerfile.j2").
// It returns an error wrapping fs.ErrNotExist for a missing template.
type Loader interface {
	Load(name string) (source string, err error)
}

type fsLoader struct{ fsys fs.FS }

// FSLoader loads templates from an fs.FS, like Jinja2's FileSystemLoader.
func FSLoader(fsys fs.FS) Loader { return fsLoader{fsys} }

func (l fsLoader) Load(name string) (string, error) {
	clean := strings.TrimPrefix(path.Clean("/"+name), "/")
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("template %q: %w", name, fs.ErrNotExist)
		}
	}
	b, err := fs.ReadFile(l.fsys, clean)
	if err != nil {
		if errors.Is(err, fs.ErrInvalid) {
			return "", fmt.Errorf("template %q: %w", name, fs.ErrNotExist)
		}
		return "", err
	}
	return string(b), nil
}

// MapLoader loads templates from a map of name to source (tests).
type MapLoader map[string]string

// Load implements Loader.
func (m MapLoader) Load(name string) (string, error) {
	s, ok := m[name]
	if !ok {
		return "", fmt.Errorf("template %q: %w", name, fs.ErrNotExist)
	}
	return s, nil
}

// Limits bound what one Render may consume, so that no template can hang or
// exhaust memory.
type Limits struct {
	MaxOutput int // bytes written, including captured output
	MaxDepth  int // nested macro calls, includes, imports and blocks
	MaxSteps  int // loop iterations plus calls
	MaxValue  int // length of a string or list built by an operator
}

// DefaultLimits are the limits of a new Env, generous for Kolla's templates.
func DefaultLimits() Limits {
	return Limits{MaxOutput: 64 << 20, MaxDepth: 200, MaxSteps: 5_000_000, MaxValue: 16 << 20}
}

// Env is a configured environment, like jinja2.Environment with default
// settings. It caches parsed templates; it is safe for concurrent Render calls
// after configuration.
type Env struct {
	loader  Loader
	globals map[string]any
	filters map[string]filterFunc
	tests   map[string]testFunc
	limits  Limits

	mu    sync.Mutex
	cache map[string]*Template
}

// NewEnv returns an environment loading templates with loader (may be nil).
func NewEnv(loader Loader) *Env {
	e := &Env{
		loader:  loader,
		globals: builtinGlobals(),
		filters: builtinFilters(),
		tests:   builtinTests(),
		limits:  DefaultLimits(),
		cache:   map[string]*Template{},
	}
	return e
}

// SetLimits replaces the sandbox limits.
func (e *Env) SetLimits(l Limits) { e.limits = l }

// AddGlobal makes v (a value or Func) visible to every template as name.
func (e *Env) AddGlobal(name string, v any) { e.globals[name] = toValue(v) }

// AddFilter registers a filter; Args[0] of the call is the filtered value.
func (e *Env) AddFilter(name string, f Func) { e.filters[name] = wrapFuncFilter(f) }

// AddTest registers a test; Args[0] of the call is the tested value.
func (e *Env) AddTest(name string, f Func) { e.tests[name] = wrapFuncTest(f) }

// Template returns the parsed template name, from the cache when possible.
// The result may be passed as a variable and used in extends, include and
// import, like a jinja2 Template object.
func (e *Env) Template(name string) (*Template, error) {
	e.mu.Lock()
	t, ok := e.cache[name]
	e.mu.Unlock()
	if ok {
		return t, nil
	}
	if e.loader == nil {
		return nil, &notFoundError{name: name, err: fs.ErrNotExist}
	}
	src, err := e.loader.Load(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &notFoundError{name: name, err: err}
		}
		return nil, fmt.Errorf("load template %q: %w", name, err)
	}
	t, err = e.parse(name, src)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	if prev, ok := e.cache[name]; ok {
		t = prev
	} else {
		e.cache[name] = t
	}
	e.mu.Unlock()
	return t, nil
}

// notFoundError is Jinja2's TemplateNotFound.
type notFoundError struct {
	name string
	err  error
}

func (e *notFoundError) Error() string { return fmt.Sprintf("template %q not found", e.name) }
func (e *notFoundError) Unwrap() error { return e.err }

func (e *Env) parse(name, src string) (*Template, error) {
	t := &Template{name: name, source: normalizeSource(src), env: e}
	if serr := parseTemplate(t); serr != nil {
		return nil, errorAt(t, serr.pos, serr.msg, nil)
	}
	// Like Jinja2's compiler, reject unknown filters and tests at load time.
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// Parse checks that template name loads and compiles, like get_template:
// syntax errors and unknown filters or tests (outside conditional branches)
// are reported.
func (e *Env) Parse(name string) error {
	_, err := e.Template(name)
	return err
}

// Render renders template name with vars, like get_template(name).render(vars).
func (e *Env) Render(name string, vars map[string]any) (string, error) {
	t, err := e.Template(name)
	if err != nil {
		return "", err
	}
	return t.Render(vars)
}

// RenderSource renders source as a template called name (for errors), like
// from_string.
func (e *Env) RenderSource(name, source string, vars map[string]any) (string, error) {
	t, err := e.parse(name, source)
	if err != nil {
		return "", err
	}
	return t.Render(vars)
}

// Template is a parsed template.
type Template struct {
	name   string
	source string // normalised
	env    *Env
	body   []stmt
	blocks map[string]*blockStmt
}

// Name is the name the template was loaded as.
func (t *Template) Name() string { return t.name }

// Render renders the template with vars.
func (t *Template) Render(vars map[string]any) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			// A bug in the engine must not crash the caller.
			out, err = "", &Error{Template: t.name, Line: 1, Col: 1, Msg: fmt.Sprintf("internal error: %v", p), Err: errInternal}
		}
	}()
	r := newRenderer(t.env)
	ctx := r.newContext(nil)
	ctx.base = &baseVars{raw: vars}
	var b strings.Builder
	r.out = &b
	if err := r.renderTemplate(t, ctx); err != nil {
		return "", err
	}
	return b.String(), nil
}

// check reports filters and tests that do not exist, outside conditional
// branches, as Jinja2's compiler does.
func (t *Template) check() error {
	{
		var first *Error
		report := func(e expr) {
			if first != nil {
				return
			}
			switch n := e.(type) {
			case *filterExpr:
				if _, ok := t.env.filters[n.name]; !ok {
					first = errorAt(t, n.position(), unknownName("filter", n.name, sortedKeys(t.env.filters)), nil)
				}
			case *testExpr:
				if _, ok := t.env.tests[n.name]; !ok {
					first = errorAt(t, n.position(), unknownName("test", n.name, sortedKeys(t.env.tests)), nil)
				}
			}
		}
		checkStmts(t.body, report)
		if first != nil {
			return first
		}
	}
	return nil
}

// checkStmts visits expressions that Jinja2 compiles unconditionally: it skips
// if statements and conditional expressions.
func checkStmts(body []stmt, fn func(expr)) {
	var visit func(e expr)
	visit = func(e expr) {
		walkExprUnlessCond(e, fn)
	}
	for _, s := range body {
		switch n := s.(type) {
		case *ifStmt:
			continue
		case *blockStmt:
			checkStmts(n.body, fn)
		case *forStmt:
			visit(n.iter)
			visit(n.filter)
			checkStmts(n.body, fn)
			checkStmts(n.orElse, fn)
		case *macroStmt:
			checkStmts(n.def.body, fn)
		case *callBlockStmt:
			visit(n.call)
			checkStmts(n.def.body, fn)
		case *filterBlockStmt:
			for _, f := range n.filters {
				visit(f)
			}
			checkStmts(n.body, fn)
		case *withStmt:
			for _, v := range n.values {
				visit(v)
			}
			checkStmts(n.body, fn)
		case *autoescapeStmt:
			checkStmts(n.body, fn)
		case *assignBlockStmt:
			for _, f := range n.filters {
				visit(f)
			}
			checkStmts(n.body, fn)
		case *outputStmt:
			visit(n.e)
		case *assignStmt:
			visit(n.value)
		case *extendsStmt:
			visit(n.template)
		case *includeStmt:
			visit(n.template)
		case *importStmt:
			visit(n.template)
		case *fromImportStmt:
			visit(n.template)
		}
	}
}

func walkExprUnlessCond(e expr, fn func(expr)) {
	if e == nil {
		return
	}
	if _, ok := e.(*condExpr); ok {
		return
	}
	fn(e)
	switch n := e.(type) {
	case *filterExpr:
		walkExprUnlessCond(n.obj, fn)
		walkArgsUnlessCond(n.callArgs, fn)
	case *testExpr:
		walkExprUnlessCond(n.obj, fn)
		walkArgsUnlessCond(n.callArgs, fn)
	case *callExpr:
		walkExprUnlessCond(n.fn, fn)
		walkArgsUnlessCond(n.callArgs, fn)
	case *binExpr:
		walkExprUnlessCond(n.left, fn)
		walkExprUnlessCond(n.right, fn)
	case *unaryExpr:
		walkExprUnlessCond(n.operand, fn)
	case *getattrExpr:
		walkExprUnlessCond(n.obj, fn)
	case *getitemExpr:
		walkExprUnlessCond(n.obj, fn)
		walkExprUnlessCond(n.key, fn)
	case *compareExpr:
		walkExprUnlessCond(n.first, fn)
		for _, o := range n.ops {
			walkExprUnlessCond(o.e, fn)
		}
	case *listExpr:
		for _, x := range n.items {
			walkExprUnlessCond(x, fn)
		}
	case *tupleExpr:
		for _, x := range n.items {
			walkExprUnlessCond(x, fn)
		}
	case *dictExpr:
		for i := range n.keys {
			walkExprUnlessCond(n.keys[i], fn)
			walkExprUnlessCond(n.values[i], fn)
		}
	}
}

func walkArgsUnlessCond(a callArgs, fn func(expr)) {
	for _, x := range a.args {
		walkExprUnlessCond(x, fn)
	}
	for _, k := range a.kwargs {
		walkExprUnlessCond(k.val, fn)
	}
	walkExprUnlessCond(a.dynArgs, fn)
	walkExprUnlessCond(a.dynKwargs, fn)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
