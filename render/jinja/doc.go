// Package jinja is a Jinja2 template engine with the exact semantics of Python
// Jinja2 3.1 in Kolla's configuration (a sandboxed Environment with default
// settings): lexer, parser, evaluator, Python value semantics, errors with
// file:line:col.
//
// Templates see only the values and functions they are given. A render is
// bounded in output size, nesting depth and work (see Limits), so a hostile
// template fails with an *Error instead of hanging or exhausting memory.
//
// Values crossing the API use Go types: nil, bool, int (int64 and smaller
// integer types are accepted), *big.Int for integers beyond int64, float64,
// string, []any (a Python list), Tuple, map[string]any (a dict with sorted
// keys), *Dict (insertion-ordered), Func and Undefined. A *Template from
// Env.Template may be passed as a variable and used by extends, include and
// import, the way Kolla passes parent_template to its override file.
package jinja
