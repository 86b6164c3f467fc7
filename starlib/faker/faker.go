// Package faker provides `module.faker` and `module.mimesis`: fake data in
// the shape of Python's Faker and Mimesis libraries, for templates and
// scripts. Data comes from gofakeit's word lists (English) plus small native
// lists of names, cities and regions for a few locales (see docs/faker.md).
//
// Values are built per generator goroutine from that generator's RNG, so a
// seeded run is reproducible; they are not safe for concurrent use.
package faker

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/eventum-go/eventum/starlib/guard"
	"go.starlark.net/starlark"
)

// fakerFn implements one Faker method for one locale.
type fakerFn func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// NewFaker returns the `faker` namespace: `faker.locale.<code>.<method>()`.
// Any locale code is accepted (en, en_US, de-DE, ru_RU, ...); see
// resolveLocale for how codes map to data.
func NewFaker(r *rand.Rand) starlark.Value {
	g := newGen(r)
	locales := newLocaleSpace("faker", func(code string) starlark.Value {
		return newFakerLocale(g, code)
	})
	return newObject("faker", "faker", map[string]starlark.Value{"locale": locales},
		func(name string) error {
			return unknownError("faker", "attribute", name, []string{"locale"})
		})
}

func newFakerLocale(g *gen, code string) starlark.Value {
	l, _ := g.t.resolveLocale(code)
	label := "faker.locale." + code
	attrs := make(map[string]starlark.Value, len(fakerMethods)+1)
	for name, fn := range fakerMethods {
		// The builtin's name is its full dotted path, which starts its errors.
		b := starlark.NewBuiltin(label+"."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			return fn(g, l, b.Name(), args, kwargs)
		})
		attrs[name] = b
		if app, ok := fakerAppenders[name]; ok {
			attrs[name] = &fastBuiltin{Builtin: b, appendFn: func(dst []byte) []byte { return app(g, l, dst) }}
		}
	}
	attrs["unique"] = newUniqueProxy(g, l, label+".unique")
	return newObject("faker.provider", label, attrs, func(name string) error {
		return unknownError(label, "method", name, fakerMethodNames)
	})
}

// uniqueTries is how many draws a unique method makes before giving up,
// as Faker's unique proxy.
const uniqueTries = 1000

// newUniqueProxy is Faker's `unique`: the same methods, never returning a
// value twice for the same arguments within a run (per generator);
// clear() forgets what was returned.
func newUniqueProxy(g *gen, l *localeData, label string) starlark.Value {
	seen := map[string]map[string]struct{}{}
	attrs := make(map[string]starlark.Value, len(fakerMethods)+1)
	for name, fn := range fakerMethods {
		attrs[name] = starlark.NewBuiltin(label+"."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			key := name
			if len(args) > 0 || len(kwargs) > 0 {
				key += args.String() + starlark.Tuple(kwargsTuple(kwargs)).String()
			}
			set := seen[key]
			if set == nil {
				set = map[string]struct{}{}
				seen[key] = set
			}
			for range uniqueTries {
				v, err := fn(g, l, b.Name(), args, kwargs)
				if err != nil {
					return nil, err
				}
				k := v.String()
				if _, dup := set[k]; !dup {
					set[k] = struct{}{}
					return v, nil
				}
			}
			return nil, fmt.Errorf("%s: got duplicated values after %d iterations (%d distinct values returned so far)", b.Name(), uniqueTries, len(set))
		})
	}
	attrs["clear"] = starlark.NewBuiltin(label+".clear", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
			return nil, err
		}
		clear(seen)
		return starlark.None, nil
	})
	names := append(append([]string(nil), fakerMethodNames...), "clear")
	return newObject("faker.unique", label, attrs, func(name string) error {
		return unknownError(label, "method", name, names)
	})
}

func kwargsTuple(kwargs []starlark.Tuple) []starlark.Value {
	out := make([]starlark.Value, len(kwargs))
	for i, kv := range kwargs {
		out[i] = kv
	}
	return out
}

// HasFakerMethod reports whether `faker.locale.<code>.<name>` exists (for
// every code): validators can check templates without running them.
func HasFakerMethod(name string) bool {
	_, ok := fakerMethods[name]
	return ok
}

// FakerMethods returns the sorted names of all Faker methods.
func FakerMethods() []string { return append([]string(nil), fakerMethodNames...) }

