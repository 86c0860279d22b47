package jinja

import (
	"errors"
	"strconv"
	"strings"
)

// Error is every syntax or runtime error from the engine.
type Error struct {
	Template  string // template name
	Line, Col int    // 1-based
	Msg       string
	Err       error // wrapped cause (e.g. from a Func), may be nil

	called bool // Msg already names the macro call site
}

func (e *Error) Error() string {
	return e.Template + ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col) + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// pyError is a Python exception raised by a value operation; the evaluator
// turns it into an *Error at the node that raised it.
type pyError struct {
	msg string
}

func (e *pyError) Error() string { return e.msg }

func pyErrorf(parts ...string) error { return &pyError{strings.Join(parts, "")} }

// undefinedError is Jinja2's UndefinedError.
type undefinedError struct {
	u Undefined
	// called is set when the undefined value was called: the message then
	// names the missing macro and suggests a defined name close to it.
	called     bool
	suggestion string
}

func (e *undefinedError) Error() string {
	if !e.called {
		return e.u.message()
	}
	msg := "undefined macro or function " + strconv.Quote(e.u.Name)
	if e.u.mod != nil {
		msg = "undefined macro " + strconv.Quote(e.u.Name) + " in " + strconv.Quote(e.u.mod.name)
	}
	if e.suggestion != "" {
		msg += " (did you mean " + strconv.Quote(e.suggestion) + "?)"
	}
	return msg
}

// ErrUndefined is wrapped by errors caused by using an undefined value.
var ErrUndefined = errors.New("undefined value")

func (e *undefinedError) Unwrap() error { return ErrUndefined }

// errInternal marks a recovered engine panic (a bug).
var errInternal = errors.New("internal engine error")

// ErrLimit is wrapped by errors caused by exceeding the sandbox limits.
var ErrLimit = errors.New("template limit exceeded")

// constructError names the filter or test whose call failed.
type constructError struct {
	kind, name string
	err        error
}

func (e *constructError) Error() string {
	return e.kind + " " + strconv.Quote(e.name) + ": " + e.err.Error()
}

func (e *constructError) Unwrap() error { return e.err }

// inConstruct wraps err with the construct it came from, unless it already
// carries a location or is an undefined-value error, whose message says it all.
func inConstruct(kind, name string, err error) error {
	var je *Error
	var ue *undefinedError
	if errors.As(err, &je) || errors.As(err, &ue) {
		return err
	}
	return &constructError{kind, name, err}
}

// lineCol converts a byte offset of src into a 1-based line and column.
func lineCol(src string, off int) (int, int) {
	if off > len(src) {
		off = len(src)
	}
	line := 1 + strings.Count(src[:off], "\n")
	col := off - strings.LastIndexByte(src[:off], '\n')
	return line, col
}

// errorAt makes an *Error at offset off of template t.
func errorAt(t *Template, off int, msg string, cause error) *Error {
	line, col := lineCol(t.source, off)
	return &Error{Template: t.name, Line: line, Col: col, Msg: msg, Err: cause}
}

// closestName returns the candidate nearest to name, or "" if none is close.
func closestName(name string, candidates []string) string {
	best, bestDist := "", len(name)/2+2
	for _, c := range candidates {
		if d := EditDistance(name, c); d < bestDist || d == bestDist && best != "" && c < best {
			best, bestDist = c, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance between a and b, in bytes; error
// messages use it to suggest the name a typo meant.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownName formats "unknown filter "x" (did you mean "y"?)".
func unknownName(kind, name string, candidates []string) string {
	msg := "unknown " + kind + " " + strconv.Quote(name)
	if c := closestName(name, candidates); c != "" {
		msg += " (did you mean " + strconv.Quote(c) + "?)"
	}
	return msg
}
