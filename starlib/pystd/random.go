package pystd

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"sort"

	"go.starlark.net/starlark"
)

// module.random is Python's random module: the same functions, drawing
// from the generator's random stream (so --seed runs are reproducible),
// and random.Random(seed) objects, which run CPython's Mersenne Twister
// with CPython's seeding and so give Python's numbers for the same seed.

// source gives 32 random bits at a time, as CPython's genrand_uint32.
type source interface{ Uint32() uint32 }

// Random is the module itself (bound to the generator's stream) or a
// random.Random instance (its own Mersenne Twister).
type Random struct {
	module    bool // module.random rather than a Random(...) instance
	src       source
	gaussNext float64
	hasGauss  bool
	methods   map[string]*starlark.Builtin
}

var _ starlark.HasAttrs = (*Random)(nil)

func newRandomModule(r *rand.Rand) starlark.Value {
	return &Random{module: true, src: r}
}

func (r *Random) String() string {
	if r.module {
		return "<module 'random'>"
	}
	return "<random.Random object>"
}
func (r *Random) Type() string {
	if r.module {
		return "module"
	}
	return "random.Random"
}
func (r *Random) Freeze()              {}
func (r *Random) Truth() starlark.Bool { return true }
func (r *Random) Hash() (uint32, error) {
	return 0, fmt.Errorf("unhashable type: %s", r.Type())
}

type randomMethod func(r *Random, thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

var randomMethods map[string]randomMethod

func init() {
	randomMethods = map[string]randomMethod{
		"betavariate":    (*Random).betavariate,
		"choice":         (*Random).choice,
		"choices":        (*Random).choices,
		"expovariate":    (*Random).expovariate,
		"gammavariate":   (*Random).gammavariate,
		"gauss":          (*Random).gauss,
		"getrandbits":    (*Random).getrandbitsFn,
		"lognormvariate": (*Random).lognormvariate,
		"normalvariate":  (*Random).normalvariate,
		"paretovariate":  (*Random).paretovariate,
		"randbytes":      (*Random).randbytes,
		"randint":        (*Random).randint,
		"random":         (*Random).randomFn,
		"randrange":      (*Random).randrange,
		"sample":         (*Random).sample,
		"seed":           (*Random).seed,
		"shuffle":        (*Random).shuffle,
		"triangular":     (*Random).triangular,
		"uniform":        (*Random).uniform,
		"weibullvariate": (*Random).weibullvariate,
	}
}

func (r *Random) AttrNames() []string {
	names := make([]string, 0, len(randomMethods)+1)
	for n := range randomMethods {
		names = append(names, n)
	}
	if r.module {
		names = append(names, "Random")
	}
	sort.Strings(names)
	return names
}

func (r *Random) Attr(name string) (starlark.Value, error) {
	if b, ok := r.methods[name]; ok {
		return b, nil
	}
	var b *starlark.Builtin
	if name == "Random" && r.module {
		b = starlark.NewBuiltin("random.Random", r.newRandom)
	} else if m, ok := randomMethods[name]; ok {
		b = starlark.NewBuiltin("random."+name, func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			return m(r, th, b, args, kwargs)
		})
	} else {
		return nil, nil
	}
	if r.methods == nil {
		r.methods = make(map[string]*starlark.Builtin, 4)
	}
	r.methods[name] = b
	return b, nil
}

// newRandom is random.Random(x=None): seeded as Python seeds it from an int,
// str or bytes; without a seed, from the generator's stream (the module's).
func (r *Random) newRandom(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "x?", &x); err != nil {
		return nil, err
	}
	n := &Random{src: r.src}
	if err := n.reseed(b.Name(), x); err != nil {
		return nil, err
	}
	return n, nil
}

// reseed gives r a Mersenne Twister seeded from x.
func (r *Random) reseed(fn string, x starlark.Value) error {
	mt := &mt19937{}
	switch x := x.(type) {
	case starlark.NoneType:
		var key [4]uint32
		for i := range key {
			key[i] = r.src.Uint32()
		}
		mt.initByArray(key[:])
	case starlark.Int:
		mt.seedInt(x.BigInt())
	case starlark.Bool:
		mt.seedInt(big.NewInt(map[bool]int64{false: 0, true: 1}[bool(x)]))
	case starlark.String:
		mt.seedBytes([]byte(x))
	case starlark.Bytes:
		mt.seedBytes([]byte(x))
	case starlark.Float:
		if f := float64(x); f == math.Trunc(f) && !math.IsInf(f, 0) {
			n, _ := big.NewFloat(f).Int(nil)
			mt.seedInt(n)
		} else {
			return fmt.Errorf("%s: for parameter a: a float seed must be a whole number, got %v", fn, x)
		}
	default:
		return fmt.Errorf("%s: for parameter a: got %s, want int, str, bytes or None", fn, x.Type())
	}
	r.src = mt
	r.hasGauss = false
	return nil
}

