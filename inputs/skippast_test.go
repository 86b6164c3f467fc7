package inputs

import (
	"testing"
	"time"
)

// In live mode with skip_past, inputs begin at the generator's start (Now)
// instead of producing the past for the pipeline to drop, and keep their phase.
func TestSkipPastStartsAtNow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 12, 0, 0, 500_000_000, time.UTC)
	tests := []struct {
		name, plugin, src string
		first             string // first timestamp expected
		n                 int
	}{
		{"cron a year back", "cron", `{expression: "*/10 * * * * *", start: "2025-03-10T00:00:00Z", end: "2026-03-10T12:01:00Z"}`, "2026-03-10T12:00:10Z", 5},
		{"cron @every keeps phase", "cron", `{expression: "@every 7s", start: "2026-03-10T11:00:00Z", end: "2026-03-10T12:00:30Z"}`, "2026-03-10T12:00:05Z", 4}, // 3605 s = 515 × 7 s after start
		{"timer keeps phase", "timer", `{seconds: 3, start: "2026-03-10T11:00:01Z", repeat: 1300}`, "2026-03-10T12:00:01Z", 101},                                // ticks 1200..1300
		{"start in the future untouched", "cron", `{expression: "0 * * * * *", start: "2026-03-10T13:00:00Z", end: "+2m"}`, "2026-03-10T13:00:00Z", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := testEnv(time.UTC)
			env.Now, env.Live, env.SkipPast = now, true, true
			got := collect(t, mustBuild(t, tc.plugin, tc.src, env))
			if len(got) != tc.n || got[0] != ts(tc.first) {
				t.Fatalf("%d timestamps from %s, want %d from %s", len(got), time.Unix(0, got[0]).UTC().Format(time.RFC3339Nano), tc.n, tc.first)
			}
			// Without skip_past the same input starts at its own start.
			env.SkipPast = false
			if all := collect(t, mustBuild(t, tc.plugin, tc.src, env)); len(all) <= len(got) && tc.name != "start in the future untouched" {
				t.Fatalf("without skip_past: %d timestamps, want more than %d", len(all), len(got))
			}
		})
	}
}

func TestSkipPastTimePatterns(t *testing.T) {
	t.Parallel()
	env := testEnv(time.UTC)
	env.Now, env.Live, env.SkipPast = time.Date(2024, 1, 1, 5, 30, 0, 0, time.UTC), true, true
	got := collect(t, mustBuild(t, "time_patterns", "patterns: [patterns/uniform.yml]", env))
	// uniform.yml: 10 hourly periods of 100 from 2024-01-01T00:00Z; the
	// periods that ended before 05:30 are not sampled, 05:00-06:00 is.
	if len(got) != 500 || got[0] < ts("2024-01-01T05:00:00Z") {
		t.Fatalf("%d timestamps, first %s", len(got), time.Unix(0, got[0]).UTC())
	}
}
