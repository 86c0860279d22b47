package jinja

import (
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
)

// These tests cover the Go API and the engine's own behaviour (errors,
// limits, Go values); Jinja2 semantics are covered by the differential suite.

func TestErrorsCarryLocation(t *testing.T) {
	tests := []struct {
		name, src          string
		line, col          int
		msgContains        string
		wantUndefinedError bool
	}{
		{"unknown filter suggests", "a\n  {{ x|jion(',') }}", 2, 8, `unknown filter "jion" (did you mean "join"?)`, false},
		{"unknown test suggests", "{{ x is defind }}", 1, 6, `unknown test "defind" (did you mean "defined"?)`, false},
		{"unclosed block (reported where the last token starts, like Jinja2)", "{% if x %}\nabc", 1, 11, "Unexpected end of template", false},
		{"unknown tag", "x\n{% frob %}", 2, 4, "Encountered unknown tag 'frob'", false},
		{"attribute of undefined", "\n\n{{ missing.attr }}", 3, 11, "'missing' is undefined", true},
		{"call of undefined", "{{ nothing() }}", 1, 11, `undefined macro or function "nothing"`, true},
		{"missing dict attribute", "{{ d.a.b }}", 1, 7, "'dict object' has no attribute 'a'", true},
		{"type error", "{{ 1 + 'a' }}", 1, 6, "unsupported operand type(s) for +: 'int' and 'str'", false},
		{"bad syntax", "{{ 1 + }}", 1, 8, "unexpected 'end of print statement'", false},
		{"named unicode escape refused, not mis-rendered", "x\n{{ 'a\\N{BULLET}' }}", 2, 6, `named unicode escapes (\N{...}) are not supported`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := NewEnv(nil)
			_, err := env.RenderSource("t.j2", tc.src, map[string]any{"d": map[string]any{}})
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("want *Error, got %T %v", err, err)
			}
			if je.Template != "t.j2" || je.Line != tc.line || je.Col != tc.col {
				t.Errorf("location %s:%d:%d, want t.j2:%d:%d (%v)", je.Template, je.Line, je.Col, tc.line, tc.col, err)
			}
			if !strings.Contains(je.Msg, tc.msgContains) {
				t.Errorf("message %q does not contain %q", je.Msg, tc.msgContains)
			}
			if got := errors.Is(err, ErrUndefined); got != tc.wantUndefinedError {
				t.Errorf("errors.Is(err, ErrUndefined) = %v", got)
			}
			if !strings.HasPrefix(err.Error(), "t.j2:") {
				t.Errorf("Error() = %q, want file:line:col prefix", err.Error())
			}
		})
	}
}

func TestFuncErrorIsWrapped(t *testing.T) {
	boom := errors.New("boom")
	env := NewEnv(nil)
	env.AddGlobal("raise_error", Func(func(c *Call) (any, error) { return nil, boom }))
	_, err := env.RenderSource("t.j2", "ok\n  {{ raise_error('x') }}", nil)
	var je *Error
	if !errors.As(err, &je) || !errors.Is(err, boom) {
		t.Fatalf("got %v, want *Error wrapping boom", err)
	}
	if je.Line != 2 {
		t.Errorf("line %d, want 2", je.Line)
	}
}

func TestLimits(t *testing.T) {
	tests := []struct{ name, src string }{
		{"output size", "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}"},
		{"recursion", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"},
		{"steps", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"},
		{"exponential calls", "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(60) }}"},
		{"huge string", "{{ 'x' * 10000000000 }}"},
		{"include cycle", "{% include 'self' %}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := NewEnv(MapLoader{"self": "{% include 'self' %}"})
			env.SetLimits(Limits{MaxOutput: 1 << 20, MaxDepth: 100, MaxSteps: 200_000, MaxValue: 1 << 20})
			_, err := env.RenderSource("t.j2", tc.src, nil)
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("want *Error, got %v", err)
			}
		})
	}
}

