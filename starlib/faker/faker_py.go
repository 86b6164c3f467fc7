package faker

import (
	"fmt"
	"strings"
	"time"

	"go.starlark.net/starlark"
)

// pyValueTypes are the value kinds of Faker's pylist/pydict/...; the default
// mix follows Faker's (mostly strings, then numbers, dates, URIs, e-mails).
var pyValueTypes = []string{"str", "str", "str", "str", "float", "int", "int", "decimal", "date_time", "uri", "email"}

func (g *gen) pyValue(kind string) starlark.Value {
	switch kind {
	case "int":
		return starlark.MakeInt(g.intBetween(0, 9999))
	case "float", "decimal":
		v, _ := pyNumber(g, "", nil, nil)
		return v
	case "bool":
		return starlark.Bool(g.r.IntN(2) == 0)
	case "date_time":
		return timeValue(g.now.Add(-g.randDuration()))
	case "uri":
		g.buf = g.appendURL(g.buf[:0])
		return g.result()
	case "email":
		return g.email(emailAny)
	}
	g.buf = g.appendRandom(g.buf[:0], 20, asciiLetters)
	return g.result()
}

func (g *gen) randDuration() time.Duration {
	return time.Duration(g.r.Int64N(30*365*24*3600)) * time.Second
}

// pyCollectionFn implements pylist/pytuple/pyset/pyiterable/pydict.
func pyCollectionFn(kind string) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		nb, vary := 10, true
		var valueTypes, allowed starlark.Value = starlark.None, starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "nb_elements?", &nb, "variable_nb_elements?", &vary,
			"value_types?", &valueTypes, "allowed_types?", &allowed); err != nil {
			return nil, err
		}
		if nb < 0 || nb > 1<<16 {
			return nil, fmt.Errorf("%s: nb_elements must be in 0..65536, got %d", fn, nb)
		}
		kinds, err := typeNames(fn, valueTypes)
		if err != nil {
			return nil, err
		}
		if vary && nb > 0 {
			nb = g.varied(nb)
		}
		switch kind {
		case "dict":
			d := starlark.NewDict(nb)
			for range nb {
				_ = d.SetKey(g.pick(g.t.words), g.pyValue(kinds[g.r.IntN(len(kinds))]))
			}
			return d, nil
		case "set":
			s := starlark.NewSet(nb)
			for range nb {
				_ = s.Insert(g.pyValue(kinds[g.r.IntN(len(kinds))]))
			}
			return s, nil
		}
		out := make([]starlark.Value, nb)
		for i := range out {
			out[i] = g.pyValue(kinds[g.r.IntN(len(kinds))])
		}
		if kind == "tuple" {
			return starlark.Tuple(out), nil
		}
		return starlark.NewList(out), nil
	}
}

// typeNames reads value_types: None (Faker's mix), a type name or a list of
// them (str, int, float, decimal, bool, date_time, uri, email).
func typeNames(fn string, v starlark.Value) ([]string, error) {
	if v == starlark.None {
		return pyValueTypes, nil
	}
	var names []string
	switch x := v.(type) {
	case starlark.String:
		names = []string{string(x)}
	case starlark.Indexable:
		for i := range x.Len() {
			s, ok := starlark.AsString(x.Index(i))
			if !ok {
				return nil, fmt.Errorf("%s: for parameter \"value_types\": item %d is %s, want a type name", fn, i, x.Index(i).Type())
			}
			names = append(names, s)
		}
	default:
		return nil, fmt.Errorf("%s: for parameter \"value_types\": got %s, want a type name or a list of them", fn, v.Type())
	}
	for _, n := range names {
		switch n {
		case "str", "int", "float", "decimal", "bool", "date_time", "uri", "email":
		default:
			return nil, fmt.Errorf("%s: unknown value type %s (known: %s)", fn, pyQuote(n), strings.Join([]string{"bool", "date_time", "decimal", "email", "float", "int", "str", "uri"}, ", "))
		}
	}
	if len(names) == 0 {
		return pyValueTypes, nil
	}
	return names, nil
}
