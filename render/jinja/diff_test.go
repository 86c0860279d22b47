package jinja_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kbk-dev/kbk/render/jinja"
)

// The differential suite: every case in testdata/diff/*.txt is rendered by
// Python Jinja2 (testdata/jinja_reference.py, run once with the venv's
// interpreter) and by this engine, and the two must agree byte for byte. When
// Jinja2 raises, the engine must return a *jinja.Error; messages are not
// compared. testdata/diff/README.md describes the case files; the Python
// script parses them, so the Go side reads cases and results from one report.

// caseTimeout bounds one render so an engine that loops forever fails the case
// instead of the whole run.
const caseTimeout = 10 * time.Second

// referenceReport is what jinja_reference.py prints.
type referenceReport struct {
	Jinja2Version string          `json:"jinja2_version"`
	Cases         []referenceCase `json:"cases"`
}

// referenceCase is one parsed case plus Jinja2's result: Output when it
// rendered, Error ("<type>: <message>") when it raised.
type referenceCase struct {
	File          string            `json:"file"`
	Line          int               `json:"line"`
	Name          string            `json:"name"`
	ExpectError   bool              `json:"expect_error"`
	Templates     map[string]string `json:"templates"`
	TreeTemplates map[string]string `json:"tree_templates"`
	Main          string            `json:"main"`
	Context       string            `json:"context"`
	TemplateVars  map[string]string `json:"template_vars"`
	Output        *string           `json:"output"`
	Error         *string           `json:"error"`
	ErrorAtLoad   bool              `json:"error_at_load"`
	ErrorTemplate string            `json:"error_template"`
	ErrorLine     int               `json:"error_line"`
}

// crashProneTopic is the case file whose cases may fail with a fatal Go
// runtime error (a stack overflow on a self-referencing value), which no
// recover catches. Its cases run one by one in a child test process, so such a
// crash fails that case instead of ending the whole run.
const crashProneTopic = "recursion"

// childReportEnv names the report file a child test process reads instead of
// running the reference again; it is set only for children.
const childReportEnv = "KBK_DIFF_CHILD_REPORT"

func TestDiff(t *testing.T) {
	report, reportPath, isChild := loadReport(t)
	if isChild {
		// Fail fast and small on runaway recursion instead of growing a 1 GB stack.
		debug.SetMaxStack(64 << 20)
	}
	var sum summary
	for _, c := range report.Cases {
		topic := strings.TrimSuffix(c.File, filepath.Ext(c.File))
		ran, sameLocation := false, false // ran stays false when -run filters the case out
		ok := t.Run(topic+"/"+c.Name, func(t *testing.T) {
			ran = true
			if topic == crashProneTopic && !isChild {
				checkCaseInChild(t, reportPath, topic, c.Name)
				return
			}
			sameLocation = checkCase(t, c)
		})
		if ran {
			sum.add(topic, ok, c.ErrorTemplate != "", sameLocation)
		}
	}
	sum.log(t, report)
}

// loadReport runs the reference, or in a child process reads the parent's
// report. It returns the report, the file holding it, and whether this is a
// child.
func loadReport(t *testing.T) (report referenceReport, path string, isChild bool) {
	if path := os.Getenv(childReportEnv); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &report); err != nil {
			t.Fatal(err)
		}
		return report, path, true
	}
	report = runReference(t, referencePython(t))
	path = filepath.Join(t.TempDir(), "report.json")
	data, err := json.Marshal(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return report, path, false
}

// checkCaseInChild runs one case in a child test process (see crashProneTopic).
func checkCaseInChild(t *testing.T, reportPath, topic, name string) {
	pattern := "^TestDiff$/^" + regexp.QuoteMeta(topic) + "$/^" + regexp.QuoteMeta(name) + "$"
	cmd := exec.Command(os.Args[0], "-test.run="+pattern, "-test.v")
	cmd.Env = append(os.Environ(), childReportEnv+"="+reportPath)
	out, err := cmd.CombinedOutput()
	passed := strings.Contains(string(out), "--- PASS: TestDiff/"+topic+"/"+name+" ")
	if err != nil || !passed {
		t.Errorf("the case failed in a child test process (%v):\n%s", err, childExcerpt(string(out)))
	}
}

// childExcerpt picks the informative part of a child's output: the start of a
// fatal error (the crash and the top of its stack) or else the last lines.
func childExcerpt(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "panic:") {
			start := max(i-1, 0)
			return strings.Join(lines[start:min(start+16, len(lines))], "\n")
		}
	}
	return strings.Join(lines[max(len(lines)-30, 0):], "\n")
}

