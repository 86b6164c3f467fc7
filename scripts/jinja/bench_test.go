package jinja

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// benchTimestamp stands in for starlib's timestamp value: strftime is a
// method returning a string.
type benchTimestamp struct{ t time.Time }

func (ts benchTimestamp) String() string        { return ts.t.Format(time.RFC3339) }
func (ts benchTimestamp) Type() string          { return "timestamp" }
func (ts benchTimestamp) Freeze()               {}
func (ts benchTimestamp) Truth() starlark.Bool  { return true }
func (ts benchTimestamp) Hash() (uint32, error) { return 0, nil }
func (ts benchTimestamp) AttrNames() []string   { return []string{"strftime"} }
func (ts benchTimestamp) Attr(name string) (starlark.Value, error) {
	if name == "strftime" {
		return strftime.BindReceiver(ts), nil
	}
	return nil, nil
}

var strftime = starlark.NewBuiltin("strftime", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	ts := b.Receiver().(benchTimestamp)
	return starlark.String(ts.t.AppendFormat(make([]byte, 0, 32), "02/Jan/2006:15:04:05 -0700")), nil
})

func fn(name string, f func(th *starlark.Thread, args starlark.Tuple) starlark.Value) *starlark.Builtin {
	return starlark.NewBuiltin(name, func(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		return f(th, args), nil
	})
}

func rng(th *starlark.Thread) *rand.Rand { return th.Local("rand").(*rand.Rand) }

// benchModule mimics module.rand / module.faker with cheap Go builtins.
func benchModule() starlark.Value {
	ns := func(name string, members starlark.StringDict) *starlarkstruct.Module {
		return &starlarkstruct.Module{Name: name, Members: members}
	}
	ipv4 := fn("ip_v4_public", func(th *starlark.Thread, _ starlark.Tuple) starlark.Value {
		r := rng(th)
		b := make([]byte, 0, 15)
		for i := range 4 {
			if i > 0 {
				b = append(b, '.')
			}
			b = strconv.AppendInt(b, int64(1+r.IntN(254)), 10)
		}
		return starlark.String(b)
	})
	users := []string{"alice", "bob", "carol", "dave"}
	return ns("module", starlark.StringDict{
		"rand": ns("rand", starlark.StringDict{
			"network": ns("network", starlark.StringDict{"ip_v4_public": ipv4}),
			"number": ns("number", starlark.StringDict{"integer": fn("integer", func(th *starlark.Thread, a starlark.Tuple) starlark.Value {
				lo, _ := starlark.AsInt32(a[0])
				hi, _ := starlark.AsInt32(a[1])
				return starlark.MakeInt(lo + rng(th).IntN(hi-lo+1))
			})}),
			"choice": fn("choice", func(th *starlark.Thread, a starlark.Tuple) starlark.Value {
				l := a[0].(starlark.Indexable)
				return l.Index(rng(th).IntN(l.Len()))
			}),
			"weighted_choice": fn("weighted_choice", func(th *starlark.Thread, a starlark.Tuple) starlark.Value {
				items := a[0].(*starlark.Dict).Items()
				x := rng(th).Float64()
				for _, kv := range items {
					w, _ := starlark.AsFloat(kv[1])
					if x -= w; x < 0 {
						return kv[0]
					}
				}
				return items[len(items)-1][0]
			}),
		}),
		"faker": ns("faker", starlark.StringDict{"locale": ns("locale", starlark.StringDict{"en": ns("en", starlark.StringDict{
			"user_name": fn("user_name", func(th *starlark.Thread, _ starlark.Tuple) starlark.Value {
				return starlark.String(users[rng(th).IntN(len(users))])
			}),
		})})}),
	})
}

// accessLog is the reference template from the Eventum documentation.
const accessLog = `{{ module.rand.network.ip_v4_public() }} - {{ module.faker.locale.en.user_name() }} [{{ timestamp.strftime('%d/%b/%Y:%H:%M:%S %z') }}] "{{ module.rand.choice(['GET', 'POST', 'PUT']) }} {{ module.rand.choice(['/api/users', '/api/orders', '/health', '/login']) }} HTTP/1.1" {{ module.rand.weighted_choice({200: 0.7, 301: 0.05, 404: 0.15, 500: 0.1}) }} {{ module.rand.number.integer(200, 15000) }}`