var fakerMethodNames = sortedKeys(fakerMethods)

func sortedKeys[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// noArgs adapts a method without parameters.
func noArgs(f func(g *gen, l *localeData) starlark.Value) fakerFn {
	return func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) > 0 || len(kwargs) > 0 {
			if err := starlark.UnpackPositionalArgs(fn, args, kwargs, 0); err != nil {
				return nil, err
			}
		}
		return f(g, l), nil
	}
}

// pickFrom returns a method picking from a shared table.
func pickFrom(sel func(t *tables) table) fakerFn {
	return noArgs(func(g *gen, _ *localeData) starlark.Value { return g.pick(sel(g.t)) })
}

// pickLocal returns a method picking from a locale's table.
func pickLocal(sel func(l *localeData) table) fakerFn {
	return noArgs(func(g *gen, l *localeData) starlark.Value { return g.pick(sel(l)) })
}

func fixed(s string) fakerFn {
	v := starlark.String(s)
	return noArgs(func(*gen, *localeData) starlark.Value { return v })
}

// intRange implements random_int / pyint: min/max inclusive, with step.
func intRange(lo, hi string, dlo, dhi int) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		a, b, step := dlo, dhi, 1
		if len(args) > 0 || len(kwargs) > 0 {
			x, y, z := a, b, step // copies: only they escape, and only here
			if err := starlark.UnpackArgs(fn, args, kwargs, lo+"?", &x, hi+"?", &y, "step?", &z); err != nil {
				return nil, err
			}
			a, b, step = x, y, z
		}
		if a > b {
			return nil, fmt.Errorf("%s: %s (%d) is greater than %s (%d)", fn, lo, a, hi, b)
		}
		if step <= 0 {
			return nil, fmt.Errorf("%s: step must be positive, got %d", fn, step)
		}
		return starlark.MakeInt(a + step*g.intBetween(0, (b-a)/step)), nil
	}
}

