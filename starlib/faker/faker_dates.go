package faker

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/eventum-go/eventum/starlib"
	"go.starlark.net/starlark"
)

// Faker's date methods. "now" is the moment the generator started (g.now),
// so relative dates ("-30y", "+30d") are reproducible under --seed for the
// same start time. Datetimes are naive (UTC wall clock) unless tzinfo is
// given, as in Faker; dates are datetime.date values.

// fakerDate reads one of Faker's date arguments: a datetime, a date, a
// timedelta (added to now), an int or float (Unix seconds), "now"/"today",
// or a relative string like "-30y", "+2w3d", "-1M" (y years of 365.25 days,
// M months of 30.42 days, w, d, h, m, s). None means now.
func (g *gen) fakerDate(fn, param string, v starlark.Value) (time.Time, error) {
	switch v := v.(type) {
	case nil, starlark.NoneType:
		return g.now, nil
	case *starlib.Timestamp:
		return v.Time(), nil
	case starlib.Date:
		return v.Time(), nil
	case starlib.Timedelta:
		return g.now.Add(v.Duration()), nil
	case starlark.Int:
		n, _ := v.Int64()
		return time.Unix(n, 0).UTC(), nil
	case starlark.Float:
		return time.UnixMicro(int64(float64(v) * 1e6)).UTC(), nil
	case starlark.String:
		s := string(v)
		if s == "now" || s == "today" {
			return g.now, nil
		}
		d, ok := parseRelative(s)
		if !ok {
			return time.Time{}, fmt.Errorf("%s: for parameter %q: Can't parse date string `%s`", fn, param, s)
		}
		return g.now.Add(d), nil
	}
	return time.Time{}, fmt.Errorf("%s: for parameter %q: got %s, want datetime, date, timedelta, int or str", fn, param, v.Type())
}

// parseRelative reads Faker's relative date strings: signed amounts with a
// unit, e.g. "-30y", "+1y2M", "-3d12h".
func parseRelative(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	var total float64 // seconds
	for i := 0; i < len(s); {
		if s[i] != '+' && s[i] != '-' {
			return 0, false
		}
		sign := 1.0
		if s[i] == '-' {
			sign = -1
		}
		i++
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return 0, false
		}
		n, _ := strconv.ParseFloat(s[i:j], 64)
		k := j
		for k < len(s) && (s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z') {
			k++
		}
		var unit float64
		switch s[j:k] {
		case "y", "year", "years":
			unit = 365.25 * 86400
		case "M", "month", "months":
			unit = 30.42 * 86400
		case "w", "week", "weeks":
			unit = 7 * 86400
		case "d", "day", "days", "":
			unit = 86400
		case "h", "hour", "hours":
			unit = 3600
		case "m", "minute", "minutes":
			unit = 60
		case "s", "second", "seconds":
			unit = 1
		default:
			return 0, false
		}
		total += sign * n * unit
		i = k
	}
	if math.Abs(total) > 1e11 {
		return 0, false
	}
	return time.Duration(total * float64(time.Second)), true
}

// between returns a uniform instant in [a, b] with microsecond precision.
func (g *gen) between(fn string, a, b time.Time) (time.Time, error) {
	ua, ub := a.UnixMicro(), b.UnixMicro()
	if ub < ua {
		return time.Time{}, fmt.Errorf("%s: empty range: start datetime must be before end datetime", fn)
	}
	return time.UnixMicro(ua + g.r.Int64N(ub-ua+1)).UTC(), nil
}

// dayBetween returns a uniform day in [a, b] (both days included).
func (g *gen) dayBetween(fn string, a, b time.Time) (starlark.Value, error) {
	da, db := floorDay(a), floorDay(b)
	if db < da {
		return nil, fmt.Errorf("%s: empty range: start date must be before end date", fn)
	}
	return starlib.NewDate(time.Unix((da+g.r.Int64N(db-da+1))*86400, 0).UTC()), nil
}

func floorDay(t time.Time) int64 {
	s := t.Unix()
	if s < 0 {
		return (s - 86399) / 86400
	}
	return s / 86400
}

// dtValue is a generated datetime: naive without tzinfo, else in tz.
func dtValue(fn string, t time.Time, tz starlark.Value) (starlark.Value, error) {
	if tz == nil || tz == starlark.None {
		return starlib.NewNaive(t.UTC()), nil
	}
	loc, err := starlib.ToLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("%s: for parameter \"tzinfo\": %w", fn, err)
	}
	return starlib.NewTimestamp(t.In(loc)), nil
}

// rangeFn builds a datetime method drawing between two date arguments.
func rangeFn(startName string, startDef starlark.Value, endName string, endDef starlark.Value, day bool) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		start, end := startDef, endDef
		var tz starlark.Value = starlark.None
		pairs := []any{startName + "?", &start, endName + "?", &end}
		if !day {
			pairs = append(pairs, "tzinfo?", &tz)
		}
		if err := starlark.UnpackArgs(fn, args, kwargs, pairs...); err != nil {
			return nil, err
		}
		a, err := g.fakerDate(fn, startName, start)
		if err != nil {
			return nil, err
		}
		b, err := g.fakerDate(fn, endName, end)
		if err != nil {
			return nil, err
		}
		if day {
			return g.dayBetween(fn, a, b)
		}
		t, err := g.between(fn, a, b)
		if err != nil {
			return nil, err
		}
		return dtValue(fn, t, tz)
	}
}