// shape is the same line with the module calls replaced by cheap
// zero-argument builtins: what remains is the compiler's own overhead.
const shape = `{{ a() }} - {{ b() }} [{{ c() }}] "{{ d() }} {{ e() }} HTTP/1.1" {{ f() }} {{ g() }}`

func benchRender(b *testing.B, src string, opts Options, globals starlark.StringDict) {
	t, err := Compile("bench.jinja", src, opts)
	if err != nil {
		b.Fatal(err)
	}
	th := &starlark.Thread{}
	th.SetLocal("rand", rand.New(rand.NewPCG(1, 2)))
	in, err := t.NewInstance(th, globals)
	if err != nil {
		b.Fatal(err)
	}
	var ts starlark.Value = benchTimestamp{time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
	var tags starlark.Value = starlark.Tuple{}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if buf, err = in.Render(th, buf[:0], ts, tags); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkAccessLog(b *testing.B) {
	benchRender(b, accessLog, Options{Globals: []string{"module"}, AttrGlobals: []string{"module"}},
		starlark.StringDict{"module": benchModule()})
}

func BenchmarkShape(b *testing.B) {
	globals := starlark.StringDict{}
	var names []string
	for i, s := range []string{"192.168.1.1", "alice", "06/May/2024:07:08:09 +0000", "GET", "/login", "200", "1234"} {
		name := string(rune('a' + i))
		var v starlark.Value = starlark.String(s)
		globals[name] = fn(name, func(*starlark.Thread, starlark.Tuple) starlark.Value { return v })
		names = append(names, name)
	}
	benchRender(b, shape, Options{Globals: names}, globals)
}

func BenchmarkLoopFilters(b *testing.B) {
	src := `{% for u in users %}{{ loop.index }}:{{ u.name | upper }}{{ "," if not loop.last }}{% endfor %} {{ users | map(attribute="age") | sum }}`
	var users []starlark.Value
	for i := range 5 {
		d := starlark.NewDict(2)
		_ = d.SetKey(starlark.String("name"), starlark.String("user"+strconv.Itoa(i)))
		_ = d.SetKey(starlark.String("age"), starlark.MakeInt(20+i))
		users = append(users, d)
	}
	benchRender(b, src, Options{Globals: []string{"users"}}, starlark.StringDict{"users": starlark.NewList(users)})
}

func TestAccessLogRenders(t *testing.T) {
	tm, err := Compile("bench.jinja", accessLog, Options{Globals: []string{"module"}, AttrGlobals: []string{"module"}})
	if err != nil {
		t.Fatal(err)
	}
	th := &starlark.Thread{}
	th.SetLocal("rand", rand.New(rand.NewPCG(1, 2)))
	in, err := tm.NewInstance(th, starlark.StringDict{"module": benchModule()})
	if err != nil {
		t.Fatal(err)
	}
	ts := benchTimestamp{time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
	a, err := in.Render(th, nil, ts, starlark.Tuple{})
	if err != nil {
		t.Fatal(err)
	}
	// Same seed, same output: the random filter and module calls use the
	// thread's RNG.
	th2 := &starlark.Thread{}
	th2.SetLocal("rand", rand.New(rand.NewPCG(1, 2)))
	in2, _ := tm.NewInstance(th2, starlark.StringDict{"module": benchModule()})
	b, _ := in2.Render(th2, nil, ts, starlark.Tuple{})
	if string(a) != string(b) {
		t.Fatalf("seeded renders differ: %q vs %q", a, b)
	}
	t.Log(string(a))
}

// BenchmarkModulo: "%" between numbers. A left operand the compiler
// knows is a number (a literal, loop.index, arithmetic, | int) stays
// Starlark's inline %; a plain name goes through $mod, which checks for a
// format string first.
func BenchmarkModulo(b *testing.B) {
	for _, tc := range []struct{ name, src string }{
		{"inline", `{% for i in range(100) %}{{ i % 7 }}{% endfor %}`},
		{"dispatch", `{% for i in range(100) %}{% set j = i %}{{ j % 7 }}{% endfor %}`},
		{"format", `{% for i in range(100) %}{{ '%03d' % i }}{% endfor %}`},
	} {
		b.Run(tc.name, func(b *testing.B) { benchRender(b, tc.src, Options{}, nil) })
	}
}
