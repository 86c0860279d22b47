package jinja

// Numeric filters and Python int()/float() conversions.

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
)

func filterRound(r *renderer, v any, a []any, f *frame) (any, error) {
	method, _ := a[1].(string)
	if method != "common" && method != "ceil" && method != "floor" {
		return nil, pyErrorf("method must be common, ceil or floor")
	}
	prec, err := asInt(a[0], "precision")
	if err != nil {
		return nil, err
	}
	if b, isB := v.(*big.Int); isB && method == "common" && prec >= 0 {
		return b, nil
	}
	i, fl, isF, ok := number(v)
	if !ok {
		return nil, pyErrorf("type ", typeName(v), " doesn't define __round__ method")
	}
	if method == "common" {
		if !isF {
			if prec >= 0 {
				return i, nil
			}
			p := 1
			for k := 0; k < -prec && p < 1e18; k++ {
				p *= 10
			}
			q, rem := i/p, i%p
			if rem < 0 {
				q, rem = q-1, rem+p
			}
			if 2*rem > p || 2*rem == p && q%2 != 0 {
				q++
			}
			return q * p, nil
		}
		if prec >= 0 {
			s := strconv.FormatFloat(fl, 'f', prec, 64)
			out, _ := strconv.ParseFloat(s, 64)
			return out, nil
		}
		p := math.Pow(10, float64(-prec))
		return math.RoundToEven(fl/p) * p, nil
	}
	if !isF {
		fl = float64(i)
	}
	p := math.Pow(10, float64(prec))
	if method == "ceil" {
		return math.Ceil(fl*p) / p, nil
	}
	return math.Floor(fl*p) / p, nil
}

func filterFilesize(r *renderer, v any, a []any, f *frame) (any, error) {
	n, ok := pyFloat(v)
	if !ok {
		return nil, pyErrorf("could not convert ", typeName(v), " to float")
	}
	base := 1000.0
	prefixes := []string{"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}
	if truthy(a[0]) {
		base = 1024
		prefixes = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
	}
	switch {
	case n == 1:
		return "1 Byte", nil
	case n < base:
		return strconv.Itoa(int(n)) + " Bytes", nil
	}
	unit := base
	for i, p := range prefixes {
		unit = math.Pow(base, float64(i+2))
		if n < unit || i == len(prefixes)-1 {
			return strconv.FormatFloat(base*n/unit, 'f', 1, 64) + " " + p, nil
		}
	}
	return "", nil
}

// pyInt is int(value) / int(value, base) with the fallbacks of Jinja2's int filter.
func pyInt(v any, base int) (any, bool) {
	switch x := v.(type) {
	case *big.Int:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int:
		return x, true
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, false
		}
		return floatToInt(x), true
	case string:
		if base != 0 && (base < 2 || base > 36) {
			base = -1 // ValueError in Python: only the float fallback remains
		}
		s := asciiDigits(strings.TrimFunc(x, isPySpace))
		t := s
		neg := false
		if t != "" && (t[0] == '+' || t[0] == '-') {
			neg = t[0] == '-'
			t = t[1:]
		}
		b := base
		lower := strings.ToLower(t)
		if len(lower) > 2 && lower[0] == '0' && (b == 16 && lower[1] == 'x' || b == 8 && lower[1] == 'o' || b == 2 && lower[1] == 'b' || b == 0 && strings.IndexByte("xob", lower[1]) >= 0) {
			if b == 0 {
				b = map[byte]int{'x': 16, 'o': 8, 'b': 2}[lower[1]]
			}
			t = t[2:]
		}
		if b == 0 {
			b = 10
		}
		if base >= 0 && t != "" && !strings.HasPrefix(t, "_") && !strings.HasSuffix(t, "_") && !strings.Contains(t, "__") {
			digits := strings.ReplaceAll(t, "_", "")
			if n, err := strconv.ParseInt(digits, b, 64); err == nil {
				if neg {
					n = -n
				}
				return int(n), true
			}
			if n, ok := new(big.Int).SetString(digits, b); ok && n.BitLen() <= maxBigBits && digits[0] != '+' && digits[0] != '-' {
				if neg {
					n.Neg(n)
				}
				return normBig(n), true
			}
		}
		if f, ok := pyFloat(s); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return floatToInt(f), true
		}
	}
	return nil, false
}

// pyFloat is float(value).
func pyFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case *big.Int:
		return bigToFloat(x), true
	case bool, int, float64:
		return toFloat(x)
	case string:
		s := strings.TrimFunc(x, isPySpace)
		low := strings.ToLower(strings.TrimLeft(s, "+-"))
		switch low {
		case "inf", "infinity", "nan":
		default:
			if s == "" || strings.ContainsAny(low, "xpn") || strings.HasPrefix(s, "_") || strings.HasSuffix(s, "_") || strings.Contains(s, "__") {
				return 0, false
			}
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
		if err != nil && !strings.Contains(err.Error(), "range") {
			return 0, false
		}
		return f, true
	}
	return 0, false
}

// asciiDigits maps Unicode decimal digits to ASCII, as Python's int() accepts them.
func asciiDigits(s string) string {
	if isASCII(s) {
		return s
	}
	return strings.Map(func(c rune) rune {
		if c > 127 && unicode.Is(unicode.Nd, c) {
			return '0' + unicodeDigitValue(c)
		}
		return c
	}, s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// unicodeDigitValue is the value of a decimal digit: Nd digits come in
// contiguous runs of ten starting at a zero.
func unicodeDigitValue(c rune) rune {
	for z := c; z > c-10; z-- {
		if !unicode.Is(unicode.Nd, z-1) || (z-1) < c-9 {
			return c - z
		}
	}
	return 0
}

// floatToInt truncates like Python's int(float), which is unbounded.
func floatToInt(f float64) any {
	if f > -(1<<63) && f < 1<<63 {
		return int(f)
	}
	b, _ := new(big.Float).SetFloat64(math.Trunc(f)).Int(nil)
	return normBig(b)
}
