package render

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kbk-dev/kbk/render/jinja"
)

// This file holds Kolla's template functions (kolla/template/filters.py and
// methods.py) written in Go against the jinja Func API.

// arg returns positional argument i or keyword name, and whether it was given.
func arg(c *jinja.Call, i int, name string) (any, bool) {
	if i < len(c.Args) {
		return c.Args[i], true
	}
	if c.Kwargs != nil {
		if v, ok := c.Kwargs.Get(name); ok {
			return v, true
		}
	}
	return nil, false
}

func isUndefined(v any) bool {
	_, ok := v.(jinja.Undefined)
	return ok
}

// lookup resolves a name in the template context like jinja2's context.get().
func lookup(c *jinja.Call, name string) (any, bool) {
	if c.Ctx == nil {
		return nil, false
	}
	v, ok := c.Ctx.Lookup(name)
	if !ok || isUndefined(v) {
		return nil, false
	}
	return v, true
}

// customizable is Kolla's filter letting overrides replace, extend or trim
// a list: <image>_<kind>_override, _append and _remove in the context.
func customizable(c *jinja.Call) (any, error) {
	val, _ := arg(c, 0, "val_list")
	kind, ok := arg(c, 1, "call_type")
	if !ok {
		return nil, errors.New("customizable() missing 1 required positional argument: 'call_type'")
	}
	if isUndefined(val) {
		return val, nil
	}
	imageName, _ := lookup(c, "image_name")
	name := strings.ReplaceAll(jinjaStr(imageName), "-", "_") + "_" + jinjaStr(kind) + "_"
	if v, ok := lookup(c, name+"override"); ok {
		return v, nil
	}
	appendV, hasAppend := lookup(c, name+"append")
	removeV, hasRemove := lookup(c, name+"remove")
	if !hasAppend && !hasRemove {
		return val, nil
	}
	list, ok := val.([]any)
	if !ok {
		attr := "extend"
		if !hasAppend {
			attr = "remove"
		}
		return nil, fmt.Errorf("%q object has no attribute %q", pyTypeName(val), attr)
	}
	list = append([]any{}, list...)
	if hasAppend {
		items, err := iterate(appendV)
		if err != nil {
			return nil, err
		}
		list = append(list, items...)
	}
	if hasRemove {
		removals, err := iterate(removeV)
		if err != nil {
			return nil, err
		}
		for _, r := range removals {
			for i, item := range list {
				if pyEqual(item, r) {
					list = append(list[:i], list[i+1:]...)
					break
				}
			}
		}
	}
	return list, nil
}

// iterate lists the items Python's iteration over v yields.
func iterate(v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case jinja.Tuple:
		return x, nil
	case string:
		var out []any
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case *jinja.Dict:
		return x.Keys(), nil
	}
	return nil, fmt.Errorf("%q object is not iterable", pyTypeName(v))
}

func pyEqual(a, b any) bool {
	switch x := a.(type) {
	case int:
		switch y := b.(type) {
		case int:
			return x == y
		case float64:
			return float64(x) == y
		case bool:
			return x == boolToInt(y)
		}
	case float64:
		switch y := b.(type) {
		case int:
			return x == float64(y)
		case float64:
			return x == y
		}
	case bool:
		switch y := b.(type) {
		case bool:
			return x == y
		case int:
			return boolToInt(x) == y
		}
	case string:
		y, ok := b.(string)
		return ok && x == y
	case nil:
		return b == nil
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !pyEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case jinja.Tuple:
		return "tuple"
	case *jinja.Dict:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

// jinjaStr is str() of a template value.
func jinjaStr(v any) string {
	switch x := v.(type) {
	case jinja.Undefined:
		return ""
	case jinja.Tuple:
		if len(x) == 1 {
			return "(" + pyRepr(x[0]) + ",)"
		}
		return "(" + joinRepr(x) + ")"
	case *jinja.Dict:
		parts := make([]string, 0, x.Len())
		for _, k := range x.Keys() {
			val, _ := x.Get(k)
			parts = append(parts, pyRepr(k)+": "+pyRepr(val))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return pyStr(v)
}

// truthy is Python's bool() on template values.
func truthy(v any) bool {
	switch x := v.(type) {
	case jinja.Undefined:
		return false
	case jinja.Tuple:
		return len(x) > 0
	case *jinja.Dict:
		return x.Len() > 0
	}
	return pyTruth(v)
}

// debianPackageInstall builds the apt-get (and dpkg for .deb URLs) command
// installing packages, as Kolla's debian_package_install.
func debianPackageInstall(c *jinja.Call) (any, error) {
	pkgsV, ok := arg(c, 0, "packages")
	if !ok {
		return nil, errors.New("debian_package_install() missing 1 required positional argument: 'packages'")
	}
	clean := true
	if v, ok := arg(c, 1, "clean_package_cache"); ok {
		clean = truthy(v)
	}
	pkgs, err := iterate(pkgsV)
	if err != nil {
		return nil, err
	}
	var regular, urls []string
	for _, p := range pkgs {
		s, ok := p.(string)
		if !ok {
			return nil, fmt.Errorf("%q object has no attribute 'startswith'", pyTypeName(p))
		}
		if strings.HasPrefix(s, "http") {
			urls = append(urls, s)
		} else {
			regular = append(regular, s)
		}
	}
	var cmds []string
	if len(regular) > 0 {
		cmds = append(cmds, "apt-get --error-on=any update",
			"apt-get -y install --no-install-recommends "+strings.Join(regular, " "))
		if clean {
			cmds = append(cmds, "apt-get clean", "rm -rf /var/lib/apt/lists/*")
		}
	}
	for _, u := range urls {
		name := u[strings.LastIndex(u, "/")+1:]
		cmds = append(cmds, "curl --location "+u+" -o "+name, "dpkg -i "+name, "rm -rf "+name)
	}
	return strings.Join(cmds, " && "), nil
}

// raiseError is Kolla's raise_error: it stops rendering with msg.
func raiseError(c *jinja.Call) (any, error) {
	msg, _ := arg(c, 0, "msg")
	return nil, errors.New(jinjaStr(msg))
}
