package starlib

import (
	"fmt"
	"strings"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Timestamp is a Starlark value that behaves like Python's datetime.datetime
// (type name "datetime"). It has microsecond precision, like Python.
// A timestamp is aware (has a time zone) unless it was built without one
// (module.datetime.datetime(...) without tzinfo); a naive timestamp keeps
// its wall clock in UTC and prints without an offset.
type Timestamp struct {
	t      time.Time
	naive  bool
	reused bool      // updated in place by Reset: methods bind to a copy
	memo   *strfMemo // of a reused timestamp: its last printed strftime
}

// strfMemo is the text of the last strftime a reused timestamp printed:
// events of the same second print the same text unless the format has
// sub-second fields (%f).
type strfMemo struct {
	sec    int64
	loc    *time.Location
	naive  bool
	format string
	whole  bool // format prints whole seconds only
	valid  bool
	out    []byte
}

// appendStrftime is AppendStrftime through the memo.
func (m *strfMemo) appendStrftime(dst []byte, t time.Time, format string, naive bool) []byte {
	sec := t.Unix()
	if m.valid && m.whole && sec == m.sec && t.Location() == m.loc && naive == m.naive && format == m.format {
		return append(dst, m.out...)
	}
	if !m.valid || format != m.format {
		m.format, m.whole = format, true
		for _, op := range parseStrftime(format) {
			if op.verb == 'f' {
				m.whole = false
			}
		}
	}
	n := len(dst)
	dst = AppendStrftime(dst, t, format, naive)
	m.sec, m.loc, m.naive, m.valid = sec, t.Location(), naive, true
	m.out = append(m.out[:0], dst[n:]...)
	return dst
}

var (
	_ starlark.HasAttrs   = (*Timestamp)(nil)
	_ starlark.HasBinary  = (*Timestamp)(nil)
	_ starlark.Comparable = (*Timestamp)(nil)
)

// NewTimestamp returns an aware timestamp for t (in t's location),
// truncated to microseconds.
func NewTimestamp(t time.Time) *Timestamp {
	return &Timestamp{t: t.Truncate(time.Microsecond)}
}

// NewReusedTimestamp returns a timestamp that its owner updates in place
// with Reset, for values that do not outlive one use (a render whose
// template never stores its timestamp). Its bound methods hold a copy, so
// a method value kept by a script still sees the time it was taken from.
func NewReusedTimestamp() *Timestamp { return &Timestamp{reused: true} }

// Reset sets a timestamp made by NewReusedTimestamp to the aware time t
// (truncated to microseconds).
func (ts *Timestamp) Reset(t time.Time) {
	ts.t, ts.naive = t.Truncate(time.Microsecond), false
}

// AppendMethod appends the result of ts.strftime(format) or
// ts.isoformat() to dst, as a template prints it, without building the
// string value; ok is false for other methods or arguments (called the
// ordinary way).
func (ts *Timestamp) AppendMethod(dst []byte, name string, args starlark.Tuple) ([]byte, bool) {
	switch {
	case name == "strftime" && len(args) == 1:
		format, ok := args[0].(starlark.String)
		if !ok {
			return dst, false
		}
		if ts.reused {
			if ts.memo == nil {
				ts.memo = &strfMemo{}
			}
			return ts.memo.appendStrftime(dst, ts.t, string(format), ts.naive), true
		}
		return AppendStrftime(dst, ts.t, string(format), ts.naive), true
	case name == "isoformat" && len(args) == 0:
		out, _ := AppendISOFormat(dst, ts.t, 'T', "auto", ts.naive)
		return out, true
	}
	return dst, false
}

func newNaive(t time.Time) *Timestamp {
	return &Timestamp{t: t.Truncate(time.Microsecond), naive: true}
}

// Time returns the wrapped time (UTC wall clock for naive timestamps).
func (ts *Timestamp) Time() time.Time { return ts.t }

// Naive reports whether the timestamp has no time zone.
func (ts *Timestamp) Naive() bool { return ts.naive }

func (ts *Timestamp) String() string {
	var buf [40]byte
	b, _ := AppendISOFormat(buf[:0], ts.t, ' ', "auto", ts.naive)
	return string(b)
}

// Type is "datetime", like Python's.
func (ts *Timestamp) Type() string         { return "datetime" }
func (ts *Timestamp) Freeze()              {}
func (ts *Timestamp) Truth() starlark.Bool { return true }
func (ts *Timestamp) Hash() (uint32, error) {
	us := ts.t.UnixMicro()
	return uint32(us) ^ uint32(us>>32), nil
}

func (ts *Timestamp) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	u := y.(*Timestamp)
	return compareInts(op, ts.t.UnixMicro(), u.t.UnixMicro())
}