// oneSidedFn builds past_date/future_date/past_datetime/future_datetime:
// between the argument and now (exclusive of now by a second or a day).
func oneSidedFn(param, def string, past, day bool) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value = starlark.String(def)
		var tz starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, param+"?", &v, "tzinfo?", &tz); err != nil {
			return nil, err
		}
		edge, err := g.fakerDate(fn, param, v)
		if err != nil {
			return nil, err
		}
		step := time.Second
		if day {
			step = 24 * time.Hour
		}
		a, b := edge, g.now.Add(-step)
		if !past {
			a, b = g.now.Add(step), edge
		}
		if day {
			return g.dayBetween(fn, a, b)
		}
		t, err := g.between(fn, a, b)
		if err != nil {
			return nil, err
		}
		return dtValue(fn, t, tz)
	}
}

// periodStart returns the start of the period containing t and of the next.
func periodStart(t time.Time, period string) (time.Time, time.Time) {
	y, m, _ := t.Date()
	switch period {
	case "month":
		s := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return s, s.AddDate(0, 1, 0)
	case "decade":
		s := time.Date(y-y%10, 1, 1, 0, 0, 0, 0, time.UTC)
		return s, s.AddDate(10, 0, 0)
	case "century":
		s := time.Date(y-y%100, 1, 1, 0, 0, 0, 0, time.UTC)
		return s, s.AddDate(100, 0, 0)
	}
	s := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	return s, s.AddDate(1, 0, 0)
}

// thisPeriodFn builds date_time_this_year/month/decade/century (and the
// date_this_* forms): before and/or after now within the period.
func thisPeriodFn(period string, day bool) fakerFn {
	before, after := "before_now", "after_now"
	if day {
		before, after = "before_today", "after_today"
	}
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		b, a := true, false
		var tz starlark.Value = starlark.None
		pairs := []any{before + "?", &b, after + "?", &a}
		if !day {
			pairs = append(pairs, "tzinfo?", &tz)
		}
		if err := starlark.UnpackArgs(fn, args, kwargs, pairs...); err != nil {
			return nil, err
		}
		start, next := periodStart(g.now, period)
		lo, hi := g.now, g.now
		switch {
		case b && a:
			lo, hi = start, next.Add(-time.Microsecond)
		case b:
			lo = start
		case a:
			hi = next.Add(-time.Microsecond)
		}
		if day {
			return g.dayBetween(fn, lo, hi)
		}
		t, err := g.between(fn, lo, hi)
		if err != nil {
			return nil, err
		}
		return dtValue(fn, t, tz)
	}
}

// endDatetime reads Faker's end_datetime argument (default now).
func (g *gen) endDatetime(fn string, v starlark.Value) (time.Time, error) {
	return g.fakerDate(fn, "end_datetime", v)
}