// summary counts how many cases agree, per topic (case file) and in all.
type summary struct {
	topics                     []string
	run, agree                 map[string]int
	syntaxErrors, sameLocation int
}

func (s *summary) add(topic string, agree, syntaxError, sameLocation bool) {
	if s.run == nil {
		s.run, s.agree = map[string]int{}, map[string]int{}
	}
	if s.run[topic] == 0 {
		s.topics = append(s.topics, topic)
	}
	s.run[topic]++
	if agree {
		s.agree[topic]++
	}
	if syntaxError {
		s.syntaxErrors++
	}
	if sameLocation {
		s.sameLocation++
	}
}

func (s *summary) log(t *testing.T, report referenceReport) {
	run, agree := 0, 0
	for _, topic := range s.topics {
		t.Logf("  %-18s %3d/%3d agree", topic, s.agree[topic], s.run[topic])
		run += s.run[topic]
		agree += s.agree[topic]
	}
	t.Logf("differential: %d cases run (of %d), %d agree with Jinja2 %s", run, len(report.Cases), agree, report.Jinja2Version)
	t.Logf("syntax errors: %d, %d placed at the same template:line as Jinja2", s.syntaxErrors, s.sameLocation)
}

// checkCase renders one case with the engine and compares with Jinja2's result.
//
// For syntax errors it also reports, without failing, whether the engine puts
// the error at the same template and line as Jinja2 (sameLocation).
func checkCase(t *testing.T, c referenceCase) (sameLocation bool) {
	where := fmt.Sprintf("testdata/diff/%s:%d", c.File, c.Line)
	if c.ExpectError != (c.Error != nil) {
		// The case file states what the author meant; Jinja2 disagreeing means
		// the case tests something else than intended.
		t.Errorf("%s: case is marked error=%v but Jinja2 %s", where, c.ExpectError, describeReference(c))
	}
	got, err := renderCase(c)
	if c.Error != nil {
		var jerr *jinja.Error
		switch {
		case err == nil:
			t.Errorf("%s: Jinja2 raised %s\nbut the engine rendered %q\n%s", where, *c.Error, got, describeMain(c))
		case !errors.As(err, &jerr):
			t.Errorf("%s: Jinja2 raised %s\nthe engine failed with %T, not *jinja.Error: %v", where, *c.Error, err, err)
		case c.ErrorTemplate != "":
			sameLocation = jerr.Template == c.ErrorTemplate && jerr.Line == c.ErrorLine
			if !sameLocation {
				t.Logf("%s: Jinja2 places the syntax error at %s:%d, the engine at %s:%d",
					where, c.ErrorTemplate, c.ErrorLine, jerr.Template, jerr.Line)
			}
		}
		checkErrorPhase(t, where, c)
		return sameLocation
	}
	if err != nil {
		t.Errorf("%s: Jinja2 rendered %q\nbut the engine failed: %v\n%s", where, *c.Output, err, describeMain(c))
		return false
	}
	if got != *c.Output {
		t.Errorf("%s: output differs from Jinja2\n%s%s", where, describeDiff(*c.Output, got), describeMain(c))
	}
	return false
}

// checkErrorPhase checks that the engine's Parse rejects exactly the templates
// Jinja2 already rejects when loading them (syntax and compile-time errors),
// and accepts those that fail only when rendered.
func checkErrorPhase(t *testing.T, where string, c referenceCase) {
	err := newEnv(c.Templates).Parse(c.Main)
	switch {
	case c.ErrorAtLoad && err == nil:
		t.Errorf("%s: Jinja2 rejects the template when loading it (%s), but the engine's Parse accepts it", where, *c.Error)
	case !c.ErrorAtLoad && err != nil:
		t.Errorf("%s: Jinja2 loads the template and fails only when rendering (%s), but the engine's Parse rejects it: %v", where, *c.Error, err)
	}
}

// describeMain quotes the case's main template for a failure message.
func describeMain(c referenceCase) string {
	return "main template:\n" + quoteLines(c.Templates[c.Main])
}

func describeReference(c referenceCase) string {
	if c.Error != nil {
		return "raised " + *c.Error
	}
	return fmt.Sprintf("rendered %q", *c.Output)
}