func compareInts(op syntax.Token, a, b int64) (bool, error) {
	switch op {
	case syntax.EQL:
		return a == b, nil
	case syntax.NEQ:
		return a != b, nil
	case syntax.LT:
		return a < b, nil
	case syntax.LE:
		return a <= b, nil
	case syntax.GT:
		return a > b, nil
	case syntax.GE:
		return a >= b, nil
	}
	return false, fmt.Errorf("unsupported comparison %s", op)
}

func (ts *Timestamp) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	switch op {
	case syntax.PLUS:
		if d, ok := y.(Timedelta); ok {
			return &Timestamp{t: addWall(ts.t, d.d), naive: ts.naive}, nil
		}
	case syntax.MINUS:
		if side == starlark.Right {
			return nil, nil
		}
		switch y := y.(type) {
		case Timedelta:
			return &Timestamp{t: addWall(ts.t, -y.d), naive: ts.naive}, nil
		case *Timestamp:
			if y.naive != ts.naive {
				return nil, fmt.Errorf("can't subtract offset-naive and offset-aware datetimes")
			}
			if ts.t.Location() == y.t.Location() {
				// Same zone: Python subtracts the wall clocks.
				return Timedelta{wallClock(ts.t).Sub(wallClock(y.t))}, nil
			}
			return Timedelta{ts.t.Sub(y.t)}, nil
		}
	}
	return nil, nil
}

// addWall adds d the way Python adds a timedelta to a datetime: to its wall
// clock, in the same zone (so a day later across a DST change is the same
// time of day, not 23 or 25 hours later). In UTC it is t.Add(d).
func addWall(t time.Time, d time.Duration) time.Time {
	loc := t.Location()
	if loc == time.UTC {
		return t.Add(d)
	}
	w := wallClock(t).Add(d)
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
}

// wallClock is t's wall-clock reading as a UTC time (offset dropped).
func wallClock(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
}

func (ts *Timestamp) Attr(name string) (starlark.Value, error) {
	t := ts.t
	switch name {
	case "year":
		return starlark.MakeInt(t.Year()), nil
	case "month":
		return starlark.MakeInt(int(t.Month())), nil
	case "day":
		return starlark.MakeInt(t.Day()), nil
	case "hour":
		return starlark.MakeInt(t.Hour()), nil
	case "minute":
		return starlark.MakeInt(t.Minute()), nil
	case "second":
		return starlark.MakeInt(t.Second()), nil
	case "microsecond":
		return starlark.MakeInt(t.Nanosecond() / 1000), nil
	case "tzinfo":
		if ts.naive {
			return starlark.None, nil
		}
		return &TZInfo{loc: t.Location()}, nil
	}
	if m, ok := timestampMethods[name]; ok {
		if ts.reused {
			return m.BindReceiver(&Timestamp{t: ts.t, naive: ts.naive}), nil
		}
		return m.BindReceiver(ts), nil
	}
	return nil, nil
}

func (ts *Timestamp) AttrNames() []string { return timestampAttrNames }

var timestampMethods = map[string]*starlark.Builtin{
	"astimezone":   starlark.NewBuiltin("astimezone", tsAstimezone),
	"date":         starlark.NewBuiltin("date", tsDate),
	"isocalendar":  starlark.NewBuiltin("isocalendar", tsIsocalendar),
	"isoformat":    starlark.NewBuiltin("isoformat", tsIsoformat),
	"isoweekday":   starlark.NewBuiltin("isoweekday", tsIsoweekday),
	"replace":      starlark.NewBuiltin("replace", tsReplace),
	"strftime":     starlark.NewBuiltin("strftime", tsStrftime),
	"timestamp":    starlark.NewBuiltin("timestamp", tsTimestamp),
	"timetuple":    starlark.NewBuiltin("timetuple", tsTimetuple),
	"tzname":       starlark.NewBuiltin("tzname", tsTzname),
	"utcoffset":    starlark.NewBuiltin("utcoffset", tsUtcoffset),
	"utctimetuple": starlark.NewBuiltin("utctimetuple", tsUtctimetuple),
	"weekday":      starlark.NewBuiltin("weekday", tsWeekday),
}