func (r *Random) seed(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a?", &x); err != nil {
		return nil, err
	}
	return starlark.None, r.reseed(b.Name(), x)
}

// random returns a float in [0, 1) from 53 bits, as CPython's random().
func (r *Random) random() float64 {
	a := r.src.Uint32() >> 5
	c := r.src.Uint32() >> 6
	return (float64(a)*67108864.0 + float64(c)) * (1.0 / 9007199254740992.0)
}

// getrandbits returns k random bits, built as CPython builds them.
func (r *Random) getrandbits(k int) *big.Int {
	if k <= 32 {
		if k == 0 {
			return new(big.Int)
		}
		return big.NewInt(int64(r.src.Uint32() >> (32 - k)))
	}
	var acc []uint32
	for k > 0 {
		w := r.src.Uint32()
		if k < 32 {
			w >>= 32 - k
		}
		acc = append(acc, w)
		k -= 32
	}
	n := new(big.Int)
	for i := len(acc) - 1; i >= 0; i-- {
		n.Lsh(n, 32)
		n.Or(n, big.NewInt(int64(acc[i])))
	}
	return n
}

// below returns an int in [0, n), n > 0, as CPython's _randbelow.
func (r *Random) below(n uint64) uint64 {
	k := bits.Len64(n)
	for {
		var v uint64
		if k <= 32 {
			v = uint64(r.src.Uint32() >> (32 - k))
		} else {
			lo := uint64(r.src.Uint32())
			hi := uint64(r.src.Uint32() >> (64 - k))
			v = hi<<32 | lo
		}
		if v < n {
			return v
		}
	}
}

func (r *Random) randomFn(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Float(r.random()), nil
}

func (r *Random) getrandbitsFn(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var k int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "k", &k); err != nil {
		return nil, err
	}
	if k < 0 {
		return nil, fmt.Errorf("%s: number of bits must be non-negative", b.Name())
	}
	return starlark.MakeBigInt(r.getrandbits(k)), nil
}

func (r *Random) randbytes(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n", &n); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("%s: negative argument not allowed", b.Name())
	}
	v := r.getrandbits(n * 8)
	out := make([]byte, n)
	be := v.Bytes() // big-endian; Python's to_bytes(n, 'little')
	for i := range be {
		out[i] = be[len(be)-1-i]
	}
	return starlark.Bytes(out), nil
}

// intArg reads an int parameter that must fit in 64 bits.
func intArg(fn, param string, v starlark.Value) (int64, error) {
	i, ok := v.(starlark.Int)
	if !ok {
		if f, isF := v.(starlark.Float); isF && float64(f) == math.Trunc(float64(f)) {
			return int64(f), nil
		}
		return 0, fmt.Errorf("%s: for parameter %s: got %s, want int", fn, param, v.Type())
	}
	n, ok := i.Int64()
	if !ok {
		return 0, fmt.Errorf("%s: for parameter %s: %v out of range", fn, param, i)
	}
	return n, nil
}

func floatArg(fn, param string, v starlark.Value) (float64, error) {
	switch v := v.(type) {
	case starlark.Int:
		f, _ := v.BigInt().Float64()
		return f, nil
	case starlark.Float:
		return float64(v), nil
	}
	return 0, fmt.Errorf("%s: for parameter %s: got %s, want float", fn, param, v.Type())
}