// fakerBaseMethods are the methods without date or profile logic; see
// fakerMethods for the full table.
var fakerBaseMethods = map[string]fakerFn{
	// person
	"name":       noArgs(func(g *gen, l *localeData) starlark.Value { return g.fullName(l) }),
	"first_name": pickLocal(func(l *localeData) table { return l.first }),
	"last_name":  pickLocal(func(l *localeData) table { return l.last }),
	"prefix":     pickFrom(func(t *tables) table { return t.prefix }),
	"suffix":     pickFrom(func(t *tables) table { return t.suffix }),
	"ssn":        noArgs(func(g *gen, _ *localeData) starlark.Value { return g.ssn() }),

	// internet
	"user_name":         noArgs(func(g *gen, _ *localeData) starlark.Value { return g.userName() }),
	"safe_email":        noArgs(func(g *gen, _ *localeData) starlark.Value { return g.email(emailSafe) }),
	"free_email":        noArgs(func(g *gen, _ *localeData) starlark.Value { return g.email(emailFree) }),
	"company_email":     noArgs(func(g *gen, _ *localeData) starlark.Value { return g.email(emailCompany) }),
	"free_email_domain": pickFrom(func(t *tables) table { return t.freeDomain }),
	"domain_word": noArgs(func(g *gen, _ *localeData) starlark.Value {
		g.buf = appendLowerAlnum(g.buf[:0], g.pickS(g.t.en.last))
		return g.result()
	}),
	"tld": pickFrom(func(t *tables) table { return t.tld }),
	"uri_path": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		deep := 0
		if err := starlark.UnpackArgs(fn, args, kwargs, "deep?", &deep); err != nil {
			return nil, err
		}
		if deep <= 0 {
			deep = g.intBetween(1, 3)
		}
		g.buf = g.appendURIPath(g.buf[:0], deep)
		return g.result(), nil
	},
	"slug": noArgs(func(g *gen, _ *localeData) starlark.Value { return g.slug(3) }),

	"ipv6":        noArgs(func(g *gen, _ *localeData) starlark.Value { return g.ipv6() }),
	"user_agent":  noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.String(g.gf.UserAgent()) }),
	"chrome":      noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.String(g.gf.ChromeUserAgent()) }),
	"firefox":     noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.String(g.gf.FirefoxUserAgent()) }),
	"safari":      noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.String(g.gf.SafariUserAgent()) }),
	"opera":       noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.String(g.gf.OperaUserAgent()) }),
	"http_method": pickFrom(func(t *tables) table { return t.httpMethod }),

	// address
	"city":         pickLocal(func(l *localeData) table { return l.city }),
	"state":        pickLocal(func(l *localeData) table { return l.state }),
	"state_abbr":   pickLocal(func(l *localeData) table { return l.stateAbbr }),
	"country":      pickFrom(func(t *tables) table { return t.country }),
	"country_code": pickFrom(func(t *tables) table { return t.countryCode }),
	"current_country_code": noArgs(func(_ *gen, l *localeData) starlark.Value {
		return starlark.String(l.countryCode)
	}),
	"street_name":    noArgs(func(g *gen, l *localeData) starlark.Value { return g.streetName(l) }),
	"street_suffix":  pickFrom(func(t *tables) table { return t.streetType }),
	"street_address": noArgs(func(g *gen, l *localeData) starlark.Value { return g.streetAddress(l) }),
	"building_number": noArgs(func(g *gen, _ *localeData) starlark.Value {
		g.buf = g.appendBuildingNumber(g.buf[:0])
		return g.result()
	}),
	"secondary_address": noArgs(func(g *gen, _ *localeData) starlark.Value {
		g.buf = g.appendPattern(g.buf[:0], [...]string{"Apt. ###", "Suite ###"}[g.r.IntN(2)], digits)
		return g.result()
	}),
	"address":   noArgs(func(g *gen, l *localeData) starlark.Value { return g.address(l) }),
	"postcode":  noArgs(func(g *gen, l *localeData) starlark.Value { return g.postcode(l) }),
	"zipcode":   noArgs(func(g *gen, l *localeData) starlark.Value { return g.postcode(l) }),
	"latitude":  noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.Float(g.coordinate(90)) }),
	"longitude": noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.Float(g.coordinate(180)) }),

	// phone
	"phone_number": noArgs(func(g *gen, l *localeData) starlark.Value { return g.phone(l) }),

	// company
	"company":        pickFrom(func(t *tables) table { return t.company }),
	"company_suffix": pickFrom(func(t *tables) table { return t.companySuffix }),
	"bs":             pickFrom(func(t *tables) table { return t.bs }),
	"catch_phrase": noArgs(func(g *gen, _ *localeData) starlark.Value {
		b := append(g.buf[:0], g.pickS(g.t.jobDesc)...)
		b = append(b, ' ')
		b = append(b, strings.ToLower(g.pickS(g.t.buzz))...)
		b = append(b, ' ')
		g.buf = append(b, strings.ToLower(g.pickS(g.t.jobLevel))...)
		return g.result()
	}),
	"job": noArgs(func(g *gen, _ *localeData) starlark.Value {
		if g.r.IntN(2) == 0 {
			return g.pick(g.t.jobTitle)
		}
		b := append(g.buf[:0], g.pickS(g.t.jobDesc)...)
		b = append(b, ' ')
		b = append(b, g.pickS(g.t.jobLevel)...)
		b = append(b, ' ')
		g.buf = append(b, g.pickS(g.t.jobTitle)...)
		return g.result()
	}),

	// lorem

	// date and time
	"year":         noArgs(func(g *gen, _ *localeData) starlark.Value { return g.formatTime("2006") }),
	"month":        noArgs(func(g *gen, _ *localeData) starlark.Value { return g.formatTime("01") }),
	"month_name":   pickFrom(func(t *tables) table { return t.month }),
	"day_of_week":  pickFrom(func(t *tables) table { return t.weekday }),
	"day_of_month": noArgs(func(g *gen, _ *localeData) starlark.Value { return g.formatTime("02") }),
	"am_pm":        noArgs(func(g *gen, _ *localeData) starlark.Value { return g.formatTime("PM") }),
	"timezone":     pickFrom(func(t *tables) table { return t.timezone }),

	// numbers, strings, choices
	"password": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		length, special, digit, upper, lower := 10, true, true, true, true
		if len(args) > 0 || len(kwargs) > 0 {
			l, sp, d, u, lw := length, special, digit, upper, lower
			if err := starlark.UnpackArgs(fn, args, kwargs, "length?", &l, "special_chars?", &sp,
				"digits?", &d, "upper_case?", &u, "lower_case?", &lw); err != nil {
				return nil, err
			}
			length, special, digit, upper, lower = l, sp, d, u, lw
		}
		if length < 1 || length > 4096 {
			return nil, fmt.Errorf("%s: length must be in 1..4096, got %d", fn, length)
		}
		return g.password(length, special, digit, upper, lower), nil
	},
	"pystr": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var minV starlark.Value = starlark.None
		maxC := 20
		prefix, suffix := "", ""
		if len(args) > 0 || len(kwargs) > 0 {
			if err := starlark.UnpackArgs(fn, args, kwargs, "min_chars?", &minV, "max_chars?", &maxC,
				"prefix?", &prefix, "suffix?", &suffix); err != nil {
				return nil, err
			}
		}
		n := maxC
		if minV != starlark.None {
			minC, err := starlark.AsInt32(minV)
			if err != nil {
				return nil, fmt.Errorf("%s: min_chars: %w", fn, err)
			}
			n = g.intBetween(minC, maxC)
		}
		if n < 0 || n > 1<<20 {
			return nil, fmt.Errorf("%s: length %d out of range", fn, n)
		}
		b := append(g.buf[:0], prefix...)
		b = g.appendRandom(b, n, asciiLetters)
		g.buf = append(b, suffix...)
		return g.result(), nil
	},
	"pyint":        intRange("min_value", "max_value", 0, 9999),
	"random_int":   intRange("min", "max", 0, 9999),
	"random_digit": intRangeFixed(0, 9),
	"random_letter": noArgs(func(g *gen, _ *localeData) starlark.Value {
		i := g.r.IntN(len(asciiLetters))
		return starlark.String(asciiLetters[i : i+1])
	}),
	"random_number": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var dv starlark.Value = starlark.None
		fix := false
		if err := starlark.UnpackArgs(fn, args, kwargs, "digits?", &dv, "fix_len?", &fix); err != nil {
			return nil, err
		}
		d := g.intBetween(1, 9)
		if dv != starlark.None {
			var err error
			if d, err = starlark.AsInt32(dv); err != nil || d < 1 || d > 18 {
				return nil, fmt.Errorf("%s: digits must be an int in 1..18", fn)
			}
		}
		hi := int64(1)
		for range d {
			hi *= 10
		}
		lo := int64(0)
		if fix {
			lo = hi / 10
		}
		return starlark.MakeInt64(lo + g.r.Int64N(hi-lo)), nil
	},
	"boolean": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		chance := 50
		if len(args) > 0 || len(kwargs) > 0 {
			x := chance
			if err := starlark.UnpackArgs(fn, args, kwargs, "chance_of_getting_true?", &x); err != nil {
				return nil, err
			}
			chance = x
		}
		return starlark.Bool(g.r.IntN(100) < chance), nil
	},
	"random_element": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var elems starlark.Value = starlark.Tuple{starlark.String("a"), starlark.String("b"), starlark.String("c")}
		if err := starlark.UnpackArgs(fn, args, kwargs, "elements?", &elems); err != nil {
			return nil, err
		}
		return randomElement(g, fn, elems)
	},
	"random_elements": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var elems starlark.Value = starlark.Tuple{starlark.String("a"), starlark.String("b"), starlark.String("c")}
		var lenV starlark.Value = starlark.None
		unique := false
		if err := starlark.UnpackArgs(fn, args, kwargs, "elements?", &elems, "length?", &lenV, "unique?", &unique); err != nil {
			return nil, err
		}
		n := -1
		if lenV != starlark.None {
			var err error
			if n, err = starlark.AsInt32(lenV); err != nil {
				return nil, fmt.Errorf("%s: length: %w", fn, err)
			}
			if err := guard.CheckCount(fn, "length", int64(n), 16); err != nil {
				return nil, err
			}
		}
		return pickN(g, fn, elems, n, unique)
	},
	"numerify": patternFn("###", digits),
	"lexify":   patternFn("????", asciiLetters),
	"bothify":  patternFn("## ??", asciiLetters),
	"hexify": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		text, upper := "^^^^", false
		if err := starlark.UnpackArgs(fn, args, kwargs, "text?", &text, "upper?", &upper); err != nil {
			return nil, err
		}
		b := g.buf[:0]
		for i := 0; i < len(text); i++ {
			c := text[i]
			if c == '^' {
				c = hexLower[g.r.IntN(16)]
				if upper && c >= 'a' {
					c -= 'a' - 'A'
				}
			}
			b = append(b, c)
		}
		g.buf = b
		return g.result(), nil
	},

	// color
	"color_name":      pickFrom(func(t *tables) table { return t.colorName }),
	"safe_color_name": pickFrom(func(t *tables) table { return t.safeColor }),
	"hex_color":       noArgs(func(g *gen, _ *localeData) starlark.Value { return g.hexColor() }),
	"rgb_color": noArgs(func(g *gen, _ *localeData) starlark.Value {
		v := g.r.Uint32()
		b := g.buf[:0]
		for i := range 3 {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendUint8(b, byte(v>>(8*i)))
		}
		g.buf = b
		return g.result()
	}),

	// finance
	"currency_code": pickFrom(func(t *tables) table { return t.currency }),
	"currency_name": pickFrom(func(t *tables) table { return t.currencyName }),
	"iban":          noArgs(func(g *gen, _ *localeData) starlark.Value { return g.iban() }),

	// files

	// misc
	"license_plate": noArgs(func(g *gen, _ *localeData) starlark.Value { return g.licensePlate() }),
}

