package jinja

import (
	"math"
	"math/big"
	"strings"
)

// number extracts a Python number (bool counts as int).
func number(v any) (i int, f float64, isFloat, ok bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, 0, false, true
		}
		return 0, 0, false, true
	case int:
		return x, 0, false, true
	case float64:
		return 0, x, true, true
	}
	return 0, 0, false, false
}

func toFloat(v any) (float64, bool) {
	i, f, isF, ok := number(v)
	if !ok {
		return 0, false
	}
	if isF {
		return f, true
	}
	return float64(i), true
}

func unsupported(op string, a, b any) error {
	return pyErrorf("unsupported operand type(s) for ", op, ": ", pyRepr(typeName(a)), " and ", pyRepr(typeName(b)))
}

// binaryOp applies an arithmetic operator with Python semantics.
func binaryOp(op string, a, b any, maxLen int) (any, error) {
	if s, ok := a.(string); ok && op == "%" {
		return percentFormat(s, b)
	}
	if u, ok := a.(Undefined); ok {
		return nil, &undefinedError{u: u}
	}
	if u, ok := b.(Undefined); ok {
		return nil, &undefinedError{u: u}
	}
	if isBig(a) || isBig(b) {
		if x, ok := toBig(a); ok {
			if y, ok := toBig(b); ok {
				return bigOp(op, x, y)
			}
		}
		_, _, _, aN := number(a)
		_, _, _, bN := number(b)
		if (aN || isBig(a)) && (bN || isBig(b)) {
			return floatOp(op, numberAsFloat(a), numberAsFloat(b))
		}
		if op == "*" {
			return nil, pyErrorf("integer too large")
		}
		return nil, unsupported(op, a, b)
	}
	ai, _, aFloat, aNum := number(a)
	bi, _, bFloat, bNum := number(b)
	if aNum && bNum {
		if !aFloat && !bFloat {
			return intOpChecked(op, ai, bi)
		}
		x, _ := toFloat(a)
		y, _ := toFloat(b)
		return floatOp(op, x, y)
	}
	switch op {
	case "+":
		switch x := a.(type) {
		case string:
			if y, ok := b.(string); ok {
				if len(x)+len(y) > maxLen {
					return nil, pyErrorf("string too long")
				}
				return x + y, nil
			}
			return nil, pyErrorf("can only concatenate str (not \"", typeName(b), "\") to str")
		case *list:
			if y, ok := b.(*list); ok {
				if len(x.items)+len(y.items) > maxLen {
					return nil, pyErrorf("list too long")
				}
				items := make([]any, 0, len(x.items)+len(y.items))
				return newList(append(append(items, x.items...), y.items...)), nil
			}
			return nil, pyErrorf("can only concatenate list (not \"", typeName(b), "\") to list")
		case Tuple:
			if y, ok := b.(Tuple); ok {
				return append(append(Tuple{}, x...), y...), nil
			}
			return nil, pyErrorf("can only concatenate tuple (not \"", typeName(b), "\") to tuple")
		}
	case "*":
		if bNum && !bFloat {
			return repeat(a, bi, maxLen, b)
		}
		if aNum && !aFloat {
			return repeat(b, ai, maxLen, a)
		}
	case "%":
		if s, ok := a.(string); ok {
			return percentFormat(s, b)
		}
	}
	return nil, unsupported(op, a, b)
}

func repeat(seq any, n int, maxLen int, other any) (any, error) {
	if n < 0 {
		n = 0
	}
	switch x := seq.(type) {
	case string:
		if n > 0 && len(x)*n/n != len(x) || len(x)*n > maxLen {
			return nil, pyErrorf("string too long")
		}
		return strings.Repeat(x, n), nil
	case *list:
		if len(x.items)*n > maxLen {
			return nil, pyErrorf("list too long")
		}
		out := make([]any, 0, len(x.items)*n)
		for i := 0; i < n; i++ {
			out = append(out, x.items...)
		}
		return newList(out), nil
	case Tuple:
		if len(x)*n > maxLen {
			return nil, pyErrorf("tuple too long")
		}
		out := Tuple{}
		for i := 0; i < n; i++ {
			out = append(out, x...)
		}
		return out, nil
	}
	return nil, pyErrorf("can't multiply sequence by non-int of type ", pyRepr(typeName(other)))
}

func intOp(op string, a, b int) (any, error) {
	switch op {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "/":
		if b == 0 {
			return nil, pyErrorf("division by zero")
		}
		return float64(a) / float64(b), nil
	case "//":
		if b == 0 {
			return nil, pyErrorf("integer division or modulo by zero")
		}
		q := a / b
		if (a%b != 0) && ((a < 0) != (b < 0)) {
			q--
		}
		return q, nil
	case "%":
		if b == 0 {
			return nil, pyErrorf("integer modulo by zero")
		}
		m := a % b
		if m != 0 && ((m < 0) != (b < 0)) {
			m += b
		}
		return m, nil
	case "**":
		if b < 0 {
			if a == 0 {
				return nil, pyErrorf("0.0 cannot be raised to a negative power")
			}
			return math.Pow(float64(a), float64(b)), nil
		}
		result := 1
		base := a
		for e := b; e > 0; e >>= 1 {
			if e&1 == 1 {
				result *= base
			}
			base *= base
		}
		return result, nil
	}
	return nil, pyErrorf("unknown operator ", op)
}

func floatOp(op string, a, b float64) (any, error) {
	switch op {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "/":
		if b == 0 {
			return nil, pyErrorf("float division by zero")
		}
		return a / b, nil
	case "//":
		if b == 0 {
			return nil, pyErrorf("float floor division by zero")
		}
		return math.Floor(a / b), nil
	case "%":
		if b == 0 {
			return nil, pyErrorf("float modulo")
		}
		m := math.Mod(a, b)
		if m != 0 && ((m < 0) != (b < 0)) {
			m += b
		}
		return m, nil
	case "**":
		if a == 0 && b < 0 {
			return nil, pyErrorf("0.0 cannot be raised to a negative power")
		}
		p := math.Pow(a, b)
		if math.IsInf(p, 0) && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
			return nil, pyErrorf("(34, 'Numerical result out of range')")
		}
		return p, nil
	}
	return nil, pyErrorf("unknown operator ", op)
}

func unaryOp(op string, v any) (any, error) {
	if u, ok := v.(Undefined); ok {
		return nil, &undefinedError{u: u}
	}
	if b, ok := v.(*big.Int); ok {
		if op == "-" {
			return normBig(new(big.Int).Neg(b)), nil
		}
		return b, nil
	}
	if i, ok := v.(int); ok && op == "-" && i == math.MinInt64 {
		return new(big.Int).Neg(big.NewInt(int64(i))), nil
	}
	i, f, isF, ok := number(v)
	if !ok {
		return nil, pyErrorf("bad operand type for unary ", op, ": ", pyRepr(typeName(v)))
	}
	if op == "+" {
		if isF {
			return f, nil
		}
		return i, nil
	}
	if isF {
		return -f, nil
	}
	return -i, nil
}
