package faker

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"go.starlark.net/starlark"
)

// NewMimesis returns the `mimesis` namespace:
// `mimesis.locale.<code>.<provider>.<method>()`.
func NewMimesis(r *rand.Rand) starlark.Value {
	g := newGen(r)
	locales := newLocaleSpace("mimesis", func(code string) starlark.Value {
		return newMimesisLocale(g, code)
	})
	return newObject("mimesis", "mimesis", map[string]starlark.Value{
		"locale": locales,
		"enums":  mimesisEnums,
		"random": newMimesisRandom(g),
	}, func(name string) error {
		return unknownError("mimesis", "attribute", name, []string{"enums", "locale", "random"})
	})
}

func newMimesisLocale(g *gen, code string) starlark.Value {
	l, _ := g.t.resolveLocale(code)
	label := "mimesis.locale." + code
	providers := make(map[string]starlark.Value, len(mimesisProviders))
	for pname, methods := range mimesisProviders {
		attrs := make(map[string]starlark.Value, len(methods))
		for name, fn := range methods {
			attrs[name] = starlark.NewBuiltin(label+"."+pname+"."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
				return fn(g, l, b.Name(), args, kwargs)
			})
		}
		plabel := label + "." + pname
		names := mimesisMethodNames[pname]
		providers[pname] = newObject("mimesis.provider", plabel, attrs, func(name string) error {
			return unknownError(plabel, "method", name, names)
		})
	}
	providers["choice"] = newChoiceProvider(g, label+".choice")
	names := append(append([]string(nil), mimesisProviderNames...), "choice")
	return newObject("mimesis.locale", label, providers, func(name string) error {
		return unknownError(label, "provider", name, names)
	})
}

// HasMimesisMethod reports whether `mimesis.locale.<code>.<provider>.<name>`
// exists (for every code).
func HasMimesisMethod(provider, name string) bool {
	_, ok := mimesisProviders[provider][name]
	return ok
}

// MimesisMethods returns the sorted method names of a Mimesis provider (nil
// for an unknown provider).
func MimesisMethods(provider string) []string {
	return append([]string(nil), mimesisMethodNames[provider]...)
}

var (
	mimesisProviderNames = sortedKeys(mimesisProviders)
	mimesisMethodNames   = func() map[string][]string {
		m := make(map[string][]string, len(mimesisProviders))
		for p, methods := range mimesisProviders {
			m[p] = sortedKeys(methods)
		}
		return m
	}()
)