var fakerDateMethods = map[string]fakerFn{
	"date_time_between":       rangeFn("start_date", starlark.String("-30y"), "end_date", starlark.String("now"), false),
	"date_between":            rangeFn("start_date", starlark.String("-30y"), "end_date", starlark.String("today"), true),
	"date_time_between_dates": rangeFn("datetime_start", starlark.None, "datetime_end", starlark.None, false),
	"date_between_dates":      rangeFn("date_start", starlark.None, "date_end", starlark.None, true),
	"past_date":               oneSidedFn("start_date", "-30d", true, true),
	"future_date":             oneSidedFn("end_date", "+30d", false, true),
	"past_datetime":           oneSidedFn("start_date", "-30d", true, false),
	"future_datetime":         oneSidedFn("end_date", "+30d", false, false),
	"date_time_this_year":     thisPeriodFn("year", false),
	"date_time_this_month":    thisPeriodFn("month", false),
	"date_time_this_decade":   thisPeriodFn("decade", false),
	"date_time_this_century":  thisPeriodFn("century", false),
	"date_this_year":          thisPeriodFn("year", true),
	"date_this_month":         thisPeriodFn("month", true),
	"date_this_decade":        thisPeriodFn("decade", true),
	"date_this_century":       thisPeriodFn("century", true),
	"date_of_birth": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var tz starlark.Value = starlark.None
		minAge, maxAge := 0, 115
		if err := starlark.UnpackArgs(fn, args, kwargs, "tzinfo?", &tz, "minimum_age?", &minAge, "maximum_age?", &maxAge); err != nil {
			return nil, err
		}
		if tz != starlark.None {
			if _, err := starlib.ToLocation(tz); err != nil {
				return nil, fmt.Errorf("%s: for parameter \"tzinfo\": %w", fn, err)
			}
		}
		if minAge < 0 || maxAge < minAge {
			return nil, fmt.Errorf("%s: need 0 <= minimum_age <= maximum_age, got %d and %d", fn, minAge, maxAge)
		}
		// born after today - (maximum_age + 1) years, at most today - minimum_age years
		today := g.now
		lo := today.AddDate(-maxAge-1, 0, 1)
		hi := today.AddDate(-minAge, 0, 0)
		return g.dayBetween(fn, lo, hi)
	},
	"date_time": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var tz, end starlark.Value = starlark.None, starlark.None
		if len(args) > 0 || len(kwargs) > 0 {
			z, e := tz, end
			if err := starlark.UnpackArgs(fn, args, kwargs, "tzinfo?", &z, "end_datetime?", &e); err != nil {
				return nil, err
			}
			tz, end = z, e
		}
		hi, err := g.endDatetime(fn, end)
		if err != nil {
			return nil, err
		}
		t, err := g.between(fn, time.Unix(0, 0), hi)
		if err != nil {
			return nil, err
		}
		return dtValue(fn, t, tz)
	},
	"date_time_ad": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var tz, end, start starlark.Value = starlark.None, starlark.None, starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "tzinfo?", &tz, "end_datetime?", &end, "start_datetime?", &start); err != nil {
			return nil, err
		}
		lo := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
		if start != starlark.None {
			var err error
			if lo, err = g.fakerDate(fn, "start_datetime", start); err != nil {
				return nil, err
			}
		}
		hi, err := g.endDatetime(fn, end)
		if err != nil {
			return nil, err
		}
		t, err := g.between(fn, lo, hi)
		if err != nil {
			return nil, err
		}
		return dtValue(fn, t, tz)
	},
	"date_object": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var end starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "end_datetime?", &end); err != nil {
			return nil, err
		}
		hi, err := g.endDatetime(fn, end)
		if err != nil {
			return nil, err
		}
		return g.dayBetween(fn, time.Unix(0, 0), hi)
	},
	"iso8601": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var tz, end starlark.Value = starlark.None, starlark.None
		sep, timespec := "T", "auto"
		if err := starlark.UnpackArgs(fn, args, kwargs, "tzinfo?", &tz, "end_datetime?", &end, "sep?", &sep, "timespec?", &timespec); err != nil {
			return nil, err
		}
		if len(sep) != 1 {
			return nil, fmt.Errorf("%s: for parameter \"sep\": want one character, got %q", fn, sep)
		}
		hi, err := g.endDatetime(fn, end)
		if err != nil {
			return nil, err
		}
		// Faker draws whole seconds here.
		t := time.Unix(g.r.Int64N(max(hi.Unix(), 1)), 0).UTC()
		v, err := dtValue(fn, t, tz)
		if err != nil {
			return nil, err
		}
		ts := v.(*starlib.Timestamp)
		out, ok := starlib.AppendISOFormat(g.buf[:0], ts.Time(), sep[0], timespec, ts.Naive())
		if !ok {
			return nil, fmt.Errorf("%s: unknown timespec %q", fn, timespec)
		}
		g.buf = out
		return g.result(), nil
	},
	"unix_time": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var end, start starlark.Value = starlark.None, starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "end_datetime?", &end, "start_datetime?", &start); err != nil {
			return nil, err
		}
		lo := time.Unix(0, 0)
		if start != starlark.None {
			var err error
			if lo, err = g.fakerDate(fn, "start_datetime", start); err != nil {
				return nil, err
			}
		}
		hi, err := g.endDatetime(fn, end)
		if err != nil {
			return nil, err
		}
		t, err := g.between(fn, lo, hi)
		if err != nil {
			return nil, err
		}
		return starlark.Float(float64(t.UnixMicro()) / 1e6), nil
	},
	"time_delta": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var end starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "end_datetime?", &end); err != nil {
			return nil, err
		}
		hi, err := g.endDatetime(fn, end)
		if err != nil {
			return nil, err
		}
		span := hi.Sub(g.now)
		if span <= 0 {
			return starlib.NewTimedelta(0), nil
		}
		return starlib.NewTimedelta(time.Duration(g.r.Int64N(int64(span/time.Second)+1)) * time.Second), nil
	},
	"date": dateFormatFn("%Y-%m-%d"),
	"time": dateFormatFn("%H:%M:%S"),
	"century": noArgs(func(g *gen, _ *localeData) starlark.Value {
		return starlark.String(romanCenturies[g.r.IntN(len(romanCenturies))])
	}),
}

var romanCenturies = []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X",
	"XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI"}

// dateFormatFn implements date(pattern=..., end_datetime=None) and time(...).
func dateFormatFn(def string) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		pattern := def
		var end starlark.Value = starlark.None
		if len(args) > 0 || len(kwargs) > 0 {
			p, e := pattern, end
			if err := starlark.UnpackArgs(fn, args, kwargs, "pattern?", &p, "end_datetime?", &e); err != nil {
				return nil, err
			}
			pattern, end = p, e
		}
		hi := g.now
		if end != starlark.None {
			var err error
			if hi, err = g.endDatetime(fn, end); err != nil {
				return nil, err
			}
		}
		t := time.Unix(g.r.Int64N(max(hi.Unix(), 1)), 0).UTC()
		g.buf = starlib.AppendStrftime(g.buf[:0], t, pattern, true)
		return g.result(), nil
	}
}