// floatsArgs unpacks float parameters (name? marks an optional one whose
// default is in defaults).
func floatsArgs(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, names []string, defaults []float64) ([]float64, error) {
	vals := make([]starlark.Value, len(names))
	pairs := make([]any, 0, 2*len(names))
	for i, n := range names {
		pairs = append(pairs, n, &vals[i])
	}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, pairs...); err != nil {
		return nil, err
	}
	out := make([]float64, len(names))
	for i, v := range vals {
		if v == nil {
			out[i] = defaults[i]
			continue
		}
		f, err := floatArg(b.Name(), trimOpt(names[i]), v)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

func trimOpt(s string) string {
	if len(s) > 0 && s[len(s)-1] == '?' {
		return s[:len(s)-1]
	}
	return s
}

func (r *Random) randrangeInts(fn string, start, stop int64, hasStop bool, step int64) (int64, error) {
	if !hasStop {
		if step != 1 {
			return 0, fmt.Errorf("%s: missing a non-None stop argument", fn)
		}
		if start > 0 {
			return int64(r.below(uint64(start))), nil
		}
		return 0, fmt.Errorf("%s: empty range for randrange()", fn)
	}
	width := stop - start
	if step == 1 {
		if width > 0 {
			return start + int64(r.below(uint64(width))), nil
		}
		return 0, fmt.Errorf("%s: empty range for randrange(%d, %d)", fn, start, stop)
	}
	var n int64
	switch {
	case step > 0:
		n = floorDiv(width+step-1, step)
	case step < 0:
		n = floorDiv(width+step+1, step)
	default:
		return 0, fmt.Errorf("%s: zero step for randrange()", fn)
	}
	if n <= 0 {
		return 0, fmt.Errorf("%s: empty range for randrange(%d, %d, %d)", fn, start, stop, step)
	}
	return start + step*int64(r.below(uint64(n))), nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func (r *Random) randrange(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var start, stop, step starlark.Value = nil, starlark.None, starlark.MakeInt(1)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "start", &start, "stop?", &stop, "step?", &step); err != nil {
		return nil, err
	}
	s0, err := intArg(b.Name(), "start", start)
	if err != nil {
		return nil, err
	}
	st, err := intArg(b.Name(), "step", step)
	if err != nil {
		return nil, err
	}
	var s1 int64
	hasStop := stop != starlark.None
	if hasStop {
		if s1, err = intArg(b.Name(), "stop", stop); err != nil {
			return nil, err
		}
	}
	v, err := r.randrangeInts(b.Name(), s0, s1, hasStop, st)
	if err != nil {
		return nil, err
	}
	return starlark.MakeInt64(v), nil
}

func (r *Random) randint(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var a, c starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &a, "b", &c); err != nil {
		return nil, err
	}
	lo, err := intArg(b.Name(), "a", a)
	if err != nil {
		return nil, err
	}
	hi, err := intArg(b.Name(), "b", c)
	if err != nil {
		return nil, err
	}
	v, err := r.randrangeInts(b.Name(), lo, hi+1, true, 1)
	if err != nil {
		return nil, err
	}
	return starlark.MakeInt64(v), nil
}

func (r *Random) choice(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var seq starlark.Indexable
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "seq", &seq); err != nil {
		return nil, err
	}
	n := seq.Len()
	if n == 0 {
		return nil, fmt.Errorf("%s: cannot choose from an empty sequence", b.Name())
	}
	return seq.Index(int(r.below(uint64(n)))), nil
}

// sequence reads a population: any indexable value, or an iterable (a
// dict's keys, a set) as a list.
func sequence(fn, param string, v starlark.Value) (starlark.Indexable, error) {
	if s, ok := v.(starlark.Indexable); ok {
		return s, nil
	}
	if it, ok := v.(starlark.Iterable); ok {
		var elems []starlark.Value
		iter := it.Iterate()
		defer iter.Done()
		var x starlark.Value
		for iter.Next(&x) {
			elems = append(elems, x)
		}
		return starlark.NewList(elems), nil
	}
	return nil, fmt.Errorf("%s: for parameter %s: got %s, want a sequence", fn, param, v.Type())
}

func (r *Random) choices(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pop, weights, cum starlark.Value = nil, starlark.None, starlark.None
	k := 1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "population", &pop, "weights?", &weights, "cum_weights?", &cum, "k?", &k); err != nil {
		return nil, err
	}
	seq, err := sequence(b.Name(), "population", pop)
	if err != nil {
		return nil, err
	}
	n := seq.Len()
	out := make([]starlark.Value, 0, max(k, 0))
	if cum == starlark.None {
		if weights == starlark.None {
			if n == 0 && k > 0 {
				return nil, fmt.Errorf("%s: cannot choose from an empty population", b.Name())
			}
			for i := 0; i < k; i++ {
				out = append(out, seq.Index(int(math.Floor(r.random()*float64(n)))))
			}
			return starlark.NewList(out), nil
		}
		ws, err := floatList(b.Name(), "weights", weights)
		if err != nil {
			return nil, err
		}
		acc := 0.0
		for i, w := range ws {
			acc += w
			ws[i] = acc
		}
		return r.pickCum(b.Name(), seq, ws, k)
	}
	if weights != starlark.None {
		return nil, fmt.Errorf("%s: cannot specify both weights and cumulative weights", b.Name())
	}
	cws, err := floatList(b.Name(), "cum_weights", cum)
	if err != nil {
		return nil, err
	}
	return r.pickCum(b.Name(), seq, cws, k)
}

