package starlib

import (
	"testing"
	"time"

	"go.starlark.net/starlark"
)

// TestTimestampAppendMethod: the printed form of strftime and isoformat without the
// string value, the same text as the method; other calls are declined.
func TestTimestampAppendMethod(t *testing.T) {
	t.Parallel()
	ts := NewTimestamp(time.Date(2026, 2, 20, 10, 4, 5, 0, time.FixedZone("X", 3600)))
	tests := []struct {
		name string
		args starlark.Tuple
		want string
		ok   bool
	}{
		{"strftime", starlark.Tuple{starlark.String("%d/%b/%Y:%H:%M:%S %z")}, "20/Feb/2026:10:04:05 +0100", true},
		{"strftime", starlark.Tuple{starlark.MakeInt(1)}, "", false},
		{"strftime", nil, "", false},
		{"isoformat", nil, "2026-02-20T10:04:05+01:00", true},
		{"isoformat", starlark.Tuple{starlark.String(" ")}, "", false},
		{"weekday", nil, "", false},
	}
	for _, tc := range tests {
		out, ok := ts.AppendMethod([]byte("> "), tc.name, tc.args)
		if ok != tc.ok || ok && string(out) != "> "+tc.want || !ok && string(out) != "> " {
			t.Errorf("%s%v: %q, %v; want %q, %v", tc.name, tc.args, out, ok, tc.want, tc.ok)
		}
		if ok {
			m, _ := ts.Attr(tc.name)
			v, err := starlark.Call(&starlark.Thread{}, m, tc.args, nil)
			if err != nil || string(v.(starlark.String)) != tc.want {
				t.Errorf("%s: the method gives %v, %v", tc.name, v, err)
			}
		}
	}
}

// TestReusedTimestamp: a method taken from a reused timestamp keeps the
// time it was taken at after the timestamp is Reset.
func TestReusedTimestamp(t *testing.T) {
	t.Parallel()
	ts := NewReusedTimestamp()
	ts.Reset(time.Date(2026, 1, 1, 0, 0, 0, 999, time.UTC))
	iso, err := ts.Attr("isoformat")
	if err != nil {
		t.Fatal(err)
	}
	ts.Reset(time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC))
	v, err := starlark.Call(&starlark.Thread{}, iso, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(v.(starlark.String)); got != "2026-01-01T00:00:00+00:00" {
		t.Errorf("kept method: %s", got)
	}
	if got := ts.String(); got != "2027-06-01 12:00:00+00:00" {
		t.Errorf("after Reset: %s", got)
	}
}

// TestReusedTimestampStrftimeMemo: a reused timestamp remembers its last
// printed strftime per second; every print still equals AppendStrftime,
// across seconds, zones, formats and sub-second fields.
func TestReusedTimestampStrftimeMemo(t *testing.T) {
	t.Parallel()
	plus1 := time.FixedZone("P1", 3600)
	base := time.Date(2026, 3, 29, 0, 59, 59, 0, time.UTC)
	steps := []struct {
		t      time.Time
		format string
	}{
		{base, "%d/%b/%Y:%H:%M:%S %z"},
		{base.Add(300 * time.Millisecond), "%d/%b/%Y:%H:%M:%S %z"}, // same second: from the memo
		{base.Add(700 * time.Millisecond), "%H:%M:%S.%f"},          // sub-second field: never from the memo
		{base.Add(900 * time.Millisecond), "%H:%M:%S.%f"},
		{base.Add(950 * time.Millisecond), "%d/%b/%Y:%H:%M:%S %z"},
		{base.Add(950 * time.Millisecond).In(plus1), "%d/%b/%Y:%H:%M:%S %z"}, // same second, other zone
		{base.Add(time.Second), "%d/%b/%Y:%H:%M:%S %z"},                      // next second
		{base.Add(time.Second), "%s %j"},
	}
	ts := NewReusedTimestamp()
	for i, s := range steps {
		ts.Reset(s.t)
		got, ok := ts.AppendMethod([]byte("> "), "strftime", starlark.Tuple{starlark.String(s.format)})
		want := AppendStrftime([]byte("> "), s.t.Truncate(time.Microsecond), s.format, false)
		if !ok || string(got) != string(want) {
			t.Errorf("step %d: %q, want %q", i, got, want)
		}
	}
}
