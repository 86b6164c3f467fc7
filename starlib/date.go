package starlib

import (
	"fmt"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Date is a Starlark value that behaves like Python's datetime.date (type
// name "date"): a calendar day without a time or zone. It is what
// timestamp.date(), module.datetime.date(...) and Faker's date methods
// (date_between, date_of_birth, past_date, ...) return.
type Date struct {
	t time.Time // midnight UTC of the day
}

var (
	_ starlark.HasAttrs   = Date{}
	_ starlark.HasBinary  = Date{}
	_ starlark.Comparable = Date{}
)

// NewDate returns the date of t's wall clock (in t's location).
func NewDate(t time.Time) Date {
	y, m, d := t.Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return d.t }

func (d Date) String() string {
	var buf [16]byte
	return string(appendISODate(buf[:0], d.t))
}

func appendISODate(b []byte, t time.Time) []byte {
	b = appendNum(b, t.Year(), 4, '0', 0)
	b = append(b, '-')
	b = appendNum(b, int(t.Month()), 2, '0', 0)
	b = append(b, '-')
	return appendNum(b, t.Day(), 2, '0', 0)
}

func (d Date) Type() string          { return "date" }
func (d Date) Freeze()               {}
func (d Date) Truth() starlark.Bool  { return true }
func (d Date) Hash() (uint32, error) { return uint32(d.t.Unix() / 86400), nil }

func (d Date) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	return compareInts(op, d.t.Unix(), y.(Date).t.Unix())
}

// Binary implements date ± timedelta (whole days, as Python: the seconds
// part is ignored) and date - date (a timedelta of whole days).
func (d Date) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	switch op {
	case syntax.PLUS:
		if td, ok := y.(Timedelta); ok {
			days, _, _ := td.parts()
			return Date{d.t.AddDate(0, 0, int(days))}, nil
		}
	case syntax.MINUS:
		if side == starlark.Right {
			return nil, nil
		}
		switch y := y.(type) {
		case Timedelta:
			days, _, _ := y.parts()
			return Date{d.t.AddDate(0, 0, -int(days))}, nil
		case Date:
			return Timedelta{d.t.Sub(y.t)}, nil
		}
	}
	return nil, nil
}

func (d Date) Attr(name string) (starlark.Value, error) {
	switch name {
	case "year":
		return starlark.MakeInt(d.t.Year()), nil
	case "month":
		return starlark.MakeInt(int(d.t.Month())), nil
	case "day":
		return starlark.MakeInt(d.t.Day()), nil
	}
	if m, ok := dateMethods[name]; ok {
		return m.BindReceiver(d), nil
	}
	return nil, nil
}

func (d Date) AttrNames() []string { return dateAttrNames }

var dateMethods = map[string]*starlark.Builtin{
	"isocalendar": starlark.NewBuiltin("date.isocalendar", dateIsocalendar),
	"isoformat":   starlark.NewBuiltin("date.isoformat", dateIsoformat),
	"isoweekday":  starlark.NewBuiltin("date.isoweekday", dateIsoweekday),
	"replace":     starlark.NewBuiltin("date.replace", dateReplace),
	"strftime":    starlark.NewBuiltin("date.strftime", dateStrftime),
	"timetuple":   starlark.NewBuiltin("date.timetuple", dateTimetuple),
	"toordinal":   starlark.NewBuiltin("date.toordinal", dateToordinal),
	"weekday":     starlark.NewBuiltin("date.weekday", dateWeekday),
}

var dateAttrNames = func() []string {
	names := []string{"day", "month", "year"}
	for n := range dateMethods {
		names = append(names, n)
	}
	return sortedStrings(names)
}()

func recvDate(b *starlark.Builtin) Date { return b.Receiver().(Date) }

func dateIsoformat(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.String(recvDate(b).String()), nil
}

func dateStrftime(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var format string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "format", &format); err != nil {
		return nil, err
	}
	var buf [64]byte
	return starlark.String(AppendStrftime(buf[:0], recvDate(b).t, format, true)), nil
}

func dateWeekday(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt((int(recvDate(b).t.Weekday()) + 6) % 7), nil
}

func dateIsoweekday(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt((int(recvDate(b).t.Weekday())+6)%7 + 1), nil
}

func dateIsocalendar(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	t := recvDate(b).t
	y, w := t.ISOWeek()
	return starlark.Tuple{starlark.MakeInt(y), starlark.MakeInt(w), starlark.MakeInt((int(t.Weekday())+6)%7 + 1)}, nil
}

func dateTimetuple(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return timeTuple(recvDate(b).t, -1), nil
}

// unixOrdinal is Python's date(1970, 1, 1).toordinal() (0001-01-01 is 1).
const unixOrdinal = 719163

func dateToordinal(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt64(floorDiv(recvDate(b).t.Unix(), 86400) + unixOrdinal), nil
}

func dateReplace(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	t := recvDate(b).t
	year, month, day := t.Year(), int(t.Month()), t.Day()
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "year?", &year, "month?", &month, "day?", &day); err != nil {
		return nil, err
	}
	nt, err := makeTime(year, month, day, 0, 0, 0, 0, time.UTC)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return Date{nt}, nil
}

// dateType is module.datetime.date: date(year, month, day) and its class
// methods today(), fromisoformat(), fromtimestamp(), fromordinal().
func dateType(loc *time.Location) *callableNS {
	construct := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var year, month, day int
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "year", &year, "month", &month, "day", &day); err != nil {
			return nil, err
		}
		t, err := makeTime(year, month, day, 0, 0, 0, 0, time.UTC)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		return Date{t}, nil
	}
	today := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
			return nil, err
		}
		return NewDate(time.Now().In(loc)), nil
	}
	fromisoformat := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s string
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "date_string", &s); err != nil {
			return nil, err
		}
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			t, err = time.Parse("20060102", s)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: Invalid isoformat string: %s", b.Name(), pyQuote(s))
		}
		return Date{t}, nil
	}
	fromtimestamp := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "timestamp", &v); err != nil {
			return nil, err
		}
		sec, err := floatParam(b.Name(), "timestamp", v)
		if err != nil {
			return nil, err
		}
		return NewDate(time.UnixMicro(int64(sec * 1e6)).In(loc)), nil
	}
	fromordinal := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var n int
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "ordinal", &n); err != nil {
			return nil, err
		}
		if n < 1 || n > 3652059 {
			return nil, fmt.Errorf("%s: ordinal %d out of range", b.Name(), n)
		}
		return Date{time.Unix(int64(n-unixOrdinal)*86400, 0).UTC()}, nil
	}
	return newCallableNS("date", construct, starlark.StringDict{
		"today":         starlark.NewBuiltin("date.today", today),
		"fromisoformat": starlark.NewBuiltin("date.fromisoformat", fromisoformat),
		"fromtimestamp": starlark.NewBuiltin("date.fromtimestamp", fromtimestamp),
		"fromordinal":   starlark.NewBuiltin("date.fromordinal", fromordinal),
	})
}

// NewNaive returns a naive datetime (no tzinfo) whose wall clock is t's
// reading in t's location, truncated to microseconds.
func NewNaive(t time.Time) *Timestamp { return newNaive(wallClock(t)) }

// ToLocation converts a tzinfo argument (module.datetime.timezone(...),
// timezone.utc, or an IANA zone name) to a location.
func ToLocation(v starlark.Value) (*time.Location, error) { return toLocation(v) }
