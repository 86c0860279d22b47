package jinja

// Expression nodes. Every node records its source offset for error messages.

type expr interface{ position() int }

type pos int

func (p pos) position() int { return int(p) }

type (
	constExpr struct {
		pos
		val any
	}
	nameExpr struct {
		pos
		name string
	}
	listExpr struct {
		pos
		items []expr
	}
	tupleExpr struct {
		pos
		items []expr
	}
	dictExpr struct {
		pos
		keys, values []expr
	}
	getattrExpr struct {
		pos
		obj  expr
		attr string
	}
	getitemExpr struct {
		pos
		obj expr
		key expr
	}
	sliceExpr struct {
		pos
		start, stop, step expr // nil when omitted
	}
	// callArgs are the arguments of a call, filter or test.
	callArgs struct {
		args      []expr
		kwargs    []kwargExpr
		dynArgs   expr
		dynKwargs expr
	}
	kwargExpr struct {
		name string
		val  expr
	}
	callExpr struct {
		pos
		fn expr
		callArgs
	}
	filterExpr struct {
		pos
		obj  expr // nil inside {% filter %} blocks
		name string
		callArgs
	}
	testExpr struct {
		pos
		obj  expr
		name string
		callArgs
	}
	condExpr struct {
		pos
		test, then, orElse expr // orElse may be nil
	}
	binExpr struct {
		pos
		op          string // + - * / // % ** ~ and or
		left, right expr
	}
	unaryExpr struct {
		pos
		op      string // not - +
		operand expr
	}
	compareExpr struct {
		pos
		first expr
		ops   []compareOp
	}
	compareOp struct {
		op string // eq ne lt gt lteq gteq in notin
		e  expr
	}
)

// Statement nodes.

type stmt interface{ position() int }

type (
	dataStmt struct {
		pos
		text string
	}
	outputStmt struct {
		pos
		e expr
	}
	ifStmt struct {
		pos
		tests  []expr
		bodies [][]stmt
		orElse []stmt
	}
	forStmt struct {
		pos
		target    expr // nameExpr or tupleExpr of targets
		iter      expr
		filter    expr
		body      []stmt
		orElse    []stmt
		recursive bool
	}
	macroStmt struct {
		pos
		def *macroDef
	}
	callBlockStmt struct {
		pos
		call *callExpr
		def  *macroDef // the caller
	}
	filterBlockStmt struct {
		pos
		filters []*filterExpr // applied in order
		body    []stmt
	}
	withStmt struct {
		pos
		targets []expr
		values  []expr
		body    []stmt
	}
	autoescapeStmt struct {
		pos
		enabled expr
		body    []stmt
	}
	blockStmt struct {
		pos
		name     string
		body     []stmt
		scoped   bool
		required bool
	}
	extendsStmt struct {
		pos
		template expr
	}
	includeStmt struct {
		pos
		template      expr
		ignoreMissing bool
		withContext   bool
	}
	importStmt struct {
		pos
		template    expr
		target      string
		withContext bool
	}
	fromImportStmt struct {
		pos
		template    expr
		names       []importName
		withContext bool
	}
	importName struct {
		pos   int
		name  string
		alias string
	}
	assignStmt struct {
		pos
		target expr // nameExpr, tupleExpr or nsRefExpr
		value  expr
	}
	assignBlockStmt struct {
		pos
		target  expr
		filters []*filterExpr
		body    []stmt
	}
	// nsRefExpr is the target "ns.attr" of {% set ns.attr = v %}.
	nsRefExpr struct {
		pos
		name, attr string
	}
)

// macroDef is a macro's (or call block's caller's) signature and body.
type macroDef struct {
	name          string
	params        []string
	defaults      []expr // aligned to the last len(defaults) params
	body          []stmt
	catchVarargs  bool
	catchKwargs   bool
	callerUsed    bool
	templateOwner *Template
}
