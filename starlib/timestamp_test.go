package starlib

import (
	"testing"
	"time"

	"go.starlark.net/starlark"
)

// Expected values come from CPython 3 (glibc strftime) for the same datetimes.
func TestTimestampFormatting(t *testing.T) {
	t.Parallel()
	ist := time.FixedZone("UTC+05:30", 5*3600+30*60)
	values := starlark.StringDict{
		"utc":   NewTimestamp(time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)),
		"ist":   NewTimestamp(time.Date(2024, 1, 7, 21, 5, 9, 123456789, ist)),
		"naive": newNaive(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)),
	}
	tests := []struct{ expr, want string }{
		{`utc.isoformat()`, "2026-02-20T10:00:00+00:00"},
		{`str(utc)`, "2026-02-20 10:00:00+00:00"},
		{`utc.isoformat(timespec="milliseconds")`, "2026-02-20T10:00:00.000+00:00"},
		{`utc.isoformat(" ", "minutes")`, "2026-02-20 10:00+00:00"},
		{`utc.strftime("%d/%b/%Y:%H:%M:%S %z")`, "20/Feb/2026:10:00:00 +0000"},
		{`utc.strftime("%Y-%m-%dT%H:%M:%S.%f%z")`, "2026-02-20T10:00:00.000000+0000"},
		{`utc.strftime("%a %A %b %B %j %p %I %y %e %%")`, "Fri Friday Feb February 051 AM 10 26 20 %"},
		{`utc.strftime("%Z|%U|%W|%V|%G|%u|%w|%c|%x|%X")`, "UTC|07|07|08|2026|5|5|Fri Feb 20 10:00:00 2026|02/20/26|10:00:00"},
		{`utc.strftime("%-d %-m %-H|%_d|%k|%l|%D|%F|%T|%R|%r|%C|%g|%h|%P|%Q")`, "20 2 10|20|10|10|02/20/26|2026-02-20|10:00:00|10:00|10:00:00 AM|20|26|Feb|am|%Q"},
		{`utc.strftime("%s")`, "1771581600"},
		{`json.dumps(utc.timestamp())`, "1771581600.0"},
		{`(utc.weekday(), utc.isoweekday())`, "(4, 5)"},
		{`ist.isoformat()`, "2024-01-07T21:05:09.123456+05:30"},
		{`str(ist)`, "2024-01-07 21:05:09.123456+05:30"},
		{`ist.isoformat(timespec="milliseconds")`, "2024-01-07T21:05:09.123+05:30"},
		{`ist.strftime("%d/%b/%Y:%H:%M:%S %z")`, "07/Jan/2024:21:05:09 +0530"},
		{`ist.strftime("%a %A %b %B %j %p %I %y %e %%")`, "Sun Sunday Jan January 007 PM 09 24  7 %"},
		{`ist.strftime("%Z|%U|%W|%V|%G|%u|%w|%c|%x|%X")`, "UTC+05:30|01|01|01|2024|7|0|Sun Jan  7 21:05:09 2024|01/07/24|21:05:09"},
		{`ist.strftime("%-d %-m %-H|%_d|%k|%l|%r|%P")`, "7 1 21| 7|21| 9|09:05:09 PM|pm"},
		{`ist.strftime("%:z")`, "+05:30"},
		{`json.dumps(ist.timestamp())`, "1704641709.123456"},
		{`(ist.year, ist.month, ist.day, ist.hour, ist.minute, ist.second, ist.microsecond)`, "(2024, 1, 7, 21, 5, 9, 123456)"},
		{`ist.tzname()`, "UTC+05:30"},
		{`str(ist.utcoffset())`, "5:30:00"},
		{`naive.isoformat()`, "2021-01-01T00:00:00"},
		{`naive.strftime("%d/%b/%Y:%H:%M:%S %z")`, "01/Jan/2021:00:00:00 "},
		{`naive.strftime("%Z|%U|%W|%V|%G|%u|%w")`, "|00|00|53|2020|5|5"},
		{`naive.strftime("%l|%r|%g")`, "12|12:00:00 AM|20"},
		{`naive.tzinfo`, "None"},
		{`str(utc.tzinfo)`, "UTC"},
		{`type(utc)`, "datetime"},
	}
	for _, tc := range tests {
		v, err := evalExpr(t, 1, tc.expr, values)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := str(v); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.expr, got, tc.want)
		}
	}
}

