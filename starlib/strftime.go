package starlib

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// strftime implements Python's datetime.strftime with the directives of
// glibc (what CPython uses on Linux), including the "-" (no padding) and
// "_" (space padding) flags. A format is parsed once into a list of
// operations and cached; formatting appends into a caller's []byte.

type strfOp struct {
	verb byte   // 0 for a literal
	flag byte   // 0, '-', '_' or ':' (for %:z)
	lit  string // literal text when verb == 0
}

const maxCachedLayouts = 4096

var (
	layoutCache     sync.Map // string -> []strfOp
	layoutCacheSize atomic.Int64
)

func parseStrftime(format string) []strfOp {
	if v, ok := layoutCache.Load(format); ok {
		return v.([]strfOp)
	}
	var ops []strfOp
	start := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 >= len(format) {
			continue
		}
		j := i + 1
		var flag byte
		switch format[j] {
		case '-', '_', '0', '^', '#', ':':
			if j+1 < len(format) {
				flag = format[j]
				j++
			}
		}
		verb := format[j]
		if !knownVerb(verb) || (flag == ':' && verb != 'z') {
			// glibc leaves unknown conversions as they are.
			i = j
			continue
		}
		if i > start {
			ops = append(ops, strfOp{lit: format[start:i]})
		}
		if verb == '%' {
			ops = append(ops, strfOp{lit: "%"})
		} else {
			ops = append(ops, strfOp{verb: verb, flag: flag})
		}
		i = j
		start = j + 1
	}
	if start < len(format) {
		ops = append(ops, strfOp{lit: format[start:]})
	}
	if layoutCacheSize.Load() < maxCachedLayouts {
		if _, loaded := layoutCache.LoadOrStore(format, ops); !loaded {
			layoutCacheSize.Add(1)
		}
	}
	return ops
}

func knownVerb(c byte) bool {
	switch c {
	case 'a', 'A', 'b', 'B', 'c', 'C', 'd', 'D', 'e', 'f', 'F', 'g', 'G', 'h', 'H',
		'I', 'j', 'k', 'l', 'm', 'M', 'n', 'p', 'P', 'r', 'R', 's', 'S', 't', 'T',
		'u', 'U', 'V', 'w', 'W', 'x', 'X', 'y', 'Y', 'z', 'Z', '%':
		return true
	}
	return false
}

