package inputs

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTimePatterns(t *testing.T) {
	t.Parallel()
	env := testEnv(nil)
	env.Rand = rand.New(rand.NewPCG(7, 7))
	hour := int64(time.Hour)
	t0 := ts("2024-01-01T00:00:00Z")

	got := collect(t, mustBuild(t, "time_patterns", "patterns: [patterns/uniform.yml]", env))
	if len(got) != 1000 {
		t.Fatalf("uniform: %d timestamps, want 10 periods x 100", len(got))
	}
	for p := range int64(10) {
		n := 0
		for _, v := range got {
			if v >= t0+p*hour && v < t0+(p+1)*hour {
				n++
			}
		}
		if n != 100 {
			t.Errorf("uniform period %d holds %d", p, n)
		}
	}

	got = collect(t, mustBuild(t, "time_patterns", "patterns: [patterns/beta.yml]", env))
	if len(got) < 20*800 || len(got) > 20*1000 {
		t.Errorf("beta, decrease 20%%: %d timestamps, want 16000-20000", len(got))
	}
	var sum float64
	for _, v := range got {
		sum += float64((v-t0)%(hour/2)) / float64(hour/2)
	}
	if mean := sum / float64(len(got)); mean < 0.45 || mean > 0.55 {
		t.Errorf("beta(5,5) mean position %.3f, want about 0.5", mean)
	}

	got = collect(t, mustBuild(t, "time_patterns", "patterns: [patterns/triangular.yml]", env))
	day := 24 * hour
	if len(got) < 2000 || len(got) > 3000 {
		t.Errorf("triangular, increase 50%%: %d", len(got))
	}
	for _, v := range got {
		if f := float64(v-t0) / float64(day); f < 0.2 || f > 0.4 {
			t.Fatalf("triangular position %.3f outside [0.2, 0.4]", f)
		}
	}

	got = collect(t, mustBuild(t, "time_patterns", "patterns: [patterns/uniform.yml, patterns/uniform.yml]", env))
	if len(got) != 2000 || !slices.IsSorted(got) {
		t.Errorf("two patterns merged: %d", len(got))
	}
}

func TestTimePatternsErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ src, want string }{
		{"patterns: []", "at least one item is required"},
		{"patterns: [patterns/missing.yml]", "no such file"},
		{"patterns: [patterns/bad_params.yml]", "spreader.parameters.low: not a parameter of the beta distribution"},
		{"patterns: [patterns/empty_label.yml]", "label: must not be empty"},
		{"patterns: [patterns/bad_key.yml]", `bad_key.yml:3:25: multiplier.ratoi: unknown key "ratoi"`},
	} {
		if _, err := build(t, "time_patterns", c.src, testEnv(nil)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.src, err, c.want)
		}
	}
}

// Periods of whole days follow the calendar of the generator's time zone (a
// DST day is one period of 23 or 25 hours); periods in hours are elapsed time.
func TestTimePatternsCalendarDays(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err) // the DST check needs the zone database
	}
	for _, c := range []struct {
		file string
		want map[string]int // timestamps per local date
	}{
		{"dst_days.yml", map[string]int{"2024-03-09": 2300, "2024-03-10": 2300, "2024-03-11": 2300}},
		// The 10th is 23 h long: the second period, 24 h from midnight
		// starting it, ends at 01:00 EDT on the 11th, so the 10th holds
		// 23/24 of it; the 11th holds its last 1/24 and 23/24 of the third
		// period, whose last hour is past the end (midnight starting the 12th).
		{"dst_hours.yml", map[string]int{"2024-03-09": 2300, "2024-03-10": 2300 * 23 / 24, "2024-03-11": 2300}},
	} {
		env := testEnv(ny)
		env.Rand = rand.New(rand.NewPCG(1, 2))
		got := collect(t, mustBuild(t, "time_patterns", "patterns: [patterns/"+c.file+"]", env))
		per := map[string]int{}
		for _, v := range got {
			per[time.Unix(0, v).In(ny).Format(time.DateOnly)]++
		}
		for day, n := range c.want {
			// Uniform spreading: the split of a period between two dates is
			// binomial (sd about 10 here).
			if tol := 50; c.file == "dst_hours.yml" && day != "2024-03-09" {
				if per[day] < n-tol || per[day] > n+tol {
					t.Errorf("%s: %s holds %d, want about %d", c.file, day, per[day], n)
				}
			} else if per[day] != n {
				t.Errorf("%s: %s holds %d, want %d", c.file, day, per[day], n)
			}
		}
		if len(per) != len(c.want) {
			t.Errorf("%s: timestamps on %d dates, want %d", c.file, len(per), len(c.want))
		}
	}
}
