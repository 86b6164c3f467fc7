package starlib

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// Python standard modules that generators written for the original reach
// through `module`: random (the functions and Random(seed) instances),
// heapq and operator. They are registered like other packages' namespaces
// so the gateway's own table stays as it is.
func init() {
	RegisterNamespace("random", newPyRandomModule)
	RegisterNamespace("heapq", func(*rand.Rand) starlark.Value { return heapqModule })
	RegisterNamespace("operator", func(*rand.Rand) starlark.Value { return operatorModule })
}

// pyRandom holds Python's random API over one RNG.
type pyRandom struct{ r *rand.Rand }

// members returns the functions of Python's random module, named
// prefix+name ("random." or "random.Random.").
func (p *pyRandom) members(prefix string) starlark.StringDict {
	fns := map[string]builtinFn{
		"random":         p.random,
		"randint":        p.randint,
		"randrange":      p.randrange,
		"uniform":        p.uniform,
		"choice":         p.choice,
		"choices":        p.choices,
		"sample":         p.sample,
		"shuffle":        p.shuffle,
		"gauss":          p.normal,
		"normalvariate":  p.normal,
		"lognormvariate": p.lognormal,
		"expovariate":    p.expovariate,
		"triangular":     p.triangular,
		"paretovariate":  p.paretovariate,
		"weibullvariate": p.weibullvariate,
		"getrandbits":    p.getrandbits,
	}
	out := make(starlark.StringDict, len(fns))
	for name, fn := range fns {
		out[name] = starlark.NewBuiltin(prefix+name, fn)
	}
	return out
}

// newPyRandomModule is module.random: the functions draw from the
// generator's RNG (reproducible under --seed); Random(x) returns an
// independent generator seeded from x (the same x gives the same values in
// every run; the values differ from CPython's Mersenne Twister).
func newPyRandomModule(r *rand.Rand) starlark.Value {
	p := &pyRandom{r: r}
	members := p.members("random.")
	members["Random"] = starlark.NewBuiltin("random.Random", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value = starlark.None
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "x?", &x); err != nil {
			return nil, err
		}
		var seed uint64
		switch v := x.(type) {
		case starlark.NoneType:
			seed = r.Uint64()
		case starlark.Int:
			n, ok := v.Uint64()
			if !ok {
				i, _ := v.Int64()
				n = uint64(i)
			}
			seed = n
		case starlark.String, starlark.Bytes, starlark.Float, starlark.Bool:
			h := fnv.New64a()
			h.Write([]byte(x.Type() + ":" + x.String()))
			seed = h.Sum64()
		default:
			return nil, fmt.Errorf("%s: for parameter \"x\": got %s, want None, int, float, str or bytes", b.Name(), x.Type())
		}
		inst := &pyRandom{r: rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))}
		return &starlarkstruct.Module{Name: "random.Random", Members: inst.members("random.Random.")}, nil
	})
	return &starlarkstruct.Module{Name: "random", Members: members}
}

func (p *pyRandom) random(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Float(p.r.Float64()), nil
}

func (p *pyRandom) randint(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var lo, hi int64
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &lo, "b", &hi); err != nil {
		return nil, err
	}
	if lo > hi {
		return nil, fmt.Errorf("%s: empty range for randrange(%d, %d)", b.Name(), lo, hi+1)
	}
	return starlark.MakeInt64(lo + p.r.Int64N(hi-lo+1)), nil
}

func (p *pyRandom) randrange(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var start int64
	var stop starlark.Value = starlark.None
	step := int64(1)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "start", &start, "stop?", &stop, "step?", &step); err != nil {
		return nil, err
	}
	lo, hi := int64(0), start
	if stop != starlark.None {
		s, err := intParam(b.Name(), "stop", stop)
		if err != nil {
			return nil, err
		}
		lo, hi = start, s
	}
	if step == 0 {
		return nil, fmt.Errorf("%s: zero step for randrange()", b.Name())
	}
	n := (hi - lo + step - sign(step)) / step
	if n <= 0 {
		return nil, fmt.Errorf("%s: empty range in randrange(%d, %d, %d)", b.Name(), lo, hi, step)
	}
	return starlark.MakeInt64(lo + step*p.r.Int64N(n)), nil
}

