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
		{`module.rand.string.pattern("ID-###-??-!!-**\\#")`, `^ID-[0-9]{3}-[a-z]{2}-[A-Z]{2}-[0-9a-f]{2}#$`},
		{"module.rand.network.ip_v4_private_a()", `^10\.`},
		{"module.rand.network.ip_v4_private_b()", `^172\.(1[6-9]|2[0-9]|3[01])\.`},
		{"module.rand.network.ip_v4_private_c()", `^192\.168\.`},
		{`module.rand.network.ip_v4_in_subnet("192.0.2.0/30")`, `^192\.0\.2\.[12]$`},
		{"module.rand.network.ip_v6_link_local()", `^fe80::`},
		{"module.rand.network.ip_v6_ula()", `^fd`},
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
		`module.rand.choice([])`, `module.rand.number.integer(5, 1)`, `module.rand.weighted_choice({"a": 0})`,
		`module.rand.weighted_choice(["a"], [1, 2])`, `module.rand.weighted_choices(["a"], [1])`,
		`module.rand.network.ip_v4_in_subnet("nonsense")`, `module.nosuch`,
	} {
		if _, err := evalExpr(t, 1, bad, nil); err == nil {
			t.Errorf("%s: want an error", bad)
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
