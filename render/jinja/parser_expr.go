package jinja

// Expression grammar, in Jinja2's precedence order (lowest first):
// conditional, or, and, not, comparison, + -, ~, * / // %, **, unary - +,
// postfix (attribute, subscript, call), filters and tests.

func (p *parser) parseExpression(withCond bool) expr {
	if withCond {
		return p.parseCondExpr()
	}
	return p.parseOr()
}

func (p *parser) isTupleEnd(extraEnd []string) bool {
	t := p.cur()
	switch {
	case t.typ == tokVarEnd || t.typ == tokBlockEnd || t.typ == tokOp && t.val == ")":
		return true
	case t.typ == tokName:
		for _, e := range extraEnd {
			if t.val == e {
				return true
			}
		}
	}
	return false
}

// parseTuple parses comma-separated expressions; one without a comma is
// returned as is.
func (p *parser) parseTuple(simplified, withCond bool, extraEnd []string, explicitParens bool) expr {
	at := p.cur().pos
	var items []expr
	isTuple := false
	for {
		if len(items) > 0 {
			p.expectOp(",")
		}
		if p.isTupleEnd(extraEnd) {
			break
		}
		switch {
		case simplified:
			items = append(items, p.parsePrimary())
		default:
			items = append(items, p.parseExpression(withCond))
		}
		if p.isOp(",") {
			isTuple = true
		} else {
			break
		}
	}
	if !isTuple {
		if len(items) > 0 {
			return items[0]
		}
		if !explicitParens {
			p.fail(p.cur().pos, "Expected an expression, got "+pyRepr(p.cur().describe()))
		}
	}
	return &tupleExpr{pos(at), items}
}

func (p *parser) parseCondExpr() expr {
	e := p.parseOr()
	for p.isName("if") {
		at := p.next().pos
		test := p.parseOr()
		var orElse expr
		if p.skipName("else") {
			orElse = p.parseCondExpr()
		}
		e = &condExpr{pos(at), test, e, orElse}
	}
	return e
}

func (p *parser) parseOr() expr {
	left := p.parseAnd()
	for p.isName("or") {
		at := p.next().pos
		left = &binExpr{pos(at), "or", left, p.parseAnd()}
	}
	return left
}

func (p *parser) parseAnd() expr {
	left := p.parseNot()
	for p.isName("and") {
		at := p.next().pos
		left = &binExpr{pos(at), "and", left, p.parseNot()}
	}
	return left
}

func (p *parser) parseNot() expr {
	p.nest(p.cur().pos)
	defer p.unnest()
	if p.isName("not") {
		at := p.next().pos
		return &unaryExpr{pos(at), "not", p.parseNot()}
	}
	return p.parseCompare()
}

// compareOp names a comparison operator token the way Jinja2's AST does.
func compareOpName(tok string) (string, bool) {
	switch tok {
	case "==":
		return "eq", true
	case "!=":
		return "ne", true
	case "<":
		return "lt", true
	case ">":
		return "gt", true
	case "<=":
		return "lteq", true
	case ">=":
		return "gteq", true
	}
	return "", false
}

func (p *parser) parseCompare() expr {
	at := p.cur().pos
	first := p.parseMath1()
	var ops []compareOp
	for {
		t := p.cur()
		if op, ok := compareOpName(t.val); ok && t.typ == tokOp {
			p.next()
			ops = append(ops, compareOp{op, p.parseMath1()})
		} else if p.skipName("in") {
			ops = append(ops, compareOp{"in", p.parseMath1()})
		} else if p.isName("not") && p.look().typ == tokName && p.look().val == "in" {
			p.next()
			p.next()
			ops = append(ops, compareOp{"notin", p.parseMath1()})
		} else {
			break
		}
	}
	if len(ops) == 0 {
		return first
	}
	return &compareExpr{pos(at), first, ops}
}

func (p *parser) parseMath1() expr {
	left := p.parseConcat()
	for p.isOp("+") || p.isOp("-") {
		t := p.next()
		left = &binExpr{pos(t.pos), t.val, left, p.parseConcat()}
	}
	return left
}