var (
	shortDays   = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	longDays    = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	shortMonths = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	longMonths  = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// appendNum appends v padded to width with pad ('0' or ' '); flag '-'
// drops the padding and '_' pads with spaces.
func appendNum(b []byte, v, width int, pad, flag byte) []byte {
	switch flag {
	case '-':
		width = 0
	case '_':
		pad = ' '
	case '0':
		pad = '0'
	}
	if v < 0 {
		b = append(b, '-')
		v = -v
		width--
	}
	var tmp [20]byte
	i := len(tmp)
	for v >= 10 {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	i--
	tmp[i] = byte('0' + v)
	for n := len(tmp) - i; n < width; n++ {
		b = append(b, pad)
	}
	return append(b, tmp[i:]...)
}

// appendOffset appends a UTC offset as +HHMM (or +HH:MM with colon),
// adding seconds only when they are not zero, like Python.
func appendOffset(b []byte, off int, colon bool) []byte {
	if off < 0 {
		b = append(b, '-')
		off = -off
	} else {
		b = append(b, '+')
	}
	b = appendNum(b, off/3600, 2, '0', 0)
	if colon {
		b = append(b, ':')
	}
	b = appendNum(b, off/60%60, 2, '0', 0)
	if s := off % 60; s != 0 {
		if colon {
			b = append(b, ':')
		}
		b = appendNum(b, s, 2, '0', 0)
	}
	return b
}

// weekNumber computes %U (firstDay = Sunday) and %W (firstDay = Monday).
func weekNumber(t time.Time, firstDay time.Weekday) int {
	yday := t.YearDay() - 1
	wday := (int(t.Weekday()) - int(firstDay) + 7) % 7
	return (yday + 7 - wday) / 7
}

// AppendStrftime appends t formatted with the Python strftime format to b.
// naive suppresses %z and %Z (a datetime without tzinfo).
func AppendStrftime(b []byte, t time.Time, format string, naive bool) []byte {
	x := newClock(t)
	for _, op := range parseStrftime(format) {
		if op.verb == 0 {
			b = append(b, op.lit...)
			continue
		}
		b = appendVerb(b, &x, op, naive)
	}
	return b
}

// clock is a time with its calendar and clock fields computed once (each
// time.Time accessor recomputes the date from the zone offset).
type clock struct {
	t              time.Time
	y, d, h, mi, s int
	mo             time.Month
}

func newClock(t time.Time) clock {
	x := clock{t: t}
	x.y, x.mo, x.d = t.Date()
	x.h, x.mi, x.s = t.Clock()
	return x
}

func appendVerb(b []byte, x *clock, op strfOp, naive bool) []byte {
	t := x.t
	f := op.flag
	switch op.verb {
	case 'a':
		return append(b, shortDays[t.Weekday()]...)
	case 'A':
		return append(b, longDays[t.Weekday()]...)
	case 'b', 'h':
		return append(b, shortMonths[x.mo-1]...)
	case 'B':
		return append(b, longMonths[x.mo-1]...)
	case 'c':
		b = append(b, shortDays[t.Weekday()]...)
		b = append(b, ' ')
		b = append(b, shortMonths[x.mo-1]...)
		b = append(b, ' ')
		b = appendNum(b, x.d, 2, ' ', 0)
		b = append(b, ' ')
		b = appendHMS(b, x)
		b = append(b, ' ')
		return appendNum(b, x.y, 0, '0', 0)
	case 'C':
		return appendNum(b, x.y/100, 2, '0', f)
	case 'd':
		return appendNum(b, x.d, 2, '0', f)
	case 'D', 'x':
		b = appendNum(b, int(x.mo), 2, '0', 0)
		b = append(b, '/')
		b = appendNum(b, x.d, 2, '0', 0)
		b = append(b, '/')
		return appendNum(b, x.y%100, 2, '0', 0)
	case 'e':
		return appendNum(b, x.d, 2, ' ', f)
	case 'f':
		return appendNum(b, t.Nanosecond()/1000, 6, '0', 0)
	case 'F':
		b = appendNum(b, x.y, 4, '0', 0)
		b = append(b, '-')
		b = appendNum(b, int(x.mo), 2, '0', 0)
		b = append(b, '-')
		return appendNum(b, x.d, 2, '0', 0)
	case 'g':
		y, _ := t.ISOWeek()
		return appendNum(b, y%100, 2, '0', f)
	case 'G':
		y, _ := t.ISOWeek()
		return appendNum(b, y, 0, '0', f)
	case 'H':
		return appendNum(b, x.h, 2, '0', f)
	case 'I':
		return appendNum(b, hour12(x), 2, '0', f)
	case 'j':
		return appendNum(b, t.YearDay(), 3, '0', f)
	case 'k':
		return appendNum(b, x.h, 2, ' ', f)
	case 'l':
		return appendNum(b, hour12(x), 2, ' ', f)
	case 'm':
		return appendNum(b, int(x.mo), 2, '0', f)
	case 'M':
		return appendNum(b, x.mi, 2, '0', f)
	case 'n':
		return append(b, '\n')
	case 'p':
		if x.h < 12 {
			return append(b, "AM"...)
		}
		return append(b, "PM"...)
	case 'P':
		if x.h < 12 {
			return append(b, "am"...)
		}
		return append(b, "pm"...)
	case 'r':
		b = appendNum(b, hour12(x), 2, '0', 0)
		b = append(b, ':')
		b = appendNum(b, x.mi, 2, '0', 0)
		b = append(b, ':')
		b = appendNum(b, x.s, 2, '0', 0)
		if x.h < 12 {
			return append(b, " AM"...)
		}
		return append(b, " PM"...)
	case 'R':
		b = appendNum(b, x.h, 2, '0', 0)
		b = append(b, ':')
		return appendNum(b, x.mi, 2, '0', 0)
	case 's':
		return strconv.AppendInt(b, t.Unix(), 10)
	case 'S':
		return appendNum(b, x.s, 2, '0', f)
	case 't':
		return append(b, '\t')
	case 'T', 'X':
		return appendHMS(b, x)
	case 'u':
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return appendNum(b, wd, 0, '0', f)
	case 'U':
		return appendNum(b, weekNumber(t, time.Sunday), 2, '0', f)
	case 'V':
		_, w := t.ISOWeek()
		return appendNum(b, w, 2, '0', f)
	case 'w':
		return appendNum(b, int(t.Weekday()), 0, '0', f)
	case 'W':
		return appendNum(b, weekNumber(t, time.Monday), 2, '0', f)
	case 'y':
		return appendNum(b, x.y%100, 2, '0', f)
	case 'Y':
		return appendNum(b, x.y, 0, '0', f)
	case 'z':
		if naive {
			return b
		}
		_, off := t.Zone()
		return appendOffset(b, off, f == ':')
	case 'Z':
		if naive {
			return b
		}
		name, _ := t.Zone()
		return append(b, name...)
	}
	return b
}

func hour12(x *clock) int {
	h := x.h % 12
	if h == 0 {
		h = 12
	}
	return h
}

func appendHMS(b []byte, x *clock) []byte {
	b = appendNum(b, x.h, 2, '0', 0)
	b = append(b, ':')
	b = appendNum(b, x.mi, 2, '0', 0)
	b = append(b, ':')
	return appendNum(b, x.s, 2, '0', 0)
}

// AppendISOFormat appends t like Python's datetime.isoformat(sep, timespec).
// timespec is one of auto, hours, minutes, seconds, milliseconds, microseconds.
func AppendISOFormat(b []byte, t time.Time, sep byte, timespec string, naive bool) ([]byte, bool) {
	b = appendNum(b, t.Year(), 4, '0', 0)
	b = append(b, '-')
	b = appendNum(b, int(t.Month()), 2, '0', 0)
	b = append(b, '-')
	b = appendNum(b, t.Day(), 2, '0', 0)
	b = append(b, sep)
	b = appendNum(b, t.Hour(), 2, '0', 0)
	us := t.Nanosecond() / 1000
	switch timespec {
	case "hours":
	case "minutes":
		b = append(b, ':')
		b = appendNum(b, t.Minute(), 2, '0', 0)
	case "auto", "seconds", "milliseconds", "microseconds", "":
		b = append(b, ':')
		b = appendNum(b, t.Minute(), 2, '0', 0)
		b = append(b, ':')
		b = appendNum(b, t.Second(), 2, '0', 0)
		switch {
		case timespec == "milliseconds":
			b = append(b, '.')
			b = appendNum(b, us/1000, 3, '0', 0)
		case timespec == "microseconds" || (timespec != "seconds" && us != 0):
			b = append(b, '.')
			b = appendNum(b, us, 6, '0', 0)
		}
	default:
		return b, false
	}
	if !naive {
		_, off := t.Zone()
		b = appendOffset(b, off, true)
	}
	return b, true
}
