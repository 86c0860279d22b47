package frontend

import (
	"errors"
	"testing"

	"github.com/moby/buildkit/solver/errdefs"
)

func TestWithSource(t *testing.T) {
	tmpl := []byte("FROM {{ base }}\n{{ undefined_macro() }}\n")
	err := WithSource(errors.New(`undefined macro "undefined_macro"`), "nova/nova-api/Dockerfile.j2", tmpl, 2, 4)
	srcs := errdefs.Sources(err)
	if len(srcs) != 1 {
		t.Fatalf("sources %v", srcs)
	}
	src := srcs[0]
	if src.Info.Filename != "nova/nova-api/Dockerfile.j2" || src.Info.Language != "Jinja" || string(src.Info.Data) != string(tmpl) {
		t.Errorf("source info %+v", src.Info)
	}
	if r := src.Ranges[0]; r.Start.Line != 2 || r.Start.Character != 4 {
		t.Errorf("range %+v", r)
	}
	whole := errdefs.Sources(WithSource(errors.New("x"), "f.j2", tmpl, 2, 0))[0].Ranges[0]
	if whole.End.Character != int32(len("{{ undefined_macro() }}")) {
		t.Errorf("whole line range %+v", whole)
	}
	if WithSource(nil, "f", nil, 1, 1) != nil {
		t.Error("WithSource(nil) is not nil")
	}
}