func (p *parser) parseConcat() expr {
	left := p.parseMath2()
	for p.isOp("~") {
		t := p.next()
		left = &binExpr{pos(t.pos), "~", left, p.parseMath2()}
	}
	return left
}

func (p *parser) parseMath2() expr {
	left := p.parsePow()
	for p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%") {
		t := p.next()
		left = &binExpr{pos(t.pos), t.val, left, p.parsePow()}
	}
	return left
}

func (p *parser) parsePow() expr {
	left := p.parseUnary(true)
	for p.isOp("**") {
		t := p.next()
		left = &binExpr{pos(t.pos), "**", left, p.parseUnary(true)}
	}
	return left
}

func (p *parser) parseUnary(withFilter bool) expr {
	p.nest(p.cur().pos)
	defer p.unnest()
	var e expr
	switch {
	case p.isOp("-"), p.isOp("+"):
		t := p.next()
		e = &unaryExpr{pos(t.pos), t.val, p.parseUnary(false)}
	default:
		e = p.parsePrimary()
	}
	e = p.parsePostfix(e)
	if withFilter {
		e = p.parseFilterExpr(e)
	}
	return e
}

func (p *parser) parsePrimary() expr {
	t := p.cur()
	switch t.typ {
	case tokName:
		p.next()
		switch t.val {
		case "true", "True":
			return &constExpr{pos(t.pos), true}
		case "false", "False":
			return &constExpr{pos(t.pos), false}
		case "none", "None":
			return &constExpr{pos(t.pos), nil}
		}
		return &nameExpr{pos(t.pos), t.val}
	case tokString:
		p.next()
		s := t.val
		for p.cur().typ == tokString {
			s += p.next().val
		}
		return &constExpr{pos(t.pos), s}
	case tokInt, tokFloat:
		p.next()
		return &constExpr{pos(t.pos), t.num}
	case tokOp:
		switch t.val {
		case "(":
			p.next()
			e := p.parseTuple(false, true, nil, true)
			p.expectOp(")")
			return e
		case "[":
			return p.parseList()
		case "{":
			return p.parseDict()
		}
	}
	p.fail(t.pos, "unexpected "+pyRepr(t.describe()))
	return nil
}

func (p *parser) parseList() expr {
	at := p.expectOp("[").pos
	n := &listExpr{pos: pos(at)}
	for !p.isOp("]") {
		if len(n.items) > 0 {
			p.expectOp(",")
		}
		if p.isOp("]") {
			break
		}
		n.items = append(n.items, p.parseExpression(true))
	}
	p.expectOp("]")
	return n
}

func (p *parser) parseDict() expr {
	at := p.expectOp("{").pos
	n := &dictExpr{pos: pos(at)}
	for !p.isOp("}") {
		if len(n.keys) > 0 {
			p.expectOp(",")
		}
		if p.isOp("}") {
			break
		}
		n.keys = append(n.keys, p.parseExpression(true))
		p.expectOp(":")
		n.values = append(n.values, p.parseExpression(true))
	}
	p.expectOp("}")
	return n
}

func (p *parser) parsePostfix(e expr) expr {
	for {
		switch {
		case p.isOp(".") || p.isOp("["):
			e = p.parseSubscript(e)
		case p.isOp("("):
			e = p.parseCall(e)
		default:
			return e
		}
	}
}

func (p *parser) parseFilterExpr(e expr) expr {
	for {
		switch {
		case p.isOp("|"):
			p.next()
			e = p.parseFilterCall(e)
		case p.isName("is"):
			e = p.parseTest(e)
		case p.isOp("("):
			e = p.parseCall(e)
		default:
			return e
		}
	}
}

