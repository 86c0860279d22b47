package render

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Values read from Python source are plain Go values: nil, bool, int,
// float64, string, []any (list) and these types for the rest.
type (
	// pyDict keeps insertion order like a Python 3.7+ dict.
	pyDict struct {
		keys []any
		vals map[any]any
	}
	pyTuple []any
	pySet   []any // members in source order
	// pyCall is a call whose function is a (dotted) name, e.g. cfg.StrOpt(...).
	pyCall struct {
		fn     string
		args   []any
		kwargs *pyDict
	}
	// pyRef is a name or expression that is not a literal (self.base, hostarch).
	pyRef struct{ expr string }
	// pyFString is an f-string kept as its raw body for the caller to expand.
	pyFString struct{ body string }
	// pyOpaque stands for an expression the reader does not understand.
	pyOpaque struct{}
)

func newPyDict() *pyDict { return &pyDict{vals: map[any]any{}} }

func (d *pyDict) set(k, v any) {
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
}

func (d *pyDict) get(k any) (any, bool) {
	v, ok := d.vals[k]
	return v, ok
}

func (d *pyDict) str(k string) (string, bool) {
	v, ok := d.vals[k].(string)
	return v, ok
}

// pyModule holds the module-level assignments of one Python file whose value
// could be read, and the file's tokens for targeted scans.
type pyModule struct {
	name  string
	vars  map[string]any
	order []string
	toks  []pyToken
}

// parsePyModule reads every top-level `NAME = <expression>` of src. An
// expression that is not understood still yields a value (pyOpaque or pyRef
// parts) so that one odd statement never hides the data around it.
func parsePyModule(name, src string) (*pyModule, error) {
	toks, err := pyTokenize(src)
	if err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	m := &pyModule{name: name, vars: map[string]any{}, toks: toks}
	for i := 0; i < len(toks); {
		t := toks[i]
		if t.indent == 0 && t.kind == tokName && toks[i+1].kind == tokOp && toks[i+1].text == "=" {
			p := &pyParser{toks: toks, pos: i + 2, mod: m}
			v, err := p.expr()
			if err == nil && p.peek().kind == tokNewline {
				if _, seen := m.vars[t.text]; !seen {
					m.order = append(m.order, t.text)
				}
				m.vars[t.text] = v
			}
		}
		i = nextLogicalLine(toks, i)
	}
	return m, nil
}

// nextLogicalLine returns the index of the first token after the logical
// line containing toks[i], or len(toks) at the end.
func nextLogicalLine(toks []pyToken, i int) int {
	for ; i < len(toks); i++ {
		switch toks[i].kind {
		case tokNewline:
			return i + 1
		case tokEOF:
			return len(toks)
		}
	}
	return len(toks)
}

// pyParser parses one expression from a token slice.
type pyParser struct {
	toks []pyToken
	pos  int
	mod  *pyModule // resolves names assigned earlier in the module; may be nil
}

func (p *pyParser) peek() pyToken { return p.toks[p.pos] }

func (p *pyParser) next() pyToken {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *pyParser) isOp(s string) bool {
	t := p.peek()
	return t.kind == tokOp && t.text == s
}

func (p *pyParser) errorf(format string, a ...any) error {
	t := p.peek()
	return fmt.Errorf("%d:%d: %s", t.line, t.col, fmt.Sprintf(format, a...))
}

func (p *pyParser) expect(s string) error {
	if !p.isOp(s) {
		return p.errorf("expected %q", s)
	}
	p.next()
	return nil
}

// expr parses a sum of primaries; only + is supported, on strings and lists.
func (p *pyParser) expr() (any, error) {
	v, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") {
		p.next()
		w, err := p.unary()
		if err != nil {
			return nil, err
		}
		switch a := v.(type) {
		case string:
			b, ok := w.(string)
			if !ok {
				return pyOpaque{}, nil
			}
			v = a + b
		case []any:
			b, ok := w.([]any)
			if !ok {
				return pyOpaque{}, nil
			}
			v = append(append([]any{}, a...), b...)
		default:
			v = pyOpaque{}
		}
	}
	return v, nil
}

func (p *pyParser) unary() (any, error) {
	if p.isOp("-") {
		p.next()
		v, err := p.unary()
		if err != nil {
			return nil, err
		}
		switch n := v.(type) {
		case int:
			return -n, nil
		case float64:
			return -n, nil
		}
		return nil, p.errorf("bad operand for unary -")
	}
	return p.primary()
}