var timestampAttrNames = func() []string {
	names := []string{"day", "hour", "microsecond", "minute", "month", "second", "tzinfo", "year"}
	for n := range timestampMethods {
		names = append(names, n)
	}
	return sortedStrings(names)
}()

func recvTS(b *starlark.Builtin) *Timestamp { return b.Receiver().(*Timestamp) }

func tsStrftime(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var format string
	if len(args) == 1 && len(kwargs) == 0 {
		s, ok := args[0].(starlark.String)
		if !ok {
			return nil, fmt.Errorf("strftime: format must be a string, not %s", args[0].Type())
		}
		format = string(s)
	} else if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &format); err != nil {
		return nil, err
	}
	ts := recvTS(b)
	var buf [64]byte
	return starlark.String(AppendStrftime(buf[:0], ts.t, format, ts.naive)), nil
}

func tsIsoformat(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	sep, timespec := "T", "auto"
	if len(args)+len(kwargs) > 0 {
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "sep?", &sep, "timespec?", &timespec); err != nil {
			return nil, err
		}
		if len(sep) != 1 {
			return nil, fmt.Errorf("isoformat: sep must be one character, got %q", sep)
		}
	}
	ts := recvTS(b)
	var buf [40]byte
	out, ok := AppendISOFormat(buf[:0], ts.t, sep[0], timespec, ts.naive)
	if !ok {
		return nil, fmt.Errorf("isoformat: unknown timespec %q", timespec)
	}
	return starlark.String(out), nil
}

func tsTimestamp(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	return starlark.Float(float64(recvTS(b).t.UnixMicro()) / 1e6), nil
}

// tsDate is datetime.date(): the wall-clock day.
func tsDate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return NewDate(recvTS(b).t), nil
}

func tsWeekday(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	return starlark.MakeInt((int(recvTS(b).t.Weekday()) + 6) % 7), nil
}

func tsIsoweekday(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	return starlark.MakeInt((int(recvTS(b).t.Weekday())+6)%7 + 1), nil
}

func tsIsocalendar(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	t := recvTS(b).t
	y, w := t.ISOWeek()
	return starlark.Tuple{starlark.MakeInt(y), starlark.MakeInt(w), starlark.MakeInt((int(t.Weekday())+6)%7 + 1)}, nil
}

func timeTuple(t time.Time, isdst int) starlark.Tuple {
	return starlark.Tuple{
		starlark.MakeInt(t.Year()), starlark.MakeInt(int(t.Month())), starlark.MakeInt(t.Day()),
		starlark.MakeInt(t.Hour()), starlark.MakeInt(t.Minute()), starlark.MakeInt(t.Second()),
		starlark.MakeInt((int(t.Weekday()) + 6) % 7), starlark.MakeInt(t.YearDay()), starlark.MakeInt(isdst),
	}
}

func tsTimetuple(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	ts := recvTS(b)
	dst := -1
	if !ts.naive {
		dst = 0
		if ts.t.IsDST() {
			dst = 1
		}
	}
	return timeTuple(ts.t, dst), nil
}

func tsUtctimetuple(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	return timeTuple(recvTS(b).t.UTC(), 0), nil
}

func tsTzname(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	ts := recvTS(b)
	if ts.naive {
		return starlark.None, nil
	}
	name, _ := ts.t.Zone()
	return starlark.String(name), nil
}

func tsUtcoffset(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	ts := recvTS(b)
	if ts.naive {
		return starlark.None, nil
	}
	_, off := ts.t.Zone()
	return Timedelta{time.Duration(off) * time.Second}, nil
}

func tsAstimezone(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var tz starlark.Value = starlark.None
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0, &tz); err != nil {
		return nil, err
	}
	ts := recvTS(b)
	if tz == starlark.None {
		return &Timestamp{t: ts.t}, nil
	}
	loc, err := toLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("astimezone: %w", err)
	}
	return &Timestamp{t: ts.t.In(loc)}, nil
}