func (p *parser) parseSubscript(e expr) expr {
	t := p.next()
	if t.val == "." {
		attr := p.next()
		switch attr.typ {
		case tokName:
			return &getattrExpr{pos(t.pos), e, attr.val}
		case tokInt:
			return &getitemExpr{pos(t.pos), e, &constExpr{pos(attr.pos), attr.num}}
		}
		p.fail(attr.pos, "expected name or number")
	}
	var args []expr
	for !p.isOp("]") {
		if len(args) > 0 {
			p.expectOp(",")
		}
		args = append(args, p.parseSubscribed())
	}
	p.expectOp("]")
	if len(args) == 1 {
		return &getitemExpr{pos(t.pos), e, args[0]}
	}
	return &getitemExpr{pos(t.pos), e, &tupleExpr{pos(t.pos), args}}
}

func (p *parser) parseSubscribed() expr {
	at := p.cur().pos
	var args []expr
	if p.isOp(":") {
		p.next()
		args = []expr{nil}
	} else {
		e := p.parseExpression(true)
		if !p.isOp(":") {
			return e
		}
		p.next()
		args = []expr{e}
	}
	switch {
	case p.isOp(":"):
		args = append(args, nil)
	case !p.isOp("]") && !p.isOp(","):
		args = append(args, p.parseExpression(true))
	default:
		args = append(args, nil)
	}
	if p.isOp(":") {
		p.next()
		if !p.isOp("]") && !p.isOp(",") {
			args = append(args, p.parseExpression(true))
		} else {
			args = append(args, nil)
		}
	} else {
		args = append(args, nil)
	}
	return &sliceExpr{pos(at), args[0], args[1], args[2]}
}

func (p *parser) parseCallArgs() callArgs {
	open := p.expectOp("(")
	var a callArgs
	ensure := func(ok bool) {
		if !ok {
			p.fail(open.pos, "invalid syntax for function call expression")
		}
	}
	requireComma := false
	for !p.isOp(")") {
		if requireComma {
			p.expectOp(",")
			if p.isOp(")") {
				break
			}
		}
		switch {
		case p.isOp("*"):
			ensure(a.dynArgs == nil && a.dynKwargs == nil)
			p.next()
			a.dynArgs = p.parseExpression(true)
		case p.isOp("**"):
			ensure(a.dynKwargs == nil)
			p.next()
			a.dynKwargs = p.parseExpression(true)
		case p.cur().typ == tokName && p.look().typ == tokOp && p.look().val == "=":
			ensure(a.dynKwargs == nil)
			key := p.next().val
			p.next()
			a.kwargs = append(a.kwargs, kwargExpr{key, p.parseExpression(true)})
		default:
			ensure(a.dynArgs == nil && a.dynKwargs == nil && len(a.kwargs) == 0)
			a.args = append(a.args, p.parseExpression(true))
		}
		requireComma = true
	}
	p.expectOp(")")
	return a
}

func (p *parser) parseCall(fn expr) expr {
	at := p.cur().pos
	return &callExpr{pos(at), fn, p.parseCallArgs()}
}

func (p *parser) dottedName() string {
	name := p.expectType(tokName).val
	for p.isOp(".") {
		p.next()
		name += "." + p.expectType(tokName).val
	}
	return name
}

// parseFilterCall parses "name(args)" after the pipe.
func (p *parser) parseFilterCall(subject expr) *filterExpr {
	at := p.cur().pos
	f := &filterExpr{pos: pos(at), obj: subject, name: p.dottedName()}
	if p.isOp("(") {
		f.callArgs = p.parseCallArgs()
	}
	return f
}

func (p *parser) parseTest(subject expr) expr {
	at := p.next().pos
	negated := p.skipName("not")
	n := &testExpr{pos: pos(at), obj: subject, name: p.dottedName()}
	t := p.cur()
	switch {
	case p.isOp("("):
		n.callArgs = p.parseCallArgs()
	case (t.typ == tokName || t.typ == tokString || t.typ == tokInt || t.typ == tokFloat ||
		p.isOp("[") || p.isOp("{")) && !p.isName("else") && !p.isName("or") && !p.isName("and"):
		if p.isName("is") {
			p.fail(t.pos, "You cannot chain multiple tests with is")
		}
		n.args = []expr{p.parsePostfix(p.parsePrimary())}
	}
	if negated {
		return &unaryExpr{pos(at), "not", n}
	}
	return n
}