func TestTemplateObjectAsVariable(t *testing.T) {
	env := NewEnv(MapLoader{
		"nova/Dockerfile.j2": "FROM base\n{% block footer %}{% endblock %}\n",
		"macros.j2":          "{% macro hi(n) %}hi {{ n }}{% endmacro %}",
	})
	parent, err := env.Template("nova/Dockerfile.j2")
	if err != nil {
		t.Fatal(err)
	}
	override := "{% extends parent_template %}{% block footer %}RUN {{ image_name }}{% endblock %}"
	got, err := env.RenderSource("template-overrides.j2", override, map[string]any{"parent_template": parent, "image_name": "nova"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "FROM base\nRUN nova"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	macros, err := env.Template("macros.j2")
	if err != nil {
		t.Fatal(err)
	}
	got, err = env.RenderSource("t", "{% import m as x %}{% from m import hi %}{{ x.hi(1) }}|{{ hi(2) }}", map[string]any{"m": macros})
	if err != nil || got != "hi 1|hi 2" {
		t.Errorf("import of a Template object: %q, %v", got, err)
	}
}

func TestFuncsSeeContextAndGoValues(t *testing.T) {
	env := NewEnv(nil)
	var seen []any
	env.AddFilter("customizable", func(c *Call) (any, error) {
		image, _ := c.Ctx.Lookup("image_name")
		local, _ := c.Ctx.Lookup("loopvar")
		seen = append(seen, image, local, c.Args[1], c.Kwargs.Len())
		list := append([]any{}, c.Args[0].([]any)...)
		return append(list, "added"), nil
	})
	got, err := env.RenderSource("t", "{% for loopvar in [7] %}{{ ['a'] | customizable('packages') | join(' ') }}{% endfor %}",
		map[string]any{"image_name": "nova-api"})
	if err != nil {
		t.Fatal(err)
	}
	if got != "a added" {
		t.Errorf("got %q", got)
	}
	// Like Jinja2's context, Lookup does not see the loop variable.
	want := []any{"nova-api", nil, "packages", 0}
	if len(seen) != len(want) {
		t.Fatalf("seen %v", seen)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("seen[%d] = %#v, want %#v", i, seen[i], want[i])
		}
	}
}

func TestDictKeepsInsertionOrder(t *testing.T) {
	d := NewDict()
	d.Set("b", 1)
	d.Set("a", 2)
	d.Set(1, "int key")
	d.Set(true, "same key as 1")
	if d.Len() != 3 {
		t.Fatalf("len %d", d.Len())
	}
	if v, _ := d.Get(1); v != "same key as 1" {
		t.Errorf("Get(1) = %v", v)
	}
	env := NewEnv(nil)
	got, err := env.RenderSource("t", "{{ d }}|{{ m }}", map[string]any{"d": d, "m": map[string]any{"z": 1, "a": Tuple{1}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "{'b': 1, 'a': 2, 1: 'same key as 1'}|{'a': (1,), 'z': 1}"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestMissingTemplate(t *testing.T) {
	env := NewEnv(MapLoader{"a": "{% include 'nope' %}"})
	if _, err := env.Render("missing", nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Render(missing) = %v, want fs.ErrNotExist", err)
	}
	_, err := env.Render("a", nil)
	var je *Error
	if !errors.As(err, &je) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), `template "nope" not found`) {
		t.Errorf("include of a missing template: %v", err)
	}
}

func TestConcurrentRenders(t *testing.T) {
	env := NewEnv(MapLoader{
		"base": "{% block b %}{% endblock %}|{% import 'm' as m with context %}{{ m.f() }}",
		"m":    "{% macro f() %}{{ n }}{% endmacro %}",
		"c":    "{% extends 'base' %}{% block b %}{{ n * 2 }}{% endblock %}",
	})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := env.Render("c", map[string]any{"n": i})
			if err != nil {
				errs <- err
				return
			}
			if want := itoa(i*2) + "|" + itoa(i); got != want {
				errs <- errors.New("got " + got + ", want " + want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestUndefinedMacroSuggestsName(t *testing.T) {
	env := NewEnv(MapLoader{"macros.j2": "{% macro kolla_patch_sources() %}{% endmacro %}"})
	tests := []struct{ src, want string }{
		{"{% import 'macros.j2' as macros %}{{ macros.kolla_patch_source() }}", `undefined macro "kolla_patch_source" in "macros.j2" (did you mean "kolla_patch_sources"?)`},
		{"{% macro install_packages() %}{% endmacro %}{{ install_package() }}", `undefined macro or function "install_package" (did you mean "install_packages"?)`},
	}
	for _, tc := range tests {
		_, err := env.RenderSource("t.j2", tc.src, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrUndefined) {
			t.Errorf("%s: got %v, want message containing %s", tc.src, err, tc.want)
		}
	}
}

func TestGoValuesConvert(t *testing.T) {
	type named string
	type secret struct{ Password string }
	env := NewEnv(nil)
	vars := map[string]any{
		"m":      map[string][]string{"b": {"x"}, "a": {"y", "z"}},
		"n":      named("N"),
		"u":      uint8(7),
		"s":      secret{"hunter2"},
		"arr":    [2]int{1, 2},
		"nilmap": map[string]any(nil),
	}
	got, err := env.RenderSource("t", "{{ m }}|{{ n }}|{{ u + 1 }}|{{ s.Password }}|{{ arr }}|{{ nilmap|length }}", vars)
	if err != nil {
		t.Fatal(err)
	}
	if want := "{'a': ['y', 'z'], 'b': ['x']}|N|8||[1, 2]|0"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestErrorInMacroNamesCallSite(t *testing.T) {
	env := NewEnv(MapLoader{"macros.j2": "{% macro configure_user(name) %}\n{{ users[name].uid }}{% endmacro %}"})
	_, err := env.RenderSource("nova/Dockerfile.j2", "{% import 'macros.j2' as macros %}\nRUN x\n{{ macros.configure_user('nova') }}", nil)
	var je *Error
	if !errors.As(err, &je) {
		t.Fatalf("want *Error, got %v", err)
	}
	if je.Template != "macros.j2" || je.Line != 2 {
		t.Errorf("location %s:%d, want macros.j2:2", je.Template, je.Line)
	}
	if want := `(in macro "configure_user" called from nova/Dockerfile.j2:3:`; !strings.Contains(je.Msg, want) {
		t.Errorf("message %q does not contain %q", je.Msg, want)
	}
}