// renderCase renders the case's main template the way jinja_reference.py does:
// a fresh environment over the case's templates, the decoded context, and
// template objects for the variables listed in "vars" (from a second
// environment over the case's tree templates for "tree:" names). A panic or a
// render that does not finish is returned as an error that is no *jinja.Error.
func renderCase(c referenceCase) (string, error) {
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("engine panicked: %v", r)}
			}
		}()
		out, err := renderCaseUnguarded(c)
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-time.After(caseTimeout):
		return "", fmt.Errorf("render did not finish within %s", caseTimeout)
	}
}

func renderCaseUnguarded(c referenceCase) (string, error) {
	env := newEnv(c.Templates)
	vars := map[string]any{}
	if strings.TrimSpace(c.Context) != "" {
		ctx, err := decodeOrderedJSON(c.Context)
		if err != nil {
			return "", fmt.Errorf("test data: context: %w", err)
		}
		dict, ok := ctx.(*jinja.Dict)
		if !ok {
			return "", fmt.Errorf("test data: context is %T, not a JSON object", ctx)
		}
		for _, k := range dict.Keys() {
			v, _ := dict.Get(k)
			vars[k.(string)] = v
		}
	}
	treeEnv := newEnv(c.TreeTemplates)
	for name, templateName := range c.TemplateVars {
		from := env
		if treeName, ok := strings.CutPrefix(templateName, "tree:"); ok {
			from, templateName = treeEnv, treeName
		}
		tpl, err := from.Template(templateName)
		if err != nil {
			return "", err
		}
		vars[name] = tpl
	}
	return env.Render(c.Main, vars)
}

// newEnv is the environment of one case, with the same helper functions that
// jinja_reference.py registers (see there for what each does).
func newEnv(templates map[string]string) *jinja.Env {
	env := jinja.NewEnv(jinja.MapLoader(templates))
	env.AddGlobal("t_ctx", jinja.Func(func(c *jinja.Call) (any, error) {
		return lookupOrMissing(c.Ctx, fmt.Sprint(c.Args[0])), nil
	}))
	env.AddFilter("t_suffixed", func(c *jinja.Call) (any, error) {
		return lookupOrMissing(c.Ctx, fmt.Sprint(c.Args[0])+fmt.Sprint(c.Args[1])), nil
	})
	env.AddGlobal("t_echo", jinja.Func(func(c *jinja.Call) (any, error) {
		return append(append([]any{}, c.Args...), c.Kwargs), nil
	}))
	env.AddGlobal("t_fail", jinja.Func(func(c *jinja.Call) (any, error) {
		return nil, errors.New(fmt.Sprint(c.Args[0]))
	}))
	env.AddTest("t_long", func(c *jinja.Call) (any, error) {
		switch v := c.Args[0].(type) {
		case string:
			return len([]rune(v)) > 3, nil
		case []any:
			return len(v) > 3, nil
		}
		return nil, fmt.Errorf("t_long: unsupported %T", c.Args[0])
	})
	return env
}

func lookupOrMissing(ctx *jinja.Context, name string) any {
	if v, ok := ctx.Lookup(name); ok {
		return v
	}
	return "<missing>"
}

// describeDiff shows where two outputs first differ and both outputs quoted,
// line by line, so whitespace differences are visible.
func describeDiff(want, got string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	line := strings.Count(want[:i], "\n") + 1
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at byte %d (line %d): want %q, got %q\n",
		i, line, snippet(want, i), snippet(got, i))
	fmt.Fprintf(&b, "--- want (Jinja2)\n%s", quoteLines(want))
	fmt.Fprintf(&b, "+++ got (engine)\n%s", quoteLines(got))
	return b.String()
}

func snippet(s string, at int) string {
	end := min(at+20, len(s))
	return s[at:end]
}

func quoteLines(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			fmt.Fprintf(&b, "  %q\n", l)
		}
	}
	return b.String()
}

// referencePython returns the interpreter of the reference venv, or skips.
func referencePython(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KBK_TEST_VENV_DIR")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Skipf("no reference venv: KBK_TEST_VENV_DIR is unset and there is no home directory: %v", err)
		}
		dir = filepath.Join(home, ".cache", "kbk", "venv")
	}
	kolla, _, err := referencePins()
	if err != nil {
		t.Fatalf("reading the reference pins: %v", err)
	}
	python := filepath.Join(dir, "kolla-"+kolla, "bin", "python")
	if _, err := os.Stat(python); err != nil {
		t.Skipf("no reference venv at %s (create it with `make venv` or hack/venv.sh, or point KBK_TEST_VENV_DIR at a directory holding kolla-<version> venvs): %v",
			filepath.Dir(filepath.Dir(python)), err)
	}
	return python
}

