package inputs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPluginCounts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, plugin, src string
		count             int
		first, last       string // RFC 3339, "" = don't check
	}{
		{"static one", "static", "count: 1", 1, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"},
		{"static many", "static", "count: 10000", 10000, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"},
		{"linspace endpoint", "linspace", "{start: '2024-01-01T00:00:00Z', end: '2024-01-01T00:00:10Z', count: 11}", 11,
			"2024-01-01T00:00:00Z", "2024-01-01T00:00:10Z"},
		{"linspace no endpoint", "linspace", "{start: '2024-01-01', end: '2024-01-02', count: 1440, endpoint: false}", 1440,
			"2024-01-01T00:00:00Z", "2024-01-01T23:59:00Z"},
		{"linspace one", "linspace", "{start: '2024-01-01', end: '+1h', count: 1}", 1, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"},
		{"linspace empty range", "linspace", "{start: now, end: now, count: 3}", 3, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"},
		{"linspace relative", "linspace", "{start: '-1h', end: '+1h', count: 5}", 5, "2025-12-31T23:00:00Z", "2026-01-01T00:00:00Z"},
		{"timer repeat", "timer", "{start: '2024-01-01T00:00:00Z', seconds: 1, count: 3, repeat: 86400}", 86400 * 3,
			"2024-01-01T00:00:01Z", "2024-01-02T00:00:00Z"},
		{"timer default count", "timer", "{seconds: 0.5, repeat: 4}", 4, "2026-01-01T00:00:00.5Z", "2026-01-01T00:00:02Z"},
		{"timer duration string", "timer", "{seconds: 250ms, repeat: 2, start: '+1m'}", 2, "2026-01-01T00:01:00.25Z", "2026-01-01T00:01:00.5Z"},
		{"cron seconds", "cron", "{expression: '* * * * * *', count: 5, start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:01:00Z'}", 300,
			"2026-01-01T00:00:00Z", "2026-01-01T00:00:59Z"},
		{"cron minutes day", "cron", "{expression: '* * * * *', count: 2, start: '2024-01-01T00:00:00Z', end: '2024-01-01T23:59:59Z'}", 2880,
			"2024-01-01T00:00:00Z", "2024-01-01T23:59:00Z"},
		{"cron seconds first", "cron", "{expression: '3 35 10 * * *', start: '2024-01-01', end: '+3d'}", 3,
			"2024-01-01T10:35:03Z", "2024-01-03T10:35:03Z"},
		{"cron step", "cron", "{expression: '*/15 * * * *', start: '2024-01-01T00:07:00Z', end: '+1h'}", 4,
			"2024-01-01T00:15:00Z", "2024-01-01T01:00:00Z"},
		{"cron names", "cron", "{expression: '0 9 * JAN MON-FRI', start: '2024-01-01', end: '2024-02-01'}", 23,
			"2024-01-01T09:00:00Z", "2024-01-31T09:00:00Z"},
		{"cron range list", "cron", "{expression: '0 9-11,15 1 * *', start: '2024-01-01', end: '+1d'}", 4,
			"2024-01-01T09:00:00Z", "2024-01-01T15:00:00Z"},
		{"cron macro", "cron", "{expression: '@hourly', count: 10, start: '2024-01-01', end: '+1d'}", 240,
			"2024-01-01T00:00:00Z", "2024-01-01T23:00:00Z"},
		{"cron daily", "cron", "{expression: '@daily', start: '2024-01-01T00:00:01Z', end: '2024-02-01'}", 30,
			"2024-01-02T00:00:00Z", "2024-01-31T00:00:00Z"},
		{"cron every", "cron", "{expression: '@every 1h30m', start: '2024-01-01T00:00:00Z', end: '+6h'}", 3,
			"2024-01-01T01:30:00Z", "2024-01-01T04:30:00Z"},
		{"cron question mark lower names", "cron", "{expression: '0 0 12 ? jan sun', start: '2024-01-01', end: '2024-02-01'}", 4,
			"2024-01-07T12:00:00Z", "2024-01-28T12:00:00Z"},
		{"cron empty range", "cron", "{expression: '0 0 1 1 *', start: '2024-01-02', end: '2024-12-31'}", 0, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := collect(t, mustBuild(t, c.plugin, c.src, testEnv(nil)))
			if len(got) != c.count {
				t.Fatalf("got %d timestamps, want %d", len(got), c.count)
			}
			if c.first != "" && (got[0] != ts(c.first) || got[len(got)-1] != ts(c.last)) {
				t.Fatalf("first..last = %s..%s, want %s..%s",
					time.Unix(0, got[0]).UTC().Format(time.RFC3339Nano),
					time.Unix(0, got[len(got)-1]).UTC().Format(time.RFC3339Nano), c.first, c.last)
			}
		})
	}
}

func TestLinspaceValues(t *testing.T) {
	t.Parallel()
	// numpy.linspace(0, 10s, 4) = 0, 3.333…, 6.666…, 10 (truncated to ns).
	got := collect(t, mustBuild(t, "linspace", "{start: '2024-01-01T00:00:00Z', end: '+10s', count: 4}", testEnv(nil)))
	base := ts("2024-01-01T00:00:00Z")
	want := []int64{0, 3333333333, 6666666666, 10000000000}
	for i := range want {
		if got[i]-base != want[i] {
			t.Errorf("[%d] = %d, want %d", i, got[i]-base, want[i])
		}
	}
	// endpoint false: step span/count.
	got = collect(t, mustBuild(t, "linspace", "{start: '2024-01-01T00:00:00Z', end: '+10s', count: 4, endpoint: false}", testEnv(nil)))
	for i, w := range []int64{0, 2500000000, 5000000000, 7500000000} {
		if got[i]-base != w {
			t.Errorf("no endpoint [%d] = %d, want %d", i, got[i]-base, w)
		}
	}
}

func TestCronDST(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(ny)
	hours := func(src string) []time.Time {
		var out []time.Time
		for _, v := range collect(t, mustBuild(t, "cron", src, env)) {
			out = append(out, time.Unix(0, v).In(ny))
		}
		return out
	}
	// 2026-03-08: clocks jump 02:00 -> 03:00, the day has 23 hours.
	if got := hours("{expression: '0 * * * *', start: '2026-03-08', end: '2026-03-09'}"); len(got) != 23 {
		t.Errorf("hourly on spring-forward day: %d fires, want 23", len(got))
	}
	// 02:30 does not exist that day: no fire; the days around it fire at 02:30 local.
	got := hours("{expression: '30 2 * * *', start: '2026-03-07', end: '2026-03-10'}")
	if len(got) != 2 || got[0].Format("01-02 15:04 MST") != "03-07 02:30 EST" || got[1].Format("01-02 15:04 MST") != "03-09 02:30 EDT" {
		t.Errorf("02:30 daily around spring-forward: %v", got)
	}
	// 2026-11-01: clocks fall back 02:00 -> 01:00, the day has 25 hours.
	if got := hours("{expression: '0 * * * *', start: '2026-11-01', end: '2026-11-02'}"); len(got) != 25 {
		t.Errorf("hourly on fall-back day: %d fires, want 25", len(got))
	}
	// Noon stays noon local time across the switch (the UTC hour moves).
	got = hours("{expression: '0 0 12 * * *', start: '2026-03-07', end: '+3d'}")
	for _, g := range got {
		if g.Hour() != 12 || g.Minute() != 0 {
			t.Errorf("noon fire at %v", g)
		}
	}
	if len(got) != 3 || got[1].Sub(got[0]) != 23*time.Hour {
		t.Errorf("noon fires %v", got)
	}
}

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ plugin, src, want string }{
		{"static", "{}", `missing required key "count"`},
		{"static", "count: 0", "count: must be at least 1"},
		{"static", "{count: 1, cout: 2}", `unknown key "cout"`},
		{"linspace", "{start: now, end: never, count: 3}", `end: "never" is not allowed here`},
		{"linspace", "{start: now, end: '-1h', count: 3}", "earlier than the start"},
		{"linspace", "{start: never, end: now, count: 3}", `start: "never" is only allowed for an end`},
		{"linspace", "{start: now, count: 3}", `missing required key "end"`},
		{"timer", "{seconds: 0}", "seconds: must be greater than 0"},
		{"timer", "{seconds: 1, repeat: 0}", "repeat: must be at least 1"},
		{"timer", "{seconds: 1, start: 'next tuesday'}", `start: cannot parse "next tuesday"`},
		{"cron", "{expression: '* * *'}", `expression: "* * *"`},
		{"cron", "{expression: '61 * * * *'}", "expression:"},
		{"cron", "{expression: 'TZ=UTC * * * * *'}", "time zone prefix"},
		{"cron", "{expression: '* * * * *', count: 0}", "count: must be at least 1"},
		{"cron", "{expression: '* * * * *', end: 'soon'}", `end: cannot parse "soon"`},
	}
	for _, c := range cases {
		_, err := build(t, c.plugin, c.src, testEnv(nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: error %v, want one containing %q", c.plugin, c.src, err, c.want)
		} else if !strings.HasPrefix(err.Error(), "t.yml:1:") {
			t.Errorf("%s %s: error %q lacks file:line", c.plugin, c.src, err)
		}
	}
}

// Unbounded inputs generate lazily: they keep emitting bounded chunks until
// cancelled, and return the cancellation.
func TestUnboundedCancel(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ plugin, src string }{
		{"timer", "{seconds: 1}"},
		{"cron", "{expression: '* * * * * *', count: 3}"},
	} {
		in := mustBuild(t, c.plugin, c.src, testEnv(nil))
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := in.Generate(ctx, func(ts []int64) error {
			if len(ts) > chunkSize {
				t.Fatalf("%s: chunk of %d", c.plugin, len(ts))
			}
			if calls++; calls == 50 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || calls != 50 {
			t.Errorf("%s: err=%v after %d calls, want Canceled after 50", c.plugin, err, calls)
		}
		cancel()
	}
}

func TestEmitErrorStops(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, name := range []string{"static", "timer", "cron", "linspace"} {
		src := map[string]string{
			"static": "count: 100000", "timer": "seconds: 1", "cron": "expression: '* * * * * *'",
			"linspace": "{start: now, end: '+1h', count: 100000}",
		}[name]
		calls := 0
		err := mustBuild(t, name, src, testEnv(nil)).Generate(context.Background(), func([]int64) error {
			calls++
			return boom
		})
		if !errors.Is(err, boom) || calls != 1 {
			t.Errorf("%s: err=%v calls=%d", name, err, calls)
		}
	}
}

func BenchmarkPlugins(b *testing.B) {
	for _, c := range []struct{ name, plugin, src string }{
		{"cron-every-second", "cron", "{expression: '* * * * * *'}"},
		{"timer", "timer", "{seconds: 1}"},
	} {
		b.Run(c.name, func(b *testing.B) {
			in := mustBuild(b, c.plugin, c.src, testEnv(nil))
			want, n := int64(b.N)*1000, int64(0)
			stop := errors.New("stop")
			b.ReportAllocs()
			b.ResetTimer()
			err := in.Generate(context.Background(), func(ts []int64) error {
				if n += int64(len(ts)); n >= want {
					return stop
				}
				return nil
			})
			if !errors.Is(err, stop) {
				b.Fatal(err)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "timestamps/s")
		})
	}
}