func tsReplace(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	ts := recvTS(b)
	t := ts.t
	year, month, day := t.Year(), int(t.Month()), t.Day()
	hour, minute, second, us := t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1000
	var tz starlark.Value = noValue{}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs,
		"year?", &year, "month?", &month, "day?", &day, "hour?", &hour,
		"minute?", &minute, "second?", &second, "microsecond?", &us, "tzinfo?", &tz); err != nil {
		return nil, err
	}
	loc, naive := t.Location(), ts.naive
	switch tz.(type) {
	case noValue:
	case starlark.NoneType:
		naive, loc = true, time.UTC
	default:
		l, err := toLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("replace: %w", err)
		}
		naive, loc = false, l
	}
	nt, err := makeTime(year, month, day, hour, minute, second, us, loc)
	if err != nil {
		return nil, fmt.Errorf("replace: %w", err)
	}
	return &Timestamp{t: nt, naive: naive}, nil
}

// noValue marks an optional argument that was not given.
type noValue struct{ starlark.NoneType }

// makeTime builds a time, rejecting out-of-range fields like Python does.
func makeTime(year, month, day, hour, minute, second, us int, loc *time.Location) (time.Time, error) {
	switch {
	case year < 1 || year > 9999:
		return time.Time{}, fmt.Errorf("year %d is out of range", year)
	case month < 1 || month > 12:
		return time.Time{}, fmt.Errorf("month must be in 1..12")
	case day < 1 || day > daysIn(time.Month(month), year):
		return time.Time{}, fmt.Errorf("day is out of range for month")
	case hour < 0 || hour > 23:
		return time.Time{}, fmt.Errorf("hour must be in 0..23")
	case minute < 0 || minute > 59:
		return time.Time{}, fmt.Errorf("minute must be in 0..59")
	case second < 0 || second > 59:
		return time.Time{}, fmt.Errorf("second must be in 0..59")
	case us < 0 || us > 999999:
		return time.Time{}, fmt.Errorf("microsecond must be in 0..999999")
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, us*1000, loc), nil
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// TZInfo is a Starlark time zone (type "timezone"): timezone.utc, a fixed
// offset or an IANA zone.
type TZInfo struct{ loc *time.Location }

// NewTZInfo wraps a location.
func NewTZInfo(loc *time.Location) *TZInfo { return &TZInfo{loc: loc} }

// Location returns the wrapped location.
func (z *TZInfo) Location() *time.Location { return z.loc }

func (z *TZInfo) String() string        { return z.loc.String() }
func (z *TZInfo) Type() string          { return "timezone" }
func (z *TZInfo) Freeze()               {}
func (z *TZInfo) Truth() starlark.Bool  { return true }
func (z *TZInfo) Hash() (uint32, error) { return starlark.String(z.loc.String()).Hash() }
func (z *TZInfo) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	eq := z.loc.String() == y.(*TZInfo).loc.String()
	switch op {
	case syntax.EQL:
		return eq, nil
	case syntax.NEQ:
		return !eq, nil
	}
	return false, fmt.Errorf("timezone values are not ordered")
}

// toLocation accepts a timezone value or an IANA zone name.
func toLocation(v starlark.Value) (*time.Location, error) {
	switch v := v.(type) {
	case *TZInfo:
		return v.loc, nil
	case starlark.String:
		if strings.EqualFold(string(v), "utc") {
			return time.UTC, nil
		}
		loc, err := time.LoadLocation(string(v))
		if err != nil {
			return nil, fmt.Errorf("unknown time zone %q", string(v))
		}
		return loc, nil
	}
	return nil, fmt.Errorf("want a timezone or a zone name, got %s", v.Type())
}

// fixedZone returns the zone Python's datetime.timezone(offset) would:
// UTC for a zero offset, else one named like "UTC+03:00".
func fixedZone(offset int) *time.Location {
	if offset == 0 {
		return time.UTC
	}
	b := appendOffset([]byte("UTC"), offset, true)
	return time.FixedZone(string(b), offset)
}

// parseISO parses the formats Python's datetime.fromisoformat accepts
// (date, date+time with any one-character separator, optional fraction and
// offset or Z). naive reports that no offset was given; such values are
// placed in loc.
func parseISO(s string, loc *time.Location) (t time.Time, naive bool, err error) {
	if len(s) > 10 && s[10] != 'T' {
		s = s[:10] + "T" + s[11:]
	}
	for _, layout := range isoLayoutsTZ {
		if t, err := time.Parse(layout, s); err == nil {
			_, off := t.Zone()
			return t.In(fixedZone(off)), false, nil
		}
	}
	for _, layout := range isoLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("invalid isoformat string: %q", s)
}

var (
	isoLayoutsTZ = []string{
		"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05Z0700",
	}
	isoLayouts = []string{
		"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02T15", "2006-01-02",
	}
)