// referencePins reads KOLLA_VERSION and JINJA2_VERSION from hack/versions.env,
// the one place the reference versions are pinned.
func referencePins() (kolla, jinja2 string, err error) {
	const path = "../../hack/versions.env"
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	pins := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(k, "#") {
			pins[k] = strings.Trim(v, `"'`)
		}
	}
	kolla, jinja2 = pins["KOLLA_VERSION"], pins["JINJA2_VERSION"]
	if kolla == "" || jinja2 == "" {
		return "", "", fmt.Errorf("%s: KOLLA_VERSION or JINJA2_VERSION missing", path)
	}
	return kolla, jinja2, nil
}

// runReference renders every case with Python Jinja2 in one process and
// checks that it is the pinned Jinja2.
func runReference(t *testing.T, python string) referenceReport {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "diff", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no case files in testdata/diff (err %v)", err)
	}
	cmd := exec.Command(python, append([]string{filepath.Join("testdata", "jinja_reference.py")}, files...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("jinja_reference.py: %v\n%s", err, stderr.String())
	}
	var report referenceReport
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		t.Fatalf("decoding jinja_reference.py output: %v", err)
	}
	if _, jinja2, err := referencePins(); err != nil || report.Jinja2Version != jinja2 {
		t.Fatalf("the reference venv has Jinja2 %s, want the pinned %s (err %v); recreate it with hack/venv.sh",
			report.Jinja2Version, jinja2, err)
	}
	return report
}

// decodeOrderedJSON decodes JSON the way Python's json.loads does for the
// engine: objects become *jinja.Dict in document order, numbers without a
// fraction or exponent become int, the others float64.
func decodeOrderedJSON(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	v, err := decodeJSONValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

func decodeJSONValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		switch tok {
		case '{':
			d := jinja.NewDict()
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeJSONValue(dec)
				if err != nil {
					return nil, err
				}
				d.Set(key.(string), v)
			}
			_, err := dec.Token() // '}'
			return d, err
		case '[':
			items := []any{}
			for dec.More() {
				v, err := decodeJSONValue(dec)
				if err != nil {
					return nil, err
				}
				items = append(items, v)
			}
			_, err := dec.Token() // ']'
			return items, err
		}
		return nil, fmt.Errorf("unexpected %v", tok)
	case json.Number:
		return decodeJSONNumber(tok)
	default: // nil, bool, string
		return tok, nil
	}
}

func decodeJSONNumber(n json.Number) (any, error) {
	s := n.String()
	if strings.ContainsAny(s, ".eE") {
		return strconv.ParseFloat(s, 64)
	}
	i, err := strconv.Atoi(s)
	if err != nil {
		return nil, fmt.Errorf("integer %s does not fit in int: %w", s, err)
	}
	return i, nil
}

func TestDecodeOrderedJSON(t *testing.T) {
	v, err := decodeOrderedJSON(`{"z": 1, "a": [2.0, 3, 1e3, "s", null, true], "m": {"y": {}, "x": -4}}`)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := v.(*jinja.Dict)
	if !ok {
		t.Fatalf("got %T, want *jinja.Dict", v)
	}
	if got := fmt.Sprint(d.Keys()); got != "[z a m]" {
		t.Errorf("keys %s, want document order [z a m]", got)
	}
	a, _ := d.Get("a")
	if got := fmt.Sprintf("%#v", a); got != `[]interface {}{2, 3, 1000, "s", interface {}(nil), true}` {
		t.Errorf("array decoded as %s", got)
	}
	items := a.([]any)
	if _, isFloat := items[0].(float64); !isFloat {
		t.Errorf("2.0 decoded as %T, want float64 like Python", items[0])
	}
	if _, isInt := items[1].(int); !isInt {
		t.Errorf("3 decoded as %T, want int", items[1])
	}
	m, _ := d.Get("m")
	if got := fmt.Sprint(m.(*jinja.Dict).Keys()); got != "[y x]" {
		t.Errorf("nested keys %s, want [y x]", got)
	}
	if _, err := decodeOrderedJSON(`{"a": 1} x`); err == nil {
		t.Error("trailing data accepted")
	}
	if _, err := decodeOrderedJSON(`123456789012345678901234567890`); err == nil {
		t.Error("an integer beyond int accepted")
	}
}