func sign(x int64) int64 {
	if x < 0 {
		return -1
	}
	return 1
}

func (p *pyRandom) uniform(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var a, c FloatArg
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &a, "b", &c); err != nil {
		return nil, err
	}
	return starlark.Float(float64(a) + float64(c-a)*p.r.Float64()), nil
}

func (p *pyRandom) choice(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var seq starlark.Indexable
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "seq", &seq); err != nil {
		return nil, err
	}
	if seq.Len() == 0 {
		return nil, fmt.Errorf("%s: cannot choose from an empty sequence", b.Name())
	}
	return seq.Index(p.r.IntN(seq.Len())), nil
}

// choices(population, weights=None, *, cum_weights=None, k=1)
func (p *pyRandom) choices(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pop starlark.Indexable
	var weights, cum starlark.Value = starlark.None, starlark.None
	k := 1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "population", &pop, "weights?", &weights, "cum_weights?", &cum, "k?", &k); err != nil {
		return nil, err
	}
	if k < 0 || k > 1<<20 {
		return nil, fmt.Errorf("%s: k must be in 0..%d, got %d", b.Name(), 1<<20, k)
	}
	n := pop.Len()
	if n == 0 {
		return nil, fmt.Errorf("%s: cannot choose from an empty population", b.Name())
	}
	var cw []float64
	switch {
	case weights != starlark.None && cum != starlark.None:
		return nil, fmt.Errorf("%s: cannot specify both weights and cumulative weights", b.Name())
	case weights != starlark.None || cum != starlark.None:
		src, name := weights, "weights"
		if cum != starlark.None {
			src, name = cum, "cum_weights"
		}
		ws, ok := src.(starlark.Indexable)
		if !ok || ws.Len() != n {
			return nil, fmt.Errorf("%s: the number of %s does not match the population", b.Name(), name)
		}
		cw = make([]float64, n)
		total := 0.0
		for i := range cw {
			f, err := floatParam(b.Name(), name, ws.Index(i))
			if err != nil {
				return nil, err
			}
			if name == "weights" {
				total += f
				cw[i] = total
			} else {
				cw[i] = f
			}
		}
		if cw[n-1] <= 0 || math.IsInf(cw[n-1], 0) || math.IsNaN(cw[n-1]) {
			return nil, fmt.Errorf("%s: total of weights must be greater than zero", b.Name())
		}
	}
	out := make([]starlark.Value, k)
	for i := range out {
		if cw == nil {
			out[i] = pop.Index(p.r.IntN(n))
			continue
		}
		x := p.r.Float64() * cw[n-1]
		j := 0
		for j < n-1 && cw[j] <= x {
			j++
		}
		out[i] = pop.Index(j)
	}
	return starlark.NewList(out), nil
}

func (p *pyRandom) sample(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pop starlark.Indexable
	var k int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "population", &pop, "k", &k); err != nil {
		return nil, err
	}
	n := pop.Len()
	if k < 0 || k > n {
		return nil, fmt.Errorf("%s: sample larger than population or is negative", b.Name())
	}
	out := make([]starlark.Value, k)
	for i, j := range p.r.Perm(n)[:k] {
		out[i] = pop.Index(j)
	}
	return starlark.NewList(out), nil
}

func (p *pyRandom) shuffle(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var l *starlark.List
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "x", &l); err != nil {
		return nil, err
	}
	n := l.Len()
	for i := n - 1; i > 0; i-- {
		j := p.r.IntN(i + 1)
		a, c := l.Index(i), l.Index(j)
		if err := l.SetIndex(i, c); err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		_ = l.SetIndex(j, a)
	}
	return starlark.None, nil
}

func (p *pyRandom) normal(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	mu, sigma := FloatArg(0), FloatArg(1)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "mu?", &mu, "sigma?", &sigma); err != nil {
		return nil, err
	}
	return starlark.Float(float64(mu) + float64(sigma)*p.r.NormFloat64()), nil
}

func (p *pyRandom) lognormal(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mu, sigma FloatArg
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "mu", &mu, "sigma", &sigma); err != nil {
		return nil, err
	}
	return starlark.Float(math.Exp(float64(mu) + float64(sigma)*p.r.NormFloat64())), nil
}