var mimesisBaseProviders = map[string]map[string]fakerFn{
	"person": {
		"full_name": func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			reverse := false
			if len(args) > 0 || len(kwargs) > 0 {
				var gender starlark.Value = starlark.None
				r := reverse
				if err := starlark.UnpackArgs(fn, args, kwargs, "gender?", &gender, "reverse?", &r); err != nil {
					return nil, err
				}
				if err := genderArg(fn, gender); err != nil {
					return nil, err
				}
				reverse = r
			}
			first, last := g.pickS(l.first), g.pickS(l.last)
			switch {
			case l.familyFirst:
				return starlark.String(last + first), nil
			case reverse:
				return starlark.String(last + " " + first), nil
			}
			return starlark.String(first + " " + last), nil
		},
		"first_name": withGender(func(g *gen, l *localeData) starlark.Value { return g.pick(l.first) }),
		"name":       withGender(func(g *gen, l *localeData) starlark.Value { return g.pick(l.first) }),
		"last_name":  withGender(func(g *gen, l *localeData) starlark.Value { return g.pick(l.last) }),
		"surname":    withGender(func(g *gen, l *localeData) starlark.Value { return g.pick(l.last) }),
		"username": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			mask := ""
			lo, hi := 1800, 2100
			if len(args) > 0 || len(kwargs) > 0 {
				var drange starlark.Value = starlark.None
				m := mask
				if err := starlark.UnpackArgs(fn, args, kwargs, "mask?", &m, "drange?", &drange); err != nil {
					return nil, err
				}
				mask = m
				if drange != starlark.None {
					var err error
					if lo, hi, err = intPair(drange); err != nil {
						return nil, fmt.Errorf("%s: drange: %w", fn, err)
					}
				}
			}
			if mask == "" {
				mask = usernameMasks[g.r.IntN(len(usernameMasks))]
			}
			g.buf = g.appendUsernameMask(g.buf[:0], mask, lo, hi)
			return g.result(), nil
		},
		"email": noArgs(func(g *gen, _ *localeData) starlark.Value {
			b := g.appendUsernameMask(g.buf[:0], usernameMasks[g.r.IntN(2)], 1800, 2100)
			g.buf = append(b, g.pickS(g.t.mimesisDomain)...)
			return g.result()
		}),
		"telephone":    noArgs(func(g *gen, l *localeData) starlark.Value { return g.phone(l) }),
		"phone_number": noArgs(func(g *gen, l *localeData) starlark.Value { return g.phone(l) }),
		"age": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi := 16, 66
			if len(args) > 0 || len(kwargs) > 0 {
				x, y := lo, hi
				if err := starlark.UnpackArgs(fn, args, kwargs, "minimum?", &x, "maximum?", &y); err != nil {
					return nil, err
				}
				lo, hi = x, y
			}
			return starlark.MakeInt(g.intBetween(lo, hi)), nil
		},
		"gender":      pickFrom(func(t *tables) table { return t.gender }),
		"sex":         pickFrom(func(t *tables) table { return t.gender }),
		"occupation":  pickFrom(func(t *tables) table { return t.jobTitle }),
		"title":       withGender(func(g *gen, _ *localeData) starlark.Value { return g.pick(g.t.prefix) }),
		"nationality": withGender(func(g *gen, _ *localeData) starlark.Value { return g.pick(g.t.nationality) }),
		"password": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			length := 8
			if len(args) > 0 || len(kwargs) > 0 {
				var hashed bool
				l := length
				if err := starlark.UnpackArgs(fn, args, kwargs, "length?", &l, "hashed?", &hashed); err != nil {
					return nil, err
				}
				length = l
			}
			if length < 1 || length > 4096 {
				return nil, fmt.Errorf("%s: length must be in 1..4096, got %d", fn, length)
			}
			return g.password(length, true, true, true, true), nil
		},
	},
	"internet": {
		"ip_v4":       noArgs(func(g *gen, _ *localeData) starlark.Value { return g.ipv4(ipAny) }),
		"ip_v6":       noArgs(func(g *gen, _ *localeData) starlark.Value { return g.ipv6() }),
		"mac_address": noArgs(func(g *gen, _ *localeData) starlark.Value { return g.macAddress() }),
		"url":         noArgs(func(g *gen, _ *localeData) starlark.Value { return g.url() }),
		"uri":         noArgs(func(g *gen, _ *localeData) starlark.Value { return g.uri() }),
		"hostname":    noArgs(func(g *gen, _ *localeData) starlark.Value { return g.hostname() }),
		"user_agent":  noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.String(g.gf.UserAgent()) }),
		"http_method": pickFrom(func(t *tables) table { return t.httpMethod }),
		"http_status_code": noArgs(func(g *gen, _ *localeData) starlark.Value {
			return g.t.httpStatus[g.r.IntN(len(g.t.httpStatus))]
		}),
		"port":             intRangeFixed(1, 65535),
		"top_level_domain": pickFrom(func(t *tables) table { return t.mimesisTLD }),
		"tld":              pickFrom(func(t *tables) table { return t.mimesisTLD }),
		"slug": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var parts starlark.Value = starlark.None
			if err := starlark.UnpackArgs(fn, args, kwargs, "parts_count?", &parts); err != nil {
				return nil, err
			}
			n := g.intBetween(2, 12)
			if parts != starlark.None {
				var err error
				if n, err = starlark.AsInt32(parts); err != nil || n < 1 || n > 64 {
					return nil, fmt.Errorf("%s: parts_count must be an int in 1..64", fn)
				}
			}
			return g.slug(n), nil
		},
		"content_type": noArgs(func(g *gen, _ *localeData) starlark.Value {
			g.buf = append(append(g.buf[:0], "Content-Type: "...), g.pickS(g.t.mime)...)
			return g.result()
		}),
	},
	"address": {
		"city":          pickLocal(func(l *localeData) table { return l.city }),
		"state":         withAbbr(func(l *localeData) table { return l.state }),
		"region":        withAbbr(func(l *localeData) table { return l.state }),
		"province":      withAbbr(func(l *localeData) table { return l.state }),
		"country":       noArgs(func(g *gen, _ *localeData) starlark.Value { return g.pick(g.t.country) }),
		"country_code":  pickFrom(func(t *tables) table { return t.countryCode }),
		"street_name":   noArgs(func(g *gen, l *localeData) starlark.Value { return g.streetName(l) }),
		"street_suffix": pickFrom(func(t *tables) table { return t.streetType }),
		"street_number": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			hi := 1400
			if len(args) > 0 || len(kwargs) > 0 {
				x := hi
				if err := starlark.UnpackArgs(fn, args, kwargs, "maximum?", &x); err != nil {
					return nil, err
				}
				hi = x
			}
			g.buf = strconv.AppendInt(g.buf[:0], int64(g.intBetween(1, hi)), 10)
			return g.result(), nil
		},
		"address":     noArgs(func(g *gen, l *localeData) starlark.Value { return g.streetAddress(l) }),
		"postal_code": noArgs(func(g *gen, l *localeData) starlark.Value { return g.postcode(l) }),
		"zip_code":    noArgs(func(g *gen, l *localeData) starlark.Value { return g.postcode(l) }),
		"latitude":    noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.Float(g.coordinate(90)) }),
		"longitude":   noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.Float(g.coordinate(180)) }),
		"coordinates": noArgs(func(g *gen, _ *localeData) starlark.Value {
			d := starlark.NewDict(2)
			_ = d.SetKey(starlark.String("longitude"), starlark.Float(g.coordinate(180)))
			_ = d.SetKey(starlark.String("latitude"), starlark.Float(g.coordinate(90)))
			return d
		}),
	},
	"datetime": {
		"date": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			t, err := g.mimesisInstant(fn, args, kwargs)
			if err != nil {
				return nil, err
			}
			g.buf = t.AppendFormat(g.buf[:0], "2006-01-02")
			return g.result(), nil
		},
		"datetime": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			t, err := g.mimesisInstant(fn, args, kwargs)
			if err != nil {
				return nil, err
			}
			return timeValue(t), nil
		},
		"timestamp": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			t, err := g.mimesisInstant(fn, args, kwargs)
			if err != nil {
				return nil, err
			}
			return starlark.MakeInt64(t.Unix()), nil
		},
		"time": noArgs(func(g *gen, _ *localeData) starlark.Value {
			g.buf = time.Unix(g.r.Int64N(86400), 0).UTC().AppendFormat(g.buf[:0], "15:04:05")
			return g.result()
		}),
		"year": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi := 1990, g.now.Year()
			if len(args) > 0 || len(kwargs) > 0 {
				x, y := lo, hi
				if err := starlark.UnpackArgs(fn, args, kwargs, "minimum?", &x, "maximum?", &y); err != nil {
					return nil, err
				}
				lo, hi = x, y
			}
			return starlark.MakeInt(g.intBetween(lo, hi)), nil
		},
		"month":        withAbbrNames(func(t *tables) table { return t.month }),
		"day_of_week":  withAbbrNames(func(t *tables) table { return t.weekday }),
		"day_of_month": intRangeFixed(1, 31),
		"timezone": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var region starlark.Value = starlark.None
			if err := starlark.UnpackArgs(fn, args, kwargs, "region?", &region); err != nil {
				return nil, err
			}
			return g.pick(g.t.timezone), nil
		},
	},
	"text": {
		"word": pickFrom(func(t *tables) table { return t.words }),
		"words": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			n := 5
			if err := starlark.UnpackArgs(fn, args, kwargs, "quantity?", &n); err != nil {
				return nil, err
			}
			return g.words(n), nil
		},
		"sentence": noArgs(func(g *gen, _ *localeData) starlark.Value { return g.sentence(8, true) }),
		"title":    noArgs(func(g *gen, _ *localeData) starlark.Value { return g.sentence(5, true) }),
		"text": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			n := 5
			if err := starlark.UnpackArgs(fn, args, kwargs, "quantity?", &n); err != nil {
				return nil, err
			}
			return g.paragraph(max(n, 1), false), nil
		},
		"quote": pickFrom(func(t *tables) table { return t.quote }),
		"color": pickFrom(func(t *tables) table { return t.colorName }),
		"hex_color": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			safe := false
			if err := starlark.UnpackArgs(fn, args, kwargs, "safe?", &safe); err != nil {
				return nil, err
			}
			return g.hexColor(), nil
		},
		"answer": pickFrom(func(t *tables) table { return t.answer }),
		"level":  pickFrom(func(t *tables) table { return t.level }),
	},
	"finance": {
		"company":      pickFrom(func(t *tables) table { return t.company }),
		"company_type": pickFrom(func(t *tables) table { return t.companySuffix }),
		"price": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi := 500.0, 1500.0
			if len(args) > 0 || len(kwargs) > 0 {
				var minV, maxV starlark.Value = starlark.MakeInt(500), starlark.MakeInt(1500)
				if err := starlark.UnpackArgs(fn, args, kwargs, "minimum?", &minV, "maximum?", &maxV); err != nil {
					return nil, err
				}
				var ok1, ok2 bool
				lo, ok1 = starlark.AsFloat(minV)
				hi, ok2 = starlark.AsFloat(maxV)
				if !ok1 || !ok2 {
					return nil, fmt.Errorf("%s: minimum and maximum must be numbers", fn)
				}
			}
			if lo > hi {
				lo, hi = hi, lo
			}
			return starlark.Float(math.Round((lo+g.r.Float64()*(hi-lo))*100) / 100), nil
		},
		"currency_iso_code":       pickFrom(func(t *tables) table { return t.currency }),
		"bank":                    pickFrom(func(t *tables) table { return t.bank }),
		"stock_ticker":            pickFrom(func(t *tables) table { return t.ticker }),
		"cryptocurrency_iso_code": pickFrom(func(t *tables) table { return t.crypto }),
	},
}