func TestTimestampArithmetic(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	values := starlark.StringDict{
		"ts": NewTimestamp(time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)),
		// The day before Berlin's spring-forward (2024-03-31 02:00 → 03:00).
		"bts": NewTimestamp(time.Date(2024, 3, 30, 12, 0, 0, 0, berlin)),
	}
	tests := []struct{ expr, want string }{
		{`str(ts + datetime.timedelta(milliseconds=1.5))`, "2026-02-20 10:00:00.001500+00:00"},
		{`str(datetime.timedelta(hours=1) + ts)`, "2026-02-20 11:00:00+00:00"},
		{`str(ts - datetime.timedelta(days=1))`, "2026-02-19 10:00:00+00:00"},
		{`(ts + datetime.timedelta(seconds=90) - ts).total_seconds()`, "90.0"},
		{`ts < ts + datetime.timedelta(microseconds=1)`, "True"},
		{`ts == datetime.datetime(2026, 2, 20, 10, tzinfo=datetime.timezone.utc)`, "True"},
		{`len(dict([(ts, 1), (ts + datetime.timedelta(0), 2)]))`, "1"},
		{`str(ts.replace(hour=3, microsecond=7))`, "2026-02-20 03:00:00.000007+00:00"},
		{`str(ts.replace(tzinfo=None))`, "2026-02-20 10:00:00"},
		{`str(ts.astimezone(datetime.timezone(datetime.timedelta(hours=-3))))`, "2026-02-20 07:00:00-03:00"},
		{`str(ts.astimezone("Europe/Berlin"))`, "2026-02-20 11:00:00+01:00"},
		{`ts.astimezone("Europe/Berlin").strftime("%Z")`, "CET"},
		{`str(datetime.datetime.fromisoformat("2026-02-20T10:00:00.5+03:00"))`, "2026-02-20 10:00:00.500000+03:00"},
		{`str(datetime.datetime.fromisoformat("2026-02-20 10:00"))`, "2026-02-20 10:00:00"},
		{`str(datetime.fromtimestamp(1771581600.25, datetime.timezone.utc))`, "2026-02-20 10:00:00.250000+00:00"},
		{`ts.timetuple()`, "(2026, 2, 20, 10, 0, 0, 4, 51, 0)"},
		{`calendar.timegm(ts.utctimetuple())`, "1771581600"},
		// Python (zoneinfo): aware + timedelta moves the wall clock in the same zone,
		// and a same-zone difference is a wall-clock difference.
		{`str(bts + datetime.timedelta(days=1))`, "2024-03-31 12:00:00+02:00"},
		{`((bts + datetime.timedelta(days=1)) - bts).total_seconds()`, "86400.0"},
		{`(bts.astimezone(datetime.timezone.utc) + datetime.timedelta(days=1) - bts).total_seconds()`, "86400.0"},
		{`((bts + datetime.timedelta(days=1)).astimezone(datetime.timezone.utc) - bts).total_seconds()`, "82800.0"},
	}
	for _, tc := range tests {
		v, err := evalExpr(t, 1, tc.expr, values)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := str(v); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.expr, got, tc.want)
		}
	}
	for _, bad := range []string{
		`ts.replace(day=31, month=2)`,
		`ts - ts.replace(tzinfo=None)`,
		`ts.isoformat(timespec="nanos")`,
		`datetime.datetime(2026, 13, 1)`,
	} {
		if _, err := evalExpr(t, 1, bad, values); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestTimedelta(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`str(datetime.timedelta(0))`, "0:00:00"},
		{`str(datetime.timedelta(days=-1))`, "-1 day, 0:00:00"},
		{`str(datetime.timedelta(days=2, seconds=3))`, "2 days, 0:00:03"},
		{`str(datetime.timedelta(microseconds=5))`, "0:00:00.000005"},
		{`str(datetime.timedelta(days=1, hours=25, milliseconds=1.5))`, "2 days, 1:00:00.001500"},
		{`str(-datetime.timedelta(seconds=1))`, "-1 day, 23:59:59"},
		{`(lambda d: (d.days, d.seconds, d.microseconds))(-datetime.timedelta(seconds=1))`, "(-1, 86399, 0)"},
		{`datetime.timedelta(days=1, hours=25, milliseconds=1.5).total_seconds()`, "176400.0015"},
		{`str(datetime.timedelta(minutes=1) * 2.5)`, "0:02:30"},
		{`str(3 * datetime.timedelta(weeks=1))`, "21 days, 0:00:00"},
		{`datetime.timedelta(hours=1) / datetime.timedelta(minutes=20)`, "3.0"},
		{`str(datetime.timedelta(hours=1) / 8)`, "0:07:30"},
		{`datetime.timedelta(hours=1) // datetime.timedelta(minutes=25)`, "2"},
		{`datetime.timedelta(seconds=1) > datetime.timedelta(milliseconds=999)`, "True"},
		{`bool(datetime.timedelta(0))`, "False"},
	}
	for _, tc := range tests {
		v, err := evalExpr(t, 1, tc.expr, nil)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := str(v); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.expr, got, tc.want)
		}
	}
}
