package inputs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eventum-go/eventum/plugin"
)

// Config datetimes ("versatile datetimes") accepted by `start` and `end`:
//
//	2025-06-15T09:00:00[.fff][Z|±hh:mm|±hhmm|±hh]   ISO-8601 ('T' or a space; seconds,
//	2025-06-15T09:00, 2025-06-15                       fraction and zone optional; no
//	                                                   zone = the generator's time zone)
//	12:30, 12:30:15[.fff]                              a time of day on the base's date
//	now                                                the generator's start time (env.Now)
//	never                                              no bound (ends only)
//	+1d12h, -30m, 1h30m15s, +500ms                     an offset from the base
//
// The base is env.Now for a start and the resolved start for an end. Offset
// units: w (weeks), d (days), h, m, s, ms, us. Weeks and days move the
// calendar (same wall-clock time on another day, DST-safe); the others add
// elapsed time.

// Representable range of Unix nanoseconds (int64), with a margin.
var (
	minTime = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)

const datetimeHint = "expected an ISO-8601 date/time like 2025-06-15T09:00:00, " +
	"a time of day like 12:30, now, never, or an offset like +1h30m"

// ResolveStart resolves the datetime value of a start-like key against
// env.Now. An empty value means now; `never` is an error.
func ResolveStart(key, value string, env *plugin.Env) (time.Time, error) {
	loc := location(env)
	now := env.Now.In(loc)
	if strings.TrimSpace(value) == "" {
		if env.AbsoluteStart {
			return time.Time{}, fmt.Errorf("%s: not set, so it is the moment the run starts; live-mode shards need an absolute start (e.g. 2025-06-15T09:00:00)", key)
		}
		return now, nil
	}
	t, never, err := ParseDateTime(value, now, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", key, err)
	}
	if never {
		return time.Time{}, fmt.Errorf("%s: %q is only allowed for an end", key, value)
	}
	if env.AbsoluteStart {
		// A start that moves with its base depends on when the run began.
		moved, _, _ := ParseDateTime(value, now.Add(97*time.Minute+13*time.Second), loc)
		if !moved.Equal(t) {
			return time.Time{}, fmt.Errorf("%s: %q depends on when the run starts; live-mode shards need an absolute start (e.g. 2025-06-15T09:00:00)", key, value)
		}
	}
	return t, nil
}

// ResolveEnd resolves the datetime value of an end-like key; relative values
// and times of day are anchored at start. An empty value or `never` returns
// bounded == false. An end earlier than start is an error.
func ResolveEnd(key, value string, start time.Time, env *plugin.Env) (end time.Time, bounded bool, err error) {
	if strings.TrimSpace(value) == "" {
		return time.Time{}, false, nil
	}
	t, never, err := ParseDateTime(value, start, location(env))
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%s: %w", key, err)
	}
	if never {
		return time.Time{}, false, nil
	}
	if t.Before(start) {
		return time.Time{}, false, fmt.Errorf("%s: %q (%s) is earlier than the start (%s)",
			key, value, t.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano))
	}
	return t, true, nil
}

func location(env *plugin.Env) *time.Location {
	if env == nil || env.Location == nil {
		return time.UTC
	}
	return env.Location
}

// ParseDateTime parses one config datetime. Relative offsets and times of day
// are resolved against base; zone-less values are in loc. never reports the
// keyword `never` (t is then zero). The result is in loc.
func ParseDateTime(value string, base time.Time, loc *time.Location) (t time.Time, never bool, err error) {
	s := strings.TrimSpace(value)
	switch strings.ToLower(s) {
	case "":
		return time.Time{}, false, fmt.Errorf("empty date/time (%s)", datetimeHint)
	case "now":
		return base.In(loc), false, nil
	case "never":
		return time.Time{}, true, nil
	}
	if isOffset(s) {
		days, d, err := ParseOffset(s)
		if err != nil {
			return time.Time{}, false, err
		}
		t = base.In(loc).AddDate(0, 0, days).Add(d)
	} else if tod, ok := parseTimeOfDay(s); ok {
		// Built from wall-clock fields so DST days resolve to the local time.
		b := base.In(loc)
		h, m, sec := int(tod/time.Hour), int(tod%time.Hour/time.Minute), int(tod%time.Minute/time.Second)
		t = time.Date(b.Year(), b.Month(), b.Day(), h, m, sec, int(tod%time.Second), loc)
	} else {
		t, err = ParseISO(s, loc)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("cannot parse %q: %s", value, datetimeHint)
		}
	}
	if t.Before(minTime) || !t.Before(maxTime) {
		return time.Time{}, false, fmt.Errorf("%q resolves to %s, outside the supported years 1678-2261",
			value, t.Format(time.RFC3339))
	}
	return t.In(loc), false, nil
}

// isOffset reports whether s looks like a relative offset: an optional sign
// and a digit followed by a unit letter somewhere (ISO dates have '-' after
// four digits and times have ':').
func isOffset(s string) bool {
	if s[0] == '+' || s[0] == '-' {
		return true
	}
	if s[0] < '0' || s[0] > '9' || strings.ContainsAny(s, ":T -") {
		return false
	}
	last := s[len(s)-1]
	return last >= 'a' && last <= 'z'
}

