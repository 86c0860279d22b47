package jinja

// walkExpr calls fn for e and every expression inside it.
func walkExpr(e expr, fn func(expr)) {
	if e == nil {
		return
	}
	fn(e)
	walkArgs := func(a callArgs) {
		for _, x := range a.args {
			walkExpr(x, fn)
		}
		for _, k := range a.kwargs {
			walkExpr(k.val, fn)
		}
		walkExpr(a.dynArgs, fn)
		walkExpr(a.dynKwargs, fn)
	}
	switch n := e.(type) {
	case *listExpr:
		for _, x := range n.items {
			walkExpr(x, fn)
		}
	case *tupleExpr:
		for _, x := range n.items {
			walkExpr(x, fn)
		}
	case *dictExpr:
		for i := range n.keys {
			walkExpr(n.keys[i], fn)
			walkExpr(n.values[i], fn)
		}
	case *getattrExpr:
		walkExpr(n.obj, fn)
	case *getitemExpr:
		walkExpr(n.obj, fn)
		walkExpr(n.key, fn)
	case *sliceExpr:
		walkExpr(n.start, fn)
		walkExpr(n.stop, fn)
		walkExpr(n.step, fn)
	case *callExpr:
		walkExpr(n.fn, fn)
		walkArgs(n.callArgs)
	case *filterExpr:
		walkExpr(n.obj, fn)
		walkArgs(n.callArgs)
	case *testExpr:
		walkExpr(n.obj, fn)
		walkArgs(n.callArgs)
	case *condExpr:
		walkExpr(n.test, fn)
		walkExpr(n.then, fn)
		walkExpr(n.orElse, fn)
	case *binExpr:
		walkExpr(n.left, fn)
		walkExpr(n.right, fn)
	case *unaryExpr:
		walkExpr(n.operand, fn)
	case *compareExpr:
		walkExpr(n.first, fn)
		for _, op := range n.ops {
			walkExpr(op.e, fn)
		}
	}
}

// walkStmts calls fn for every expression in body; block bodies are visited
// only when intoBlocks is set.
func walkStmts(body []stmt, fn func(expr), intoBlocks bool) {
	for _, s := range body {
		switch n := s.(type) {
		case *outputStmt:
			walkExpr(n.e, fn)
		case *ifStmt:
			for i, t := range n.tests {
				walkExpr(t, fn)
				walkStmts(n.bodies[i], fn, intoBlocks)
			}
			walkStmts(n.orElse, fn, intoBlocks)
		case *forStmt:
			walkExpr(n.target, fn)
			walkExpr(n.iter, fn)
			walkExpr(n.filter, fn)
			walkStmts(n.body, fn, intoBlocks)
			walkStmts(n.orElse, fn, intoBlocks)
		case *macroStmt:
			for _, d := range n.def.defaults {
				walkExpr(d, fn)
			}
			walkStmts(n.def.body, fn, intoBlocks)
		case *callBlockStmt:
			walkExpr(n.call, fn)
			for _, d := range n.def.defaults {
				walkExpr(d, fn)
			}
			walkStmts(n.def.body, fn, intoBlocks)
		case *filterBlockStmt:
			for _, f := range n.filters {
				walkExpr(f, fn)
			}
			walkStmts(n.body, fn, intoBlocks)
		case *withStmt:
			for _, v := range n.values {
				walkExpr(v, fn)
			}
			walkStmts(n.body, fn, intoBlocks)
		case *autoescapeStmt:
			walkExpr(n.enabled, fn)
			walkStmts(n.body, fn, intoBlocks)
		case *blockStmt:
			if intoBlocks {
				walkStmts(n.body, fn, intoBlocks)
			}
		case *extendsStmt:
			walkExpr(n.template, fn)
		case *includeStmt:
			walkExpr(n.template, fn)
		case *importStmt:
			walkExpr(n.template, fn)
		case *fromImportStmt:
			walkExpr(n.template, fn)
		case *assignStmt:
			walkExpr(n.value, fn)
		case *assignBlockStmt:
			for _, f := range n.filters {
				walkExpr(f, fn)
			}
			walkStmts(n.body, fn, intoBlocks)
		}
	}
}
