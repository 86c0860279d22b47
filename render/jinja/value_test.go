package jinja

import (
	"encoding/json"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestValueReprMatchesPython compares str() and repr() of engine values with
// Python's, computed by the venv's interpreter at test time.
func TestValueReprMatchesPython(t *testing.T) {
	python := referencePythonFor(t, "23.0.0")
	floats := []float64{0, 1, -1, 0.1, 0.5, 1.5, 1e15, 1e16, 1.5e16, 123456789012345678, 1e-4, 1e-5, 1.25e-7,
		3.141592653589793, 2.0 / 3, 1e100, -2.5e-300, 5e-324, math.MaxFloat64, 100, 1234.5, 0.30000000000000004}
	strs := []string{"", "a", "it's", `say "hi"`, `both ' and "`, "tab\tnew\nline\r", "back\\slash", "\x00\x1f\x7f",
		"é ü ß", "\u00a0nbsp", "\u200bzero-width", "emoji 😀", "\u2028"}
	var exprs []string
	var got []string
	for _, f := range floats {
		exprs = append(exprs, "repr(float.fromhex("+strconv.Quote(strconv.FormatFloat(f, 'x', -1, 64))+"))")
		got = append(got, pyRepr(f))
	}
	for _, s := range strs {
		b, _ := json.Marshal(s)
		exprs = append(exprs, "repr(json.loads("+strconv.Quote(string(b))+"))")
		got = append(got, pyRepr(s))
		exprs = append(exprs, "repr([json.loads("+strconv.Quote(string(b))+"), (1,), {'k': None}, True])")
		got = append(got, pyRepr(newList([]any{s, Tuple{1}, dictOf("k", nil), true})))
	}
	script := "import json\nfor e in json.loads(input()):\n    print(json.dumps(eval(e)))\n"
	in, _ := json.Marshal(exprs)
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = strings.NewReader(string(in) + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(exprs) {
		t.Fatalf("python printed %d lines for %d expressions", len(lines), len(exprs))
	}
	for i, line := range lines {
		var want string
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatal(err)
		}
		if got[i] != want {
			t.Errorf("%s: got %q, Python %q", exprs[i], got[i], want)
		}
	}
}

func dictOf(kv ...any) *Dict {
	d := NewDict()
	for i := 0; i+1 < len(kv); i += 2 {
		d.Set(kv[i], kv[i+1])
	}
	return d
}
