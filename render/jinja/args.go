package jinja

import "strconv"

// signature describes the parameters of a builtin filter, test or method.
type signature struct {
	name     string
	params   []string
	defaults []any // for the last len(defaults) params
}

// noDefault marks a required parameter in defaults lists that need it.
type noDefault struct{}

// bind matches positional and keyword arguments to parameters, like a Python
// call would, and returns one value per parameter.
func (s signature) bind(args []any, kw []kwarg) ([]any, error) {
	n := len(s.params)
	if len(args) > n {
		return nil, pyErrorf(s.name, "() takes ", strconv.Itoa(n), " positional arguments but ", strconv.Itoa(len(args)), " were given")
	}
	out := make([]any, n)
	set := make([]bool, n)
	for i, a := range args {
		out[i] = a
		set[i] = true
	}
	for _, k := range kw {
		found := false
		for i, p := range s.params {
			if p == k.name {
				if set[i] {
					return nil, pyErrorf(s.name, "() got multiple values for argument ", pyRepr(p))
				}
				out[i], set[i], found = k.val, true, true
				break
			}
		}
		if !found {
			return nil, pyErrorf(s.name, "() got an unexpected keyword argument ", pyRepr(k.name))
		}
	}
	first := n - len(s.defaults)
	for i := range out {
		if set[i] {
			continue
		}
		if i >= first {
			if _, req := s.defaults[i-first].(noDefault); !req {
				out[i] = s.defaults[i-first]
				continue
			}
		}
		return nil, pyErrorf(s.name, "() missing 1 required positional argument: ", pyRepr(s.params[i]))
	}
	return out, nil
}

func sig(name string, params ...string) signature { return signature{name: name, params: params} }

func (s signature) with(defaults ...any) signature {
	s.defaults = defaults
	return s
}

// asInt accepts int or bool (Python's __index__). what names the argument
// for readers of the call site; Python's message does not mention it.
func asInt(v any, what string) (int, error) {
	i, _, isF, ok := number(v)
	if !ok || isF {
		return 0, pyErrorf(pyRepr(typeName(v)), " object cannot be interpreted as an integer")
	}
	return i, nil
}

func asString(v any, what string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", pyErrorf(what, " must be str, not ", typeName(v))
	}
	return s, nil
}
