// Package jinja is a Jinja2 template engine with the exact semantics of Python
// Jinja2 3.x for the subset Kolla's templates and operators' overrides use:
// lexer, parser, evaluator, Python value semantics, errors with file:line:col.
package jinja