var usernameMasks = []string{"l_d", "ld", "l.d", "Cd", "C_d", "l-d", "U_d", "C.d"}

// appendUsernameMask expands a Mimesis username mask: C a capitalized word,
// U an uppercase word, l a lowercase word, d a number in [lo, hi]; '.', '_'
// and '-' are kept.
func (g *gen) appendUsernameMask(b []byte, mask string, lo, hi int) []byte {
	for i := 0; i < len(mask); i++ {
		switch c := mask[i]; c {
		case 'C', 'U', 'l':
			w := g.pickS(g.t.mimesisWord)
			for j := 0; j < len(w); j++ {
				x := w[j]
				if c == 'U' || (c == 'C' && j == 0) {
					x -= 'a' - 'A'
				}
				b = append(b, x)
			}
		case 'd':
			b = strconv.AppendInt(b, int64(g.intBetween(lo, hi)), 10)
		default:
			b = append(b, c)
		}
	}
	return b
}

// mimesisInstant reads Mimesis' start/end year arguments (defaults 2000 and
// the current year) and returns a random instant within those years.
func (g *gen) mimesisInstant(fn string, args starlark.Tuple, kwargs []starlark.Tuple) (time.Time, error) {
	start, end := 2000, g.now.Year()
	if len(args) > 0 || len(kwargs) > 0 {
		x, y := start, end
		if err := starlark.UnpackArgs(fn, args, kwargs, "start?", &x, "end?", &y); err != nil {
			return time.Time{}, err
		}
		start, end = x, y
	}
	if start > end {
		return time.Time{}, fmt.Errorf("%s: start (%d) is after end (%d)", fn, start, end)
	}
	lo := time.Date(start, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(end+1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	return time.Unix(lo+g.r.Int64N(hi-lo), 0).UTC(), nil
}

// withGender adapts a method taking Mimesis' optional gender argument (the
// word lists are not split by gender, so it is accepted and ignored).
func withGender(f func(g *gen, l *localeData) starlark.Value) fakerFn {
	return func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) > 0 || len(kwargs) > 0 {
			var gender starlark.Value
			if err := starlark.UnpackArgs(fn, args, kwargs, "gender?", &gender); err != nil {
				return nil, err
			}
			if err := genderArg(fn, gender); err != nil {
				return nil, err
			}
		}
		return f(g, l), nil
	}
}

