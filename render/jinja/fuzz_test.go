package jinja

import (
	"errors"
	"testing"
	"time"
)

// FuzzRender feeds arbitrary template source through the lexer, parser and
// evaluator: no input may panic, hang or escape the sandbox limits, and every
// failure must be an *Error.
func FuzzRender(f *testing.F) {
	seeds := []string{
		"Hello {{ name }}!",
		"{% for x in items if x %}{{ loop.index }}{{ x|upper }}{% else %}none{% endfor %}",
		"{% macro m(a, b=2) %}{{ a ~ b }}{{ caller() if caller }}{% endmacro %}{% call m(1) %}c{% endcall %}",
		"{% extends 'base' %}{% block body %}[{{ super() }}]{% endblock %}",
		"{% import 'macros' as m with context %}{{ m.hello('x') }}",
		"{% from 'macros' import hello %}{{ hello(*items, **opts) }}",
		"{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}",
		"{{ '%s-%05.2f' % ('a', 3.14159) }}{{ '{:>8}'.format('x') }}{{ [1, 2] * 3 }}",
		"{{ d|dictsort|map('first')|join(',') }}{{ items|select('odd')|list }}{{ 7 // -2 }}{{ -7 % 3 }}",
		"{%- raw -%} {{ not parsed }} {%- endraw %}{# comment -#}  x",
		"{% set a, b = 1, 2 %}{{ a if a > b else b }}{{ (1, 2)[::-1] }}{{ 'abc'[1:] }}",
		"{% filter upper %}{% include 'macros' %}{% endfilter %}{{ x is defined and x is not none }}",
		"{% with a = 1 %}{% set b %}{{ a }}{% endset %}{{ b|int + 1 }}{% endwith %}",
		"{{ items|tojson }}{{ {'a': [1, 2.5, none, true]}|tojson(2) }}",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		env := NewEnv(MapLoader{
			"base":   "<{% block body %}base{% endblock %}>",
			"macros": "{% macro hello(n='w') %}hi {{ n }}{% endmacro %}",
		})
		env.SetLimits(Limits{MaxOutput: 1 << 20, MaxDepth: 50, MaxSteps: 100_000, MaxValue: 1 << 20})
		vars := map[string]any{
			"name": "kbk", "items": []any{1, "two", 3.0, nil, true},
			"d": map[string]any{"b": 1, "a": 2}, "opts": map[string]any{"n": "o"},
		}
		start := time.Now()
		_, err := env.RenderSource("fuzz", src, vars)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("render took %v", d)
		}
		if err != nil {
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("error is not a *jinja.Error: %T %v", err, err)
			}
			if errors.Is(err, errInternal) {
				t.Fatalf("engine panicked: %v", err)
			}
		}
	})
}
