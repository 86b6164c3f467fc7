package starlib

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/eventum-go/eventum/starlib/guard"
)

// newRandNamespace builds module.rand bound to r. Semantics follow the
// original eventum rand module (random.* of CPython), drawing from r.
func newRandNamespace(r *rand.Rand, loc *time.Location) starlark.Value {
	g := &randGen{r: r, loc: loc}
	// Builtins carry their full dotted name (rand.number.integer), which
	// starts their error messages.
	ns := func(name string, fns map[string]builtinFn) *starlarkstruct.Module {
		m := &starlarkstruct.Module{Name: name, Members: make(starlark.StringDict, len(fns))}
		prefix := "rand." + name + "."
		if name == "rand" {
			prefix = "rand."
		}
		for n, f := range fns {
			m.Members[n] = starlark.NewBuiltin(prefix+n, f)
		}
		return m
	}
	number := ns("number", map[string]builtinFn{
		"integer":     g.integer,
		"floating":    g.floating,
		"gauss":       g.gauss,
		"lognormal":   g.lognormal,
		"exponential": g.exponential,
		"pareto":      g.pareto,
		"triangular":  g.triangular,
		"clamp":       clamp,
	})
	str := ns("string", map[string]builtinFn{
		"letters":           g.charsFn(lettersAlphabet),
		"letters_lowercase": g.charsFn(lowerAlphabet),
		"letters_uppercase": g.charsFn(upperAlphabet),
		"digits":            g.charsFn(digitAlphabet),
		"punctuation":       g.charsFn(punctAlphabet),
		"hex":               g.charsFn(hexAlphabet),
		"pattern":           g.pattern,
	})
	network := ns("network", map[string]builtinFn{
		"ip_v4":            g.noArgs(g.ipV4),
		"ip_v4_private":    g.noArgs(g.ipV4Private),
		"ip_v4_private_a":  g.noArgs(func() string { return g.ipV4Range(0x0A000000, 0x0AFFFFFF) }),
		"ip_v4_private_b":  g.noArgs(func() string { return g.ipV4Range(0xAC100000, 0xAC1FFFFF) }),
		"ip_v4_private_c":  g.noArgs(func() string { return g.ipV4Range(0xC0A80000, 0xC0A8FFFF) }),
		"ip_v4_public":     g.noArgs(g.ipV4Public),
		"ip_v4_in_subnet":  g.ipInSubnet,
		"ip_v6":            g.noArgs(func() string { return g.ipV6(netip.Prefix{}) }),
		"ip_v6_global":     g.noArgs(func() string { return g.ipV6(netip.MustParsePrefix("2000::/3")) }),
		"ip_v6_link_local": g.noArgs(func() string { return g.ipV6(netip.MustParsePrefix("fe80::/10")) }),
		"ip_v6_ula":        g.noArgs(func() string { return g.ipV6(netip.MustParsePrefix("fc00::/7")) }),
		"mac":              g.mac,
	})
	crypto := ns("crypto", map[string]builtinFn{
		"uuid4":  g.noArgs(func() string { return formatUUID(g.uuid4()) }),
		"md5":    g.noArgs(func() string { return g.hexString(32) }),
		"sha1":   g.noArgs(func() string { return g.hexString(40) }),
		"sha256": g.noArgs(func() string { return g.hexString(64) }),
		"sha512": g.noArgs(func() string { return g.hexString(128) }),
	})
	dt := ns("datetime", map[string]builtinFn{"timestamp": g.timestamp})
	top := ns("rand", map[string]builtinFn{
		"choice":           g.choice,
		"choices":          g.choices,
		"shuffle":          g.shuffle,
		"weighted_choice":  g.weightedChoice,
		"weighted_choices": g.weightedChoices,
		"chance":           g.chance,
	})
	// Fast paths for compiled templates (see fastcall.go).
	withAppend(network.Members, "ip_v4", func(b []byte) []byte { return appendIPv4(b, g.r.Uint32()) })
	withAppend(network.Members, "ip_v4_private", g.appendIPv4Private)
	withAppend(network.Members, "ip_v4_private_a", func(b []byte) []byte { return g.appendIPv4Range(b, 0x0A000000, 0x0AFFFFFF) })
	withAppend(network.Members, "ip_v4_private_b", func(b []byte) []byte { return g.appendIPv4Range(b, 0xAC100000, 0xAC1FFFFF) })
	withAppend(network.Members, "ip_v4_private_c", func(b []byte) []byte { return g.appendIPv4Range(b, 0xC0A80000, 0xC0A8FFFF) })
	withAppend(network.Members, "ip_v4_public", g.appendIPv4Public)
	withAppend(crypto.Members, "uuid4", func(b []byte) []byte { return appendUUID(b, g.uuid4()) })
	for name, n := range map[string]int{"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128} {
		withAppend(crypto.Members, name, func(b []byte) []byte { return g.appendChars(b, hexAlphabet, n) })
	}
	for name, alphabet := range map[string]string{"letters": lettersAlphabet, "letters_lowercase": lowerAlphabet,
		"letters_uppercase": upperAlphabet, "digits": digitAlphabet, "punctuation": punctAlphabet, "hex": hexAlphabet} {
		str.Members[name] = &fastBuiltin{Builtin: str.Members[name].(*starlark.Builtin), bind: g.bindChars(alphabet)}
	}
	top.Members["weighted_choice"] = &fastBuiltin{Builtin: top.Members["weighted_choice"].(*starlark.Builtin), bind: g.bindWeightedChoice}
	top.Members["choice"] = &fastBuiltin{Builtin: top.Members["choice"].(*starlark.Builtin), bind: g.bindChoice}
	number.Members["integer"] = &fastBuiltin{Builtin: number.Members["integer"].(*starlark.Builtin), bind: g.bindInteger}
	top.Members["number"] = number
	top.Members["string"] = str
	top.Members["network"] = network
	top.Members["crypto"] = crypto
	top.Members["datetime"] = dt
	return top
}

