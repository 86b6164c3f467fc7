package jinja

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/eventum-go/eventum/starlib/guard"
)

// Undefined is Jinja's default undefined value: it prints as nothing, is
// false, iterates as empty, "x in undefined" is false, and its attributes
// and items are undefined too. Arithmetic on it fails, naming it.
type Undefined struct{ name string }

var (
	_ starlark.HasAttrs  = (*Undefined)(nil)
	_ starlark.Mapping   = (*Undefined)(nil)
	_ starlark.Container = (*Undefined)(nil)
	_ starlark.Sequence  = (*Undefined)(nil)
	_ starlark.HasBinary = (*Undefined)(nil)
)

// NewUndefined returns an undefined value for the named variable.
func NewUndefined(name string) *Undefined { return &Undefined{name: name} }

// IsUndefined reports whether v is Undefined.
func IsUndefined(v starlark.Value) bool { _, ok := v.(*Undefined); return ok }

// Name is the expression that was undefined ("" when unknown).
func (u *Undefined) Name() string          { return u.name }
func (u *Undefined) String() string        { return "" }
func (u *Undefined) Type() string          { return "undefined" }
func (u *Undefined) Freeze()               {}
func (u *Undefined) Truth() starlark.Bool  { return false }
func (u *Undefined) Hash() (uint32, error) { return 0, nil }
func (u *Undefined) Len() int              { return 0 }
func (u *Undefined) Iterate() starlark.Iterator {
	return emptyIterator{}
}
func (u *Undefined) Has(starlark.Value) (bool, error) { return false, nil }
func (u *Undefined) Attr(name string) (starlark.Value, error) {
	return &Undefined{name: u.child(name)}, nil
}
func (u *Undefined) AttrNames() []string { return nil }
func (u *Undefined) Get(k starlark.Value) (starlark.Value, bool, error) {
	return &Undefined{name: u.child(k.String())}, true, nil
}
func (u *Undefined) child(n string) string {
	if u.name == "" {
		return ""
	}
	return u.name + "." + n
}

func (u *Undefined) CompareSameType(op syntax.Token, _ starlark.Value, _ int) (bool, error) {
	switch op {
	case syntax.EQL:
		return true, nil
	case syntax.NEQ:
		return false, nil
	}
	return false, u.err()
}

func (u *Undefined) Binary(syntax.Token, starlark.Value, starlark.Side) (starlark.Value, error) {
	return nil, u.err()
}

func (u *Undefined) err() error {
	if u.name == "" {
		return fmt.Errorf("value is undefined")
	}
	return fmt.Errorf("'%s' is undefined", u.name)
}

type emptyIterator struct{}

func (emptyIterator) Next(*starlark.Value) bool { return false }
func (emptyIterator) Done()                     {}

// loop is Jinja's loop variable; iterating it yields the items and
// advances the index.
type loop struct {
	items   []starlark.Value
	i       int            // index0 of the current item
	changed starlark.Tuple // the arguments of the last loop.changed call (nil before the first)
	rec     *recursion     // set in a recursive loop
}

func (l *loop) String() string        { return fmt.Sprintf("<loop %d/%d>", l.i+1, len(l.items)) }
func (l *loop) Type() string          { return "loop" }
func (l *loop) Freeze()               {}
func (l *loop) Truth() starlark.Bool  { return true }
func (l *loop) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: loop") }
func (l *loop) Iterate() starlark.Iterator {
	l.i = -1
	return &loopIter{l}
}

type loopIter struct{ l *loop }

func (it *loopIter) Next(p *starlark.Value) bool {
	l := it.l
	if l.i+1 >= len(l.items) {
		return false
	}
	l.i++
	*p = l.items[l.i]
	return true
}
func (it *loopIter) Done() {}

var loopAttrs = []string{"changed", "cycle", "depth", "depth0", "first", "index", "index0", "last", "length", "nextitem", "previtem", "revindex", "revindex0"}

