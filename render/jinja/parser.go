package jinja

import (
	"strings"
)

// parser builds the statement tree of one template from its tokens, following
// the grammar of Jinja2's parser.
type parser struct {
	toks     []token
	i        int
	tmpl     *Template
	tagStack []string
	endStack [][]string
	nesting  int
	// scopes counts enclosing for/macro/block/call/filter/with/set bodies,
	// where extends is not allowed.
	scopes int
}

// maxNesting bounds how deeply expressions and statements may nest, so that
// a hostile template cannot exhaust the stack.
const maxNesting = 400

func (p *parser) nest(at int) {
	p.nesting++
	if p.nesting > maxNesting {
		p.fail(at, "template nested too deeply")
	}
}

func (p *parser) unnest() { p.nesting-- }

type parseFail struct{ err *syntaxErr }

func (p *parser) cur() token { return p.toks[p.i] }

func (p *parser) look() token {
	if p.i+1 < len(p.toks) {
		return p.toks[p.i+1]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) fail(at int, msg string) {
	panic(parseFail{&syntaxErr{pos: at, msg: msg}})
}

func (p *parser) isOp(op string) bool {
	t := p.cur()
	return t.typ == tokOp && t.val == op
}

func (p *parser) isName(name string) bool {
	t := p.cur()
	return t.typ == tokName && t.val == name
}

func (p *parser) skipOp(op string) bool {
	if p.isOp(op) {
		p.next()
		return true
	}
	return false
}

func (p *parser) skipName(name string) bool {
	if p.isName(name) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectOp(op string) token {
	if !p.isOp(op) {
		p.unexpected(pyRepr(op))
	}
	return p.next()
}

func (p *parser) expectName(name string) token {
	if !p.isName(name) {
		p.unexpected(pyRepr(name))
	}
	return p.next()
}

func (p *parser) expectType(typ tokType) token {
	if p.cur().typ != typ {
		p.unexpected(pyRepr(typ.String()))
	}
	return p.next()
}

func (p *parser) unexpected(want string) {
	t := p.cur()
	if t.typ == tokEOF {
		p.fail(t.pos, "unexpected end of template, expected "+want+".")
	}
	p.fail(t.pos, "expected token "+want+", got "+pyRepr(t.describe()))
}

// parseTemplate parses normalised source into t.
func parseTemplate(t *Template) (err *syntaxErr) {
	toks, lerr := tokenize(t.source)
	if lerr != nil {
		return lerr
	}
	p := &parser{toks: toks, tmpl: t}
	defer func() {
		if r := recover(); r != nil {
			pf, ok := r.(parseFail)
			if !ok {
				panic(r)
			}
			err = pf.err
		}
	}()
	t.body = p.subparse(nil)
	return nil
}

// subparse reads statements until one of endTags (or EOF when endTags is nil).
func (p *parser) subparse(endTags []string) []stmt {
	var body []stmt
	p.nest(p.cur().pos)
	defer p.unnest()
	if endTags != nil {
		p.endStack = append(p.endStack, endTags)
		defer func() { p.endStack = p.endStack[:len(p.endStack)-1] }()
	}
	for {
		t := p.cur()
		switch t.typ {
		case tokEOF:
			if endTags != nil {
				p.failUnknownTag("", t.pos)
			}
			return body
		case tokData:
			p.next()
			body = append(body, &dataStmt{pos(t.pos), t.val})
		case tokVarBegin:
			p.next()
			e := p.parseTuple(false, true, nil, false)
			p.expectType(tokVarEnd)
			body = append(body, &outputStmt{pos(t.pos), e})
		case tokBlockBegin:
			p.next()
			if endTags != nil && p.cur().typ == tokName {
				for _, end := range endTags {
					if p.cur().val == end {
						return body
					}
				}
			}
			body = append(body, p.parseStatement()...)
			p.expectType(tokBlockEnd)
		default:
			p.fail(t.pos, "unexpected "+pyRepr(t.describe()))
		}
	}
}

// parseBody parses statements up to one of endTags, consumes that tag's name
// and returns the name that ended the body.
func (p *parser) parseBody(endTags ...string) ([]stmt, string) {
	p.skipOp(":")
	p.expectType(tokBlockEnd)
	body := p.subparse(endTags)
	return body, p.next().val
}

func (p *parser) failUnknownTag(name string, at int) {
	expected := map[string]bool{}
	for _, ends := range p.endStack {
		for _, e := range ends {
			expected[e] = true
		}
	}
	var msg []string
	if name == "" {
		msg = append(msg, "Unexpected end of template.")
	} else {
		msg = append(msg, "Encountered unknown tag "+pyRepr(name)+".")
	}
	if len(p.endStack) > 0 {
		var quoted []string
		for _, e := range p.endStack[len(p.endStack)-1] {
			quoted = append(quoted, pyRepr(e))
		}
		looking := strings.Join(quoted, " or ")
		if name != "" && expected[name] {
			msg = append(msg, "You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for "+looking+".")
		} else {
			msg = append(msg, "Jinja was looking for the following tags: "+looking+".")
		}
	}
	if len(p.tagStack) > 0 {
		msg = append(msg, "The innermost block that needs to be closed is "+pyRepr(p.tagStack[len(p.tagStack)-1])+".")
	}
	p.fail(at, strings.Join(msg, " "))
}

func (p *parser) parseStatement() []stmt {
	t := p.cur()
	if t.typ != tokName {
		p.fail(t.pos, "tag name expected")
	}
	p.tagStack = append(p.tagStack, t.val)
	popTag := true
	defer func() {
		if popTag {
			p.tagStack = p.tagStack[:len(p.tagStack)-1]
		}
	}()
	if t.val != "if" && t.val != "extends" {
		p.scopes++
		defer func() { p.scopes-- }()
	}
	switch t.val {
	case "for":
		return []stmt{p.parseFor()}
	case "if":
		return []stmt{p.parseIf()}
	case "block":
		return []stmt{p.parseBlock()}
	case "extends":
		p.next()
		if p.scopes > 0 {
			p.fail(t.pos, "cannot use extend from a non top-level scope")
		}
		return []stmt{&extendsStmt{pos(t.pos), p.parseExpression(true)}}
	case "print":
		p.next()
		var out []stmt
		for p.cur().typ != tokBlockEnd {
			if len(out) > 0 {
				p.expectOp(",")
			}
			e := p.parseExpression(true)
			out = append(out, &outputStmt{pos(e.position()), e})
		}
		return out
	case "macro":
		return []stmt{p.parseMacro()}
	case "include":
		return []stmt{p.parseInclude()}
	case "from":
		return []stmt{p.parseFrom()}
	case "import":
		return []stmt{p.parseImport()}
	case "set":
		return []stmt{p.parseSet()}
	case "with":
		return []stmt{p.parseWith()}
	case "autoescape":
		p.next()
		enabled := p.parseExpression(true)
		body, _ := p.parseBody("endautoescape")
		return []stmt{&autoescapeStmt{pos(t.pos), enabled, body}}
	case "filter":
		return []stmt{p.parseFilterBlock()}
	case "call":
		return []stmt{p.parseCallBlock()}
	}
	p.tagStack = p.tagStack[:len(p.tagStack)-1]
	popTag = false
	p.failUnknownTag(t.val, t.pos)
	return nil
}

func (p *parser) parseFor() stmt {
	at := p.next().pos
	target := p.parseAssignTarget(true, false, []string{"in"}, false)
	walkExpr(target, func(e expr) {
		if n, ok := e.(*nameExpr); ok && n.name == "loop" {
			p.fail(n.position(), "Can't assign to special loop variable in for-loop target")
		}
	})
	p.expectName("in")
	iter := p.parseTuple(false, false, []string{"recursive"}, false)
	n := &forStmt{pos: pos(at), target: target, iter: iter}
	if p.skipName("if") {
		n.filter = p.parseExpression(true)
	}
	n.recursive = p.skipName("recursive")
	var end string
	n.body, end = p.parseBody("endfor", "else")
	if end == "else" {
		n.orElse, _ = p.parseBody("endfor")
	}
	return n
}

func (p *parser) parseIf() stmt {
	at := p.next().pos
	n := &ifStmt{pos: pos(at)}
	for {
		n.tests = append(n.tests, p.parseTuple(false, false, nil, false))
		body, end := p.parseBody("elif", "else", "endif")
		n.bodies = append(n.bodies, body)
		switch end {
		case "elif":
			continue
		case "else":
			n.orElse, _ = p.parseBody("endif")
		}
		return n
	}
}

func (p *parser) parseBlock() stmt {
	at := p.next().pos
	name := p.expectType(tokName).val
	n := &blockStmt{pos: pos(at), name: name}
	n.scoped = p.skipName("scoped")
	n.required = p.skipName("required")
	if p.isOp("-") {
		p.fail(p.cur().pos, "Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.")
	}
	n.body, _ = p.parseBody("endblock")
	if n.required {
		for _, s := range n.body {
			if d, ok := s.(*dataStmt); !ok || strings.TrimFunc(d.text, isPySpace) != "" {
				p.fail(at, "Required blocks can only contain comments or whitespace")
			}
		}
	}
	p.skipName(name)
	if _, dup := p.tmpl.blocks[name]; dup {
		p.fail(at, "block "+pyRepr(name)+" defined twice")
	}
	if p.tmpl.blocks == nil {
		p.tmpl.blocks = map[string]*blockStmt{}
	}
	p.tmpl.blocks[name] = n
	return n
}

// parseImportContext reads an optional "with context"/"without context".
func (p *parser) parseImportContext(dflt bool) bool {
	if (p.isName("with") || p.isName("without")) && p.look().typ == tokName && p.look().val == "context" {
		with := p.next().val == "with"
		p.next()
		return with
	}
	return dflt
}

func (p *parser) parseInclude() stmt {
	at := p.next().pos
	n := &includeStmt{pos: pos(at), template: p.parseExpression(true)}
	if p.isName("ignore") && p.look().typ == tokName && p.look().val == "missing" {
		p.next()
		p.next()
		n.ignoreMissing = true
	}
	n.withContext = p.parseImportContext(true)
	return n
}

func (p *parser) parseImport() stmt {
	at := p.next().pos
	n := &importStmt{pos: pos(at), template: p.parseExpression(true)}
	p.expectName("as")
	n.target = p.expectType(tokName).val
	n.withContext = p.parseImportContext(false)
	return n
}

func (p *parser) parseFrom() stmt {
	at := p.next().pos
	n := &fromImportStmt{pos: pos(at), template: p.parseExpression(true)}
	p.expectName("import")
	parseContext := func() bool {
		if (p.isName("with") || p.isName("without")) && p.look().typ == tokName && p.look().val == "context" {
			n.withContext = p.next().val == "with"
			p.next()
			return true
		}
		return false
	}
	for {
		if len(n.names) > 0 {
			p.expectOp(",")
		}
		if p.cur().typ != tokName {
			p.expectType(tokName)
		}
		if parseContext() {
			break
		}
		t := p.next()
		if strings.HasPrefix(t.val, "_") {
			p.fail(t.pos, "names starting with an underline can not be imported")
		}
		in := importName{pos: t.pos, name: t.val, alias: t.val}
		if p.skipName("as") {
			in.alias = p.expectType(tokName).val
		}
		n.names = append(n.names, in)
		if parseContext() || !p.isOp(",") {
			break
		}
	}
	return n
}

// parseSignature reads "(a, b=1)" into def.
func (p *parser) parseSignature(def *macroDef) {
	p.expectOp("(")
	for !p.isOp(")") {
		if len(def.params) > 0 {
			p.expectOp(",")
		}
		name := p.expectType(tokName)
		if p.skipOp("=") {
			def.defaults = append(def.defaults, p.parseExpression(true))
		} else if len(def.defaults) > 0 {
			p.fail(name.pos, "non-default argument follows default argument")
		} else if name.val == "caller" {
			p.fail(name.pos, "When defining macros or call blocks the special \"caller\" argument must be omitted or be given a default.")
		}
		def.params = append(def.params, name.val)
	}
	p.expectOp(")")
}

func (p *parser) parseMacro() stmt {
	at := p.next().pos
	name := p.expectType(tokName).val
	def := &macroDef{name: name, templateOwner: p.tmpl}
	p.parseSignature(def)
	def.body, _ = p.parseBody("endmacro")
	markSpecialNames(def)
	return &macroStmt{pos(at), def}
}

func (p *parser) parseCallBlock() stmt {
	at := p.next().pos
	def := &macroDef{name: "caller", templateOwner: p.tmpl}
	if p.isOp("(") {
		p.parseSignature(def)
	}
	e := p.parseExpression(true)
	call, ok := e.(*callExpr)
	if !ok {
		p.fail(at, "expected call")
	}
	def.body, _ = p.parseBody("endcall")
	markSpecialNames(def)
	return &callBlockStmt{pos(at), call, def}
}

func (p *parser) parseFilterBlock() stmt {
	at := p.next().pos
	filters := p.parseFilterChain(true)
	body, _ := p.parseBody("endfilter")
	return &filterBlockStmt{pos(at), filters, body}
}

// parseFilterChain reads "name(args)|name2…" without a subject expression.
func (p *parser) parseFilterChain(startInline bool) []*filterExpr {
	var out []*filterExpr
	for p.isOp("|") || startInline {
		if !startInline {
			p.next()
		}
		startInline = false
		out = append(out, p.parseFilterCall(nil))
	}
	return out
}

func (p *parser) parseWith() stmt {
	at := p.next().pos
	n := &withStmt{pos: pos(at)}
	for p.cur().typ != tokBlockEnd {
		if len(n.targets) > 0 {
			p.expectOp(",")
		}
		n.targets = append(n.targets, p.parseAssignTarget(true, false, nil, false))
		p.expectOp("=")
		n.values = append(n.values, p.parseExpression(true))
	}
	n.body, _ = p.parseBody("endwith")
	return n
}

func (p *parser) parseSet() stmt {
	at := p.next().pos
	target := p.parseAssignTarget(true, false, nil, true)
	if p.skipOp("=") {
		return &assignStmt{pos(at), target, p.parseTuple(false, true, nil, false)}
	}
	filters := p.parseFilterChain(false)
	body, _ := p.parseBody("endset")
	return &assignBlockStmt{pos(at), target, filters, body}
}

func (p *parser) parseAssignTarget(withTuple, nameOnly bool, extraEnd []string, withNamespace bool) expr {
	var target expr
	switch {
	case nameOnly:
		t := p.expectType(tokName)
		target = &nameExpr{pos(t.pos), t.val}
	case withNamespace && p.look().typ == tokOp && p.look().val == ".":
		t := p.expectType(tokName)
		p.next()
		attr := p.expectType(tokName)
		return &nsRefExpr{pos(t.pos), t.val, attr.val}
	case withTuple:
		target = p.parseTuple(true, true, extraEnd, false)
	default:
		target = p.parsePrimary()
	}
	p.checkAssignable(target)
	return target
}

func (p *parser) checkAssignable(e expr) {
	switch n := e.(type) {
	case *nameExpr:
		return
	case *tupleExpr:
		for _, item := range n.items {
			p.checkAssignable(item)
		}
		return
	}
	name := "expr"
	switch e.(type) {
	case *constExpr:
		name = "const"
	case *listExpr:
		name = "list"
	case *dictExpr:
		name = "dict"
	}
	p.fail(e.position(), "can't assign to "+pyRepr(name))
}

// markSpecialNames records whether a macro body uses varargs, kwargs or caller,
// which decides what arguments it accepts.
func markSpecialNames(def *macroDef) {
	walkStmts(def.body, func(e expr) {
		if n, ok := e.(*nameExpr); ok {
			switch n.name {
			case "varargs":
				def.catchVarargs = true
			case "kwargs":
				def.catchKwargs = true
			case "caller":
				def.callerUsed = true
			}
		}
	}, false)
}