func (p *pyRandom) expovariate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	lambd := FloatArg(1)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "lambd?", &lambd); err != nil {
		return nil, err
	}
	if lambd == 0 {
		return nil, fmt.Errorf("%s: float division by zero", b.Name())
	}
	return starlark.Float(p.r.ExpFloat64() / float64(lambd)), nil
}

func (p *pyRandom) triangular(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	lowA, highA := FloatArg(0), FloatArg(1)
	var modeV starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "low?", &lowA, "high?", &highA, "mode?", &modeV); err != nil {
		return nil, err
	}
	low, high := float64(lowA), float64(highA)
	return triangular(p.r, b.Name(), low, high, modeV)
}

func (p *pyRandom) paretovariate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var alpha FloatArg
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "alpha", &alpha); err != nil {
		return nil, err
	}
	return starlark.Float(math.Pow(1-p.r.Float64(), -1/float64(alpha))), nil
}

func (p *pyRandom) weibullvariate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var alpha, beta FloatArg
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "alpha", &alpha, "beta", &beta); err != nil {
		return nil, err
	}
	return starlark.Float(float64(alpha) * math.Pow(-math.Log(1-p.r.Float64()), 1/float64(beta))), nil
}

func (p *pyRandom) getrandbits(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var k int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "k", &k); err != nil {
		return nil, err
	}
	if k < 0 || k > 1<<16 {
		return nil, fmt.Errorf("%s: number of bits must be in 0..65536", b.Name())
	}
	n := starlark.MakeInt(0)
	for got := 0; got < k; got += 32 {
		bits := min(32, k-got)
		n = n.Lsh(uint(bits)).Or(starlark.MakeUint64(uint64(p.r.Uint32() >> (32 - bits))))
	}
	return n, nil
}

// module.heapq: Python's heap queue over Starlark lists, ordered by
// Starlark's < (lists compare element by element, as in Python).
var heapqModule = func() starlark.Value {
	fn := func(name string, f builtinFn) *starlark.Builtin { return starlark.NewBuiltin("heapq."+name, f) }
	return &starlarkstruct.Module{Name: "heapq", Members: starlark.StringDict{
		"heappush": fn("heappush", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var h *starlark.List
			var item starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "heap", &h, "item", &item); err != nil {
				return nil, err
			}
			if err := h.Append(item); err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			return starlark.None, wrapErr(b, siftDown(h, 0, h.Len()-1))
		}),
		"heappop": fn("heappop", func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var h *starlark.List
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "heap", &h); err != nil {
				return nil, err
			}
			if h.Len() == 0 {
				return nil, fmt.Errorf("%s: index out of range", b.Name())
			}
			last, err := popLast(th, h)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			if h.Len() == 0 {
				return last, nil
			}
			top := h.Index(0)
			_ = h.SetIndex(0, last)
			return top, wrapErr(b, siftUp(h, 0))
		}),
		"heapify": fn("heapify", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var h *starlark.List
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "x", &h); err != nil {
				return nil, err
			}
			for i := h.Len()/2 - 1; i >= 0; i-- {
				if err := siftUp(h, i); err != nil {
					return nil, wrapErr(b, err)
				}
			}
			return starlark.None, nil
		}),
		"heappushpop": fn("heappushpop", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var h *starlark.List
			var item starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "heap", &h, "item", &item); err != nil {
				return nil, err
			}
			if h.Len() == 0 {
				return item, nil
			}
			lt, err := starlark.Compare(syntax.LT, h.Index(0), item)
			if err != nil || !lt {
				return item, wrapErr(b, err)
			}
			top := h.Index(0)
			if err := h.SetIndex(0, item); err != nil {
				return nil, wrapErr(b, err)
			}
			return top, wrapErr(b, siftUp(h, 0))
		}),
		"nlargest":  fn("nlargest", nOrdered(true)),
		"nsmallest": fn("nsmallest", nOrdered(false)),
		"heapreplace": fn("heapreplace", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var h *starlark.List
			var item starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "heap", &h, "item", &item); err != nil {
				return nil, err
			}
			if h.Len() == 0 {
				return nil, fmt.Errorf("%s: index out of range", b.Name())
			}
			top := h.Index(0)
			if err := h.SetIndex(0, item); err != nil {
				return nil, wrapErr(b, err)
			}
			return top, wrapErr(b, siftUp(h, 0))
		}),
	}}
}()

