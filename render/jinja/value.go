package jinja

import (
	"math/big"
	"reflect"
	"sort"
)

// Tuple is a Python tuple: an immutable sequence.
type Tuple []any

// Undefined is the value of a name or attribute that does not exist. It renders
// as the empty string, iterates as empty and is false; most other uses raise an
// UndefinedError, as with Jinja2's default Undefined.
type Undefined struct {
	// Name is the missing name or attribute; Hint overrides the message.
	Name string
	Hint string
	// owner describes the object an attribute was looked up on ("dict object").
	owner string
	// key is set when an element (not an attribute) was missing.
	key    any
	hasKey bool
	// mod is the imported template the attribute was missing from, for
	// "did you mean" suggestions when it is called as a macro.
	mod *module
}

// message is the text of the UndefinedError raised by misusing u.
func (u Undefined) message() string {
	switch {
	case u.Hint != "":
		return u.Hint
	case u.hasKey:
		return u.owner + " has no element " + pyRepr(u.key)
	case u.owner != "":
		return pyRepr(u.owner) + " has no attribute " + pyRepr(u.Name)
	default:
		return pyRepr(u.Name) + " is undefined"
	}
}

// List is the engine's Python list: a reference type, so append is visible to
// every holder as in Python.
type list struct {
	items []any
}

func newList(items []any) *list { return &list{items: items} }

// Dict is an ordered mapping with Python key semantics (1, 1.0 and True are the
// same key) that keeps insertion order like Python 3.7+ dicts.
type Dict struct {
	keys   []any
	values []any
	index  map[any]int
}

// NewDict returns an empty Dict.
func NewDict() *Dict { return &Dict{} }

func newDictCap(n int) *Dict {
	d := &Dict{keys: make([]any, 0, n), values: make([]any, 0, n)}
	if n > smallDict {
		d.index = make(map[any]int, n)
	}
	return d
}

// smallDict is the size up to which a Dict finds keys by scanning instead of
// keeping an index map; most template dicts are this small.
const smallDict = 8

// find returns the position of key.
func (d *Dict) find(k any) (int, bool) {
	if d.index != nil {
		i, ok := d.index[k]
		return i, ok
	}
	for i, key := range d.keys {
		if dictKey(key) == k {
			return i, true
		}
	}
	return 0, false
}

// dictKey normalises a Python key to a comparable Go value.
func dictKey(k any) any {
	switch v := k.(type) {
	case markup:
		return string(v)
	case bool:
		if v {
			return 1
		}
		return 0
	case float64:
		if v == float64(int(v)) {
			return int(v)
		}
		return v
	case Tuple:
		return "\x00tuple:" + pyRepr(v)
	case *big.Int:
		return "\x00int:" + v.String()
	case *list, *Dict:
		return nil // unhashable; callers check with hashable first
	}
	return k
}

// hashable reports whether k may be used as a dict key.
func hashable(k any) bool {
	switch k.(type) {
	case *list, *Dict, *Namespace:
		return false
	case Tuple:
		for _, e := range k.(Tuple) {
			if !hashable(e) {
				return false
			}
		}
	}
	return true
}

// Set adds or replaces key.
func (d *Dict) Set(key any, value any) {
	k := dictKey(key)
	if i, ok := d.find(k); ok {
		d.values[i] = value
		return
	}
	d.keys = append(d.keys, key)
	d.values = append(d.values, value)
	switch {
	case d.index != nil:
		d.index[k] = len(d.keys) - 1
	case len(d.keys) > smallDict:
		d.reindex()
	}
}

func (d *Dict) reindex() {
	d.index = make(map[any]int, len(d.keys))
	for j, key := range d.keys {
		d.index[dictKey(key)] = j
	}
}

// Get returns the value for key.
func (d *Dict) Get(key any) (any, bool) {
	if d == nil || len(d.keys) == 0 {
		return nil, false
	}
	i, ok := d.find(dictKey(key))
	if !ok {
		return nil, false
	}
	return d.values[i], true
}

// Delete removes key and reports whether it was present.
func (d *Dict) Delete(key any) bool {
	i, ok := d.find(dictKey(key))
	if !ok {
		return false
	}
	d.keys = append(d.keys[:i:i], d.keys[i+1:]...)
	d.values = append(d.values[:i:i], d.values[i+1:]...)
	if d.index != nil {
		d.reindex()
	}
	return true
}

// Keys returns the keys in insertion order.
func (d *Dict) Keys() []any {
	if d == nil {
		return nil
	}
	return append([]any(nil), d.keys...)
}

// Len is the number of keys.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return len(d.keys)
}

func (d *Dict) copy() *Dict {
	n := &Dict{keys: append([]any(nil), d.keys...), values: append([]any(nil), d.values...)}
	if d.index != nil {
		n.reindex()
	}
	return n
}