// ParseOffset parses a relative offset such as `+1d12h`, `-30m` or `500ms`
// into calendar days (weeks count as 7 days) and an elapsed duration, both
// negated for a leading '-'.
func ParseOffset(s string) (days int, d time.Duration, err error) {
	orig := s
	sign := 1
	switch {
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasPrefix(s, "-"):
		s, sign = s[1:], -1
	}
	if s == "" {
		return 0, 0, fmt.Errorf("offset %q has no amount (expected e.g. +1h30m; units w, d, h, m, s, ms, us)", orig)
	}
	seen := map[string]bool{}
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, 0, fmt.Errorf("offset %q: expected a number at %q (units w, d, h, m, s, ms, us)", orig, s)
		}
		n, perr := strconv.ParseInt(s[:i], 10, 64)
		if perr != nil || n > 1_000_000_000 {
			return 0, 0, fmt.Errorf("offset %q: amount %s is too large", orig, s[:i])
		}
		s = s[i:]
		unit := ""
		for _, u := range []string{"ms", "us", "w", "d", "h", "m", "s"} {
			if strings.HasPrefix(s, u) {
				unit = u
				break
			}
		}
		if unit == "" {
			return 0, 0, fmt.Errorf("offset %q: unknown or missing unit at %q (units w, d, h, m, s, ms, us)", orig, s)
		}
		if seen[unit] {
			return 0, 0, fmt.Errorf("offset %q: unit %q given twice", orig, unit)
		}
		seen[unit] = true
		s = s[len(unit):]
		switch unit {
		case "w":
			days += int(n) * 7
		case "d":
			days += int(n)
		case "h":
			d += time.Duration(n) * time.Hour
		case "m":
			d += time.Duration(n) * time.Minute
		case "s":
			d += time.Duration(n) * time.Second
		case "ms":
			d += time.Duration(n) * time.Millisecond
		case "us":
			d += time.Duration(n) * time.Microsecond
		}
		if d < 0 || days > 1_000_000 {
			return 0, 0, fmt.Errorf("offset %q is too large", orig)
		}
	}
	return sign * days, time.Duration(sign) * d, nil
}

// parseTimeOfDay parses hh:mm or hh:mm:ss[.fff] into the time since midnight.
func parseTimeOfDay(s string) (time.Duration, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	num := func(p string, max int) (int, bool) {
		if len(p) == 0 || len(p) > 2 {
			return 0, false
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > max {
			return 0, false
		}
		return v, true
	}
	h, ok1 := num(parts[0], 23)
	m, ok2 := num(parts[1], 59)
	if !ok1 || !ok2 || len(parts[1]) != 2 {
		return 0, false
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
	if len(parts) == 3 {
		secPart, frac, hasFrac := strings.Cut(parts[2], ".")
		sec, ok := num(secPart, 59)
		if !ok || len(secPart) != 2 {
			return 0, false
		}
		d += time.Duration(sec) * time.Second
		if hasFrac {
			if frac == "" || len(frac) > 9 {
				return 0, false
			}
			f, err := strconv.Atoi(frac)
			if err != nil || f < 0 {
				return 0, false
			}
			for range 9 - len(frac) {
				f *= 10
			}
			d += time.Duration(f)
		}
	}
	return d, true
}

var isoLayouts = []string{
	"2006-01-02T15:04:05", // a fraction after the seconds is accepted when parsing
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseISO parses an ISO-8601 date or date-time ('T' or one space between
// date and time, optional seconds and fraction, optional zone `Z`, `±hh:mm`,
// `±hhmm` or `±hh`). A value without a zone is a wall-clock time in loc.
func ParseISO(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return time.Time{}, fmt.Errorf("%q is not an ISO-8601 date", s)
	}
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	local, zone := s, (*time.Location)(nil)
	if len(s) > 10 {
		switch {
		case strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z"):
			local, zone = s[:len(s)-1], time.UTC
		default:
			if i := strings.LastIndexAny(s[10:], "+-"); i >= 0 {
				i += 10
				off, err := parseZoneOffset(s[i:])
				if err != nil {
					return time.Time{}, fmt.Errorf("%q: %w", s, err)
				}
				local, zone = s[:i], time.FixedZone("", off)
			}
		}
	}
	in := loc
	if zone != nil {
		in = zone
	}
	var firstErr error
	for _, layout := range isoLayouts {
		t, err := time.ParseInLocation(layout, local, in)
		if err == nil {
			return t.In(loc), nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO-8601 date/time: %w", s, firstErr)
}

// parseZoneOffset parses ±hh:mm, ±hhmm or ±hh into seconds east of UTC.
func parseZoneOffset(z string) (int, error) {
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	if (len(digits) != 2 && len(digits) != 4) || strings.Count(z, ":") > 1 {
		return 0, fmt.Errorf("bad zone offset %q", z)
	}
	h, err := strconv.Atoi(digits[:2])
	if err != nil || h > 23 {
		return 0, fmt.Errorf("bad zone offset %q", z)
	}
	m := 0
	if len(digits) == 4 {
		m, err = strconv.Atoi(digits[2:])
		if err != nil || m > 59 {
			return 0, fmt.Errorf("bad zone offset %q", z)
		}
	}
	return sign * (h*3600 + m*60), nil
}