func intRangeFixed(lo, hi int) fakerFn {
	return noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.MakeInt(g.intBetween(lo, hi)) })
}

func patternFn(def, letters string) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		text := def
		if err := starlark.UnpackArgs(fn, args, kwargs, "text?", &text); err != nil {
			return nil, err
		}
		g.buf = g.appendPattern(g.buf[:0], text, letters)
		return g.result(), nil
	}
}

func appendUint8(b []byte, x byte) []byte {
	if x >= 100 {
		b = append(b, '0'+x/100)
	}
	if x >= 10 {
		b = append(b, '0'+x/10%10)
	}
	return append(b, '0'+x%10)
}

// randomElement picks from a sequence, or from a dict's keys weighted by its
// values (Faker's OrderedDict form).
func randomElement(g *gen, fn string, elems starlark.Value) (starlark.Value, error) {
	if d, ok := elems.(*starlark.Dict); ok {
		items := d.Items()
		if len(items) == 0 {
			return nil, fmt.Errorf("%s: elements is empty", fn)
		}
		total := 0.0
		for _, it := range items {
			w, ok := starlark.AsFloat(it[1])
			if !ok || w < 0 {
				return nil, fmt.Errorf("%s: weight of %s must be a non-negative number, got %s", fn, it[0], it[1])
			}
			total += w
		}
		x := g.r.Float64() * total
		for _, it := range items {
			w, _ := starlark.AsFloat(it[1])
			if x < w {
				return it[0], nil
			}
			x -= w
		}
		return items[len(items)-1][0], nil
	}
	seq, ok := elems.(starlark.Indexable)
	if !ok {
		return nil, fmt.Errorf("%s: elements must be a list, tuple, string or dict, got %s", fn, elems.Type())
	}
	n := seq.Len()
	if n == 0 {
		return nil, fmt.Errorf("%s: elements is empty", fn)
	}
	return seq.Index(g.r.IntN(n)), nil
}

// pickN returns a list of n elements of elems (n < 0: a random length),
// distinct positions when unique.
func pickN(g *gen, fn string, elems starlark.Value, n int, unique bool) (starlark.Value, error) {
	seq, ok := elems.(starlark.Indexable)
	if !ok {
		return nil, fmt.Errorf("%s: elements must be a list, tuple or string, got %s", fn, elems.Type())
	}
	size := seq.Len()
	if size == 0 {
		return nil, fmt.Errorf("%s: elements is empty", fn)
	}
	if n < 0 {
		n = g.intBetween(1, size)
	}
	if unique && n > size {
		return nil, fmt.Errorf("%s: %d unique elements requested from %d", fn, n, size)
	}
	out := make([]starlark.Value, n)
	if unique {
		for i, p := range g.r.Perm(size)[:n] {
			out[i] = seq.Index(p)
		}
	} else {
		for i := range out {
			out[i] = seq.Index(g.r.IntN(size))
		}
	}
	return starlark.NewList(out), nil
}