type builtinFn = func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)

type randGen struct {
	r   *rand.Rand
	loc *time.Location
}

// args returns the n positional arguments, accepting keywords by name
// (the fast path is positional only, without allocation).
func args(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, names ...string) (starlark.Tuple, error) {
	if len(kwargs) == 0 && len(args) == len(names) {
		return args, nil
	}
	out := make(starlark.Tuple, len(names))
	pairs := make([]any, 0, 2*len(names))
	for i, n := range names {
		pairs = append(pairs, n, &out[i])
	}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, pairs...); err != nil {
		return nil, err
	}
	return out, nil
}

func toInt64(fn string, v starlark.Value) (int64, error) { return intParam(fn, "", v) }

func toFloat(fn string, v starlark.Value) (float64, error) { return floatParam(fn, "", v) }

// paramPrefix starts an argument error as starlark.UnpackArgs does:
// "rand.number.integer: for parameter \"a\": ".
func paramPrefix(fn, param string) string {
	if param == "" {
		return fn + ": "
	}
	return fn + ": for parameter " + strconv.Quote(param) + ": "
}

// intParam converts the argument param of fn to an int64.
func intParam(fn, param string, v starlark.Value) (int64, error) {
	if i, ok := v.(starlark.Int); ok {
		if n, ok := i.Int64(); ok {
			return n, nil
		}
		return 0, fmt.Errorf("%sinteger %s out of range", paramPrefix(fn, param), i)
	}
	if v == nil {
		return 0, fmt.Errorf("%s: missing argument for %s", fn, param)
	}
	return 0, fmt.Errorf("%sgot %s, want int", paramPrefix(fn, param), v.Type())
}

// floatParam converts the argument param of fn (int or float) to a float64.
func floatParam(fn, param string, v starlark.Value) (float64, error) {
	if v == nil {
		return 0, fmt.Errorf("%s: missing argument for %s", fn, param)
	}
	f, ok := starlark.AsFloat(v)
	if !ok {
		return 0, fmt.Errorf("%sgot %s, want float", paramPrefix(fn, param), v.Type())
	}
	return f, nil
}

