package pystd

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// module.operator: Python's operator functions over Starlark's operators,
// and module.bisect: Python's bisect on sorted Starlark lists.

func newOperatorModule() starlark.Value {
	m := starlark.StringDict{
		"getitem":  starlark.NewBuiltin("operator.getitem", getitem),
		"contains": starlark.NewBuiltin("operator.contains", contains),
		"not_":     starlark.NewBuiltin("operator.not_", unary(func(v starlark.Value) starlark.Value { return !v.Truth() })),
		"truth":    starlark.NewBuiltin("operator.truth", unary(func(v starlark.Value) starlark.Value { return v.Truth() })),
		"neg": starlark.NewBuiltin("operator.neg", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var x starlark.Value
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
				return nil, err
			}
			v, err := starlark.Unary(syntax.MINUS, x)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			return v, nil
		}),
	}
	binary := map[string]syntax.Token{
		"add": syntax.PLUS, "concat": syntax.PLUS, "sub": syntax.MINUS, "mul": syntax.STAR,
		"truediv": syntax.SLASH, "floordiv": syntax.SLASHSLASH, "mod": syntax.PERCENT,
		"and_": syntax.AMP, "or_": syntax.PIPE, "xor": syntax.CIRCUMFLEX,
		"lshift": syntax.LTLT, "rshift": syntax.GTGT,
	}
	for name, op := range binary {
		m[name] = starlark.NewBuiltin("operator."+name, binaryOp(op))
	}
	compare := map[string]syntax.Token{
		"eq": syntax.EQL, "ne": syntax.NEQ, "lt": syntax.LT, "le": syntax.LE, "gt": syntax.GT, "ge": syntax.GE,
	}
	for name, op := range compare {
		m[name] = starlark.NewBuiltin("operator."+name, compareOp(op))
	}
	m["itemgetter"] = starlark.NewBuiltin("operator.itemgetter", itemgetter)
	m["attrgetter"] = starlark.NewBuiltin("operator.attrgetter", attrgetter)
	return &starlarkstruct.Module{Name: "operator", Members: m}
}

// itemgetter(*keys) returns f(obj) = obj[key], or the tuple of obj[k] for
// several keys, as Python's operator.itemgetter.
func itemgetter(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 || len(args) == 0 {
		return nil, fmt.Errorf("%s: want one or more keys, no keywords", b.Name())
	}
	keys := append(starlark.Tuple(nil), args...)
	get := starlark.NewBuiltin("operator.itemgetter()", getitem)
	return starlark.NewBuiltin("operator.itemgetter()", func(th *starlark.Thread, g *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackPositionalArgs(g.Name(), args, kwargs, 1, &x); err != nil {
			return nil, err
		}
		out := make(starlark.Tuple, len(keys))
		for i, k := range keys {
			v, err := getitem(th, get, starlark.Tuple{x, k}, nil)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		if len(out) == 1 {
			return out[0], nil
		}
		return out, nil
	}), nil
}

// attrgetter(name) returns f(obj) = obj.name; dotted names walk attributes.
func attrgetter(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "attr", &name); err != nil {
		return nil, err
	}
	return starlark.NewBuiltin("operator.attrgetter()", func(_ *starlark.Thread, g *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackPositionalArgs(g.Name(), args, kwargs, 1, &x); err != nil {
			return nil, err
		}
		for _, part := range strings.Split(name, ".") {
			h, ok := x.(starlark.HasAttrs)
			if !ok {
				return nil, fmt.Errorf("%s: %s has no attribute %q", g.Name(), x.Type(), part)
			}
			v, err := h.Attr(part)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", g.Name(), err)
			}
			if v == nil {
				return nil, fmt.Errorf("%s: %s has no attribute %q", g.Name(), x.Type(), part)
			}
			x = v
		}
		return x, nil
	}), nil
}

func unary(f func(starlark.Value) starlark.Value) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
			return nil, err
		}
		return f(x), nil
	}
}

