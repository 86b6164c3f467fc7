package inputs

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// weekPatterns build a daily web-traffic shape (baseline, morning ramp,
// midday peak, evening bump) plus a Monday-Friday lift; see the files.
var weekPatterns = []string{
	"patterns/week/night.yml", "patterns/week/morning.yml", "patterns/week/midday.yml",
	"patterns/week/evening.yml", "patterns/week/weekdays.yml",
}

// band is what the model predicts for one window of time: the count lies in
// [lo, hi] up to the spreader's sampling noise, whose variance is at most v.
type band struct{ lo, hi, v float64 }

// spreaderCDF is the cumulative distribution of a pattern's spreader.
func spreaderCDF(s Spreader) func(float64) float64 {
	ps := s.Parameters
	switch s.Distribution {
	case "uniform":
		return distuv.Uniform{Min: *ps.Low, Max: *ps.High}.CDF
	case "triangular":
		return distuv.NewTriangle(*ps.Left, *ps.Right, *ps.Mode, nil).CDF
	default:
		return distuv.Beta{Alpha: *ps.A, Beta: *ps.B}.CDF
	}
}

// factorRange is the randomizer's range of per-period factors.
func factorRange(r Randomizer) (lo, hi float64) {
	lo, hi = 1-r.Deviation, 1+r.Deviation
	switch r.Direction {
	case "decrease":
		hi = 1
	case "increase":
		lo = 1
	}
	return lo, hi
}

// expectWindows predicts the count of each window [t0+i*w, t0+(i+1)*w) for
// the patterns: per period, ratio × factor timestamps (factor in the
// randomizer's range, truncated), each falling in a window with the
// probability the spreader's CDF gives its share of the period.
func expectWindows(ps []*pattern, t0, w int64, n int) []band {
	out := make([]band, n)
	for _, p := range ps {
		cdf := spreaderCDF(p.cfg.Spreader)
		flo, fhi := factorRange(p.cfg.Randomizer)
		ratio := float64(p.cfg.Multiplier.Ratio)
		nmin, nmax := math.Floor(ratio*flo), math.Floor(ratio*fhi)
		for k, ps := 0, p.start; ps < p.end; k++ {
			pe, _ := p.periodEnd(k, ps)
			length := float64(pe - ps)
			for i := range out {
				a, b := max(t0+int64(i)*w, ps), min(t0+int64(i+1)*w, pe)
				if a >= b {
					continue
				}
				q := cdf(float64(b-ps)/length) - cdf(float64(a-ps)/length)
				out[i].lo += nmin * q
				out[i].hi += nmax * q
				out[i].v += nmax * q * (1 - q)
			}
			ps = pe
		}
	}
	return out
}

// expectDaily predicts the mean count of each hour of the day over days
// days from t0, and the variance of that mean: each period's count varies
// by its factor (uniform on the randomizer's range, independent between
// periods) and by the spreader's sampling noise.
func expectDaily(ps []*pattern, t0 int64, days int) (mean, variance [24]float64) {
	hour := int64(time.Hour)
	for _, p := range ps {
		cdf := spreaderCDF(p.cfg.Spreader)
		flo, fhi := factorRange(p.cfg.Randomizer)
		r := float64(p.cfg.Multiplier.Ratio)
		nmean := r*(flo+fhi)/2 - 0.5 // truncation loses 0.5 on average
		nvar := r * r * (fhi - flo) * (fhi - flo) / 12
		for k, ps := 0, p.start; ps < p.end; k++ {
			pe, _ := p.periodEnd(k, ps)
			length := float64(pe - ps)
			var share [24]float64 // this period's share of each hour of day, summed over days
			for i := range days * 24 {
				a, b := max(t0+int64(i)*hour, ps), min(t0+int64(i+1)*hour, pe)
				if a >= b {
					continue
				}
				q := cdf(float64(b-ps)/length) - cdf(float64(a-ps)/length)
				share[i%24] += q / float64(days)
				variance[i%24] += (nmean + 0.5) * q * (1 - q) / float64(days*days)
			}
			for h, q := range share {
				mean[h] += nmean * q
				variance[h] += nvar * q * q
			}
			ps = pe
		}
	}
	return mean, variance
}

