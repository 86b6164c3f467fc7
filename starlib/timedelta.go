package starlib

import (
	"fmt"
	"math"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Timedelta is a Starlark value like Python's datetime.timedelta
// (type "timedelta"), held with microsecond precision. Its range is that of
// time.Duration (about ±292 years).
type Timedelta struct{ d time.Duration }

var (
	_ starlark.HasAttrs   = Timedelta{}
	_ starlark.HasBinary  = Timedelta{}
	_ starlark.HasUnary   = Timedelta{}
	_ starlark.Comparable = Timedelta{}
)

// NewTimedelta returns d rounded to microseconds.
func NewTimedelta(d time.Duration) Timedelta { return Timedelta{d.Round(time.Microsecond)} }

// Duration returns the wrapped duration.
func (td Timedelta) Duration() time.Duration { return td.d }

// parts returns Python's normalized days, seconds (0..86399), microseconds (0..999999).
func (td Timedelta) parts() (days, secs, us int64) {
	total := int64(td.d / time.Microsecond)
	const usPerDay = 86400 * 1e6
	days = total / usPerDay
	rem := total % usPerDay
	if rem < 0 {
		days--
		rem += usPerDay
	}
	return days, rem / 1e6, rem % 1e6
}

func (td Timedelta) String() string {
	days, secs, us := td.parts()
	var b []byte
	if days != 0 {
		b = fmt.Appendf(b, "%d day", days)
		if days != 1 && days != -1 {
			b = append(b, 's')
		}
		b = append(b, ", "...)
	}
	b = fmt.Appendf(b, "%d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	if us != 0 {
		b = fmt.Appendf(b, ".%06d", us)
	}
	return string(b)
}

func (td Timedelta) Type() string          { return "timedelta" }
func (td Timedelta) Freeze()               {}
func (td Timedelta) Truth() starlark.Bool  { return td.d != 0 }
func (td Timedelta) Hash() (uint32, error) { return uint32(td.d) ^ uint32(td.d>>32), nil }

func (td Timedelta) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	return compareInts(op, int64(td.d), int64(y.(Timedelta).d))
}

func (td Timedelta) Unary(op syntax.Token) (starlark.Value, error) {
	switch op {
	case syntax.MINUS:
		return Timedelta{-td.d}, nil
	case syntax.PLUS:
		return td, nil
	}
	return nil, nil
}

func (td Timedelta) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	switch op {
	case syntax.PLUS:
		switch y := y.(type) {
		case Timedelta:
			return Timedelta{td.d + y.d}, nil
		case *Timestamp:
			return &Timestamp{t: y.t.Add(td.d), naive: y.naive}, nil
		}
	case syntax.MINUS:
		if y, ok := y.(Timedelta); ok {
			if side == starlark.Left {
				return Timedelta{td.d - y.d}, nil
			}
			return Timedelta{y.d - td.d}, nil
		}
	case syntax.STAR:
		switch y := y.(type) {
		case starlark.Int:
			n, ok := y.Int64()
			if !ok {
				return nil, fmt.Errorf("timedelta overflow")
			}
			return Timedelta{td.d * time.Duration(n)}, nil
		case starlark.Float:
			return floatDelta(float64(td.d/time.Microsecond) * float64(y))
		}
	case syntax.SLASH:
		if side == starlark.Right {
			return nil, nil
		}
		switch y := y.(type) {
		case Timedelta:
			if y.d == 0 {
				return nil, fmt.Errorf("division by zero")
			}
			return starlark.Float(float64(td.d) / float64(y.d)), nil
		case starlark.Int, starlark.Float:
			f, _ := starlark.AsFloat(y)
			if f == 0 {
				return nil, fmt.Errorf("division by zero")
			}
			return floatDelta(float64(td.d/time.Microsecond) / f)
		}
	case syntax.SLASHSLASH:
		if side == starlark.Right {
			return nil, nil
		}
		switch y := y.(type) {
		case Timedelta:
			if y.d == 0 {
				return nil, fmt.Errorf("division by zero")
			}
			return starlark.MakeInt64(floorDiv(int64(td.d), int64(y.d))), nil
		case starlark.Int:
			n, ok := y.Int64()
			if !ok || n == 0 {
				return nil, fmt.Errorf("division by zero or overflow")
			}
			return Timedelta{time.Duration(floorDiv(int64(td.d/time.Microsecond), n)) * time.Microsecond}, nil
		}
	}
	return nil, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// floatDelta converts a float number of microseconds, rounding half to even.
func floatDelta(us float64) (Timedelta, error) {
	us = math.RoundToEven(us)
	if math.IsNaN(us) || math.Abs(us) > float64(math.MaxInt64/int64(time.Microsecond)) {
		return Timedelta{}, fmt.Errorf("timedelta out of range")
	}
	return Timedelta{time.Duration(us) * time.Microsecond}, nil
}

func (td Timedelta) Attr(name string) (starlark.Value, error) {
	switch name {
	case "days", "seconds", "microseconds":
		d, s, us := td.parts()
		switch name {
		case "days":
			return starlark.MakeInt64(d), nil
		case "seconds":
			return starlark.MakeInt64(s), nil
		}
		return starlark.MakeInt64(us), nil
	case "total_seconds":
		return totalSecondsMethod.BindReceiver(td), nil
	}
	return nil, nil
}

func (td Timedelta) AttrNames() []string {
	return []string{"days", "microseconds", "seconds", "total_seconds"}
}

var totalSecondsMethod = starlark.NewBuiltin("timedelta.total_seconds", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Float(float64(b.Receiver().(Timedelta).d/time.Microsecond) / 1e6), nil
})

// timedelta(days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0, weeks=0)
func timedeltaNew(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var vals [7]starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs,
		"days?", &vals[0], "seconds?", &vals[1], "microseconds?", &vals[2], "milliseconds?", &vals[3],
		"minutes?", &vals[4], "hours?", &vals[5], "weeks?", &vals[6]); err != nil {
		return nil, err
	}
	scale := [7]int64{86400e6, 1e6, 1, 1e3, 60e6, 3600e6, 7 * 86400e6}
	var total int64
	var ftotal float64
	isFloat := false
	for i, v := range vals {
		switch v := v.(type) {
		case nil:
		case starlark.Int:
			n, ok := v.Int64()
			if !ok {
				return nil, fmt.Errorf("%s: %s out of range", b.Name(), v)
			}
			total += n * scale[i]
		case starlark.Float:
			isFloat = true
			ftotal += float64(v) * float64(scale[i])
		default:
			return nil, fmt.Errorf("%s: unsupported type for argument: %s", b.Name(), v.Type())
		}
	}
	if isFloat {
		return floatDelta(float64(total) + ftotal)
	}
	return Timedelta{time.Duration(total) * time.Microsecond}, nil
}