func floats(b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple, names ...string) ([4]float64, error) {
	var out [4]float64
	vals, err := args(b, a, kw, names...)
	if err != nil {
		return out, err
	}
	for i, v := range vals {
		if out[i], err = floatParam(b.Name(), names[i], v); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (g *randGen) integer(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	vals, err := args(b, a, kw, "a", "b")
	if err != nil {
		return nil, err
	}
	lo, err := intParam(b.Name(), "a", vals[0])
	if err != nil {
		return nil, err
	}
	hi, err := intParam(b.Name(), "b", vals[1])
	if err != nil {
		return nil, err
	}
	if lo > hi {
		return nil, fmt.Errorf("%s: empty range for randrange(%d, %d)", b.Name(), lo, hi+1)
	}
	span := uint64(hi - lo)
	if span == math.MaxUint64 {
		return starlark.MakeInt64(int64(g.r.Uint64())), nil
	}
	return starlark.MakeInt64(lo + int64(g.r.Uint64N(span+1))), nil
}

func (g *randGen) floating(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	f, err := floats(b, a, kw, "a", "b")
	if err != nil {
		return nil, err
	}
	return starlark.Float(f[0] + (f[1]-f[0])*g.r.Float64()), nil
}

func (g *randGen) gauss(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	f, err := floats(b, a, kw, "mu", "sigma")
	if err != nil {
		return nil, err
	}
	return starlark.Float(f[0] + f[1]*g.r.NormFloat64()), nil
}

func (g *randGen) lognormal(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	f, err := floats(b, a, kw, "mu", "sigma")
	if err != nil {
		return nil, err
	}
	return starlark.Float(math.Exp(f[0] + f[1]*g.r.NormFloat64())), nil
}

func (g *randGen) exponential(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	f, err := floats(b, a, kw, "lambd")
	if err != nil {
		return nil, err
	}
	if f[0] == 0 {
		return nil, fmt.Errorf("%s: lambd must not be zero", b.Name())
	}
	return starlark.Float(g.r.ExpFloat64() / f[0]), nil
}

func (g *randGen) pareto(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var av, xv starlark.Value = nil, starlark.Float(1)
	if err := starlark.UnpackArgs(b.Name(), a, kw, "alpha", &av, "xmin?", &xv); err != nil {
		return nil, err
	}
	alpha, err := floatParam(b.Name(), "alpha", av)
	if err != nil {
		return nil, err
	}
	xmin, err := floatParam(b.Name(), "xmin", xv)
	if err != nil {
		return nil, err
	}
	if alpha <= 0 {
		return nil, fmt.Errorf("%s: alpha must be positive", b.Name())
	}
	return starlark.Float(xmin * math.Pow(1-g.r.Float64(), -1/alpha)), nil
}

func (g *randGen) triangular(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var lv, hv, modeV starlark.Value = starlark.Float(0), starlark.Float(1), starlark.None
	if err := starlark.UnpackArgs(b.Name(), a, kw, "low?", &lv, "high?", &hv, "mode?", &modeV); err != nil {
		return nil, err
	}
	low, err := floatParam(b.Name(), "low", lv)
	if err != nil {
		return nil, err
	}
	high, err := floatParam(b.Name(), "high", hv)
	if err != nil {
		return nil, err
	}
	return triangular(g.r, b.Name(), low, high, modeV)
}

func clamp(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	vals, err := args(b, a, kw, "value", "min_val", "max_val")
	if err != nil {
		return nil, err
	}
	// max(min_val, min(max_val, value)), keeping the argument's own type.
	lo, hi, v := vals[1], vals[2], vals[0]
	if lt, err := starlark.Compare(syntax.LT, hi, v); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	} else if lt {
		v = hi
	}
	if lt, err := starlark.Compare(syntax.LT, v, lo); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	} else if lt {
		v = lo
	}
	return v, nil
}

const (
	lowerAlphabet   = "abcdefghijklmnopqrstuvwxyz"
	upperAlphabet   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lettersAlphabet = lowerAlphabet + upperAlphabet
	digitAlphabet   = "0123456789"
	punctAlphabet   = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	hexAlphabet     = "0123456789abcdef"
)

func (g *randGen) charsFn(alphabet string) builtinFn {
	return func(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		vals, err := args(b, a, kw, "size")
		if err != nil {
			return nil, err
		}
		n, err := intParam(b.Name(), "size", vals[0])
		if err != nil {
			return nil, err
		}
		if n < 0 || n > 1<<24 {
			return nil, fmt.Errorf("%s: size %d out of range", b.Name(), n)
		}
		return starlark.String(g.chars(alphabet, int(n))), nil
	}
}

func (g *randGen) chars(alphabet string, n int) string {
	var stack [64]byte
	buf := stack[:0]
	if n > len(stack) {
		buf = make([]byte, 0, n)
	}
	return string(g.appendChars(buf, alphabet, n))
}

// appendChars appends n characters drawn from alphabet.
func (g *randGen) appendChars(buf []byte, alphabet string, n int) []byte {
	if alphabet == hexAlphabet {
		end := len(buf) + n
		for len(buf) < end {
			x := g.r.Uint64()
			for k := 0; k < 16 && len(buf) < end; k++ {
				buf = append(buf, hexAlphabet[x&15])
				x >>= 4
			}
		}
		return buf
	}
	for range n {
		buf = append(buf, alphabet[g.r.IntN(len(alphabet))])
	}
	return buf
}

func (g *randGen) hexString(n int) string { return g.chars(hexAlphabet, n) }

// patternSets are the specifiers of string.pattern, as in the original.
var patternSets = map[byte]string{
	'a': lowerAlphabet,
	'A': upperAlphabet,
	'l': lettersAlphabet,
	'd': digitAlphabet,
	'n': "123456789",
	'h': hexAlphabet,
	'H': "0123456789ABCDEF",
	'p': punctAlphabet,
	'w': lettersAlphabet + digitAlphabet,
}