// withAbbr adapts state/region: abbr=True picks the abbreviation.
func withAbbr(sel func(l *localeData) table) fakerFn {
	return func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		abbr := false
		if len(args) > 0 || len(kwargs) > 0 {
			x := abbr
			if err := starlark.UnpackArgs(fn, args, kwargs, "abbr?", &x); err != nil {
				return nil, err
			}
			abbr = x
		}
		if abbr {
			return g.pick(l.stateAbbr), nil
		}
		return g.pick(sel(l)), nil
	}
}

// withAbbrNames adapts month/day_of_week: abbr=True returns the first three
// letters.
func withAbbrNames(sel func(t *tables) table) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		abbr := false
		if len(args) > 0 || len(kwargs) > 0 {
			x := abbr
			if err := starlark.UnpackArgs(fn, args, kwargs, "abbr?", &x); err != nil {
				return nil, err
			}
			abbr = x
		}
		if abbr {
			s := g.pickS(sel(g.t))
			return starlark.String(s[:3]), nil
		}
		return g.pick(sel(g.t)), nil
	}
}

// intPair reads a 2-element sequence of ints.
func intPair(v starlark.Value) (int, int, error) {
	seq, ok := v.(starlark.Indexable)
	if !ok || seq.Len() != 2 {
		return 0, 0, fmt.Errorf("want a pair of ints, got %s", v)
	}
	a, err := starlark.AsInt32(seq.Index(0))
	if err != nil {
		return 0, 0, err
	}
	b, err := starlark.AsInt32(seq.Index(1))
	if err != nil {
		return 0, 0, err
	}
	return a, b, nil
}