func (l *loop) AttrNames() []string { return loopAttrs }
func (l *loop) Attr(name string) (starlark.Value, error) {
	n := len(l.items)
	switch name {
	case "index":
		return starlark.MakeInt(l.i + 1), nil
	case "index0":
		return starlark.MakeInt(l.i), nil
	case "revindex":
		return starlark.MakeInt(n - l.i), nil
	case "revindex0":
		return starlark.MakeInt(n - l.i - 1), nil
	case "first":
		return starlark.Bool(l.i == 0), nil
	case "last":
		return starlark.Bool(l.i == n-1), nil
	case "length":
		return starlark.MakeInt(n), nil
	case "depth":
		return starlark.MakeInt(l.depth()), nil
	case "depth0":
		return starlark.MakeInt(l.depth() - 1), nil
	case "previtem":
		if l.i > 0 {
			return l.items[l.i-1], nil
		}
		return &Undefined{name: "loop.previtem"}, nil
	case "nextitem":
		if l.i+1 < n {
			return l.items[l.i+1], nil
		}
		return &Undefined{name: "loop.nextitem"}, nil
	case "changed":
		return starlark.NewBuiltin("changed", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			// True on the first call and whenever the values differ from
			// those of the previous call.
			if l.changed != nil {
				same, err := starlark.Equal(l.changed, args)
				if err != nil {
					return nil, err
				}
				if same {
					return starlark.False, nil
				}
			}
			l.changed = append(starlark.Tuple{}, args...)
			return starlark.True, nil
		}), nil
	case "cycle":
		return starlark.NewBuiltin("cycle", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("no items for cycling given")
			}
			return args[l.i%len(args)], nil
		}), nil
	}
	return nil, nil
}

// namespace is Jinja's namespace(): a mutable attribute bag for carrying
// values out of loops with {% set ns.x = ... %}.
type namespace struct {
	attrs *starlark.Dict
}

func (ns *namespace) String() string {
	var b strings.Builder
	b.WriteString("<Namespace ")
	b.WriteString(pyRepr(ns.attrs))
	b.WriteString(">")
	return b.String()
}
func (ns *namespace) Type() string          { return "namespace" }
func (ns *namespace) Freeze()               { ns.attrs.Freeze() }
func (ns *namespace) Truth() starlark.Bool  { return true }
func (ns *namespace) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: namespace") }
func (ns *namespace) Attr(name string) (starlark.Value, error) {
	v, found, _ := ns.attrs.Get(starlark.String(name))
	if !found {
		return nil, nil
	}
	return v, nil
}
func (ns *namespace) AttrNames() []string {
	var names []string
	for _, k := range ns.attrs.Keys() {
		if s, ok := k.(starlark.String); ok {
			names = append(names, string(s))
		}
	}
	sort.Strings(names)
	return names
}
func (ns *namespace) SetField(name string, v starlark.Value) error {
	return ns.attrs.SetKey(starlark.String(name), v)
}

// templateModule is an imported template: its exported macros and
// top-level variables as attributes.
type templateModule struct {
	name    string
	members starlark.StringDict
}

func (m *templateModule) String() string        { return "<template module " + strconv.Quote(m.name) + ">" }
func (m *templateModule) Type() string          { return "template_module" }
func (m *templateModule) Freeze()               { m.members.Freeze() }
func (m *templateModule) Truth() starlark.Bool  { return true }
func (m *templateModule) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: template_module") }
func (m *templateModule) Attr(name string) (starlark.Value, error) {
	if v, ok := m.members[name]; ok {
		return v, nil
	}
	return nil, nil
}
func (m *templateModule) AttrNames() []string { return m.members.Keys() }

// runtimeBuiltins are the hidden helpers the generated code calls.
var runtimeBuiltins = map[string]*starlark.Builtin{
	hGetattr:         starlark.NewBuiltin("getattr", builtinGetattr),
	hGetitem:         starlark.NewBuiltin("getitem", builtinGetitem),
	hConcat:          starlark.NewBuiltin("concat", builtinConcat),
	hPow:             starlark.NewBuiltin("pow", builtinPow),
	guard.RepeatName: guard.Repeat,
	hMkloop:          starlark.NewBuiltin("loop", builtinMkloop),
	hModule:          starlark.NewBuiltin("module", builtinModule),
	hMod:             starlark.NewBuiltin("%", builtinMod),
	hScoped:          starlark.NewBuiltin("scoped", builtinScoped),
}

// getAttr is Jinja's attribute lookup: the attribute, else the item of a
// mapping, else Undefined.
func getAttr(x starlark.Value, name string) (starlark.Value, error) {
	if h, ok := x.(starlark.HasAttrs); ok {
		v, err := h.Attr(name)
		if err == nil && v != nil {
			return v, nil
		}
		if _, missing := err.(starlark.NoSuchAttrError); err != nil && !missing {
			return nil, err
		}
	}
	if m, ok := x.(starlark.Mapping); ok {
		if v, found, err := m.Get(starlark.String(name)); err == nil && found {
			return v, nil
		}
	}
	if u, ok := x.(*Undefined); ok {
		return &Undefined{name: u.child(name)}, nil
	}
	return &Undefined{name: name}, nil
}

func builtinGetattr(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	x := args[0]
	for _, a := range args[1:] {
		s, _ := a.(starlark.String)
		v, err := getAttr(x, string(s))
		if err != nil {
			return nil, err
		}
		x = v
	}
	return x, nil
}

