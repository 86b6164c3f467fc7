package starlib

import (
	"math"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

func TestRandReproducible(t *testing.T) {
	t.Parallel()
	expr := `[module.rand.number.integer(1, 1000), module.rand.number.floating(0, 1), module.rand.crypto.uuid4(),
		module.rand.network.ip_v4_public(), module.rand.choice(["a", "b", "c"]), module.rand.string.hex(12),
		uuid.uuid4().hex, module.rand.weighted_choice({"x": 1, "y": 2})]`
	a, err := evalExpr(t, 42, expr, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := evalExpr(t, 42, expr, nil)
	c, _ := evalExpr(t, 43, expr, nil)
	if a.String() != b.String() {
		t.Errorf("same seed, different values:\n%s\n%s", a, b)
	}
	if a.String() == c.String() {
		t.Errorf("different seeds, same values: %s", a)
	}
}

// sample evaluates expr n times in one module and returns the floats.
func sample(t *testing.T, expr string, n int) []float64 {
	t.Helper()
	v := mustEval(t, "[float("+expr+") for _ in range("+itoa(n)+")]", nil)
	l := v.(*starlark.List)
	out := make([]float64, l.Len())
	for i := range out {
		out[i] = float64(l.Index(i).(starlark.Float))
	}
	return out
}

func itoa(n int) string { return starlark.MakeInt(n).String() }

func meanStd(xs []float64) (float64, float64) {
	var s, ss float64
	for _, x := range xs {
		s += x
	}
	m := s / float64(len(xs))
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / float64(len(xs)))
}

func TestRandDistributions(t *testing.T) {
	t.Parallel()
	const n = 20000
	tests := []struct {
		expr           string
		mean, std, tol float64
		min, max       float64
	}{
		{"module.rand.number.integer(1, 6)", 3.5, math.Sqrt(35.0 / 12), 0.05, 1, 6},
		{"module.rand.number.floating(10, 20)", 15, 10 / math.Sqrt(12), 0.1, 10, 20},
		{"module.rand.number.gauss(100, 15)", 100, 15, 0.5, math.Inf(-1), math.Inf(1)},
		{"module.rand.number.exponential(0.5)", 2, 2, 0.1, 0, math.Inf(1)},
		{"module.rand.number.triangular(0, 10, 2)", 4, math.Sqrt((100 + 4 - 20) / 18.0), 0.1, 0, 10},
		{"module.rand.number.lognormal(0, 0.25)", math.Exp(0.25 * 0.25 / 2), 0.26, 0.02, 0, math.Inf(1)},
		{"module.rand.number.pareto(3, 2)", 3, math.NaN(), 0.1, 2, math.Inf(1)},
	}
	for _, tc := range tests {
		xs := sample(t, tc.expr, n)
		m, s := meanStd(xs)
		if math.Abs(m-tc.mean) > tc.tol {
			t.Errorf("%s: mean %.3f, want %.3f±%.2f", tc.expr, m, tc.mean, tc.tol)
		}
		if !math.IsNaN(tc.std) && math.Abs(s-tc.std) > 2*tc.tol {
			t.Errorf("%s: std %.3f, want %.3f", tc.expr, s, tc.std)
		}
		for _, x := range xs {
			if x < tc.min || x > tc.max {
				t.Errorf("%s: %v outside [%v, %v]", tc.expr, x, tc.min, tc.max)
				break
			}
		}
	}
	// Weighted choice frequencies follow the weights.
	v := mustEval(t, `module.rand.weighted_choices({200: 0.7, 404: 0.2, 500: 0.1}, 20000)`, nil)
	counts := map[string]int{}
	for i := 0; i < v.(*starlark.List).Len(); i++ {
		counts[v.(*starlark.List).Index(i).String()]++
	}
	for k, want := range map[string]float64{"200": 0.7, "404": 0.2, "500": 0.1} {
		if got := float64(counts[k]) / 20000; math.Abs(got-want) > 0.02 {
			t.Errorf("weighted_choices: %s frequency %.3f, want %.2f", k, got, want)
		}
	}
	if got := mustEval(t, `[module.rand.chance(0), module.rand.chance(1), module.rand.chance(-3)]`, nil).String(); got != "[False, True, False]" {
		t.Errorf("chance edges = %s", got)
	}
}

func TestRandFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		re   string
	}{
		{"module.rand.crypto.uuid4()", `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`},
		{"module.rand.crypto.md5()", `^[0-9a-f]{32}$`},
		{"module.rand.crypto.sha1()", `^[0-9a-f]{40}$`},
		{"module.rand.crypto.sha256()", `^[0-9a-f]{64}$`},
		{"module.rand.network.mac()", `^([0-9a-f]{2}:){5}[0-9a-f]{2}$`},
		{"module.rand.string.letters(10)", `^[a-zA-Z]{10}$`},
		{"module.rand.string.letters_lowercase(5)", `^[a-z]{5}$`},
		{"module.rand.string.letters_uppercase(5)", `^[A-Z]{5}$`},
		{"module.rand.string.digits(7)", `^[0-9]{7}$`},
		{"module.rand.string.hex(70)", `^[0-9a-f]{70}$`},
		{"module.rand.string.punctuation(3)", `^[[:punct:]]{3}$`},
		{`module.rand.string.pattern("ORD-%A{3}-%d{6}")`, `^ORD-[A-Z]{3}-[0-9]{6}$`},
		{`module.rand.string.pattern("%a%l%n%h{4}%H{2}%w{3}%p|%%{2}|{3}|#?!*é")`, `^[a-z][a-zA-Z][1-9][0-9a-f]{4}[0-9A-F]{2}[a-zA-Z0-9]{3}[[:punct:]]\|%%\|\{3\}\|#\?!\*é$`},
		{`module.rand.string.pattern(format_string="a%d{0}b")`, `^ab$`},
		{`module.rand.network.mac(oui="00:50:56")`, `^00:50:56(:[0-9a-f]{2}){3}$`},
		{`module.rand.network.mac(oui="AA-BB-0C")`, `^aa:bb:0c(:[0-9a-f]{2}){3}$`},
		{`module.rand.network.mac(vendor="VMware")`, `^00:(05:69|0c:29|1c:14|50:56)(:[0-9a-f]{2}){3}$`},
		{`module.rand.network.mac(vendor="paloalto", oui=None)`, `^(00:1b:17|b4:0c:25)(:[0-9a-f]{2}){3}$`},
		{"module.rand.network.ip_v4_private_a()", `^10\.`},
		{"module.rand.network.ip_v4_private_b()", `^172\.(1[6-9]|2[0-9]|3[01])\.`},
		{"module.rand.network.ip_v4_private_c()", `^192\.168\.`},
		{`module.rand.network.ip_v4_in_subnet("192.0.2.0/30")`, `^192\.0\.2\.[12]$`},
		{"module.rand.network.ip_v6_link_local()", `^fe[89ab][0-9a-f]:`},
		{"module.rand.network.ip_v6_ula()", `^f[cd][0-9a-f]{2}:`},
		{"str(uuid.uuid4())", `^[0-9a-f-]{36}$`},
		{`module.rand.shuffle("abcdef")`, `^[a-f]{6}$`},
	}
	for _, tc := range tests {
		re := regexp.MustCompile(tc.re)
		for i := 0; i < 50; i++ {
			v, err := evalExpr(t, uint64(i), tc.expr, nil)
			if err != nil {
				t.Fatalf("%s: %v", tc.expr, err)
			}
			if !re.MatchString(str(v)) {
				t.Errorf("%s = %q, does not match %s", tc.expr, str(v), tc.re)
				break
			}
		}
	}
	for i := 0; i < 200; i++ {
		v, _ := evalExpr(t, uint64(i), `[module.rand.network.ip_v4_public(), module.rand.network.ip_v4_private(), module.rand.network.ip_v6_global(), module.rand.network.ip_v6()]`, nil)
		l := v.(*starlark.List)
		pub := netip.MustParseAddr(str(l.Index(0)))
		if pub.IsPrivate() || pub.IsLoopback() || pub.IsMulticast() || pub.IsUnspecified() {
			t.Errorf("ip_v4_public gave %s", pub)
		}
		if !netip.MustParseAddr(str(l.Index(1))).IsPrivate() {
			t.Errorf("ip_v4_private gave %s", str(l.Index(1)))
		}
		if g := netip.MustParseAddr(str(l.Index(2))); !netip.MustParsePrefix("2000::/3").Contains(g) {
			t.Errorf("ip_v6_global gave %s", g)
		}
		if _, err := netip.ParseAddr(str(l.Index(3))); err != nil || !strings.Contains(str(l.Index(3)), ":") {
			t.Errorf("ip_v6 gave %s", str(l.Index(3)))
		}
	}
}