func (p *pyParser) primary() (any, error) {
	t := p.peek()
	var v any
	switch t.kind {
	case tokString:
		s, err := p.strings()
		if err != nil {
			return nil, err
		}
		v = s
	case tokNumber:
		p.next()
		n, err := parsePyNumber(t.text)
		if err != nil {
			return nil, fmt.Errorf("%d:%d: %w", t.line, t.col, err)
		}
		v = n
	case tokName:
		p.next()
		switch t.text {
		case "True":
			v = true
		case "False":
			v = false
		case "None":
			v = nil
		default:
			name := t.text
			for p.isOp(".") && p.toks[p.pos+1].kind == tokName {
				p.next()
				name += "." + p.next().text
			}
			if p.isOp("(") {
				c, err := p.call(name)
				if err != nil {
					return nil, err
				}
				v = c
			} else if x, ok := p.mod.lookup(name); ok {
				v = x
			} else {
				v = pyRef{expr: name}
			}
		}
	case tokOp:
		switch t.text {
		case "[":
			p.next()
			items, err := p.items("]")
			if err != nil {
				return nil, err
			}
			v = items
		case "(":
			p.next()
			if p.isOp(")") {
				p.next()
				v = pyTuple{}
				break
			}
			first, err := p.expr()
			if err != nil {
				return nil, err
			}
			if p.isOp(")") {
				p.next()
				v = first
				break
			}
			if err := p.expect(","); err != nil {
				return nil, err
			}
			rest, err := p.items(")")
			if err != nil {
				return nil, err
			}
			v = append(pyTuple{first}, rest...)
		case "{":
			p.next()
			d, err := p.dictOrSet()
			if err != nil {
				return nil, err
			}
			v = d
		default:
			return nil, p.errorf("unexpected %q", t.text)
		}
	default:
		return nil, p.errorf("unexpected end of expression")
	}
	// An attribute, call or subscript on a value makes it something we do
	// not evaluate.
	for p.isOp(".") || p.isOp("[") || p.isOp("(") {
		open := p.next().text
		v = pyOpaque{}
		if open == "." {
			if p.peek().kind != tokName {
				return nil, p.errorf("expected a name after '.'")
			}
			p.next()
			continue
		}
		if err := p.skipBalanced(open); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// skipBalanced skips tokens up to the bracket closing the one just consumed.
func (p *pyParser) skipBalanced(open string) error {
	depth := 1
	for depth > 0 {
		t := p.next()
		if t.kind == tokEOF {
			return p.errorf("unclosed %q", open)
		}
		if t.kind == tokOp {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			}
		}
	}
	return nil
}

// items parses comma-separated expressions up to the closing bracket.
func (p *pyParser) items(closing string) ([]any, error) {
	list := []any{}
	for !p.isOp(closing) {
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		list = append(list, v)
		if p.isOp(",") {
			p.next()
			continue
		}
		if !p.isOp(closing) {
			return nil, p.errorf("expected ',' or %q", closing)
		}
	}
	p.next()
	return list, nil
}

func (p *pyParser) dictOrSet() (any, error) {
	if p.isOp("}") {
		p.next()
		return newPyDict(), nil
	}
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	if !p.isOp(":") {
		set := pySet{first}
		if p.isOp(",") {
			p.next()
			rest, err := p.items("}")
			if err != nil {
				return nil, err
			}
			return append(set, rest...), nil
		}
		return set, p.expect("}")
	}
	d := newPyDict()
	key := first
	for {
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		val, err := p.expr()
		if err != nil {
			return nil, err
		}
		if !isHashable(key) {
			return nil, p.errorf("unsupported dict key")
		}
		d.set(key, val)
		if p.isOp(",") {
			p.next()
		}
		if p.isOp("}") {
			p.next()
			return d, nil
		}
		if key, err = p.expr(); err != nil {
			return nil, err
		}
	}
}

func isHashable(k any) bool {
	switch k.(type) {
	case nil, bool, int, float64, string, pyRef:
		return true
	}
	return false
}

// call parses the arguments of fn(...). An argument the reader does not
// understand becomes pyOpaque instead of failing the whole call, so option
// lists such as kolla's _CLI_OPTS stay readable.
func (p *pyParser) call(fn string) (any, error) {
	p.next() // (
	c := pyCall{fn: fn, kwargs: newPyDict()}
	for !p.isOp(")") {
		kw := ""
		if p.peek().kind == tokName && p.toks[p.pos+1].kind == tokOp && p.toks[p.pos+1].text == "=" {
			kw = p.next().text
			p.next()
		}
		start := p.pos
		v, err := p.expr()
		if err != nil || !(p.isOp(",") || p.isOp(")")) {
			p.pos = start
			if err := p.skipArgument(); err != nil {
				return nil, err
			}
			if !p.isOp(",") && !p.isOp(")") { // a stray ] or } ends no argument
				return nil, p.errorf("unbalanced %q in call of %s", p.peek().text, fn)
			}
			v = pyOpaque{}
		}
		if kw != "" {
			c.kwargs.set(kw, v)
		} else {
			c.args = append(c.args, v)
		}
		if p.isOp(",") {
			p.next()
		}
	}
	p.next()
	return c, nil
}

// skipArgument skips to the ',' or ')' ending the current call argument.
func (p *pyParser) skipArgument() error {
	depth := 0
	for {
		t := p.peek()
		if t.kind == tokEOF {
			return p.errorf("unclosed call")
		}
		if t.kind == tokOp {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				if depth == 0 {
					return nil
				}
				depth--
			case ",":
				if depth == 0 {
					return nil
				}
			}
		}
		p.next()
	}
}

