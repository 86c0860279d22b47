package jinja

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// percentFormat is Python's "format % args".
func percentFormat(format string, args any) (string, error) {
	var positional []any
	var mapping *Dict
	mappingLike := false // Python skips the "not all converted" check for these
	switch a := args.(type) {
	case Tuple:
		positional = a
	case *Dict:
		mapping = a
		positional = []any{a}
		mappingLike = true
	case *list, rangeValue:
		positional = []any{a}
		mappingLike = true
	default:
		positional = []any{a}
	}
	next := 0
	usedMapping := false
	take := func() (any, error) {
		if next >= len(positional) {
			return nil, pyErrorf("not enough arguments for format string")
		}
		v := positional[next]
		next++
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			return "", pyErrorf("incomplete format")
		}
		var val any
		haveVal := false
		if format[i] == '(' {
			if mapping == nil {
				return "", pyErrorf("format requires a mapping")
			}
			end := strings.IndexByte(format[i:], ')')
			if end < 0 {
				return "", pyErrorf("incomplete format key")
			}
			key := format[i+1 : i+end]
			v, ok := mapping.Get(key)
			if !ok {
				return "", pyErrorf(pyRepr(key))
			}
			val, haveVal, usedMapping = v, true, true
			i += end + 1
		}
		var spec fmtSpec
		for ; i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0; i++ {
			switch format[i] {
			case '-':
				spec.left = true
			case '+':
				spec.sign = '+'
			case ' ':
				if spec.sign == 0 {
					spec.sign = ' '
				}
			case '#':
				spec.alt = true
			case '0':
				spec.zero = true
			}
		}
		readNum := func() (int, bool, error) {
			if i < len(format) && format[i] == '*' {
				i++
				v, err := take()
				if err != nil {
					return 0, false, err
				}
				n, ok := v.(int)
				if !ok {
					return 0, false, pyErrorf("* wants int")
				}
				return n, true, nil
			}
			start := i
			for i < len(format) && isDec(format[i]) {
				i++
			}
			if start == i {
				return 0, false, nil
			}
			n, _ := strconv.Atoi(format[start:i])
			return n, true, nil
		}
		w, _, err := readNum()
		if err != nil {
			return "", err
		}
		if w < 0 {
			spec.left, w = true, -w
		}
		spec.width = w
		spec.prec = -1
		if i < len(format) && format[i] == '.' {
			i++
			p, _, err := readNum()
			if err != nil {
				return "", err
			}
			spec.prec = p
		}
		for i < len(format) && strings.IndexByte("hlL", format[i]) >= 0 {
			i++
		}
		if i >= len(format) {
			return "", pyErrorf("incomplete format")
		}
		conv := format[i]
		if conv == '%' {
			b.WriteByte('%')
			continue
		}
		if !haveVal {
			if usedMapping {
				return "", pyErrorf("not enough arguments for format string")
			}
			v, err := take()
			if err != nil {
				return "", err
			}
			val = v
		}
		s, err := formatOne(conv, val, spec)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	if next < len(positional) && !mappingLike {
		return "", pyErrorf("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

type fmtSpec struct {
	left, alt, zero bool
	sign            byte
	width, prec     int
}

func formatOne(conv byte, v any, spec fmtSpec) (string, error) {
	var body string
	numeric := false
	switch conv {
	case 's', 'r', 'a':
		if conv == 's' {
			body = pyStr(v)
		} else {
			body = pyRepr(v)
		}
		if spec.prec >= 0 && utf8.RuneCountInString(body) > spec.prec {
			body = runeSlice(body, 0, spec.prec)
		}
	case 'd', 'i', 'u':
		if u, isU := v.(Undefined); isU {
			return "", &undefinedError{u: u}
		}
		if bi, isB := v.(*big.Int); isB {
			body = signed(bi.String(), spec)
			numeric = true
			break
		}
		n, f, isF, ok := number(v)
		if !ok {
			return "", pyErrorf("%", string(conv), " format: a real number is required, not ", typeName(v))
		}
		if isF {
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return "", pyErrorf("cannot convert float to integer")
			}
			n = int(f)
		}
		body = signed(strconv.Itoa(n), spec)
		numeric = true
	case 'x', 'X', 'o':
		n, _, isF, ok := number(v)
		if !ok || isF {
			return "", pyErrorf("%", string(conv), " format: an integer is required, not ", typeName(v))
		}
		base := 16
		if conv == 'o' {
			base = 8
		}
		neg := n < 0
		if neg {
			n = -n
		}
		digits := strconv.FormatInt(int64(n), base)
		if conv == 'X' {
			digits = strings.ToUpper(digits)
		}
		if spec.alt {
			digits = "0" + string(conv) + digits
		}
		if neg {
			digits = "-" + digits
		}
		body = signed(digits, spec)
		numeric = true
	case 'f', 'F', 'e', 'E', 'g', 'G':
		if u, isU := v.(Undefined); isU {
			return "", &undefinedError{u: u}
		}
		f, ok := toFloat(v)
		if !ok {
			return "", pyErrorf("must be real number, not ", typeName(v))
		}
		prec := spec.prec
		if prec < 0 {
			prec = 6
		}
		body = signed(formatFloatSpec(f, conv, prec, spec.alt), spec)
		numeric = true
	case 'c':
		switch x := v.(type) {
		case int:
			body = string(rune(x))
		case string:
			if utf8.RuneCountInString(x) != 1 {
				return "", pyErrorf("%c requires int or char")
			}
			body = x
		default:
			return "", pyErrorf("%c requires int or char")
		}
	default:
		return "", pyErrorf("unsupported format character ", pyRepr(string(conv)))
	}
	n := utf8.RuneCountInString(body)
	if n >= spec.width {
		return body, nil
	}
	padN := spec.width - n
	switch {
	case spec.left:
		return body + strings.Repeat(" ", padN), nil
	case spec.zero && numeric:
		signLen := 0
		if body != "" && strings.IndexByte("+- ", body[0]) >= 0 {
			signLen = 1
		}
		if spec.alt && len(body) > signLen+1 && body[signLen] == '0' && strings.IndexByte("xXo", body[signLen+1]) >= 0 {
			signLen += 2
		}
		return body[:signLen] + strings.Repeat("0", padN) + body[signLen:], nil
	}
	return strings.Repeat(" ", padN) + body, nil
}

func signed(digits string, spec fmtSpec) string {
	if spec.sign != 0 && !strings.HasPrefix(digits, "-") {
		return string(spec.sign) + digits
	}
	return digits
}

func formatFloatSpec(f float64, conv byte, prec int, alt bool) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		s := formatFloat(f)
		if conv >= 'A' && conv <= 'Z' {
			s = strings.ToUpper(s)
		}
		return s
	}
	switch conv {
	case 'f', 'F':
		return strconv.FormatFloat(f, 'f', prec, 64)
	case 'e', 'E':
		return strconv.FormatFloat(f, conv, prec, 64)
	}
	if prec == 0 {
		prec = 1
	}
	exp := 0
	if f != 0 {
		e := strconv.FormatFloat(f, 'e', prec-1, 64)
		exp, _ = strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	}
	var s string
	if exp < -4 || exp >= prec {
		s = strconv.FormatFloat(f, 'e', prec-1, 64)
		if !alt {
			mant, ex, _ := strings.Cut(s, "e")
			if strings.Contains(mant, ".") {
				mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
			}
			s = mant + "e" + ex
		}
	} else {
		s = strconv.FormatFloat(f, 'f', max(prec-1-exp, 0), 64)
		if !alt && strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
	}
	if conv == 'G' {
		s = strings.ToUpper(s)
	}
	return s
}