// getItem is Jinja's subscript: the item, else (for string keys) the
// attribute, else Undefined.
func getItem(x, k starlark.Value) starlark.Value {
	switch c := x.(type) {
	case starlark.Mapping:
		if v, found, err := c.Get(k); err == nil && found {
			return v
		}
	case starlark.Indexable:
		if i, err := starlark.AsInt32(k); err == nil {
			n := c.Len()
			if i < 0 {
				i += n
			}
			if i >= 0 && i < n {
				return c.Index(i)
			}
		}
	}
	if s, ok := k.(starlark.String); ok {
		if h, ok := x.(starlark.HasAttrs); ok {
			if v, err := h.Attr(string(s)); err == nil && v != nil {
				return v
			}
		}
	}
	return &Undefined{name: k.String()}
}

func builtinGetitem(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	return getItem(args[0], args[1]), nil
}

func builtinConcat(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	var b []byte
	for _, a := range args {
		b = appendStr(b, a)
	}
	return starlark.String(b), nil
}

// builtinMod is "x % y" unless the compiler knows x is a number: Python's
// printf-style formatting for a string x, Starlark's % (the same as
// Python's for numbers) otherwise.
func builtinMod(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if s, ok := args[0].(starlark.String); ok {
		return pyPercent(string(s), args[1])
	}
	return starlark.Binary(syntax.PERCENT, args[0], args[1])
}

func builtinPow(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	x, y := args[0], args[1]
	if xi, ok := x.(starlark.Int); ok {
		if yi, ok := y.(starlark.Int); ok {
			e, ok := yi.Int64()
			if ok && e >= 0 {
				if e > 1<<16 {
					return nil, fmt.Errorf("exponent too large")
				}
				base := xi.BigInt()
				if int64(base.BitLen())*e > 8*guard.MaxBytes {
					return nil, fmt.Errorf("the result would be larger than %d MiB, the most one operation may allocate", guard.MaxBytes>>20)
				}
				return starlark.MakeBigInt(new(big.Int).Exp(base, big.NewInt(e), nil)), nil
			}
		}
	}
	xf, ok1 := starlark.AsFloat(x)
	yf, ok2 := starlark.AsFloat(y)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("unsupported operand types for **: %s and %s", x.Type(), y.Type())
	}
	return starlark.Float(math.Pow(xf, yf)), nil
}

func builtinMkloop(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	items, err := toList(args[0])
	if err != nil {
		return nil, err
	}
	l := &loop{items: items, i: -1}
	if len(args) == 3 { // recursive loop: depth and the loop's function
		d, _ := args[1].(starlark.Int).Int64()
		fn, _ := args[2].(starlark.Callable)
		l.rec = &recursion{depth: int(d), fn: fn}
	}
	return l, nil
}

// toList returns the elements of an iterable (a fresh slice).
func toList(x starlark.Value) ([]starlark.Value, error) {
	switch v := x.(type) {
	case *starlark.List:
		out := make([]starlark.Value, v.Len())
		for i := range out {
			out[i] = v.Index(i)
		}
		return out, nil
	case starlark.Tuple:
		return append([]starlark.Value(nil), v...), nil
	case starlark.String:
		var out []starlark.Value
		for _, r := range string(v) {
			out = append(out, starlark.String(string(r)))
		}
		return out, nil
	}
	it, ok := x.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("'%s' object is not iterable", x.Type())
	}
	var out []starlark.Value
	if s, ok := x.(starlark.Sequence); ok {
		out = make([]starlark.Value, 0, s.Len())
	}
	iter := it.Iterate()
	defer iter.Done()
	var v starlark.Value
	for iter.Next(&v) {
		out = append(out, v)
	}
	return out, nil
}

func builtinModule(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	name, _ := args[0].(starlark.String)
	d := args[1].(*starlark.Dict)
	m := &templateModule{name: string(name), members: starlark.StringDict{}}
	for _, kv := range d.Items() {
		m.members[string(kv[0].(starlark.String))] = kv[1]
	}
	return m, nil
}

func builtinNamespace(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	ns := &namespace{attrs: starlark.NewDict(len(kwargs))}
	for _, a := range args {
		m, ok := a.(starlark.IterableMapping)
		if !ok {
			return nil, fmt.Errorf("namespace: positional argument must be a mapping, not %s", a.Type())
		}
		for _, kv := range m.Items() {
			if err := ns.attrs.SetKey(kv[0], kv[1]); err != nil {
				return nil, err
			}
		}
	}
	for _, kv := range kwargs {
		if err := ns.attrs.SetKey(kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	return ns, nil
}