// pattern is the original's string.pattern(format_string): %a a-z, %A A-Z,
// %l a-zA-Z, %d 0-9, %n 1-9, %h 0-9a-f, %H 0-9A-F, %p punctuation, %w
// a-zA-Z0-9, %% a literal %; {N} after a specifier repeats it N times;
// other characters are kept.
func (g *randGen) pattern(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var p string
	if err := starlark.UnpackArgs(b.Name(), a, kw, "format_string", &p); err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); {
		c := p[i]
		if c != '%' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(p) {
			return nil, fmt.Errorf("%s: incomplete format specifier at end of pattern (trailing '%%')", b.Name())
		}
		spec, specAt := p[i+1], i+1
		i += 2
		count := 1
		if i < len(p) && p[i] == '{' {
			end := strings.IndexByte(p[i+1:], '}')
			if end < 0 {
				return nil, fmt.Errorf("%s: unclosed '{' in pattern", b.Name())
			}
			digits := p[i+1 : i+1+end]
			n, err := strconv.Atoi(digits)
			if err != nil || n < 0 || strings.ContainsAny(digits, "+-") {
				return nil, fmt.Errorf("%s: invalid repeat count: %s", b.Name(), pyQuote(digits))
			}
			if n > 1<<20 {
				return nil, fmt.Errorf("%s: repeat count %d too large", b.Name(), n)
			}
			count, i = n, i+2+end
		}
		if spec == '%' {
			out = append(out, strings.Repeat("%", count)...)
			continue
		}
		set, ok := patternSets[spec]
		if !ok {
			r, _ := utf8.DecodeRuneInString(p[specAt:])
			return nil, fmt.Errorf("%s: unknown format specifier: %%%c", b.Name(), r)
		}
		for range count {
			out = append(out, set[g.r.IntN(len(set))])
		}
	}
	return starlark.String(out), nil
}