// nOrdered implements nlargest/nsmallest(n, iterable, key=None): the n
// first items in (reversed) sorted order, stable as Python's.
func nOrdered(largest bool) builtinFn {
	return func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var n int
		var it starlark.Iterable
		var key starlark.Value = starlark.None
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n", &n, "iterable", &it, "key?", &key); err != nil {
			return nil, err
		}
		type kv struct{ k, v starlark.Value }
		var items []kv
		iter := it.Iterate()
		defer iter.Done()
		var x starlark.Value
		for iter.Next(&x) {
			k := x
			if key != starlark.None {
				var err error
				if k, err = starlark.Call(th, key, starlark.Tuple{x}, nil); err != nil {
					return nil, wrapErr(b, err)
				}
			}
			items = append(items, kv{k, x})
		}
		var cmpErr error
		sort.SliceStable(items, func(i, j int) bool {
			a, c := items[i].k, items[j].k
			if largest {
				a, c = c, a
			}
			lt, err := starlark.Compare(syntax.LT, a, c)
			if err != nil && cmpErr == nil {
				cmpErr = err
			}
			return lt
		})
		if cmpErr != nil {
			return nil, wrapErr(b, cmpErr)
		}
		n = min(max(n, 0), len(items))
		out := make([]starlark.Value, n)
		for i := range out {
			out[i] = items[i].v
		}
		return starlark.NewList(out), nil
	}
}

func wrapErr(b *starlark.Builtin, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", b.Name(), err)
}

func popLast(th *starlark.Thread, l *starlark.List) (starlark.Value, error) {
	pop, err := l.Attr("pop")
	if err != nil {
		return nil, err
	}
	return starlark.Call(th, pop, nil, nil)
}

// siftDown moves the item at pos towards the root (CPython's _siftdown).
func siftDown(h *starlark.List, start, pos int) error {
	item := h.Index(pos)
	for pos > start {
		parent := (pos - 1) / 2
		pv := h.Index(parent)
		lt, err := starlark.Compare(syntax.LT, item, pv)
		if err != nil {
			return err
		}
		if !lt {
			break
		}
		_ = h.SetIndex(pos, pv)
		pos = parent
	}
	return h.SetIndex(pos, item)
}

// siftUp moves the item at pos down to a leaf, then back (CPython's _siftup).
func siftUp(h *starlark.List, pos int) error {
	end, start := h.Len(), pos
	item := h.Index(pos)
	child := 2*pos + 1
	for child < end {
		if right := child + 1; right < end {
			lt, err := starlark.Compare(syntax.LT, h.Index(child), h.Index(right))
			if err != nil {
				return err
			}
			if !lt {
				child = right
			}
		}
		_ = h.SetIndex(pos, h.Index(child))
		pos = child
		child = 2*pos + 1
	}
	_ = h.SetIndex(pos, item)
	return siftDown(h, start, pos)
}