// Namespace is the object made by namespace(): attributes may be assigned with
// {% set ns.attr = value %} from any scope.
type Namespace struct {
	attrs *Dict
}

// rangeValue is Python's range object.
type rangeValue struct {
	start, stop, step int
}

func (r rangeValue) len() int {
	if r.step > 0 && r.start < r.stop {
		return (r.stop - r.start + r.step - 1) / r.step
	}
	if r.step < 0 && r.start > r.stop {
		return (r.start - r.stop - r.step - 1) / -r.step
	}
	return 0
}

// dictView is the result of dict.items()/keys()/values().
type dictView struct {
	kind string // "items", "keys", "values"
	d    *Dict
}

func (v dictView) list() []any {
	out := make([]any, len(v.d.keys))
	for i := range v.d.keys {
		switch v.kind {
		case "keys":
			out[i] = v.d.keys[i]
		case "values":
			out[i] = v.d.values[i]
		default:
			out[i] = Tuple{v.d.keys[i], v.d.values[i]}
		}
	}
	return out
}

// opaque wraps a Go value of a type templates may not inspect (sandbox).
type opaque struct{ v any }

// maxConvertDepth bounds conversions between Go and engine values, which
// may meet self-referencing lists.
const maxConvertDepth = 100

// toValue converts a Go value given by the caller into the engine's
// representation (lists become reference lists, maps become ordered dicts).
func toValue(v any) any { return toValueDepth(v, 0) }

func toValueDepth(v any, depth int) any {
	if depth > maxConvertDepth {
		return nil
	}
	toValue := func(v any) any { return toValueDepth(v, depth+1) }
	switch x := v.(type) {
	case nil, bool, string, float64, int, Func, Undefined, *Template, *Namespace, Tuple:
		if t, ok := x.(Tuple); ok {
			out := make(Tuple, len(t))
			for i, e := range t {
				out[i] = toValue(e)
			}
			return out
		}
		return v
	case int64:
		return int(x)
	case *big.Int:
		if x == nil {
			return nil
		}
		return normBig(x)
	case int32:
		return int(x)
	case int16:
		return int(x)
	case int8:
		return int(x)
	case uint:
		return int(x)
	case uint64:
		return int(x)
	case uint32:
		return int(x)
	case uint16:
		return int(x)
	case uint8:
		return int(x)
	case float32:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toValue(e)
		}
		return newList(out)
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return newList(out)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := newDictCap(len(keys))
		for _, k := range keys {
			d.Set(k, toValue(x[k]))
		}
		return d
	case map[string]string:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := newDictCap(len(keys))
		for _, k := range keys {
			d.Set(k, x[k])
		}
		return d
	case *Dict:
		if x == nil {
			return nil
		}
		d := newDictCap(x.Len())
		for i, k := range x.keys {
			d.Set(toValue(k), toValue(x.values[i]))
		}
		return d
	case func(c *Call) (any, error):
		return Func(x)
	case *list, *macro, *module, rangeValue, dictView, *loopContext, builtinFunc, opaque, *cycler, *joiner, blockRef, selfRef, *generator, boundMethod, markup:
		return v
	}
	return reflectValue(v, depth)
}

// reflectValue converts other slices, maps with string keys and named basic
// types. Anything else (structs, pointers, channels) stays opaque: templates
// cannot look inside Go values they were not given as data.
func reflectValue(v any, depth int) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = toValueDepth(rv.Index(i).Interface(), depth+1)
		}
		return newList(out)
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		keys := make([]string, 0, rv.Len())
		for _, k := range rv.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		d := newDictCap(len(keys))
		for _, k := range keys {
			d.Set(k, toValueDepth(rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key())).Interface(), depth+1))
		}
		return d
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	}
	return opaque{v}
}

// toGo converts an engine value to the Go types of the public API.
func toGo(v any) any { return toGoDepth(v, 0) }

func toGoDepth(v any, depth int) any {
	if depth > maxConvertDepth {
		return nil
	}
	toGo := func(v any) any { return toGoDepth(v, depth+1) }
	switch x := v.(type) {
	case *list:
		out := make([]any, len(x.items))
		for i, e := range x.items {
			out[i] = toGo(e)
		}
		return out
	case Tuple:
		out := make(Tuple, len(x))
		for i, e := range x {
			out[i] = toGo(e)
		}
		return out
	case *Dict:
		d := &Dict{}
		for i, k := range x.keys {
			d.Set(toGo(k), toGo(x.values[i]))
		}
		return d
	case dictView:
		return toGo(newList(x.list()))
	case rangeValue:
		return toGo(newList(rangeItems(x)))
	case *generator:
		return toGo(newList(x.take()))
	case markup:
		return string(x)
	case opaque:
		return x.v
	}
	return v
}

func rangeItems(r rangeValue) []any {
	n := r.len()
	out := make([]any, n)
	for i := 0; i < n; i++ {
		out[i] = r.start + i*r.step
	}
	return out
}