// pyQuote is Python's repr of a short ASCII string.
func pyQuote(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

func (g *randGen) noArgs(f func() string) builtinFn {
	return func(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(a) > 0 || len(kw) > 0 {
			return nil, fmt.Errorf("%s: got unexpected arguments", b.Name())
		}
		return starlark.String(f()), nil
	}
}

func appendIPv4(b []byte, ip uint32) []byte {
	for i := 3; i >= 0; i-- {
		b = appendNum(b, int(ip>>(8*i))&0xFF, 0, '0', 0)
		if i > 0 {
			b = append(b, '.')
		}
	}
	return b
}

func (g *randGen) ipV4() string {
	var buf [16]byte
	return string(appendIPv4(buf[:0], g.r.Uint32()))
}

func (g *randGen) ipV4Range(lo, hi uint32) string {
	var buf [16]byte
	return string(g.appendIPv4Range(buf[:0], lo, hi))
}

func (g *randGen) appendIPv4Range(b []byte, lo, hi uint32) []byte {
	return appendIPv4(b, lo+uint32(g.r.Uint64N(uint64(hi-lo)+1)))
}

func (g *randGen) ipV4Private() string {
	var buf [16]byte
	return string(g.appendIPv4Private(buf[:0]))
}

func (g *randGen) appendIPv4Private(b []byte) []byte {
	switch g.r.IntN(3) {
	case 0:
		return g.appendIPv4Range(b, 0x0A000000, 0x0AFFFFFF)
	case 1:
		return g.appendIPv4Range(b, 0xAC100000, 0xAC1FFFFF)
	}
	return g.appendIPv4Range(b, 0xC0A80000, 0xC0A8FFFF)
}

// publicRanges are the public IPv4 ranges and weights of the original module.
var publicRanges = []struct {
	lo, hi uint32
	weight float64
}{
	{0x01000000, 0x09FFFFFF, 5}, {0x0B000000, 0x643FFFFF, 8}, {0x64800000, 0x7EFFFFFF, 6},
	{0x80000000, 0xA9FDFFFF, 7}, {0xA9FF0000, 0xAC0FFFFF, 4}, {0xAC200000, 0xBFFFFFFF, 9},
	{0xC0000100, 0xC00001FF, 3}, {0xC0000300, 0xC05862FF, 4}, {0xC0586400, 0xC0A7FFFF, 5},
	{0xC0A90000, 0xC611FFFF, 6}, {0xC6140000, 0xC63363FF, 4}, {0xC6336500, 0xCB0070FF, 6},
	{0xCB007200, 0xDFFFFFFF, 8},
}

// publicTotal is the sum of publicRanges' weights.
var publicTotal = func() float64 {
	total := 0.0
	for _, pr := range publicRanges {
		total += pr.weight
	}
	return total
}()

func (g *randGen) ipV4Public() string {
	var buf [16]byte
	return string(g.appendIPv4Public(buf[:0]))
}

func (g *randGen) appendIPv4Public(b []byte) []byte {
	x := g.r.Float64() * publicTotal
	i := 0
	for ; i < len(publicRanges)-1; i++ {
		x -= publicRanges[i].weight
		if x < 0 {
			break
		}
	}
	return g.appendIPv4Range(b, publicRanges[i].lo, publicRanges[i].hi)
}

// ipV6 returns a random address inside p (any address for a zero prefix).
func (g *randGen) ipV6(p netip.Prefix) string {
	var a [16]byte
	binary.BigEndian.PutUint64(a[:8], g.r.Uint64())
	binary.BigEndian.PutUint64(a[8:], g.r.Uint64())
	if p.IsValid() {
		base := p.Addr().As16()
		bits := p.Bits()
		for i := 0; i < 16; i++ {
			keep := min(max(bits-8*i, 0), 8) // network bits in this byte
			mask := byte(0xFF << (8 - keep))
			a[i] = base[i]&mask | a[i]&^mask
		}
	}
	return netip.AddrFrom16(a).String()
}

func (g *randGen) ipInSubnet(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var cidr string
	if err := starlark.UnpackArgs(b.Name(), a, kw, "cidr", &cidr); err != nil {
		return nil, err
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	p = p.Masked()
	if !p.Addr().Is4() {
		return starlark.String(g.ipV6(p)), nil
	}
	v4 := p.Addr().As4()
	base := binary.BigEndian.Uint32(v4[:])
	size := uint64(1) << (32 - p.Bits())
	lo, hi := uint64(base), uint64(base)+size-1
	if size >= 4 { // skip the network and broadcast addresses
		lo, hi = lo+1, hi-1
	}
	var buf [16]byte
	return starlark.String(appendIPv4(buf[:0], uint32(lo+g.r.Uint64N(hi-lo+1)))), nil
}

// vendorOUIs are a few IEEE-assigned OUI prefixes per vendor, the vendor
// keys of the original's network.mac(vendor=...).
var vendorOUIs = map[string][]uint32{
	"apple":     {0x000393, 0x001FF3, 0x040CCE, 0x6C96CF, 0xF0B479},
	"aruba":     {0x000B86, 0x001A1E, 0x204C03, 0x94B40F},
	"broadcom":  {0x000AF7, 0x001018, 0x001BE9, 0xD40129},
	"cisco":     {0x00000C, 0x000142, 0x001B54, 0x002497, 0xA46C2A},
	"dell":      {0x001422, 0x180373, 0x3417EB, 0xB083FE, 0xF8DB88},
	"fortinet":  {0x00090F, 0x04D590, 0x906CAC, 0xE023FF},
	"hp":        {0x0001E6, 0x000883, 0x000E7F, 0x3CD92B, 0x941882},
	"huawei":    {0x001882, 0x001E10, 0x0425C5, 0x20F3A3, 0x38BC01},
	"ibm":       {0x0001E1, 0x00096B, 0x00145E, 0x0017EF, 0x00215E},
	"intel":     {0x000347, 0x0007E9, 0x001302, 0xA0369F, 0xE8B1FC},
	"juniper":   {0x000585, 0x00121E, 0x0014F6, 0x0017CB, 0x001F12},
	"lenovo":    {0x0021CC, 0x54E1AD, 0xA0510B, 0xCC07E4, 0xE86F38},
	"microsoft": {0x0003FF, 0x00155D, 0x0050F2, 0x281878, 0x6045BD},
	"mikrotik":  {0x000C42, 0x4C5E0C, 0x6C3B6B, 0xB869F4},
	"netgear":   {0x00095B, 0x00146C, 0x001B2F, 0x20E52A, 0x4C60DE},
	"paloalto":  {0x001B17, 0xB40C25},
	"samsung":   {0x0007AB, 0x002339, 0x0808C2, 0x3423BA, 0xF008F1},
	"tplink":    {0x001D0F, 0x14CC20, 0x50C7BF, 0x98DAC4, 0xD80D17},
	"ubiquiti":  {0x00156D, 0x0418D6, 0x245A4C, 0x74ACB9, 0xFCECDA},
	"vmware":    {0x000569, 0x000C29, 0x001C14, 0x005056},
}

// mac is network.mac(*, oui=None, vendor=None): six random bytes, or a
// fixed 3-byte prefix ("aa:bb:cc" or "aa-bb-cc") or one of a vendor's.
func (g *randGen) mac(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(a) > 0 {
		return nil, fmt.Errorf("%s: got %d positional arguments, want 0 (oui= and vendor= are keywords)", b.Name(), len(a))
	}
	var oui, vendor starlark.Value = starlark.None, starlark.None
	if len(kw) > 0 {
		if err := starlark.UnpackArgs(b.Name(), nil, kw, "oui?", &oui, "vendor?", &vendor); err != nil {
			return nil, err
		}
	}
	x := g.r.Uint64()
	if oui != starlark.None && vendor != starlark.None {
		return nil, fmt.Errorf("%s: 'oui' and 'vendor' are mutually exclusive", b.Name())
	}
	prefix := -1
	if vendor != starlark.None {
		v, ok := vendor.(starlark.String)
		if !ok {
			return nil, fmt.Errorf("%sgot %s, want string", paramPrefix(b.Name(), "vendor"), vendor.Type())
		}
		list, ok := vendorOUIs[strings.ToLower(string(v))]
		if !ok {
			return nil, fmt.Errorf("%s: unknown vendor: %s", b.Name(), pyQuote(string(v)))
		}
		prefix = int(list[g.r.IntN(len(list))])
	}
	if oui != starlark.None {
		o, ok := oui.(starlark.String)
		if !ok {
			return nil, fmt.Errorf("%sgot %s, want string", paramPrefix(b.Name(), "oui"), oui.Type())
		}
		p, err := parseOUI(string(o))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		prefix = int(p)
	}
	var octets [6]byte
	for i := range octets {
		octets[i] = byte(x >> (8 * i))
	}
	if prefix >= 0 {
		octets[0], octets[1], octets[2] = byte(prefix>>16), byte(prefix>>8), byte(prefix)
	}
	buf := make([]byte, 0, 17)
	for i, v := range octets {
		if i > 0 {
			buf = append(buf, ':')
		}
		buf = append(buf, hexAlphabet[v>>4], hexAlphabet[v&15])
	}
	return starlark.String(buf), nil
}

// parseOUI reads "aa:bb:cc" or "aa-bb-cc" (two hex digits each).
func parseOUI(s string) (uint32, error) {
	parts := strings.Split(strings.ReplaceAll(s, "-", ":"), ":")
	var v uint32
	for _, p := range parts {
		n, err := strconv.ParseUint(p, 16, 8)
		if len(parts) != 3 || len(p) != 2 || err != nil {
			return 0, fmt.Errorf("invalid OUI prefix: %s", pyQuote(s))
		}
		v = v<<8 | uint32(n)
	}
	return v, nil
}

func (g *randGen) uuid4() [16]byte {
	var u [16]byte
	binary.BigEndian.PutUint64(u[:8], g.r.Uint64())
	binary.BigEndian.PutUint64(u[8:], g.r.Uint64())
	u[6] = u[6]&0x0F | 0x40
	u[8] = u[8]&0x3F | 0x80
	return u
}

func formatUUID(u [16]byte) string {
	var buf [36]byte
	return string(appendUUID(buf[:0], u))
}

func appendUUID(b []byte, u [16]byte) []byte {
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexAlphabet[c>>4], hexAlphabet[c&15])
	}
	return b
}