func TestRandSelection(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`len(module.rand.choices([1, 2, 3], 5))`, "5"},
		{`sorted(module.rand.shuffle([3, 1, 2]))`, "[1, 2, 3]"},
		{`module.rand.weighted_choice(["a", "b"], [0, 1])`, `"b"`},
		{`module.rand.weighted_choices(["a", "b"], [1, 0], 3)`, `["a", "a", "a"]`},
		{`module.rand.weighted_choice(["a"], None)`, `"a"`},
		{`module.rand.weighted_choice(["a"])`, `"a"`},
		{`module.rand.weighted_choice({"a": 1}, [0])`, `"a"`},
		{`module.rand.weighted_choices(["a"], None, 2)`, `["a", "a"]`},
		{`module.rand.weighted_choices({"a": 1}, 2)`, `["a", "a"]`},
		{`module.rand.weighted_choices({"a": 1}, 2, 5)`, `["a", "a"]`},
		{`len(module.rand.weighted_choices(items=["a", "b"], weights=None, n=4))`, "4"},
		{`module.rand.number.clamp(15, 0, 10)`, "10"},
		{`module.rand.number.clamp(-1.5, 0, 10)`, "0"},
		{`module.rand.number.clamp(5.5, 0, 10)`, "5.5"},
		{`module.rand.number.integer(7, 7)`, "7"},
		{`type(module.rand.datetime.timestamp("2025-01-01", "2025-12-31"))`, `"datetime"`},
	}
	for _, tc := range tests {
		if got := mustEval(t, tc.expr, nil).String(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
	v := mustEval(t, `[module.rand.datetime.timestamp(datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc), datetime.datetime(2025, 1, 2, tzinfo=datetime.timezone.utc)).isoformat() for _ in range(100)]`, nil)
	for i := 0; i < v.(*starlark.List).Len(); i++ {
		if s := str(v.(*starlark.List).Index(i)); !strings.HasPrefix(s, "2025-01-01T") && s != "2025-01-02T00:00:00+00:00" {
			t.Errorf("timestamp out of range: %s", s)
		}
	}
	for _, bad := range []string{
		`module.rand.choice([])`, `module.rand.weighted_choice({"a": 0})`, `module.rand.network.ip_v4_in_subnet("nonsense")`, `module.nosuch`,
	} {
		if _, err := evalExpr(t, 1, bad, nil); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

// TestRandErrors: the original's errors, under the builtin's full name.
func TestRandErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`module.rand.number.integer("1", 2)`, `rand.number.integer: for parameter "a": got string, want int`},
		{`module.rand.number.integer(5, 1)`, `rand.number.integer: empty range for randrange(5, 2)`},
		{`module.rand.number.gauss(0, "x")`, `rand.number.gauss: for parameter "sigma": got string, want float`},
		{`module.rand.string.hex("3")`, `rand.string.hex: for parameter "size": got string, want int`},
		{`module.rand.weighted_choice(["a"], [1, 2])`, `rand.weighted_choice: the number of weights does not match the population (1 items, 2 weights)`},
		{`module.rand.weighted_choice([], None)`, `rand.weighted_choice: cannot choose from an empty sequence`},
		{`module.rand.weighted_choices(["a"], [1])`, `rand.weighted_choices: expected (dict, n) or (items, weights, n)`},
		{`module.rand.weighted_choices({"a": 1}, [1], 2)`, `rand.weighted_choices: expected (dict, n) or (items, weights, n)`},
		{`module.rand.string.pattern("abc%")`, `rand.string.pattern: incomplete format specifier at end of pattern (trailing '%')`},
		{`module.rand.string.pattern("%z")`, `rand.string.pattern: unknown format specifier: %z`},
		{`module.rand.string.pattern("%a{5")`, `rand.string.pattern: unclosed '{' in pattern`},
		{`module.rand.string.pattern("%a{abc}")`, `rand.string.pattern: invalid repeat count: 'abc'`},
		{`module.rand.string.pattern("%a{-3}")`, `rand.string.pattern: invalid repeat count: '-3'`},
		{`module.rand.string.pattern("%a{}")`, `rand.string.pattern: invalid repeat count: ''`},
		{`module.rand.network.mac("00:50:56")`, `rand.network.mac: got 1 positional arguments, want 0 (oui= and vendor= are keywords)`},
		{`module.rand.network.mac(oui="00:50:56", vendor="dell")`, `rand.network.mac: 'oui' and 'vendor' are mutually exclusive`},
		{`module.rand.network.mac(vendor="acme")`, `rand.network.mac: unknown vendor: 'acme'`},
		{`module.rand.network.mac(oui="0:50:56")`, `rand.network.mac: invalid OUI prefix: '0:50:56'`},
		{`module.rand.network.mac(oui="00:50:56:01")`, `rand.network.mac: invalid OUI prefix: '00:50:56:01'`},
		{`module.rand.network.mac(prefix="x")`, `rand.network.mac: unexpected keyword argument "prefix"`},
		{`module.rand.network.ip_v4(1)`, `rand.network.ip_v4: got unexpected arguments`},
	}
	for _, tc := range tests {
		_, err := evalExpr(t, 1, tc.expr, nil)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got  %v\n want %s", tc.expr, err, tc.want)
		}
	}
}

func BenchmarkRand(b *testing.B) {
	for _, expr := range []string{
		`module.rand.number.integer(1, 1000)`,
		`module.rand.choice(items)`,
		`module.rand.crypto.uuid4()`,
		`module.rand.network.ip_v4_public()`,
		`module.rand.weighted_choice(weights)`,
	} {
		b.Run(expr, func(b *testing.B) {
			mod := NewModule(newTestRand(1), nil)
			extra := starlark.StringDict{
				"module":  mod,
				"items":   mustEval(b, `["GET", "POST", "PUT", "DELETE"]`, nil),
				"weights": mustEval(b, `{200: 0.7, 404: 0.2, 500: 0.1}`, nil),
			}
			fn := mustEval(b, "lambda: "+expr, extra).(starlark.Callable)
			thread := &starlark.Thread{}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := starlark.Call(thread, fn, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
