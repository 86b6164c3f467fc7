package inputs

import (
	"strings"
	"testing"
	"time"
)

func TestParseDateTime(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 28, 10, 20, 30, 0, berlin) // the day before DST starts
	cases := []struct {
		in    string
		want  string // RFC 3339 in UTC; "never" for the keyword
		fails string // substring of the error
	}{
		{in: "2025-06-15T09:00:00Z", want: "2025-06-15T09:00:00Z"},
		{in: "2025-06-15T09:00:00", want: "2025-06-15T07:00:00Z"}, // Berlin, CEST
		{in: "2025-01-15 09:00:00", want: "2025-01-15T08:00:00Z"}, // Berlin, CET
		{in: "2025-06-15T09:00", want: "2025-06-15T07:00:00Z"},
		{in: "2025-06-15", want: "2025-06-14T22:00:00Z"},
		{in: "2025-06-15T09:00:00.123456789+02:00", want: "2025-06-15T07:00:00.123456789Z"},
		{in: "2025-06-15T09:00:00.5-0530", want: "2025-06-15T14:30:00.5Z"},
		{in: "2025-06-15T09:00:00+03", want: "2025-06-15T06:00:00Z"},
		{in: "now", want: "2026-03-28T09:20:30Z"},
		{in: " NOW ", want: "2026-03-28T09:20:30Z"},
		{in: "never", want: "never"},
		{in: "12:30", want: "2026-03-28T11:30:00Z"},
		{in: "7:05:09", want: "2026-03-28T06:05:09Z"},
		{in: "23:59:59.25", want: "2026-03-28T22:59:59.25Z"},
		{in: "+1h", want: "2026-03-28T10:20:30Z"},
		{in: "-30m", want: "2026-03-28T08:50:30Z"},
		{in: "+1h30m15s", want: "2026-03-28T10:50:45Z"},
		{in: "+500ms", want: "2026-03-28T09:20:30.5Z"},
		{in: "+250us", want: "2026-03-28T09:20:30.00025Z"},
		{in: "2h", want: "2026-03-28T11:20:30Z"},
		// Days move the calendar: across the DST switch +1d is 23 real hours.
		{in: "+1d", want: "2026-03-29T08:20:30Z"},
		{in: "+24h", want: "2026-03-29T09:20:30Z"},
		{in: "+1d12h", want: "2026-03-29T20:20:30Z"},
		{in: "+1w", want: "2026-04-04T08:20:30Z"},
		{in: "-1w2d", want: "2026-03-19T09:20:30Z"},
		{in: "", fails: "empty"},
		{in: "tomorrow", fails: "cannot parse"},
		{in: "1st August 2025", fails: "cannot parse"},
		{in: "2025-13-01", fails: "cannot parse"},
		{in: "25:00", fails: "cannot parse"},
		{in: "+1x", fails: "unknown or missing unit"},
		{in: "+1h1h", fails: "given twice"},
		{in: "+", fails: "no amount"},
		{in: "+h", fails: "expected a number"},
		{in: "3000-01-01", fails: "outside the supported years"},
		{in: "2025-06-15T09:00:00+25:00", fails: "cannot parse"},
	}
	for _, c := range cases {
		got, never, err := ParseDateTime(c.in, base, berlin)
		if c.fails != "" {
			if err == nil || !strings.Contains(err.Error(), c.fails) {
				t.Errorf("%q: error %v, want one containing %q", c.in, err, c.fails)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if c.want == "never" {
			if !never {
				t.Errorf("%q: never = false", c.in)
			}
			continue
		}
		if never || got.Location() != berlin {
			t.Errorf("%q: never=%v location=%v", c.in, never, got.Location())
		}
		if s := got.UTC().Format(time.RFC3339Nano); s != c.want {
			t.Errorf("%q = %s, want %s", c.in, s, c.want)
		}
	}
}

func TestResolveStartEnd(t *testing.T) {
	t.Parallel()
	env := testEnv(nil)
	start, err := ResolveStart("start", "", env)
	if err != nil || !start.Equal(testNow) {
		t.Fatalf("empty start = %v, %v; want now", start, err)
	}
	if _, err := ResolveStart("start", "never", env); err == nil || !strings.Contains(err.Error(), `start: "never" is only allowed for an end`) {
		t.Errorf("start never: %v", err)
	}
	if _, err := ResolveStart("start", "bogus", env); err == nil || !strings.HasPrefix(err.Error(), `start: cannot parse "bogus"`) {
		t.Errorf("start bogus: %v", err)
	}
	start, _ = ResolveStart("start", "2025-01-01", env)
	end, bounded, err := ResolveEnd("end", "+7d", start, env)
	if err != nil || !bounded || !end.Equal(time.Date(2025, 1, 8, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("end +7d = %v %v %v", end, bounded, err)
	}
	// A time of day in an end is on the start's date.
	end, _, err = ResolveEnd("end", "18:00", start, env)
	if err != nil || !end.Equal(time.Date(2025, 1, 1, 18, 0, 0, 0, time.UTC)) {
		t.Errorf("end 18:00 = %v %v", end, err)
	}
	for _, v := range []string{"", "never"} {
		if _, bounded, err := ResolveEnd("end", v, start, env); bounded || err != nil {
			t.Errorf("end %q: bounded=%v err=%v", v, bounded, err)
		}
	}
	if _, _, err := ResolveEnd("end", "-1h", start, env); err == nil || !strings.Contains(err.Error(), "earlier than the start") {
		t.Errorf("end before start: %v", err)
	}
}

func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{"2025-06-15T09:00:00Z", "12:30", "+1d12h", "now", "never", "-500ms", "2025-06-15 09:00:00.5+02:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, never, err := ParseDateTime(s, testNow, time.UTC)
		if err == nil && !never && (got.Before(minTime) || !got.Before(maxTime)) {
			t.Fatalf("%q = %v out of range", s, got)
		}
	})
}
