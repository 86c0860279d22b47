"""Render the differential test cases with Python Jinja2, the reference engine.

Usage: python jinja_reference.py CASEFILE... > results.json

Each case file holds several cases in this format (see diff/README.md):

    # comment lines before the first case are ignored
    === case-name            (append " error" when Jinja2 is meant to raise)
    --- context              JSON object: the render variables
    --- vars                 JSON object: variable name -> template name; the
                             variable gets the loaded template object, the way
                             Kolla passes parent_template to overrides
    --- file NAME            an extra template (macros, parents, includes)
    --- tree-file NAME       a template of a second environment, the way Kolla
                             renders an override in its own environment while
                             parent_template comes from the Kolla tree's; a
                             "vars" entry "tree:NAME" loads from that one
    --- main                 the template that is rendered

The main template may also follow the "=== " line directly, without "--- main".
Every section runs to the line before the next "=== " or "--- " line and keeps
its final newline; " noeol" after a template section name drops that newline.

The output is one JSON object whose "cases" list has one object per case, in
file order. It carries the parsed case (so the Go test needs no parser of its
own) and the reference result: "output" when Jinja2 rendered, "error"
("<type>: <message>") when it raised, with "error_at_load" telling whether
loading the main template alone already fails (a syntax error rather than a
runtime one) and, for syntax errors, "error_template" and "error_line" where
Jinja2 places them. The environment is the one Kolla builds: a
SandboxedEnvironment with default settings and a dict loader.
"""

import json
import sys

import jinja2
import jinja2.sandbox

MAIN = "main.j2"


class CaseFileError(Exception):
    pass


def parse_case_file(path):
    # Keep "\r" and other line breaks as written: only "\n" ends a line here.
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    lines = [line + "\n" for line in lines[:-1]] + [lines[-1]]
    if lines[-1] == "":
        lines.pop()
    cases = []
    case = None
    section = None  # (kind, name, noeol, lines)

    def close_section():
        nonlocal section
        if section is None:
            return
        kind, name, noeol, body = section
        text = "".join(body)
        if kind == "implicit-main":
            if not body:
                section = None
                return
            kind = "main"
        if kind in ("main", "file", "tree-file"):
            key = MAIN if kind == "main" else name
            where = "tree_templates" if kind == "tree-file" else "templates"
            if key in case[where]:
                raise CaseFileError("case %s: template %s given twice"
                                    % (case["name"], key))
        if noeol and text.endswith("\n"):
            text = text[:-1]
        if kind == "context":
            case["context"] = text
        elif kind == "vars":
            case["template_vars"] = json.loads(text)
        elif kind == "file":
            case["templates"][name] = text
        elif kind == "tree-file":
            case["tree_templates"][name] = text
        elif kind == "main":
            case["templates"][MAIN] = text
        section = None

    for lineno, line in enumerate(lines, 1):
        where = "%s:%d" % (path, lineno)
        if line.startswith("=== "):
            close_section()
            words = line[4:].split()
            if not words or len(words) > 2 or words[1:] not in ([], ["error"]):
                raise CaseFileError(where + ": want '=== NAME [error]'")
            case = {
                "file": path.rsplit("/", 1)[-1],
                "line": lineno,
                "name": words[0],
                "expect_error": words[1:] == ["error"],
                "templates": {},
                "tree_templates": {},
                "main": MAIN,
                "context": "",
                "template_vars": {},
            }
            cases.append(case)
            section = ("implicit-main", None, False, [])
        elif line.startswith("--- "):
            close_section()
            if case is None:
                raise CaseFileError(where + ": section before the first case")
            words = line[4:].split()
            noeol = words[-1:] == ["noeol"]
            if noeol:
                words = words[:-1]
            if words in (["context"], ["vars"], ["main"]):
                section = (words[0], None, noeol, [])
            elif len(words) == 2 and words[0] in ("file", "tree-file"):
                section = (words[0], words[1], noeol, [])
            else:
                raise CaseFileError(where + ": unknown section " + line.strip())
        elif section is not None:
            section[3].append(line)
    close_section()
    for c in cases:
        if MAIN not in c["templates"]:
            raise CaseFileError("%s: case %s has no main" % (path, c["name"]))
    return cases


MISSING = "<missing>"


@jinja2.pass_context
def t_ctx(context, name):
    """A global that looks a name up in the active context, as Kolla's
    customizable filter does."""
    return context[name] if name in context else MISSING


@jinja2.pass_context
def t_suffixed(context, value, suffix):
    """A filter reading the context variable named value + suffix."""
    name = value + suffix
    return context[name] if name in context else MISSING


def t_echo(*args, **kwargs):
    """A global returning its arguments: positional ones, then the keywords."""
    return list(args) + [kwargs]


def t_fail(message):
    """A global that fails, like Kolla's raise_error."""
    raise RuntimeError(message)


def t_long(value):
    """A test: longer than three items."""
    return len(value) > 3


def new_env(templates):
    """The environment of one case: Kolla's kind, with the test helpers that
    diff_test.go registers with the engine too."""
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.DictLoader(templates))
    env.globals.update(t_ctx=t_ctx, t_echo=t_echo, t_fail=t_fail)
    env.filters["t_suffixed"] = t_suffixed
    env.tests["t_long"] = t_long
    return env


def render(case):
    env = new_env(case["templates"])
    tree_env = new_env(case["tree_templates"])
    context = json.loads(case["context"]) if case["context"].strip() else {}
    for var, name in case["template_vars"].items():
        if name.startswith("tree:"):
            context[var] = tree_env.get_template(name[len("tree:"):])
        else:
            context[var] = env.get_template(name)
    return env.get_template(case["main"]).render(context)


def load_fails(case):
    """Whether loading (parsing and compiling) the main template alone fails,
    as opposed to rendering it."""
    env = new_env(case["templates"])
    try:
        env.get_template(case["main"])
    except jinja2.TemplateSyntaxError:  # includes TemplateAssertionError
        return True
    return False


def main(paths):
    results = []
    seen = set()
    for path in paths:
        for case in parse_case_file(path):
            key = (case["file"], case["name"])
            if key in seen:
                raise CaseFileError("duplicate case %s in %s" % key[::-1])
            seen.add(key)
            try:
                case["output"] = render(case)
            except Exception as e:  # the kind of failure is the result
                case["error"] = "%s: %s" % (type(e).__name__, e)
                case["error_at_load"] = load_fails(case)
                if isinstance(e, jinja2.TemplateSyntaxError):
                    case["error_template"] = e.name
                    case["error_line"] = e.lineno
            results.append(case)
    json.dump({"jinja2_version": jinja2.__version__, "cases": results},
              sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
