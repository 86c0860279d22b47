package render

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kbk-dev/kbk/render/jinja"
)

func TestMergeOverridesStripsExtendsAfterFirst(t *testing.T) {
	m := mergeOverrides([]Override{
		{Name: "a.j2", Source: "{% extends parent_template %}\nA1\n"},
		{Name: "b.j2", Source: "  {%- extends parent_template -%}\r\nB2\n{% block x %}{% endblock %}{% if 'extends' %}{% endif %}\nB4"},
		{Name: "c.j2", Source: "C1\n{% extends x %}"},
	})
	// Kolla's regex removes a line holding "{%" then "extends" only with its
	// newline, so the last line of c.j2 stays.
	want := "{% extends parent_template %}\nA1\nB2\nB4C1\n{% extends x %}"
	if m.source != want {
		t.Errorf("merged source = %q, want %q", m.source, want)
	}
	wantLines := []lineOrigin{{"a.j2", 1}, {"a.j2", 2}, {"b.j2", 2}, {"b.j2", 4}, {"c.j2", 2}}
	if len(m.lines) != len(wantLines) {
		t.Fatalf("line map = %v, want %v", m.lines, wantLines)
	}
	for i := range wantLines {
		if m.lines[i] != wantLines[i] {
			t.Errorf("merged line %d comes from %v, want %v", i+1, m.lines[i], wantLines[i])
		}
	}
}

// An error in an override file names that file, its line and a column, even
// when several files were merged before it.
func TestOverrideErrorsNameTheirFile(t *testing.T) {
	venv, ok := referenceVenvs(t)[referenceVersions[0]]
	if !ok {
		t.Skipf("no venv for Kolla %s", referenceVersions[0])
	}
	tree, err := LoadTree(venv)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file, where, msg string
	}{
		{"syntax-line4.j2", "syntax-line4.j2:4:", ""},
		{"raise-line7.j2", "raise-line7.j2:7:", "kbk corpus: stop here"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			overrides, err := ReadOverrides(
				filepath.Join("testdata", "overrides", "05-merge-first.j2"),
				filepath.Join("testdata", "overrides", "06-merge-second.j2"),
				filepath.Join("testdata", "override-errors", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			rn, err := NewRenderer(tree, Options{Base: "debian", BaseArch: "x86_64", TemplateOverrides: overrides})
			if err != nil {
				t.Fatal(err)
			}
			_, err = rn.Render("cron")
			if err == nil {
				t.Fatal("rendering succeeded")
			}
			var je *jinja.Error
			if !errors.As(err, &je) {
				t.Fatalf("error %q is not a *jinja.Error", err)
			}
			if !strings.Contains(err.Error(), tc.where) || je.Col < 1 {
				t.Errorf("error %q (col %d) does not name %s<col>", err, je.Col, tc.where)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), `image "cron": `) {
				t.Errorf("error %q lacks the image or %q", err, tc.msg)
			}
		})
	}
}