// module.operator: Python's operator functions over Starlark values.
var operatorModule = func() starlark.Value {
	members := starlark.StringDict{}
	binary := map[string]syntax.Token{
		"add": syntax.PLUS, "sub": syntax.MINUS, "mul": syntax.STAR, "truediv": syntax.SLASH,
		"floordiv": syntax.SLASHSLASH, "mod": syntax.PERCENT, "and_": syntax.AMP, "or_": syntax.PIPE,
		"xor": syntax.CIRCUMFLEX, "lshift": syntax.LTLT, "rshift": syntax.GTGT, "concat": syntax.PLUS,
	}
	for name, op := range binary {
		members[name] = starlark.NewBuiltin("operator."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var x, y starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &x, "b", &y); err != nil {
				return nil, err
			}
			v, err := starlark.Binary(op, x, y)
			return v, wrapErr(b, err)
		})
	}
	compare := map[string]syntax.Token{"eq": syntax.EQL, "ne": syntax.NEQ, "lt": syntax.LT, "le": syntax.LE, "gt": syntax.GT, "ge": syntax.GE}
	for name, op := range compare {
		members[name] = starlark.NewBuiltin("operator."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var x, y starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &x, "b", &y); err != nil {
				return nil, err
			}
			ok, err := starlark.Compare(op, x, y)
			return starlark.Bool(ok), wrapErr(b, err)
		})
	}
	members["getitem"] = starlark.NewBuiltin("operator.getitem", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x, k starlark.Value
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &x, "b", &k); err != nil {
			return nil, err
		}
		v, err := getItem(x, k)
		return v, wrapErr(b, err)
	})
	members["contains"] = starlark.NewBuiltin("operator.contains", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x, y starlark.Value
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &x, "b", &y); err != nil {
			return nil, err
		}
		v, err := starlark.Binary(syntax.IN, y, x)
		return v, wrapErr(b, err)
	})
	members["not_"] = starlark.NewBuiltin("operator.not_", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &x); err != nil {
			return nil, err
		}
		return !x.Truth(), nil
	})
	members["truth"] = starlark.NewBuiltin("operator.truth", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &x); err != nil {
			return nil, err
		}
		return x.Truth(), nil
	})
	members["neg"] = starlark.NewBuiltin("operator.neg", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &x); err != nil {
			return nil, err
		}
		v, err := starlark.Unary(syntax.MINUS, x)
		return v, wrapErr(b, err)
	})
	members["itemgetter"] = starlark.NewBuiltin("operator.itemgetter", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(kwargs) > 0 || len(args) == 0 {
			return nil, fmt.Errorf("%s: want one or more keys, no keywords", b.Name())
		}
		keys := append(starlark.Tuple(nil), args...)
		return starlark.NewBuiltin("operator.itemgetter()", func(_ *starlark.Thread, g *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var x starlark.Value
			if err := starlark.UnpackArgs(g.Name(), args, kwargs, "obj", &x); err != nil {
				return nil, err
			}
			if len(keys) == 1 {
				v, err := getItem(x, keys[0])
				return v, wrapErr(g, err)
			}
			out := make(starlark.Tuple, len(keys))
			for i, k := range keys {
				v, err := getItem(x, k)
				if err != nil {
					return nil, wrapErr(g, err)
				}
				out[i] = v
			}
			return out, nil
		}), nil
	})
	members["attrgetter"] = starlark.NewBuiltin("operator.attrgetter", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var name string
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "attr", &name); err != nil {
			return nil, err
		}
		return starlark.NewBuiltin("operator.attrgetter()", func(_ *starlark.Thread, g *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var x starlark.Value
			if err := starlark.UnpackArgs(g.Name(), args, kwargs, "obj", &x); err != nil {
				return nil, err
			}
			h, ok := x.(starlark.HasAttrs)
			if !ok {
				return nil, fmt.Errorf("%s: %s has no attribute %q", g.Name(), x.Type(), name)
			}
			v, err := h.Attr(name)
			if err == nil && v == nil {
				err = fmt.Errorf("%s has no attribute %q", x.Type(), name)
			}
			return v, wrapErr(g, err)
		}), nil
	})
	return &starlarkstruct.Module{Name: "operator", Members: members}
}()

// getItem is x[k] for mappings and sequences, with Python's messages.
func getItem(x, k starlark.Value) (starlark.Value, error) {
	switch x := x.(type) {
	case starlark.Mapping:
		v, found, err := x.Get(k)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("key %s not in %s", k, x.Type())
		}
		return v, nil
	case starlark.Indexable:
		var i int
		if err := starlark.AsInt(k, &i); err != nil {
			return nil, fmt.Errorf("%s indices must be integers, not %s", x.Type(), k.Type())
		}
		n := x.Len()
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("%s index out of range", x.Type())
		}
		return x.Index(i), nil
	}
	return nil, fmt.Errorf("'%s' object is not subscriptable", x.Type())
}

// FloatArg is a float parameter for starlark.UnpackArgs that also accepts an
// int, as Python's float parameters do (UnpackArgs' *float64 takes floats
// only).
type FloatArg float64

// Unpack implements starlark.Unpacker.
func (f *FloatArg) Unpack(v starlark.Value) error {
	x, ok := starlark.AsFloat(v)
	if !ok {
		return fmt.Errorf("got %s, want float", v.Type())
	}
	*f = FloatArg(x)
	return nil
}
