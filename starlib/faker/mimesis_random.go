package faker

import (
	"fmt"
	"math"

	"github.com/eventum-go/eventum/starlib"
	"github.com/eventum-go/eventum/starlib/guard"
	"go.starlark.net/starlark"
)

// newMimesisRandom is `mimesis.random`: mimesis' Random helpers drawing
// from the generator's RNG. `random.Random()` returns the same helpers (a
// second, independently seeded generator is not offered: a seeded run stays
// reproducible), and `random.random` is that object, as in the Python
// module.
func newMimesisRandom(g *gen) starlark.Value {
	const label = "mimesis.random.random"
	methods := map[string]fakerFn{
		"randint": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			a, b := 1, 10
			if err := starlark.UnpackArgs(fn, args, kwargs, "a?", &a, "b?", &b); err != nil {
				return nil, err
			}
			if a > b {
				return nil, fmt.Errorf("%s: empty range for randint(%d, %d)", fn, a, b)
			}
			return starlark.MakeInt(g.intBetween(a, b)), nil
		},
		"random": noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.Float(g.r.Float64()) }),
		"uniform": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var a, b starlib.FloatArg
			prec := 15
			if err := starlark.UnpackArgs(fn, args, kwargs, "a", &a, "b", &b, "precision?", &prec); err != nil {
				return nil, err
			}
			return starlark.Float(roundTo(float64(a)+float64(b-a)*g.r.Float64(), prec)), nil
		},
		"choice": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var seq starlark.Indexable
			if err := starlark.UnpackArgs(fn, args, kwargs, "seq", &seq); err != nil {
				return nil, err
			}
			if seq.Len() == 0 {
				return nil, fmt.Errorf("%s: cannot choose from an empty sequence", fn)
			}
			return seq.Index(g.r.IntN(seq.Len())), nil
		},
		"randstr": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			unique := false
			var lenV starlark.Value = starlark.None
			if err := starlark.UnpackArgs(fn, args, kwargs, "unique?", &unique, "length?", &lenV); err != nil {
				return nil, err
			}
			if unique {
				return g.uuid4(), nil
			}
			n := g.intBetween(16, 128)
			if lenV != starlark.None {
				var err error
				if n, err = starlark.AsInt32(lenV); err != nil {
					return nil, fmt.Errorf("%s: for parameter \"length\": %w", fn, err)
				}
			}
			if err := guard.CheckCount(fn, "length", int64(n), 1); err != nil {
				return nil, err
			}
			g.buf = g.appendRandom(g.buf[:0], max(n, 0), asciiLetters+digits)
			return g.result(), nil
		},
		"generate_string": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var seq string
			n := 10
			if err := starlark.UnpackArgs(fn, args, kwargs, "str_seq", &seq, "length?", &n); err != nil {
				return nil, err
			}
			if seq == "" {
				return nil, fmt.Errorf("%s: str_seq is empty", fn)
			}
			if err := guard.CheckCount(fn, "length", int64(n), 1); err != nil {
				return nil, err
			}
			g.buf = g.appendRandom(g.buf[:0], max(n, 0), seq)
			return g.result(), nil
		},
		"custom_code": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			mask, char, digit := "@###", "@", "#"
			if err := starlark.UnpackArgs(fn, args, kwargs, "mask?", &mask, "char?", &char, "digit?", &digit); err != nil {
				return nil, err
			}
			if len(char) != 1 || len(digit) != 1 || char == digit {
				return nil, fmt.Errorf("%s: char and digit must be two different single characters", fn)
			}
			g.buf = g.appendMask(g.buf[:0], mask, char[0], digit[0])
			return g.result(), nil
		},
		"randbytes": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			n := 16
			if err := starlark.UnpackArgs(fn, args, kwargs, "n?", &n); err != nil {
				return nil, err
			}
			if err := guard.CheckCount(fn, "n", int64(n), 1); err != nil {
				return nil, err
			}
			return starlark.Bytes(g.randomBytes(max(n, 0))), nil
		},
		"weighted_choice": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var choices *starlark.Dict
			if err := starlark.UnpackArgs(fn, args, kwargs, "choices", &choices); err != nil {
				return nil, err
			}
			if choices.Len() == 0 {
				return nil, fmt.Errorf("%s: choices must be a non-empty dict", fn)
			}
			total := 0.0
			for _, it := range choices.Items() {
				w, ok := starlark.AsFloat(it[1])
				if !ok || w < 0 || math.IsNaN(w) {
					return nil, fmt.Errorf("%s: weight of %s must be a non-negative number", fn, it[0])
				}
				total += w
			}
			return randomElement(g, fn, choices)
		},
	}
	attrs := make(map[string]starlark.Value, len(methods)+2)
	for name, fn := range methods {
		attrs[name] = starlark.NewBuiltin(label+"."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			return fn(g, nil, b.Name(), args, kwargs)
		})
	}
	names := sortedKeys(methods)
	obj := newObject("mimesis.random.Random", label, attrs, func(name string) error {
		return unknownError(label, "method", name, names)
	})
	ctor := starlark.NewBuiltin("mimesis.random.Random", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var seed starlark.Value
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "x?", &seed); err != nil {
			return nil, err
		}
		return obj, nil
	})
	ns := map[string]starlark.Value{"Random": ctor, "random": obj}
	return newObject("mimesis.random", "mimesis.random", ns, func(name string) error {
		return unknownError("mimesis.random", "attribute", name, []string{"Random", "random"})
	})
}
