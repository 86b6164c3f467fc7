package faker

import (
	"fmt"

	"github.com/eventum-go/eventum/starlib/guard"
	"go.starlark.net/starlark"
)

// choiceProvider is mimesis' Choice provider: callable as
// `locale.en.choice(items, length=0, unique=False)` and with the same
// function as its `choice` attribute.
type choiceProvider struct {
	*object
	fn *starlark.Builtin
}

var _ starlark.Callable = (*choiceProvider)(nil)

func (c *choiceProvider) Name() string { return c.fn.Name() }
func (c *choiceProvider) CallInternal(th *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return c.fn.CallInternal(th, args, kwargs)
}

func newChoiceProvider(g *gen, label string) starlark.Value {
	impl := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var items starlark.Indexable
		length := 0
		unique := false
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "items", &items, "length?", &length, "unique?", &unique); err != nil {
			return nil, err
		}
		return mimesisChoice(g, b.Name(), items, length, unique)
	}
	fn := starlark.NewBuiltin(label, impl)
	method := starlark.NewBuiltin(label+".choice", impl)
	obj := newObject("mimesis.provider", label, map[string]starlark.Value{"choice": method}, func(name string) error {
		return unknownError(label, "method", name, []string{"choice"})
	})
	return &choiceProvider{object: obj, fn: fn}
}

// mimesisChoice is Choice.__call__: one item for length 0, else length
// items in the type of items (list, tuple or str), distinct when unique.
func mimesisChoice(g *gen, fn string, items starlark.Indexable, length int, unique bool) (starlark.Value, error) {
	n := items.Len()
	if n == 0 {
		return nil, fmt.Errorf("%s: items must be a non-empty sequence", fn)
	}
	if length < 0 {
		return nil, fmt.Errorf("%s: length must be a positive integer", fn)
	}
	if length == 0 {
		return items.Index(g.r.IntN(n)), nil
	}
	if err := guard.CheckCount(fn, "length", int64(length), 16); err != nil {
		return nil, err
	}
	picked := make([]starlark.Value, 0, length)
	if unique {
		seen := map[string]bool{}
		var distinct []starlark.Value
		for i := range n {
			if k := items.Index(i).String(); !seen[k] {
				seen[k] = true
				distinct = append(distinct, items.Index(i))
			}
		}
		if len(distinct) < length {
			return nil, fmt.Errorf("%s: there are not enough unique elements in items to provide the specified length", fn)
		}
		for _, i := range g.r.Perm(len(distinct))[:length] {
			picked = append(picked, distinct[i])
		}
	} else {
		for range length {
			picked = append(picked, items.Index(g.r.IntN(n)))
		}
	}
	switch items.(type) {
	case starlark.Tuple:
		return starlark.Tuple(picked), nil
	case starlark.String:
		b := make([]byte, 0, length)
		for _, v := range picked {
			s, _ := starlark.AsString(v)
			b = append(b, s...)
		}
		return starlark.String(b), nil
	}
	return starlark.NewList(picked), nil
}