// strings reads adjacent string literals, which Python concatenates.
func (p *pyParser) strings() (any, error) {
	var b strings.Builder
	fstring := false
	for p.peek().kind == tokString {
		t := p.next()
		s, f, err := decodePyString(t.text)
		if err != nil {
			return nil, fmt.Errorf("%d:%d: %w", t.line, t.col, err)
		}
		fstring = fstring || f
		b.WriteString(s)
	}
	if fstring {
		return pyFString{body: b.String()}, nil
	}
	return b.String(), nil
}

func (m *pyModule) lookup(name string) (any, bool) {
	if m == nil {
		return nil, false
	}
	v, ok := m.vars[name]
	return v, ok
}

func parsePyNumber(text string) (any, error) {
	clean := strings.ReplaceAll(strings.ToLower(text), "_", "")
	if strings.ContainsAny(clean, "j") {
		return nil, fmt.Errorf("complex numbers are not supported: %q", text)
	}
	if strings.HasPrefix(clean, "0x") || strings.HasPrefix(clean, "0o") || strings.HasPrefix(clean, "0b") {
		n, err := strconv.ParseInt(clean, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", text)
		}
		return int(n), nil
	}
	if !strings.ContainsAny(clean, ".e") {
		n, err := strconv.ParseInt(clean, 10, 64)
		if err != nil || (len(clean) > 1 && clean[0] == '0' && strings.Trim(clean, "0") != "") {
			return nil, fmt.Errorf("bad number %q", text)
		}
		return int(n), nil
	}
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, fmt.Errorf("bad number %q", text)
	}
	return f, nil
}

// decodePyString decodes one literal (prefix, quotes and escapes).
func decodePyString(lit string) (s string, fstring bool, err error) {
	i := 0
	for i < len(lit) && lit[i] != '\'' && lit[i] != '"' {
		i++
	}
	prefix := strings.ToLower(lit[:i])
	raw := strings.Contains(prefix, "r")
	fstring = strings.Contains(prefix, "f")
	body := lit[i:]
	q := 1
	if len(body) >= 6 && (strings.HasPrefix(body, `"""`) || strings.HasPrefix(body, `'''`)) {
		q = 3
	}
	body = body[q : len(body)-q]
	if raw {
		return body, fstring, nil
	}
	var b strings.Builder
	for j := 0; j < len(body); j++ {
		c := body[j]
		if c != '\\' || j+1 >= len(body) {
			b.WriteByte(c)
			continue
		}
		j++
		switch e := body[j]; e {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			k := j
			for k < len(body) && k < j+3 && body[k] >= '0' && body[k] <= '7' {
				k++
			}
			n, _ := strconv.ParseUint(body[j:k], 8, 32)
			b.WriteRune(rune(n))
			j = k - 1
		case 'x', 'u', 'U':
			width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if j+1+width > len(body) {
				return "", false, fmt.Errorf("truncated \\%c escape", e)
			}
			n, perr := strconv.ParseUint(body[j+1:j+1+width], 16, 32)
			if perr != nil || !utf8.ValidRune(rune(n)) {
				return "", false, fmt.Errorf("bad \\%c escape", e)
			}
			b.WriteRune(rune(n))
			j += width
		default:
			// Python keeps unknown escapes as they are.
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), fstring, nil
}
