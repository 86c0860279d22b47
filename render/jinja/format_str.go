package jinja

// Python str.format and its format-spec mini-language.

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// strFormat is Python's str.format; fields reach attributes only through the
// sandboxed getattr.
func (r *renderer) strFormat(format string, args []any, kw []kwarg) (string, error) {
	var b strings.Builder
	auto := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch c {
		case '{':
			if i+1 < len(format) && format[i+1] == '{' {
				b.WriteByte('{')
				i++
				continue
			}
			depth := 1
			j := i + 1
			for j < len(format) && depth > 0 {
				switch format[j] {
				case '{':
					depth++
				case '}':
					depth--
				}
				j++
			}
			if depth > 0 {
				return "", pyErrorf("expected '}' before end of string")
			}
			field := format[i+1 : j-1]
			i = j - 1
			s, err := r.formatField(field, args, kw, &auto)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		case '}':
			if i+1 < len(format) && format[i+1] == '}' {
				b.WriteByte('}')
				i++
				continue
			}
			return "", pyErrorf("Single '}' encountered in format string")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func (r *renderer) formatField(field string, args []any, kw []kwarg, auto *int) (string, error) {
	spec := ""
	if k := strings.IndexByte(field, ':'); k >= 0 {
		field, spec = field[:k], field[k+1:]
	}
	if strings.IndexByte(spec, '{') >= 0 {
		// Nested fields in the spec, like "{:>{width}}".
		expanded, err := r.strFormat(spec, args, kw)
		if err != nil {
			return "", err
		}
		spec = expanded
	}
	conv := byte(0)
	if k := strings.IndexByte(field, '!'); k >= 0 {
		if k+1 < len(field) {
			conv = field[k+1]
		}
		field = field[:k]
	}
	name := field
	rest := ""
	if k := strings.IndexAny(field, ".["); k >= 0 {
		name, rest = field[:k], field[k:]
	}
	var v any
	switch {
	case name == "":
		if *auto < 0 {
			return "", pyErrorf("cannot switch from manual field specification to automatic field numbering")
		}
		if *auto >= len(args) {
			return "", pyErrorf("Replacement index ", itoa(*auto), " out of range for positional args tuple")
		}
		v = args[*auto]
		*auto++
	case isAllDigits(name):
		n, _ := strconv.Atoi(name)
		if n >= len(args) {
			return "", pyErrorf("Replacement index ", itoa(n), " out of range for positional args tuple")
		}
		v = args[n]
	default:
		found := false
		for _, k := range kw {
			if k.name == name {
				v, found = k.val, true
			}
		}
		if !found {
			return "", pyErrorf(pyRepr(name))
		}
	}
	for rest != "" {
		if rest[0] == '.' {
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			attr := rest[1 : end+1]
			rest = rest[end+1:]
			if strings.HasPrefix(attr, "_") {
				v = Undefined{Name: attr, owner: ownerName(v)}
				continue
			}
			if _, ok := v.(*Dict); ok && !hasMethod(dictMethods, attr) {
				// Python's format uses getattr, which never reads dict keys.
				return "", pyErrorf(pyRepr(typeName(v)), " object has no attribute ", pyRepr(attr))
			}
			got, err := r.getattr(v, attr)
			if err != nil {
				return "", err
			}
			v = got
			continue
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", pyErrorf("Missing ']' in format string")
		}
		key := rest[1:end]
		rest = rest[end+1:]
		var k any = key
		if isAllDigits(key) {
			k, _ = strconv.Atoi(key)
		}
		switch c := v.(type) {
		case *Dict:
			v, _ = c.Get(k)
		case *list:
			v, _ = index(c.items, k)
		case Tuple:
			v, _ = index(c, k)
		}
	}
	switch conv {
	case 'r', 'a':
		v = pyRepr(v)
	case 's':
		v = pyStr(v)
	}
	return formatSpec(v, spec)
}

func isAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDec(s[i]) {
			return false
		}
	}
	return true
}

