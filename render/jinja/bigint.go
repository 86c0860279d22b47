package jinja

import (
	"math"
	"math/big"
	"math/bits"
)

// Python integers are unbounded. The engine uses int and switches to
// *big.Int only for results that do not fit, normalising back when they do.

// maxBigBits bounds big integers so that 10 ** 10 ** 9 cannot exhaust memory.
const maxBigBits = 1 << 16

func normBig(b *big.Int) any {
	if b.IsInt64() {
		return int(b.Int64())
	}
	return b
}

// toBig returns v as a big integer if it is an int, bool or *big.Int.
func toBig(v any) (*big.Int, bool) {
	switch x := v.(type) {
	case *big.Int:
		return x, true
	case int:
		return big.NewInt(int64(x)), true
	case bool:
		if x {
			return big.NewInt(1), true
		}
		return big.NewInt(0), true
	}
	return nil, false
}

func bigToFloat(b *big.Int) float64 {
	f, _ := new(big.Float).SetInt(b).Float64()
	return f
}

// intOpChecked is intOp with overflow promotion to big integers.
func intOpChecked(op string, a, b int) (any, error) {
	switch op {
	case "+":
		s := a + b
		if (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0) {
			return bigOp(op, big.NewInt(int64(a)), big.NewInt(int64(b)))
		}
		return s, nil
	case "-":
		s := a - b
		if (a >= 0) != (b >= 0) && (s >= 0) != (a >= 0) {
			return bigOp(op, big.NewInt(int64(a)), big.NewInt(int64(b)))
		}
		return s, nil
	case "*":
		hi, lo := bits.Mul64(uint64(absInt64(a)), uint64(absInt64(b)))
		if hi != 0 || lo > math.MaxInt64 || a == math.MinInt64 || b == math.MinInt64 {
			return bigOp(op, big.NewInt(int64(a)), big.NewInt(int64(b)))
		}
		return a * b, nil
	case "**":
		if b >= 0 {
			return bigOp(op, big.NewInt(int64(a)), big.NewInt(int64(b)))
		}
	case "//", "%":
		if a == math.MinInt64 && b == -1 {
			return bigOp(op, big.NewInt(int64(a)), big.NewInt(int64(b)))
		}
	}
	return intOp(op, a, b)
}

func absInt64(a int) int64 {
	if a < 0 {
		return -int64(a)
	}
	return int64(a)
}

// bigOp applies an arithmetic operator to two integers.
func bigOp(op string, a, b *big.Int) (any, error) {
	r := new(big.Int)
	switch op {
	case "+":
		r.Add(a, b)
	case "-":
		r.Sub(a, b)
	case "*":
		if a.BitLen()+b.BitLen() > maxBigBits {
			return nil, pyErrorf("integer too large")
		}
		r.Mul(a, b)
	case "/":
		if b.Sign() == 0 {
			return nil, pyErrorf("division by zero")
		}
		q, _ := new(big.Rat).SetFrac(a, b).Float64()
		return q, nil
	case "//", "%":
		if b.Sign() == 0 {
			if op == "//" {
				return nil, pyErrorf("integer division or modulo by zero")
			}
			return nil, pyErrorf("integer modulo by zero")
		}
		q, m := new(big.Int).DivMod(a, b, new(big.Int)) // Euclidean: m >= 0
		if m.Sign() != 0 && b.Sign() < 0 {
			q.Add(q, big.NewInt(1))
			m.Add(m, b)
		}
		if op == "//" {
			return normBig(q), nil
		}
		return normBig(m), nil
	case "**":
		if b.Sign() < 0 {
			return math.Pow(bigToFloat(a), bigToFloat(b)), nil
		}
		if !b.IsInt64() || int64(a.BitLen())*b.Int64() > maxBigBits {
			if a.CmpAbs(big.NewInt(1)) > 0 {
				return nil, pyErrorf("integer too large")
			}
		}
		r.Exp(a, b, nil)
	default:
		return nil, pyErrorf("unknown operator ", op)
	}
	return normBig(r), nil
}

// bigCompare compares two numbers at least one of which is a big integer.
func bigCompare(a, b any) (int, bool) {
	x, okA := toBig(a)
	y, okB := toBig(b)
	if okA && okB {
		return x.Cmp(y), true
	}
	fa, fb := numberAsFloat(a), numberAsFloat(b)
	switch {
	case fa < fb:
		return -1, true
	case fa > fb:
		return 1, true
	case fa == fb:
		return 0, true
	}
	return 2, true
}

func numberAsFloat(v any) float64 {
	if b, ok := v.(*big.Int); ok {
		return bigToFloat(b)
	}
	f, _ := toFloat(v)
	return f
}

func isBig(v any) bool { _, ok := v.(*big.Int); return ok }