func (r *Random) pickCum(fn string, seq starlark.Indexable, cum []float64, k int) (starlark.Value, error) {
	n := seq.Len()
	if len(cum) != n {
		return nil, fmt.Errorf("%s: the number of weights does not match the population", fn)
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: cannot choose from an empty population", fn)
	}
	total := cum[n-1]
	if total <= 0 || math.IsInf(total, 0) || math.IsNaN(total) {
		return nil, fmt.Errorf("%s: total of weights must be greater than zero and finite", fn)
	}
	out := make([]starlark.Value, 0, max(k, 0))
	for i := 0; i < k; i++ {
		x := r.random() * total
		// bisect_right(cum, x, 0, n-1)
		j := sort.Search(n-1, func(i int) bool { return cum[i] > x })
		out = append(out, seq.Index(j))
	}
	return starlark.NewList(out), nil
}

func floatList(fn, param string, v starlark.Value) ([]float64, error) {
	it, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("%s: for parameter %s: got %s, want a sequence of numbers", fn, param, v.Type())
	}
	var out []float64
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		f, err := floatArg(fn, param, x)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func (r *Random) sample(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pop starlark.Value
	var k int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "population", &pop, "k", &k); err != nil {
		return nil, err
	}
	seq, err := sequence(b.Name(), "population", pop)
	if err != nil {
		return nil, err
	}
	n := seq.Len()
	if k < 0 || k > n {
		return nil, fmt.Errorf("%s: sample larger than population or is negative", b.Name())
	}
	result := make([]starlark.Value, k)
	setsize := 21
	if k > 5 {
		setsize += int(math.Pow(4, math.Ceil(math.Log(float64(k*3))/math.Log(4))))
	}
	if n <= setsize {
		pool := make([]starlark.Value, n)
		for i := range pool {
			pool[i] = seq.Index(i)
		}
		for i := 0; i < k; i++ {
			j := int(r.below(uint64(n - i)))
			result[i] = pool[j]
			pool[j] = pool[n-i-1]
		}
	} else {
		selected := make(map[int]bool, k)
		for i := 0; i < k; i++ {
			j := int(r.below(uint64(n)))
			for selected[j] {
				j = int(r.below(uint64(n)))
			}
			selected[j] = true
			result[i] = seq.Index(j)
		}
	}
	return starlark.NewList(result), nil
}

func (r *Random) shuffle(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var l *starlark.List
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "x", &l); err != nil {
		return nil, err
	}
	for i := l.Len() - 1; i > 0; i-- {
		j := int(r.below(uint64(i + 1)))
		vi, vj := l.Index(i), l.Index(j)
		if err := l.SetIndex(i, vj); err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		if err := l.SetIndex(j, vi); err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
	}
	return starlark.None, nil
}

func (r *Random) uniform(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f, err := floatsArgs(b, args, kwargs, []string{"a", "b"}, nil)
	if err != nil {
		return nil, err
	}
	return starlark.Float(f[0] + (f[1]-f[0])*r.random()), nil
}

func (r *Random) triangular(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mode starlark.Value = starlark.None
	var low, high starlark.Value = starlark.Float(0), starlark.Float(1)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "low?", &low, "high?", &high, "mode?", &mode); err != nil {
		return nil, err
	}
	lo, err := floatArg(b.Name(), "low", low)
	if err != nil {
		return nil, err
	}
	hi, err := floatArg(b.Name(), "high", high)
	if err != nil {
		return nil, err
	}
	u := r.random()
	c := 0.5
	if mode != starlark.None {
		m, err := floatArg(b.Name(), "mode", mode)
		if err != nil {
			return nil, err
		}
		if hi == lo {
			return starlark.Float(lo), nil
		}
		c = (m - lo) / (hi - lo)
	}
	if u > c {
		u = 1 - u
		c = 1 - c
		lo, hi = hi, lo
	}
	return starlark.Float(lo + (hi-lo)*math.Sqrt(u*c)), nil
}

var nvMagic = 4 * math.Exp(-0.5) / math.Sqrt(2.0)

func (r *Random) normal(mu, sigma float64) float64 {
	for {
		u1 := r.random()
		u2 := 1.0 - r.random()
		z := nvMagic * (u1 - 0.5) / u2
		if z*z/4.0 <= -math.Log(u2) {
			return mu + z*sigma
		}
	}
}

