package starlib

import (
	"fmt"
	"math"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// callableNS is a callable value with attributes, for Python classes used
// both ways (datetime(...) and datetime.now(), timezone(...) and timezone.utc).
type callableNS struct {
	name  string
	call  builtinFn
	attrs starlark.StringDict
	self  *starlark.Builtin
}

func newCallableNS(name string, call builtinFn, attrs starlark.StringDict) *callableNS {
	return &callableNS{name: name, call: call, attrs: attrs, self: starlark.NewBuiltin(name, call)}
}

func (c *callableNS) Name() string          { return c.name }
func (c *callableNS) String() string        { return "<type " + c.name + ">" }
func (c *callableNS) Type() string          { return "type" }
func (c *callableNS) Freeze()               {}
func (c *callableNS) Truth() starlark.Bool  { return true }
func (c *callableNS) Hash() (uint32, error) { return starlark.String(c.name).Hash() }
func (c *callableNS) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return c.call(thread, c.self, args, kwargs)
}
func (c *callableNS) Attr(name string) (starlark.Value, error) { return c.attrs[name], nil }
func (c *callableNS) AttrNames() []string                      { return c.attrs.Keys() }

// wallNaive turns an instant into a naive timestamp holding loc's wall clock.
func wallNaive(t time.Time, loc *time.Location) *Timestamp {
	t = t.In(loc)
	return newNaive(time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC))
}

// newDatetimeModule builds module.datetime; loc stands for Python's "local
// time" (naive now()/fromtimestamp() give loc's wall clock).
func newDatetimeModule(loc *time.Location) starlark.Value {
	utc := NewTZInfo(time.UTC)

	// tzArg returns the location for an optional tz argument (nil: naive).
	tzArg := func(v starlark.Value) (*time.Location, error) {
		if v == nil || v == starlark.None {
			return nil, nil
		}
		return toLocation(v)
	}
	fromInstant := func(t time.Time, tz *time.Location) *Timestamp {
		if tz == nil {
			return wallNaive(t, loc)
		}
		return NewTimestamp(t.In(tz))
	}

	now := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var tz starlark.Value
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "tz?", &tz); err != nil {
			return nil, err
		}
		l, err := tzArg(tz)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		return fromInstant(time.Now(), l), nil
	}
	fromtimestamp := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var secV, tz starlark.Value
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "timestamp", &secV, "tz?", &tz); err != nil {
			return nil, err
		}
		sec, err := toFloat(b.Name(), secV)
		if err != nil {
			return nil, err
		}
		l, err := tzArg(tz)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		if math.IsNaN(sec) || math.Abs(sec) > 1e13 {
			return nil, fmt.Errorf("%s: timestamp out of range", b.Name())
		}
		us := math.RoundToEven(sec * 1e6)
		return fromInstant(time.UnixMicro(int64(us)), l), nil
	}
	fromisoformat := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s string
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "date_string", &s); err != nil {
			return nil, err
		}
		t, naive, err := parseISO(s, time.UTC)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		return &Timestamp{t: t.Truncate(time.Microsecond), naive: naive}, nil
	}
	utcnow := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
			return nil, err
		}
		return wallNaive(time.Now(), time.UTC), nil
	}
	construct := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var year, month, day, hour, minute, second, us int
		var tz starlark.Value
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "year", &year, "month", &month, "day", &day,
			"hour?", &hour, "minute?", &minute, "second?", &second, "microsecond?", &us, "tzinfo?", &tz); err != nil {
			return nil, err
		}
		l, err := tzArg(tz)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		naive := l == nil
		if naive {
			l = time.UTC
		}
		t, err := makeTime(year, month, day, hour, minute, second, us, l)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		return &Timestamp{t: t, naive: naive}, nil
	}
	timezone := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var off starlark.Value
		name := ""
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "offset", &off, "name?", &name); err != nil {
			return nil, err
		}
		var secs int
		switch v := off.(type) {
		case Timedelta:
			secs = int(v.d / time.Second)
			if v.d%time.Second != 0 || v.d <= -24*time.Hour || v.d >= 24*time.Hour {
				return nil, fmt.Errorf("%s: offset must be whole seconds strictly between -24h and 24h", b.Name())
			}
		case starlark.String: // extension: an IANA zone name
			l, err := toLocation(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			return NewTZInfo(l), nil
		default:
			return nil, fmt.Errorf("%s: offset must be a timedelta, not %s", b.Name(), off.Type())
		}
		if name != "" {
			return NewTZInfo(time.FixedZone(name, secs)), nil
		}
		return NewTZInfo(fixedZone(secs)), nil
	}

	strptimeFn := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s, format string
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "date_string", &s, "format", &format); err != nil {
			return nil, err
		}
		t, naive, err := strptime(s, format)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		return &Timestamp{t: t, naive: naive}, nil
	}
	combine := func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var d Date
		var tm, dv starlark.Value = starlark.None, nil
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "date", &dv, "time?", &tm); err != nil {
			return nil, err
		}
		if tm != starlark.None {
			return nil, fmt.Errorf("%s: for parameter \"time\": datetime.time values are not supported; add a timedelta to the result", b.Name())
		}
		switch v := dv.(type) {
		case Date:
			d = v
		case *Timestamp:
			d = NewDate(v.t)
		default:
			return nil, fmt.Errorf("%s: for parameter \"date\": got %s, want date", b.Name(), dv.Type())
		}
		return newNaive(d.t), nil
	}

	fromts := starlark.NewBuiltin("datetime.fromtimestamp", fromtimestamp)
	dt := newCallableNS("datetime", construct, starlark.StringDict{
		"now":           starlark.NewBuiltin("datetime.now", now),
		"utcnow":        starlark.NewBuiltin("datetime.utcnow", utcnow),
		"fromtimestamp": fromts,
		"fromisoformat": starlark.NewBuiltin("datetime.fromisoformat", fromisoformat),
		"strptime":      starlark.NewBuiltin("datetime.strptime", strptimeFn),
		"combine":       starlark.NewBuiltin("datetime.combine", combine),
	})
	return &starlarkstruct.Module{Name: "datetime", Members: starlark.StringDict{
		"datetime":      dt,
		"date":          dateType(loc),
		"timedelta":     starlark.NewBuiltin("datetime.timedelta", timedeltaNew),
		"timezone":      newCallableNS("timezone", timezone, starlark.StringDict{"utc": utc}),
		"UTC":           utc,
		"fromtimestamp": fromts,
	}}
}