func (g *randGen) timestamp(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	vals, err := args(b, a, kw, "start", "end")
	if err != nil {
		return nil, err
	}
	var ends [2]*Timestamp
	for i, v := range vals {
		switch v := v.(type) {
		case *Timestamp:
			ends[i] = v
		case starlark.String:
			t, _, err := parseISO(string(v), g.loc)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			ends[i] = NewTimestamp(t)
		default:
			return nil, fmt.Errorf("%s: want datetime or ISO string, got %s", b.Name(), typeName(v))
		}
	}
	if ends[0].naive != ends[1].naive {
		return nil, fmt.Errorf("%s: can't mix naive and aware datetimes", b.Name())
	}
	span := float64(ends[1].t.Sub(ends[0].t) / time.Microsecond)
	d, err := floatDelta(span * g.r.Float64())
	if err != nil {
		return nil, err
	}
	return &Timestamp{t: ends[0].t.Add(d.d), naive: ends[0].naive}, nil
}

func typeName(v starlark.Value) string {
	if v == nil {
		return "nothing"
	}
	return v.Type()
}

func (g *randGen) choice(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	vals, err := args(b, a, kw, "items")
	if err != nil {
		return nil, err
	}
	seq, ok := vals[0].(starlark.Indexable)
	if !ok {
		return nil, fmt.Errorf("%s: want a sequence, got %s", b.Name(), typeName(vals[0]))
	}
	n := seq.Len()
	if n == 0 {
		return nil, fmt.Errorf("%s: cannot choose from an empty sequence", b.Name())
	}
	return seq.Index(g.r.IntN(n)), nil
}