func (r *Random) normalvariate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f, err := floatsArgs(b, args, kwargs, []string{"mu?", "sigma?"}, []float64{0, 1})
	if err != nil {
		return nil, err
	}
	return starlark.Float(r.normal(f[0], f[1])), nil
}

func (r *Random) lognormvariate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f, err := floatsArgs(b, args, kwargs, []string{"mu", "sigma"}, nil)
	if err != nil {
		return nil, err
	}
	return starlark.Float(math.Exp(r.normal(f[0], f[1]))), nil
}

func (r *Random) gauss(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f, err := floatsArgs(b, args, kwargs, []string{"mu?", "sigma?"}, []float64{0, 1})
	if err != nil {
		return nil, err
	}
	var z float64
	if r.hasGauss {
		z, r.hasGauss = r.gaussNext, false
	} else {
		x2pi := r.random() * 2 * math.Pi
		g2rad := math.Sqrt(-2.0 * math.Log(1.0-r.random()))
		z = math.Cos(x2pi) * g2rad
		r.gaussNext, r.hasGauss = math.Sin(x2pi)*g2rad, true
	}
	return starlark.Float(f[0] + z*f[1]), nil
}

func (r *Random) expovariate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f, err := floatsArgs(b, args, kwargs, []string{"lambd?"}, []float64{1})
	if err != nil {
		return nil, err
	}
	if f[0] == 0 {
		return nil, fmt.Errorf("%s: float division by zero", b.Name())
	}
	return starlark.Float(-math.Log(1.0-r.random()) / f[0]), nil
}

func (r *Random) paretovariate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f, err := floatsArgs(b, args, kwargs, []string{"alpha"}, nil)
	if err != nil {
		return nil, err
	}
	u := 1.0 - r.random()
	return starlark.Float(math.Pow(u, -1.0/f[0])), nil
}

func (r *Random) weibullvariate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f, err := floatsArgs(b, args, kwargs, []string{"alpha", "beta"}, nil)
	if err != nil {
		return nil, err
	}
	u := 1.0 - r.random()
	return starlark.Float(f[0] * math.Pow(-math.Log(u), 1.0/f[1])), nil
}

var (
	log4       = math.Log(4.0)
	sgMagic    = 1.0 + math.Log(4.5)
	errGammaAB = fmt.Errorf("gammavariate: alpha and beta must be > 0.0")
)

func (r *Random) gamma(alpha, beta float64) (float64, error) {
	if alpha <= 0 || beta <= 0 {
		return 0, errGammaAB
	}
	switch {
	case alpha > 1:
		ainv := math.Sqrt(2.0*alpha - 1.0)
		bbb := alpha - log4
		ccc := alpha + ainv
		for {
			u1 := r.random()
			if !(1e-7 < u1 && u1 < 0.9999999) {
				continue
			}
			u2 := 1.0 - r.random()
			v := math.Log(u1/(1.0-u1)) / ainv
			x := alpha * math.Exp(v)
			z := u1 * u1 * u2
			rr := bbb + ccc*v - x
			if rr+sgMagic-4.5*z >= 0.0 || rr >= math.Log(z) {
				return x * beta, nil
			}
		}
	case alpha == 1:
		return -math.Log(1.0-r.random()) * beta, nil
	default:
		var x float64
		for {
			u := r.random()
			bb := (math.E + alpha) / math.E
			p := bb * u
			if p <= 1.0 {
				x = math.Pow(p, 1.0/alpha)
			} else {
				x = -math.Log((bb - p) / alpha)
			}
			u1 := r.random()
			if p > 1.0 {
				if u1 <= math.Pow(x, alpha-1.0) {
					break
				}
			} else if u1 <= math.Exp(-x) {
				break
			}
		}
		return x * beta, nil
	}
}

func (r *Random) gammavariate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f, err := floatsArgs(b, args, kwargs, []string{"alpha", "beta"}, nil)
	if err != nil {
		return nil, err
	}
	g, err := r.gamma(f[0], f[1])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return starlark.Float(g), nil
}

func (r *Random) betavariate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f, err := floatsArgs(b, args, kwargs, []string{"alpha", "beta"}, nil)
	if err != nil {
		return nil, err
	}
	y, err := r.gamma(f[0], 1.0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	if y == 0 {
		return starlark.Float(0), nil
	}
	z, err := r.gamma(f[1], 1.0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return starlark.Float(y / (y + z)), nil
}
