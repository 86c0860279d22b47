package jinja

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"
)

func isLetterOrDigit(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }

// builtinGlobals are Jinja2's default globals: range, dict, namespace, cycler
// and joiner.
func builtinGlobals() map[string]any {
	return map[string]any{
		"range": builtinFunc(func(r *renderer, args []any, kw []kwarg) (any, error) {
			if len(kw) > 0 {
				return nil, pyErrorf("range() takes no keyword arguments")
			}
			nums := make([]int, len(args))
			for i, a := range args {
				n, err := asInt(a, "range")
				if err != nil {
					return nil, err
				}
				nums[i] = n
			}
			switch len(nums) {
			case 1:
				return sandboxRange(rangeValue{0, nums[0], 1})
			case 2:
				return sandboxRange(rangeValue{nums[0], nums[1], 1})
			case 3:
				if nums[2] == 0 {
					return nil, pyErrorf("range() arg 3 must not be zero")
				}
				return sandboxRange(rangeValue{nums[0], nums[1], nums[2]})
			}
			return nil, pyErrorf("range expected at most 3 arguments, got ", strconv.Itoa(len(nums)))
		}),
		"dict": builtinFunc(func(r *renderer, args []any, kw []kwarg) (any, error) {
			d := NewDict()
			if _, err := dictMethod(d, "update", args, kw); err != nil {
				return nil, err
			}
			return d, nil
		}),
		"namespace": builtinFunc(func(r *renderer, args []any, kw []kwarg) (any, error) {
			d := NewDict()
			if _, err := dictMethod(d, "update", args, kw); err != nil {
				return nil, err
			}
			return &Namespace{attrs: d}, nil
		}),
		"cycler": builtinFunc(func(r *renderer, args []any, kw []kwarg) (any, error) {
			if len(args) == 0 {
				return nil, pyErrorf("at least one item has to be provided")
			}
			return &cycler{items: args}, nil
		}),
		"lipsum": builtinFunc(func(r *renderer, args []any, kw []kwarg) (any, error) {
			a, err := sig("lipsum", "n", "html", "min", "max").with(5, true, 20, 100).bind(args, kw)
			if err != nil {
				return nil, err
			}
			return lipsum(a)
		}),
		"joiner": builtinFunc(func(r *renderer, args []any, kw []kwarg) (any, error) {
			a, err := sig("joiner", "sep").with(", ").bind(args, kw)
			if err != nil {
				return nil, err
			}
			return &joiner{sep: pyStr(a[0])}, nil
		}),
	}
}

// cycler is the object made by cycler(): next(), current and reset().
type cycler struct {
	items []any
	pos   int
}

func (c *cycler) attr(name string) (any, bool) {
	switch name {
	case "current":
		return c.items[c.pos], true
	case "next":
		return builtinFunc(func(r *renderer, args []any, kw []kwarg) (any, error) {
			v := c.items[c.pos]
			c.pos = (c.pos + 1) % len(c.items)
			return v, nil
		}), true
	case "reset":
		return builtinFunc(func(r *renderer, args []any, kw []kwarg) (any, error) {
			c.pos = 0
			return nil, nil
		}), true
	}
	return nil, false
}

// joiner returns "" on its first call and the separator afterwards.
type joiner struct {
	sep  string
	used bool
}

// maxRange is the sandbox's MAX_RANGE: longer ranges are refused.
const maxRange = 100000

func sandboxRange(r rangeValue) (any, error) {
	if r.len() > maxRange {
		return nil, pyErrorf("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).")
	}
	return r, nil
}

// sortedDicts copies v with dict keys sorted, as pprint prints them.
func sortedDicts(v any) any { return sortedDictsDepth(v, 0) }

func sortedDictsDepth(v any, depth int) any {
	if depth > maxConvertDepth {
		return v
	}
	sortedDicts := func(v any) any { return sortedDictsDepth(v, depth+1) }
	switch x := v.(type) {
	case *Dict:
		keys := x.Keys()
		sorted, err := sortValues(keys, func(k any) any { return k }, false)
		if err != nil {
			sorted = keys
		}
		d := NewDict()
		for _, k := range sorted {
			val, _ := x.Get(k)
			d.Set(k, sortedDicts(val))
		}
		return d
	case *list:
		out := make([]any, len(x.items))
		for i, e := range x.items {
			out[i] = sortedDicts(e)
		}
		return newList(out)
	case Tuple:
		out := make(Tuple, len(x))
		for i, e := range x {
			out[i] = sortedDicts(e)
		}
		return out
	}
	return v
}

const lipsumText = `lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod
tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation
ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit
esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui
officia deserunt mollit anim id est laborum`

// lipsum generates placeholder paragraphs; like Jinja2's, the text is random.
func lipsum(a []any) (any, error) {
	n, err := asInt(a[0], "n")
	if err != nil {
		return nil, err
	}
	lo, err := asInt(a[2], "min")
	if err != nil {
		return nil, err
	}
	hi, err := asInt(a[3], "max")
	if err != nil {
		return nil, err
	}
	if lo < 1 || hi < lo || n > 100 || hi > 10000 {
		return nil, pyErrorf("invalid lipsum arguments")
	}
	lipsumWords := strings.Fields(lipsumText)
	var paras []string
	for i := 0; i < n; i++ {
		count := lo + rand.IntN(hi-lo+1)
		words := make([]string, count)
		for j := range words {
			words[j] = lipsumWords[rand.IntN(len(lipsumWords))]
		}
		p := strings.ToUpper(words[0][:1]) + strings.Join(words, " ")[1:] + "."
		paras = append(paras, p)
	}
	if truthy(a[1]) {
		for i, p := range paras {
			paras[i] = "<p>" + p + "</p>"
		}
		return markup(strings.Join(paras, "\n")), nil
	}
	return strings.Join(paras, "\n\n"), nil
}