func (g *randGen) choices(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	vals, err := args(b, a, kw, "items", "n")
	if err != nil {
		return nil, err
	}
	seq, ok := vals[0].(starlark.Indexable)
	if !ok {
		return nil, fmt.Errorf("%s: want a sequence, got %s", b.Name(), typeName(vals[0]))
	}
	k, err := toInt64(b.Name(), vals[1])
	if err != nil {
		return nil, err
	}
	n := seq.Len()
	if n == 0 && k > 0 {
		return nil, fmt.Errorf("%s: cannot choose from an empty sequence", b.Name())
	}
	if err := guard.CheckCount(b.Name(), "k", k, 16); err != nil {
		return nil, err
	}
	out := make([]starlark.Value, max(k, 0))
	for i := range out {
		out[i] = seq.Index(g.r.IntN(n))
	}
	return starlark.NewList(out), nil
}

func (g *randGen) shuffle(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	vals, err := args(b, a, kw, "items")
	if err != nil {
		return nil, err
	}
	if s, ok := vals[0].(starlark.String); ok {
		r := []rune(string(s))
		g.r.Shuffle(len(r), func(i, j int) { r[i], r[j] = r[j], r[i] })
		return starlark.String(string(r)), nil
	}
	it, ok := vals[0].(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("%s: want a sequence, got %s", b.Name(), typeName(vals[0]))
	}
	var out []starlark.Value
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		out = append(out, x)
	}
	g.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return starlark.NewList(out), nil
}

// weightsOf returns the items and weights of weighted_choice(s) for a
// sequence of items: weights None (or omitted) picks uniformly (nil
// weights), as random.choices does.
func weightsOf(fn string, items, weights starlark.Value) (starlark.Indexable, []float64, error) {
	seq, ok := items.(starlark.Indexable)
	if !ok {
		return nil, nil, fmt.Errorf("%sgot %s, want a dict or a sequence", paramPrefix(fn, "items"), typeName(items))
	}
	if weights == nil || weights == starlark.None {
		if seq.Len() == 0 {
			return nil, nil, fmt.Errorf("%s: cannot choose from an empty sequence", fn)
		}
		return seq, nil, nil
	}
	wseq, ok := weights.(starlark.Indexable)
	if !ok {
		return nil, nil, fmt.Errorf("%sgot %s, want a sequence of numbers", paramPrefix(fn, "weights"), typeName(weights))
	}
	if wseq.Len() != seq.Len() {
		return nil, nil, fmt.Errorf("%s: the number of weights does not match the population (%d items, %d weights)", fn, seq.Len(), wseq.Len())
	}
	ws := make([]float64, wseq.Len())
	for i := range ws {
		f, err := floatParam(fn, "weights", wseq.Index(i))
		if err != nil {
			return nil, nil, err
		}
		ws[i] = f
	}
	return seq, ws, nil
}

// dictWeights returns the keys and values of {item: weight}.
func dictWeights(fn string, d *starlark.Dict) (starlark.Indexable, []float64, error) {
	items := d.Items()
	keys := make(starlark.Tuple, len(items))
	ws := make([]float64, len(items))
	for i, kv := range items {
		f, err := floatParam(fn, "items", kv[1])
		if err != nil {
			return nil, nil, err
		}
		keys[i], ws[i] = kv[0], f
	}
	return keys, ws, nil
}

// pick draws an index with probability proportional to its weight.
func (g *randGen) pick(ws []float64, total float64) int {
	x := g.r.Float64() * total
	for i, w := range ws {
		x -= w
		if x < 0 {
			return i
		}
	}
	return len(ws) - 1
}

func weightTotal(fn string, ws []float64) (float64, error) {
	total := 0.0
	for _, w := range ws {
		if w < 0 || math.IsNaN(w) {
			return 0, fmt.Errorf("%s: weights must be non-negative", fn)
		}
		total += w
	}
	if len(ws) == 0 {
		return 0, fmt.Errorf("%s: cannot choose from an empty sequence", fn)
	}
	if total <= 0 {
		return 0, fmt.Errorf("%s: total of weights must be greater than zero", fn)
	}
	if math.IsInf(total, 0) {
		return 0, fmt.Errorf("%s: total of weights must be finite", fn)
	}
	return total, nil
}

// draw picks an index of seq: uniformly for nil weights.
func (g *randGen) draw(seq starlark.Indexable, ws []float64, total float64) starlark.Value {
	if ws == nil {
		return seq.Index(g.r.IntN(seq.Len()))
	}
	return seq.Index(g.pick(ws, total))
}

