package jinja

import (
	"fmt"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Sequence filters: groupby, slice. Like the other sequence filters they
// return lists where Jinja returns generators.

func init() {
	builtinFilters["groupby"] = filterGroupby
	builtinFilters["slice"] = filterSlice
}

// filterGroupby is Jinja's groupby(value, attribute, default=None,
// case_sensitive=False): the items sorted by the attribute and grouped,
// as (grouper, list) tuples that also have .grouper and .list. Without
// case_sensitive strings group case-insensitively and the grouper is the
// first item's own value.
func filterGroupby(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var v, attribute starlark.Value
	var dflt starlark.Value = starlark.None
	var caseSensitive bool
	if err := unpack(name, args, kw, "value", &v, "attribute", &attribute, "default?", &dflt, "case_sensitive?", &caseSensitive); err != nil {
		return nil, err
	}
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	get := keyFunc(attribute, true)
	if dflt != starlark.None {
		plain := get
		get = func(x starlark.Value) starlark.Value {
			if k := plain(x); !IsUndefined(k) {
				return k
			}
			return dflt
		}
	}
	key := get
	if !caseSensitive {
		key = func(x starlark.Value) starlark.Value { return ignoreCase(get(x)) }
	}
	if err := sortValues(items, key, false); err != nil {
		return nil, err
	}
	var out []starlark.Value
	for i := 0; i < len(items); {
		k := key(items[i])
		j := i + 1
		for ; j < len(items); j++ {
			eq, err := starlark.Compare(syntax.EQL, k, key(items[j]))
			if err != nil {
				return nil, err
			}
			if !eq {
				break
			}
		}
		grouper := k
		if !caseSensitive {
			grouper = get(items[i])
		}
		out = append(out, &groupTuple{starlark.Tuple{grouper, starlark.NewList(append([]starlark.Value(nil), items[i:j]...))}})
		i = j
	}
	return starlark.NewList(out), nil
}

// groupTuple is Jinja's _GroupTuple: a (grouper, list) tuple with named
// fields, printing as a plain tuple.
type groupTuple struct{ starlark.Tuple }

var (
	_ starlark.HasAttrs = (*groupTuple)(nil)
	_ starlark.Sequence = (*groupTuple)(nil)
)

func (g *groupTuple) String() string { return pyRepr(g.Tuple) }
func (g *groupTuple) Type() string   { return "_GroupTuple" }
func (g *groupTuple) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	return g.Tuple.CompareSameType(op, y.(*groupTuple).Tuple, depth)
}
func (g *groupTuple) Attr(name string) (starlark.Value, error) {
	switch name {
	case "grouper":
		return g.Tuple[0], nil
	case "list":
		return g.Tuple[1], nil
	}
	return nil, nil
}
func (g *groupTuple) AttrNames() []string { return []string{"grouper", "list"} }

// filterSlice is Jinja's slice(value, slices, fill_with=None): the items
// in `slices` columns of (almost) equal length, the first ones one longer;
// fill_with pads the short ones.
func filterSlice(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	var fill starlark.Value = starlark.None
	var slices int
	if err := unpack(name, args, kw, "value", &v, "slices", &slices, "fill_with?", &fill); err != nil {
		return nil, err
	}
	if slices <= 0 {
		return nil, fmt.Errorf("slices must be positive, got %d", slices)
	}
	seq, err := toList(v)
	if err != nil {
		return nil, err
	}
	per, extra := len(seq)/slices, len(seq)%slices
	out := make([]starlark.Value, 0, slices)
	offset := 0
	for n := range slices {
		start := offset + n*per
		if n < extra {
			offset++
		}
		end := offset + (n+1)*per
		col := append([]starlark.Value(nil), seq[start:end]...)
		if fill != starlark.None && n >= extra {
			col = append(col, fill)
		}
		out = append(out, starlark.NewList(col))
	}
	return starlark.NewList(out), nil
}