// formatSpec applies a format-spec mini-language spec to v.
func formatSpec(v any, spec string) (string, error) {
	if spec == "" {
		return pyStr(v), nil
	}
	fill, align := " ", byte(0)
	if len(spec) >= 2 && strings.IndexByte("<>=^", spec[1]) >= 0 {
		fill, align, spec = spec[:1], spec[1], spec[2:]
	} else if len(spec) >= 1 && strings.IndexByte("<>=^", spec[0]) >= 0 {
		align, spec = spec[0], spec[1:]
	}
	sign := byte('-')
	if spec != "" && strings.IndexByte("+- ", spec[0]) >= 0 {
		sign, spec = spec[0], spec[1:]
	}
	alt := false
	if spec != "" && spec[0] == '#' {
		alt, spec = true, spec[1:]
	}
	if spec != "" && spec[0] == '0' {
		if align == 0 {
			fill, align = "0", '='
		}
		spec = spec[1:]
	}
	k := 0
	for k < len(spec) && isDec(spec[k]) {
		k++
	}
	width, _ := strconv.Atoi(spec[:k])
	spec = spec[k:]
	grouping := byte(0)
	if spec != "" && (spec[0] == ',' || spec[0] == '_') {
		grouping, spec = spec[0], spec[1:]
	}
	prec := -1
	if spec != "" && spec[0] == '.' {
		k = 1
		for k < len(spec) && isDec(spec[k]) {
			k++
		}
		prec, _ = strconv.Atoi(spec[1:k])
		spec = spec[k:]
	}
	typ := byte(0)
	if spec != "" {
		typ = spec[0]
	}
	var body string
	numeric := false
	switch x := v.(type) {
	case string:
		if typ != 0 && typ != 's' {
			return "", pyErrorf("Unknown format code ", pyRepr(string(typ)), " for object of type 'str'")
		}
		body = x
		if prec >= 0 {
			body = runeSlice(body, 0, prec)
		}
		if align == 0 {
			align = '<'
		}
	case *big.Int:
		numeric = true
		if align == 0 {
			align = '>'
		}
		digits := new(big.Int).Abs(x).String()
		if grouping != 0 {
			digits = groupThousands(digits, grouping)
		}
		body = numSign(x.Sign() < 0, sign) + digits
	case bool, int, float64:
		numeric = true
		if align == 0 {
			align = '>'
		}
		i, f, isF, _ := number(x)
		switch {
		case typ == 0 && !isF || typ == 'd' || typ == 'n':
			if isF {
				return "", pyErrorf("Unknown format code 'd' for object of type 'float'")
			}
			if b, ok := x.(bool); ok && typ == 0 {
				body = pyStr(b)
			} else {
				body = strconv.Itoa(abs(i))
				if grouping != 0 {
					body = groupThousands(body, grouping)
				}
				body = numSign(i < 0, sign) + body
			}
		case typ == 'c':
			if isF {
				return "", pyErrorf("Unknown format code 'c' for object of type 'float'")
			}
			body = string(rune(i))
		case typ == 'x' || typ == 'X' || typ == 'o' || typ == 'b':
			if isF {
				return "", pyErrorf("Unknown format code ", pyRepr(string(typ)), " for object of type 'float'")
			}
			base := map[byte]int{'x': 16, 'X': 16, 'o': 8, 'b': 2}[typ]
			body = strconv.FormatInt(int64(abs(i)), base)
			if typ == 'X' {
				body = strings.ToUpper(body)
			}
			if alt {
				body = "0" + string(typ) + body
			}
			body = numSign(i < 0, sign) + body
		default:
			if !isF {
				f = float64(i)
			}
			t := typ
			p := prec
			switch t {
			case 0:
				if p < 0 {
					body = formatFloat(math.Abs(f))
					t = 1
				} else {
					// Like 'g', but fixed notation keeps one decimal.
					body = formatFloatSpec(math.Abs(f), 'g', p, false)
					if !strings.ContainsAny(body, ".e") && !math.IsInf(f, 0) && !math.IsNaN(f) {
						body += ".0"
					}
					t = 1
				}
			case '%':
				f *= 100
			}
			if t != 1 {
				if p < 0 {
					p = 6
				}
				conv := t
				if conv == '%' {
					conv = 'f'
				}
				body = formatFloatSpec(math.Abs(f), conv, p, alt)
				if typ == '%' {
					body += "%"
				}
			}
			if grouping != 0 {
				intPart, frac, _ := strings.Cut(body, ".")
				if isAllDigits(intPart) {
					body = groupThousands(intPart, grouping)
					if frac != "" || strings.Contains(body, ".") {
						body += "." + frac
					}
				}
			}
			body = numSign(math.Signbit(f), sign) + body
		}
	default:
		body = pyStr(v)
		if align == 0 {
			align = '<'
		}
	}
	n := utf8.RuneCountInString(body)
	if n >= width {
		return body, nil
	}
	padN := width - n
	switch align {
	case '<':
		return body + strings.Repeat(fill, padN), nil
	case '^':
		return strings.Repeat(fill, padN/2) + body + strings.Repeat(fill, padN-padN/2), nil
	case '=':
		if numeric && body != "" && strings.IndexByte("+- ", body[0]) >= 0 {
			return body[:1] + strings.Repeat(fill, padN) + body[1:], nil
		}
	}
	return strings.Repeat(fill, padN) + body, nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

func numSign(neg bool, sign byte) string {
	switch {
	case neg:
		return "-"
	case sign == '+':
		return "+"
	case sign == ' ':
		return " "
	}
	return ""
}

func groupThousands(digits string, sep byte) string {
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}