// weightedChoice is the original's weighted_choice(items, weights=None):
// a dict maps items to weights (weights is then ignored, as there);
// weights None or omitted picks uniformly.
func (g *randGen) weightedChoice(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(a) == 1 && len(kw) == 0 {
		// weighted_choice({item: weight}), the common form: no unpacking
		// (whose pointers would move the variables to the heap).
		if d, ok := a[0].(*starlark.Dict); ok {
			return g.weightedDictChoice(b.Name(), d)
		}
	}
	items, weights, err := unpackItemsWeights(b, a, kw)
	if err != nil {
		return nil, err
	}
	if d, ok := items.(*starlark.Dict); ok {
		return g.weightedDictChoice(b.Name(), d)
	}
	seq, ws, err := weightsOf(b.Name(), items, weights)
	if err != nil {
		return nil, err
	}
	total := 0.0
	if ws != nil {
		if total, err = weightTotal(b.Name(), ws); err != nil {
			return nil, err
		}
	}
	return g.draw(seq, ws, total), nil
}

func unpackItemsWeights(b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (items, weights starlark.Value, err error) {
	err = starlark.UnpackArgs(b.Name(), a, kw, "items", &items, "weights?", &weights)
	return items, weights, err
}

// weightedChoices is the original's weighted_choices: (dict, n) or
// (items, weights, n), weights None picking uniformly.
func (g *randGen) weightedChoices(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var items, weights starlark.Value
	var nv starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), a, kw, "items", &items, "weights", &weights, "n?", &nv); err != nil {
		return nil, err
	}
	var seq starlark.Indexable
	var ws []float64
	var count starlark.Value
	d, isDict := items.(*starlark.Dict)
	_, weightsInt := weights.(starlark.Int)
	var err error
	switch {
	case isDict && weightsInt:
		if seq, ws, err = dictWeights(b.Name(), d); err != nil {
			return nil, err
		}
		count = weights
	case !isDict && !weightsInt && nv != starlark.None:
		if seq, ws, err = weightsOf(b.Name(), items, weights); err != nil {
			return nil, err
		}
		count = nv
	default:
		return nil, fmt.Errorf("%s: expected (dict, n) or (items, weights, n)", b.Name())
	}
	n, err := intParam(b.Name(), "n", count)
	if err != nil {
		return nil, err
	}
	total := 0.0
	if ws != nil {
		if total, err = weightTotal(b.Name(), ws); err != nil {
			return nil, err
		}
	}
	if err := guard.CheckCount(b.Name(), "n", n, 16); err != nil {
		return nil, err
	}
	out := make([]starlark.Value, max(n, 0))
	for i := range out {
		out[i] = g.draw(seq, ws, total)
	}
	return starlark.NewList(out), nil
}

func (g *randGen) chance(_ *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	vals, err := args(b, a, kw, "prob")
	if err != nil {
		return nil, err
	}
	p, err := toFloat(b.Name(), vals[0])
	if err != nil {
		return nil, err
	}
	switch {
	case p <= 0:
		return starlark.False, nil
	case p >= 1:
		return starlark.True, nil
	}
	return starlark.Bool(g.r.Float64() < p), nil
}

// weightedDictChoice is weighted_choice({item: weight}) in one pass over the items.
func (g *randGen) weightedDictChoice(fn string, d *starlark.Dict) (starlark.Value, error) {
	keys := d.Keys() // one allocation, where Items makes two
	var buf [16]float64
	ws := buf[:0]
	total := 0.0
	for _, k := range keys {
		w, _, _ := d.Get(k)
		f, err := toFloat(fn, w)
		if err != nil {
			return nil, err
		}
		ws = append(ws, f)
		if f < 0 || math.IsNaN(f) {
			return nil, fmt.Errorf("%s: weights must be non-negative", fn)
		}
		total += f
	}
	if total <= 0 || math.IsInf(total, 0) {
		return nil, fmt.Errorf("%s: total of weights must be greater than zero", fn)
	}
	return drawWeighted(g.r.Float64()*total, keys, ws), nil
}

// triangular draws from the triangular distribution on [low, high] with its
// peak at mode (None: the midpoint), as Python's random.triangular does.
func triangular(r *rand.Rand, name string, low, high float64, modeV starlark.Value) (starlark.Value, error) {
	if high == low {
		return starlark.Float(low), nil
	}
	c := 0.5
	if modeV != starlark.None {
		mode, err := floatParam(name, "mode", modeV)
		if err != nil {
			return nil, err
		}
		c = (mode - low) / (high - low)
	}
	u := r.Float64()
	if u > c {
		u, c, low, high = 1-u, 1-c, high, low
	}
	return starlark.Float(low + (high-low)*math.Sqrt(u*c)), nil
}
