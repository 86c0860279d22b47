package lint

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScanTemplate(t *testing.T) {
	src := `{% extends parent_template %}
{# {% block in_comment %} #}
{% set top_packages_append = ['a', "b"] %}
{%- block one -%}
  {% set local_in_block = 1 %}
  {{ x | customizable("packages") }}
  {% block inner %}{% endblock %}
{% endblock %}
{% raw %}{% block in_raw %}{% endraw %}
{% for p in l | customizable('pip_packages') %}{% set in_loop = 1 %}{% endfor %}
{% set captured %}text{% endset %}
{% macro m() %}{% set in_macro = 1 %}{% endmacro %}
{{ customizable(l, "plugins") }}
`
	f := scanTemplate(src)
	got := map[string][]string{}
	for _, b := range f.Blocks {
		got["blocks"] = append(got["blocks"], b.Name+"@"+b.Block)
	}
	for _, s := range f.Sets {
		got["sets"] = append(got["sets"], s.Name+"="+s.Expr)
	}
	for _, c := range f.Customizables {
		got["calls"] = append(got["calls"], c.Name+"@"+c.Block)
	}
	want := map[string][]string{
		"blocks": {"one@", "inner@one"},
		"sets":   {`top_packages_append=['a', "b"]`},
		"calls":  {"packages@one", "pip_packages@", "plugins@"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scan (-want +got):\n%s", diff)
	}
	line, col := lineCol(src, f.Sets[0].Off)
	if line != 3 || col != 8 {
		t.Errorf("set at %d:%d, want 3:8", line, col)
	}
}

func TestNearest(t *testing.T) {
	names := []string{"nova-compute", "nova-compute-ironic", "nova-api", "horizon"}
	for _, tc := range []struct{ name, want string }{
		{"nova-compte", "nova-compute"},
		{"nova-compute-ironik", "nova-compute-ironic"},
		{"glance", ""},
	} {
		if got := nearest(tc.name, names); got != tc.want {
			t.Errorf("nearest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// FuzzScanTemplate checks that the scanner never panics and that every
// offset it reports lies in the template.
func FuzzScanTemplate(f *testing.F) {
	f.Add(`{% block a %}{% set x_packages_append = [1] %}{{ l | customizable("packages") }}{% endblock %}`)
	f.Add(`{% raw %}{% block b %}{% endraw %}{# {% block c %} #}{%- set d = 1 -%}`)
	f.Add(`{% set %}{% block %}{{ customizable(`)
	f.Fuzz(func(t *testing.T, src string) {
		facts := scanTemplate(src)
		var offs []int
		for _, b := range facts.Blocks {
			offs = append(offs, b.Off)
		}
		for _, s := range facts.Sets {
			offs = append(offs, s.Off)
		}
		for _, c := range facts.Customizables {
			offs = append(offs, c.Off)
		}
		for _, off := range offs {
			if off < 0 || off > len(src) {
				t.Fatalf("offset %d outside a %d-byte template", off, len(src))
			}
		}
	})
}
