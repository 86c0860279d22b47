package render

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Python sources of literals (and the + kolla's modules use), checked
// against Python evaluating them.
var literalCases = []string{
	`{'a': 1, 'b': [1, 2, 3], 'c': (1,), 'd': (), 'e': {'x', 'y'}, 'f': None, 'g': True, 'h': False}`,
	`('implicit '
  "concatenation"
  '''with triple''' """quotes""")`,
	`'escapes: \n \t \\ \' \" \x41 \u00e9 \101 \q'`,
	`r'raw \n stays' + ' joined'`,
	`[1, -2, 3.5, 1e3, 0x1F, 0o17, 0b101, 1_000, .5, 10.]`,
	`{  # a comment inside
    'k': 'v',  # trailing comment
    "k": "replaced",
}`,
	`['trailing', 'comma',]`,
	`{'nested': {'deeper': [{'x': ('a', 'b')}]}}`,
	`'unicode: żółw 🐢'`,
	`'a' 'b' + 'c'`,
	`[1, 2] + [3]`,
	`{}`,
	`{'set', 'of', 'names',}`,
	`"it's"`,
	`'line \
continued'`,
	`'''multi
line'''`,
	`(1)`,
	`-7`,
}

// canonical turns a parsed value into a comparable JSON-like shape.
func canonical(v any) any {
	switch x := v.(type) {
	case nil, bool, string:
		return x
	case int:
		return map[string]any{"int": fmt.Sprint(x)}
	case float64:
		return map[string]any{"float": pyStr(x)}
	case []any:
		return map[string]any{"list": canonList(x)}
	case pyTuple:
		return map[string]any{"tuple": canonList(x)}
	case pySet:
		items := canonList(x)
		sort.Slice(items, func(i, j int) bool { return fmt.Sprint(items[i]) < fmt.Sprint(items[j]) })
		return map[string]any{"set": dedupe(items)}
	case *pyDict:
		var pairs []any
		for _, k := range x.keys {
			pairs = append(pairs, []any{canonical(k), canonical(x.vals[k])})
		}
		if pairs == nil {
			pairs = []any{}
		}
		return map[string]any{"dict": pairs}
	}
	return fmt.Sprintf("unsupported %T", v)
}

func canonList(items []any) []any {
	out := []any{}
	for _, it := range items {
		out = append(out, canonical(it))
	}
	return out
}

func dedupe(items []any) []any {
	out := []any{}
	for i, it := range items {
		if i == 0 || fmt.Sprint(it) != fmt.Sprint(items[i-1]) {
			out = append(out, it)
		}
	}
	return out
}

const pyCanonical = `
import ast, json, sys
def canon(v):
    if v is None or isinstance(v, (bool, str)): return v
    if isinstance(v, int): return {"int": str(v)}
    if isinstance(v, float): return {"float": repr(v)}
    if isinstance(v, list): return {"list": [canon(x) for x in v]}
    if isinstance(v, tuple): return {"tuple": [canon(x) for x in v]}
    if isinstance(v, (set, frozenset)): return {"set": sorted((canon(x) for x in v), key=lambda c: json.dumps(c))}
    if isinstance(v, dict): return {"dict": [[canon(k), canon(x)] for k, x in v.items()]}
    if isinstance(v, bytes): return {"bytes": v.decode()}
    raise TypeError(type(v))
out = []
for src in json.load(sys.stdin):
    try:
        out.append(canon(eval(src, {"__builtins__": {}}, {})))
    except Exception as e:
        out.append({"error": type(e).__name__})
print(json.dumps(out))
`

func TestLiteralsMatchPython(t *testing.T) {
	venvs := referenceVenvs(t)
	var python string
	for _, v := range venvs {
		python = filepath.Join(v, "bin", "python")
		break
	}
	in, _ := json.Marshal(literalCases)
	out, err := runPython(2*time.Minute, func(c *exec.Cmd) { c.Stdin = strings.NewReader(string(in)) }, false, python, "-c", pyCanonical)
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var want []any
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, src := range literalCases {
		m, err := parsePyModule("case.py", "X = "+src+"\n")
		if err != nil {
			t.Errorf("case %d %q: %v", i, src, err)
			continue
		}
		v, ok := m.vars["X"]
		var got any
		if !ok {
			got = map[string]any{"error": "unparsed"}
		} else {
			got = canonical(v)
		}
		// Compare through JSON so both sides have the same Go types.
		gj, _ := json.Marshal(got)
		var gotJSON any
		_ = json.Unmarshal(gj, &gotJSON)
		w := want[i]
		if wm, isMap := w.(map[string]any); isMap && wm["error"] != nil {
			e := wm["error"]
			// Python rejects it (e.g. conditional expressions): kbk must not read a value.
			if _, opaque := v.(pyOpaque); ok && !opaque {
				t.Errorf("case %d %q: Python rejects it (%v) but kbk read %v", i, src, e, gotJSON)
			}
			continue
		}
		if diff := cmp.Diff(w, gotJSON); diff != "" {
			t.Errorf("case %d %q (-python +kbk):\n%s", i, src, diff)
		}
	}
}

func TestModuleAssignments(t *testing.T) {
	src := `import os

# comment = 'not an assignment'
NAME = 'kolla'
if os.name == 'posix':
    INDENTED = 'skipped'
RELEASE = NAME + '-2026'
COMPUTED = os.uname()[4]
SOURCES = {
    'a': {'type': 'url', 'location': ('$base/a/'
                                      'a-${branch}.tar.gz')},
}
def f():
    return {'ignored': 1}
`
	m, err := parsePyModule("m.py", src)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.vars["RELEASE"]; got != "kolla-2026" {
		t.Errorf("RELEASE = %#v", got)
	}
	if _, ok := m.vars["INDENTED"]; ok {
		t.Error("an indented assignment was read as module level")
	}
	if _, ok := m.vars["COMPUTED"].(pyOpaque); !ok {
		t.Errorf("COMPUTED = %#v, want opaque", m.vars["COMPUTED"])
	}
	d := m.vars["SOURCES"].(*pyDict)
	a := d.vals["a"].(*pyDict)
	if loc, _ := a.str("location"); loc != "$base/a/a-${branch}.tar.gz" {
		t.Errorf("location = %q", loc)
	}
}

func FuzzPyTokenize(f *testing.F) {
	for _, c := range literalCases {
		f.Add("X = " + c)
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, _ = parsePyModule("fuzz.py", src)
	})
}