// offDaily lists the hours of day whose mean count over the days is more
// than z standard deviations from the model's.
func offDaily(counts []int, ps []*pattern, t0 int64, z float64) []string {
	days := len(counts) / 24
	mean, variance := expectDaily(ps, t0, days)
	var bad []string
	for h := range 24 {
		var sum int
		for d := range days {
			sum += counts[d*24+h]
		}
		got := float64(sum) / float64(days)
		if s := math.Sqrt(variance[h]); math.Abs(got-mean[h]) > z*s {
			bad = append(bad, fmt.Sprintf("%02d:00: mean %.0f, want %.0f ± %.0f", h, got, mean[h], z*s))
		}
	}
	return bad
}

// outsideBands lists the windows whose count lies outside its band widened
// by z standard deviations of sampling noise.
func outsideBands(counts []int, want []band, z float64) []string {
	var bad []string
	for i, c := range counts {
		s := z * math.Sqrt(want[i].v)
		if lo, hi := want[i].lo-s, want[i].hi+s; float64(c) < lo || float64(c) > hi {
			bad = append(bad, fmt.Sprintf("hour %d (day %d, %02d:00): %d not in [%.0f, %.0f]", i, i/24, i%24, c, lo, hi))
		}
	}
	return bad
}

// loadWeekPatterns reads the pattern files as the input does.
func loadWeekPatterns(t *testing.T) []*pattern {
	t.Helper()
	var ps []*pattern
	for _, f := range weekPatterns {
		p, err := loadPattern(filepath.Join("testdata", f), testEnv(nil))
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

// TestTimePatternsWeek runs a week of a daily/weekly traffic shape in sample
// mode with a fixed seed and checks every hour's count against the band the
// configured patterns imply (ratio × the randomizer's factor range, spread by
// the spreader's distribution), the mean of each hour of day over the week
// against the model's mean, and the week's total. It then checks that wrong
// expectations (an hour late, no spreader, no randomizer, ratios 10% high,
// shifted distributions) fail those checks.
func TestTimePatternsWeek(t *testing.T) {
	t.Parallel()
	env := testEnv(nil)
	env.Rand = rand.New(rand.NewPCG(2024, 1))
	src := "patterns: [" + strings.Join(weekPatterns, ", ") + "]"
	got := collect(t, mustBuild(t, "time_patterns", src, env))

	const hours = 7 * 24
	hour := int64(time.Hour)
	t0 := ts("2024-01-01T00:00:00Z")
	counts := make([]int, hours)
	for _, v := range got {
		i := (v - t0) / hour
		if v < t0 || i >= hours {
			t.Fatalf("timestamp %s outside the week", time.Unix(0, v).UTC())
		}
		counts[i]++
	}

	// Every hour lies in the band of the randomizer's deviation, and the
	// mean of each hour of day over the week matches the model's mean.
	ps := loadWeekPatterns(t)
	want := expectWindows(ps, t0, hour, hours)
	const z = 4
	for _, msg := range outsideBands(counts, want, z) {
		t.Error(msg)
	}
	for _, msg := range offDaily(counts, ps, t0, z) {
		t.Error(msg)
	}

	// The shape is there: night < midday < the 09:00 morning peak, and
	// weekday nights (baseline + weekday lift) busier than weekend ones.
	if !(counts[3] < counts[13] && counts[13] < counts[9]) {
		t.Errorf("shape: Mon 03h %d, 09h %d, 13h %d", counts[3], counts[9], counts[13])
	}
	var weekday, weekend int
	for d := range 7 {
		for h := range 5 {
			if d < 5 {
				weekday += counts[d*24+h]
			} else {
				weekend += counts[d*24+h]
			}
		}
	}
	if float64(weekday)/5 < 1.5*float64(weekend)/2 {
		t.Errorf("nights: weekday %d (5 days), weekend %d (2 days)", weekday, weekend)
	}

	// Week total: within the hard bounds of the factors, and within 4 sigma
	// of its mean (each period's factor is uniform on its range).
	var lo, hi, mean, v float64
	for _, p := range ps {
		flo, fhi := factorRange(p.cfg.Randomizer)
		r := float64(p.cfg.Multiplier.Ratio)
		periods := float64((p.end - p.start) / p.period)
		lo += periods * math.Floor(r*flo)
		hi += periods * math.Floor(r*fhi)
		mean += periods * (r*(flo+fhi)/2 - 0.5) // truncation loses 0.5 on average
		v += periods * r * r * (fhi - flo) * (fhi - flo) / 12
	}
	total := float64(len(got))
	if total < lo || total > hi || math.Abs(total-mean) > 4*math.Sqrt(v) {
		t.Errorf("week total %.0f: want in [%.0f, %.0f] and within %.0f of %.0f", total, lo, hi, 4*math.Sqrt(v), mean)
	}

	// The checks can fail: wrong expectations are caught.
	shifted := make([]band, hours) // the model an hour late
	copy(shifted[1:], want)
	shifted[0] = want[hours-1]
	flat := make([]band, hours) // spreaders ignored: the same count every hour
	for i := range flat {
		flat[i] = band{lo / hours, hi / hours, hi / hours}
	}
	for name, w := range map[string][]band{"an hour late": shifted, "spreaders ignored": flat} {
		if n := len(outsideBands(counts, w, z)); n < 5 {
			t.Errorf("expectation %q: only %d hours outside the bands, want many", name, n)
		}
	}
	for _, c := range []struct {
		name  string
		wrong func(p *TimePattern)
		band  bool // caught by the bands (else by the daily means)
	}{
		{"no randomizer", func(p *TimePattern) { p.Randomizer.Deviation = 0 }, true},
		{"ratios 10% higher", func(p *TimePattern) { p.Multiplier.Ratio += p.Multiplier.Ratio / 10 }, false},
		{"triangle modes 30 min later", func(p *TimePattern) {
			if m := p.Spreader.Parameters.Mode; m != nil {
				*m += 0.5 / 24
			}
		}, false},
		{"beta a+1", func(p *TimePattern) {
			if a := p.Spreader.Parameters.A; a != nil {
				*a++
			}
		}, false},
	} {
		ps := loadWeekPatterns(t)
		for _, p := range ps {
			c.wrong(&p.cfg)
		}
		n := len(offDaily(counts, ps, t0, z))
		if c.band {
			n = len(outsideBands(counts, expectWindows(ps, t0, hour, hours), z))
		}
		if n < 2 {
			t.Errorf("expectation %q: only %d hours off, want several", c.name, n)
		}
	}
}

// BenchmarkTimePatterns generates the week of TestTimePatternsWeek: five
// patterns (uniform, triangular and beta spreaders) merged.
func BenchmarkTimePatterns(b *testing.B) {
	for _, c := range []struct{ name, src string }{
		{"beta", "patterns: [patterns/week/midday.yml]"},
		{"week-5-merged", "patterns: [" + strings.Join(weekPatterns, ", ") + "]"},
	} {
		b.Run(c.name, func(b *testing.B) {
			env := testEnv(nil)
			env.Rand = rand.New(rand.NewPCG(1, 1))
			var n int
			b.ReportAllocs()
			for b.Loop() {
				in := mustBuild(b, "time_patterns", c.src, env)
				if err := in.Generate(context.Background(), func(ts []int64) error { n += len(ts); return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(n), "ns/timestamp")
		})
	}
}
