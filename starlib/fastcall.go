package starlib

import (
	"fmt"
	"math"
	"strconv"

	"go.starlark.net/starlark"
)

// fastBuiltin is a builtin with the fast paths compiled templates use
// (scripts/jinja: CallAppender, ArgBinder). It is the same builtin to
// Starlark (name, type, calls); the fast paths draw the same random
// numbers and produce the same text as a call.
type fastBuiltin struct {
	*starlark.Builtin
	// appendFn appends the printed result of a call without arguments.
	appendFn func(dst []byte) []byte
	// bind prepares a call with constant (frozen) arguments.
	bind func(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Callable, bool)
}

// GoCallable marks a callable that needs no call frame of its own.
func (b *fastBuiltin) GoCallable() {}

// AppendCall implements jinja.CallAppender.
func (b *fastBuiltin) AppendCall(_ *starlark.Thread, dst []byte, args starlark.Tuple, kwargs []starlark.Tuple) ([]byte, bool, error) {
	if b.appendFn == nil || len(args) > 0 || len(kwargs) > 0 {
		return dst, false, nil
	}
	return b.appendFn(dst), true, nil
}

// BindArgs implements jinja.ArgBinder.
func (b *fastBuiltin) BindArgs(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Callable, bool) {
	if b.bind == nil {
		return nil, false
	}
	return b.bind(b.Builtin, args, kwargs)
}

// withAppend gives the builtin member name of m an append path.
func withAppend(m starlark.StringDict, name string, app func(dst []byte) []byte) {
	m[name] = &fastBuiltin{Builtin: m[name].(*starlark.Builtin), appendFn: app}
}

// bindWeightedChoice prepares weighted_choice({item: weight}) with a
// constant dict: its keys and weights are read and checked once. A dict
// the call would reject is left to the call (and its error).
func (g *randGen) bindWeightedChoice(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Callable, bool) {
	if len(args) != 1 || len(kwargs) != 0 {
		return nil, false
	}
	d, ok := args[0].(*starlark.Dict)
	if !ok {
		return nil, false
	}
	keys := d.Keys()
	ws := make([]float64, len(keys))
	total := 0.0
	for i, k := range keys {
		w, _, _ := d.Get(k)
		f, err := toFloat(b.Name(), w)
		if err != nil || f < 0 || math.IsNaN(f) {
			return nil, false
		}
		ws[i] = f
		total += f
	}
	if total <= 0 || math.IsInf(total, 0) {
		return nil, false
	}
	return starlark.NewBuiltin(b.Name(), func(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(a) > 0 || len(kw) > 0 {
			return nil, fmt.Errorf("%s: got unexpected arguments", b.Name())
		}
		return drawWeighted(g.r.Float64()*total, keys, ws), nil
	}), true
}

// drawWeighted returns the key x falls on, walking the weights in order
// (the last key of positive weight when rounding runs past the end).
func drawWeighted(x float64, keys []starlark.Value, ws []float64) starlark.Value {
	var last starlark.Value
	for i, k := range keys {
		f := ws[i]
		if x -= f; x < 0 {
			return k
		}
		if f > 0 {
			last = k
		}
	}
	return last
}

// boundBuiltin is a builtin taking no arguments, for a call bound to
// constant arguments.
func boundBuiltin(name string, call func() starlark.Value) *starlark.Builtin {
	return starlark.NewBuiltin(name, func(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(a) > 0 || len(kw) > 0 {
			return nil, fmt.Errorf("%s: got unexpected arguments", b.Name())
		}
		return call(), nil
	})
}

// bindInteger prepares number.integer(a, b) with constant bounds; printed,
// the number is appended without a value.
func (g *randGen) bindInteger(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Callable, bool) {
	if len(args) != 2 || len(kwargs) != 0 {
		return nil, false
	}
	lo, err1 := intParam(b.Name(), "a", args[0])
	hi, err2 := intParam(b.Name(), "b", args[1])
	if err1 != nil || err2 != nil || lo > hi || uint64(hi-lo) == math.MaxUint64 {
		return nil, false
	}
	n := uint64(hi-lo) + 1
	return &fastBuiltin{
		Builtin:  boundBuiltin(b.Name(), func() starlark.Value { return starlark.MakeInt64(lo + int64(g.r.Uint64N(n))) }),
		appendFn: func(dst []byte) []byte { return strconv.AppendInt(dst, lo+int64(g.r.Uint64N(n)), 10) },
	}, true
}

// bindChoice prepares choice(items) with a constant, non-empty sequence.
func (g *randGen) bindChoice(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Callable, bool) {
	if len(args) != 1 || len(kwargs) != 0 {
		return nil, false
	}
	seq, ok := args[0].(starlark.Indexable)
	if !ok || seq.Len() == 0 {
		return nil, false
	}
	n := seq.Len()
	return boundBuiltin(b.Name(), func() starlark.Value { return seq.Index(g.r.IntN(n)) }), true
}

// bindChars prepares string.<alphabet>(size) with a constant size; printed,
// the characters are appended without a value.
func (g *randGen) bindChars(alphabet string) func(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Callable, bool) {
	return func(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Callable, bool) {
		if len(args) != 1 || len(kwargs) != 0 {
			return nil, false
		}
		n, err := intParam(b.Name(), "size", args[0])
		if err != nil || n < 0 || n > 1<<24 {
			return nil, false
		}
		return &fastBuiltin{
			Builtin:  boundBuiltin(b.Name(), func() starlark.Value { return starlark.String(g.chars(alphabet, int(n))) }),
			appendFn: func(dst []byte) []byte { return g.appendChars(dst, alphabet, int(n)) },
		}, true
	}
}
