package starlib

import (
	"fmt"
	"math"
	"math/big"
	"strconv"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Builtins are Python built-ins that Starlark lacks, predeclared for
// scripts and templates: round(x, ndigits=None) and sum(iterable, start=0).
var Builtins = starlark.StringDict{
	"round": starlark.NewBuiltin("round", pyRound),
	"sum":   starlark.NewBuiltin("sum", pySum),
}

// pyRound rounds like Python: half to even; with ndigits the result is the
// float closest to the correctly rounded decimal.
func pyRound(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, nd starlark.Value = nil, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "number", &x, "ndigits?", &nd); err != nil {
		return nil, err
	}
	if i, ok := x.(starlark.Int); ok {
		if nd == starlark.None {
			return i, nil
		}
		var n int
		if err := starlark.AsInt(nd, &n); err != nil {
			return nil, fmt.Errorf("round: ndigits: %w", err)
		}
		if n >= 0 {
			return i, nil
		}
		// round to tens, hundreds, ... half to even
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-n)), nil)
		q, r := new(big.Int).DivMod(i.BigInt(), p, new(big.Int)) // q floored, r >= 0
		if c := new(big.Int).Lsh(r, 1).Cmp(p); c > 0 || (c == 0 && q.Bit(0) == 1) {
			q.Add(q, big.NewInt(1))
		}
		return starlark.MakeBigInt(q.Mul(q, p)), nil
	}
	f, ok := x.(starlark.Float)
	if !ok {
		return nil, fmt.Errorf("round: want int or float, got %s", x.Type())
	}
	if nd == starlark.None {
		r := math.RoundToEven(float64(f))
		if math.IsInf(r, 0) || math.IsNaN(r) {
			return nil, fmt.Errorf("round: cannot convert %v to integer", r)
		}
		return starlark.NumberToInt(starlark.Float(r))
	}
	var n int
	if err := starlark.AsInt(nd, &n); err != nil {
		return nil, fmt.Errorf("round: ndigits: %w", err)
	}
	if math.IsInf(float64(f), 0) || math.IsNaN(float64(f)) || n > 300 {
		return f, nil
	}
	if n < 0 {
		p := math.Pow(10, float64(-n))
		return starlark.Float(math.RoundToEven(float64(f)/p) * p), nil
	}
	// strconv rounds the exact binary value half to even, as Python does.
	var buf [64]byte
	s := strconv.AppendFloat(buf[:0], float64(f), 'f', n, 64)
	r, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		return nil, fmt.Errorf("round: %w", err)
	}
	return starlark.Float(r), nil
}

func pySum(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it starlark.Iterable
	var acc starlark.Value = starlark.MakeInt(0)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "iterable", &it, "start?", &acc); err != nil {
		return nil, err
	}
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		var err error
		if acc, err = starlark.Binary(syntax.PLUS, acc, x); err != nil {
			return nil, fmt.Errorf("sum: %w", err)
		}
	}
	return acc, nil
}
