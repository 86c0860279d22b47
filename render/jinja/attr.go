package jinja

// boundMethod is a Python method bound to its receiver ("a b".split).
type boundMethod struct {
	recv any
	name string
}

const (
	strMethods  = "capitalize casefold center count endswith expandtabs find format format_map index removeprefix removesuffix isalnum isalpha isdecimal isdigit islower isnumeric isspace istitle isupper join ljust lower lstrip partition replace rfind rindex rjust rpartition rsplit rstrip split splitlines startswith strip swapcase title upper zfill"
	listMethods = "append clear copy count extend index insert pop remove reverse sort"
	dictMethods = "clear copy get items keys pop popitem setdefault update values"
)

func hasMethod(list string, name string) bool {
	for i := 0; i+len(name) <= len(list); {
		j := i
		for j < len(list) && list[j] != ' ' {
			j++
		}
		if list[i:j] == name {
			return true
		}
		i = j + 1
	}
	return false
}

// ownerName is Jinja2's object_type_repr for undefined-attribute messages.
func ownerName(v any) string {
	if v == nil {
		return "None"
	}
	switch v.(type) {
	case *module:
		return "jinja2.environment.TemplateModule object"
	case *Namespace:
		return "jinja2.utils.Namespace object"
	case *loopContext:
		return "jinja2.runtime.LoopContext object"
	case *macro:
		return "jinja2.runtime.Macro object"
	}
	return typeName(v) + " object"
}

// getattr is Jinja2's environment.getattr: the attribute, else the item.
func (r *renderer) getattr(obj any, name string) (any, error) {
	obj = plain(obj)
	switch x := obj.(type) {
	case Undefined:
		return nil, &undefinedError{u: x}
	case *Dict:
		if hasMethod(dictMethods, name) {
			return boundMethod{x, name}, nil
		}
		if v, ok := x.Get(name); ok {
			return v, nil
		}
	case string:
		if hasMethod(strMethods, name) {
			return boundMethod{x, name}, nil
		}
	case *list:
		if hasMethod(listMethods, name) {
			return boundMethod{x, name}, nil
		}
	case *Namespace:
		if v, ok := x.attrs.Get(name); ok {
			return v, nil
		}
	case *loopContext:
		if v, ok := x.attr(name); ok {
			return v, nil
		}
	case *module:
		if v, ok := x.exports[name]; ok {
			return v, nil
		}
		return Undefined{Name: name, owner: ownerName(obj), mod: x}, nil
	case *macro:
		switch name {
		case "name":
			return x.def.name, nil
		case "arguments":
			args := Tuple{}
			for _, p := range x.def.params {
				args = append(args, p)
			}
			return args, nil
		case "catch_kwargs":
			return x.def.catchKwargs, nil
		case "catch_varargs":
			return x.def.catchVarargs, nil
		case "caller":
			return x.def.callerUsed, nil
		}
	case float64:
		switch name {
		case "real":
			return x, nil
		case "imag":
			return 0.0, nil
		case "is_integer":
			return boundMethod{x, name}, nil
		}
	case int:
		switch name {
		case "real", "numerator":
			return x, nil
		case "imag":
			return 0, nil
		case "denominator":
			return 1, nil
		}
	case selfRef:
		if _, ok := x.ctx.blocks[name]; ok {
			return blockRef{name: name, index: 0, ctx: x.ctx}, nil
		}
	case blockRef:
		if name == "super" {
			if x.index+1 >= len(x.ctx.blocks[x.name]) {
				return Undefined{Hint: "no parent block called " + pyRepr(x.name) + "."}, nil
			}
			return blockRef{name: x.name, index: x.index + 1, ctx: x.ctx}, nil
		}
	case *cycler:
		if v, ok := x.attr(name); ok {
			return v, nil
		}
	case Tuple:
		if name == "count" || name == "index" {
			return boundMethod{x, name}, nil
		}
		// groupby's result tuples expose their parts by name.
		if len(x) == 2 && (name == "grouper" || name == "list") {
			if name == "grouper" {
				return x[0], nil
			}
			return x[1], nil
		}
	case *Template:
		if name == "name" {
			return x.name, nil
		}
	}
	return Undefined{Name: name, owner: ownerName(obj)}, nil
}

// getitem is Jinja2's environment.getitem: the item, else the attribute.
func (r *renderer) getitem(obj any, key any) (any, error) {
	obj, key = plain(obj), plain(key)
	switch x := obj.(type) {
	case Undefined:
		return nil, &undefinedError{u: x}
	case *Dict:
		if hashable(key) {
			if v, ok := x.Get(key); ok {
				return v, nil
			}
		}
	case *list:
		if v, ok := index(x.items, key); ok {
			return v, nil
		}
	case Tuple:
		if v, ok := index(x, key); ok {
			return v, nil
		}
	case string:
		if i, _, isF, ok := number(key); ok && !isF {
			chars, _ := iterate(x)
			if v, ok := index(chars, i); ok {
				return v, nil
			}
		}
	case rangeValue:
		if v, ok := index(rangeItems(x), key); ok {
			return v, nil
		}
	case *Namespace, *loopContext, *module:
		if s, ok := key.(string); ok {
			return r.getattr(obj, s)
		}
	}
	if s, ok := key.(string); ok {
		v, err := r.getattr(obj, s)
		if err != nil {
			return nil, err
		}
		if u, ok := v.(Undefined); !ok || u.Name != s {
			return v, nil
		}
	}
	if _, ok := key.(string); ok {
		return Undefined{Name: key.(string), owner: ownerName(obj)}, nil
	}
	return Undefined{owner: ownerName(obj), key: key, hasKey: true}, nil
}

func index(items []any, key any) (any, bool) {
	i, _, isF, ok := number(key)
	if !ok || isF {
		return nil, false
	}
	if i < 0 {
		i += len(items)
	}
	if i < 0 || i >= len(items) {
		return nil, false
	}
	return items[i], true
}