func binaryOp(op syntax.Token) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x, y starlark.Value
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &x, &y); err != nil {
			return nil, err
		}
		v, err := starlark.Binary(op, x, y)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		return v, nil
	}
}

func compareOp(op syntax.Token) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x, y starlark.Value
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &x, &y); err != nil {
			return nil, err
		}
		ok, err := starlark.Compare(op, x, y)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		return starlark.Bool(ok), nil
	}
}

// getitem is a[b]; a missing key fails with the key in the message, which
// templates use to stop with a message of their own.
func getitem(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var a, k starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &a, &k); err != nil {
		return nil, err
	}
	switch a := a.(type) {
	case starlark.Mapping:
		v, found, err := a.Get(k)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		if !found {
			return nil, fmt.Errorf("%s: key %s not found", b.Name(), k.String())
		}
		return v, nil
	case starlark.Indexable:
		i, err := starlark.AsInt32(k)
		if err != nil {
			return nil, fmt.Errorf("%s: index: %w", b.Name(), err)
		}
		n := a.Len()
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("%s: index %s out of range [0:%d]", b.Name(), k.String(), n)
		}
		return a.Index(i), nil
	}
	return nil, fmt.Errorf("%s: %s is not subscriptable", b.Name(), a.Type())
}

func contains(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var a, x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &a, &x); err != nil {
		return nil, err
	}
	v, err := starlark.Binary(syntax.IN, x, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return v, nil
}

func newBisectModule() starlark.Value {
	return &starlarkstruct.Module{Name: "bisect", Members: starlark.StringDict{
		"bisect_left":  starlark.NewBuiltin("bisect.bisect_left", bisectFn(false, false)),
		"bisect_right": starlark.NewBuiltin("bisect.bisect_right", bisectFn(true, false)),
		"bisect":       starlark.NewBuiltin("bisect.bisect", bisectFn(true, false)),
		"insort_left":  starlark.NewBuiltin("bisect.insort_left", bisectFn(false, true)),
		"insort_right": starlark.NewBuiltin("bisect.insort_right", bisectFn(true, true)),
		"insort":       starlark.NewBuiltin("bisect.insort", bisectFn(true, true)),
	}}
}

// bisectFn is bisect_left/right(a, x, lo=0, hi=len(a), *, key=None) and,
// with insert, insort_left/right.
func bisectFn(right, insert bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var a starlark.Indexable
		var x starlark.Value
		lo, hi := 0, -1
		var key starlark.Value = starlark.None
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &a, "x", &x, "lo?", &lo, "hi?", &hi, "key?", &key); err != nil {
			return nil, err
		}
		if lo < 0 {
			return nil, fmt.Errorf("%s: lo must be non-negative", b.Name())
		}
		if hi < 0 || hi > a.Len() {
			hi = a.Len()
		}
		target := x
		if insert && key != starlark.None {
			var err error
			if target, err = starlark.Call(th, key, starlark.Tuple{x}, nil); err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
		}
		var cmpErr error
		n := hi - lo
		if n < 0 {
			n = 0
		}
		i := lo + sort.Search(n, func(i int) bool {
			el := a.Index(lo + i)
			if key != starlark.None {
				v, err := starlark.Call(th, key, starlark.Tuple{el}, nil)
				if err != nil {
					cmpErr = err
					return true
				}
				el = v
			}
			var ok bool
			var err error
			if right { // first el > x
				ok, err = starlark.Compare(syntax.LT, target, el)
			} else { // first el >= x
				ok, err = starlark.Compare(syntax.LE, target, el)
			}
			if err != nil {
				cmpErr = err
			}
			return ok
		})
		if cmpErr != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), cmpErr)
		}
		if !insert {
			return starlark.MakeInt(i), nil
		}
		l, ok := a.(*starlark.List)
		if !ok {
			return nil, fmt.Errorf("%s: want a list, got %s", b.Name(), a.Type())
		}
		ins, err := l.Attr("insert")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		if _, err := starlark.Call(th, ins, starlark.Tuple{starlark.MakeInt(i), x}, nil); err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		return starlark.None, nil
	}
}
