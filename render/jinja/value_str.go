package jinja

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pyStr is Python's str(v) as Jinja2 prints it.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case markup:
		return string(x)
	case Undefined:
		return ""
	case int:
		return strconv.Itoa(x)
	}
	var p printer
	p.write(v, false)
	return p.b.String()
}

// pyRepr is Python's repr(v).
func pyRepr(v any) string {
	var p printer
	p.write(v, true)
	return p.b.String()
}

// printer writes Python str()/repr() output; active holds the containers
// being printed so that self-references print as [...] like Python.
type printer struct {
	b      strings.Builder
	active []any
}

func (p *printer) enter(c any) bool {
	for _, a := range p.active {
		if a == c {
			return false
		}
	}
	p.active = append(p.active, c)
	return true
}

func (p *printer) leave() { p.active = p.active[:len(p.active)-1] }

func (p *printer) write(v any, repr bool) {
	b := &p.b
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case *big.Int:
		b.WriteString(x.String())
	case float64:
		b.WriteString(formatFloat(x))
	case string:
		if repr {
			writeQuoted(b, x)
		} else {
			b.WriteString(x)
		}
	case markup:
		if repr {
			b.WriteString("Markup(")
			writeQuoted(b, string(x))
			b.WriteString(")")
		} else {
			b.WriteString(string(x))
		}
	case Undefined:
		if repr {
			b.WriteString("Undefined")
		}
	case *list:
		if !p.enter(x) {
			b.WriteString("[...]")
			return
		}
		p.writeSeq("[", "]", x.items, false)
		p.leave()
	case Tuple:
		if len(p.active) > 500 {
			b.WriteString("(...)")
			return
		}
		p.active = append(p.active, nil)
		p.writeSeq("(", ")", x, len(x) == 1)
		p.leave()
	case *Dict:
		if !p.enter(x) {
			b.WriteString("{...}")
			return
		}
		p.writeDict(x)
		p.leave()
	case dictView:
		b.WriteString("dict_" + x.kind + "(")
		p.writeSeq("[", "]", x.list(), false)
		b.WriteString(")")
	case rangeValue:
		b.WriteString("range(" + strconv.Itoa(x.start) + ", " + strconv.Itoa(x.stop))
		if x.step != 1 {
			b.WriteString(", " + strconv.Itoa(x.step))
		}
		b.WriteString(")")
	case *Namespace:
		b.WriteString("<Namespace ")
		p.writeDict(x.attrs)
		b.WriteString(">")
	case *macro:
		b.WriteString("<Macro '" + x.def.name + "'>")
	case *module:
		if repr {
			b.WriteString("<Module '" + x.name + "'>")
		} else {
			b.WriteString(x.body)
		}
	case *Template:
		b.WriteString("<Template '" + x.name + "'>")
	case *loopContext:
		b.WriteString("<LoopContext " + strconv.Itoa(x.index+1) + "/" + strconv.Itoa(len(x.items)) + ">")
	case Func, builtinFunc, boundMethod:
		b.WriteString("<function>")
	case selfRef:
		b.WriteString("<TemplateReference " + pyRepr(x.name) + ">")
	case blockRef:
		b.WriteString("<BlockReference " + pyRepr(x.name) + ">")
	case *generator:
		b.WriteString("<generator object " + x.name + ">")
	case opaque:
		b.WriteString("<object>")
	default:
		b.WriteString("<object>")
	}
}

func (p *printer) writeSeq(open, closing string, items []any, trailingComma bool) {
	b := &p.b
	b.WriteString(open)
	for i, e := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		p.write(e, true)
	}
	if trailingComma {
		b.WriteString(",")
	}
	b.WriteString(closing)
}

func (p *printer) writeDict(d *Dict) {
	b := &p.b
	b.WriteString("{")
	for i, k := range d.keys {
		if i > 0 {
			b.WriteString(", ")
		}
		p.write(k, true)
		b.WriteString(": ")
		p.write(d.values[i], true)
	}
	b.WriteString("}")
}

// writeQuoted writes s the way Python's repr quotes a string.
func writeQuoted(b *strings.Builder, s string) {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case r == ' ' || (r < 0x7f && r >= 0x20) || (r >= 0x7f && unicode.IsPrint(r)):
			b.WriteRune(r)
		case r < 0x100:
			b.WriteString(`\x` + hex2(int(r)))
		case r < 0x10000:
			b.WriteString(`\u` + hex2(int(r)>>8) + hex2(int(r)&0xff))
		default:
			b.WriteString(`\U` + hex2(int(r)>>24) + hex2(int(r)>>16&0xff) + hex2(int(r)>>8&0xff) + hex2(int(r)&0xff))
		}
	}
	b.WriteByte(quote)
}

func hex2(n int) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[n>>4&0xf], digits[n&0xf]})
}

// formatFloat is Python's repr(float): the shortest round-tripping digits, in
// positional notation when the exponent is in [-4, 16), else scientific.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	if exp < -4 || exp >= 16 {
		sign := "+"
		if exp < 0 {
			sign = "-"
			exp = -exp
		}
		es := strconv.Itoa(exp)
		if len(es) < 2 {
			es = "0" + es
		}
		return mant + "e" + sign + es
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// truthy is Python's bool(v).
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case *big.Int:
		return x.Sign() != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case markup:
		return x != ""
	case Undefined:
		return false
	case *list:
		return len(x.items) > 0
	case Tuple:
		return len(x) > 0
	case *Dict:
		return x.Len() > 0
	case dictView:
		return x.d.Len() > 0
	case rangeValue:
		return x.len() > 0
	}
	return true
}

// typeName is the Python type name used in error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case markup:
		return "Markup"
	case *list:
		return "list"
	case Tuple:
		return "tuple"
	case *Dict:
		return "dict"
	case Undefined:
		return "Undefined"
	case rangeValue:
		return "range"
	case dictView:
		return "dict_" + v.(dictView).kind
	case *macro:
		return "Macro"
	case *Namespace:
		return "Namespace"
	case *loopContext:
		return "LoopContext"
	case *module:
		return "TemplateModule"
	case *Template:
		return "Template"
	case Func, builtinFunc, boundMethod:
		return "function"
	case *generator:
		return "generator"
	}
	return "object"
}
