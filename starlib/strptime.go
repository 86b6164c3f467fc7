package starlib

import (
	"fmt"
	"strings"
	"time"
)

// strptime parses s with a Python strptime format. It returns the time
// (UTC wall clock when naive) and whether it is naive (no %z in the input).
// Directives: %a %A %b %B %h %d %H %I %p %m %M %S %f %y %Y %j %z %Z %w %%;
// whitespace in the format matches any run of whitespace (as in CPython);
// names are matched case-insensitively.
func strptime(s, format string) (time.Time, bool, error) {
	fail := func() (time.Time, bool, error) {
		return time.Time{}, false, fmt.Errorf("time data %s does not match format %s", pyQuote(s), pyQuote(format))
	}
	year, month, day := 1900, 1, 1
	hour, minute, second, us := 0, 0, 0, 0
	yday := -1
	pm, hasAMPM, hour12 := false, false, false
	naive := true
	offset := 0
	i := 0
	num := func(maxw int) (int, bool) {
		j, v := i, 0
		for j < len(s) && j-i < maxw && s[j] >= '0' && s[j] <= '9' {
			v = v*10 + int(s[j]-'0')
			j++
		}
		if j == i {
			return 0, false
		}
		i = j
		return v, true
	}
	name := func(names []string) (int, bool) {
		best, bestLen := -1, 0
		for k, n := range names {
			if len(n) > bestLen && len(s)-i >= len(n) && strings.EqualFold(s[i:i+len(n)], n) {
				best, bestLen = k, len(n)
			}
		}
		if best < 0 {
			return 0, false
		}
		i += bestLen
		return best, true
	}
	for f := 0; f < len(format); f++ {
		c := format[f]
		if c == ' ' || c == '\t' || c == '\n' {
			for f+1 < len(format) && (format[f+1] == ' ' || format[f+1] == '\t' || format[f+1] == '\n') {
				f++
			}
			if i >= len(s) || !isSpace(s[i]) {
				return fail()
			}
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			continue
		}
		if c != '%' {
			if i >= len(s) || s[i] != c {
				return fail()
			}
			i++
			continue
		}
		f++
		if f >= len(format) {
			return time.Time{}, false, fmt.Errorf("stray %% in format %s", pyQuote(format))
		}
		var ok bool
		switch format[f] {
		case 'Y':
			year, ok = num(4)
		case 'y':
			var y int
			if y, ok = num(2); ok {
				if y < 69 {
					year = 2000 + y
				} else {
					year = 1900 + y
				}
			}
		case 'm':
			month, ok = num(2)
		case 'd':
			day, ok = num(2)
		case 'H':
			hour, ok = num(2)
		case 'I':
			hour, ok = num(2)
			hour12 = true
		case 'M':
			minute, ok = num(2)
		case 'S':
			second, ok = num(2)
		case 'j':
			yday, ok = num(3)
		case 'w', 'u':
			_, ok = num(1)
		case 'f':
			start := i
			if us, ok = num(6); ok {
				for k := i - start; k < 6; k++ {
					us *= 10
				}
			}
		case 'b', 'h':
			var m int
			if m, ok = name(shortMonths[:]); ok {
				month = m + 1
			}
		case 'B':
			var m int
			if m, ok = name(longMonths[:]); ok {
				month = m + 1
			}
		case 'a':
			_, ok = name(shortDays[:])
		case 'A':
			_, ok = name(longDays[:])
		case 'p':
			var k int
			if k, ok = name([]string{"AM", "PM"}); ok {
				pm, hasAMPM = k == 1, true
			}
		case 'z':
			offset, ok = parseOffset(s, &i)
			naive = !ok
		case 'Z':
			j := i
			for j < len(s) && (s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z') {
				j++
			}
			zone := strings.ToUpper(s[i:j])
			if ok = zone == "UTC" || zone == "GMT"; ok {
				i = j
			}
		case '%':
			if ok = i < len(s) && s[i] == '%'; ok {
				i++
			}
		default:
			return time.Time{}, false, fmt.Errorf("%s is a bad directive in format %s", pyQuote("%"+format[f:f+1]), pyQuote(format))
		}
		if !ok {
			return fail()
		}
	}
	if i < len(s) {
		return time.Time{}, false, fmt.Errorf("unconverted data remains: %s", s[i:])
	}
	if hour12 {
		if hour < 1 || hour > 12 {
			return fail()
		}
		hour %= 12
		if hasAMPM && pm {
			hour += 12
		}
	}
	loc := time.UTC
	if !naive {
		loc = fixedZone(offset)
	}
	if yday >= 1 {
		t := time.Date(year, 1, 1, hour, minute, second, us*1000, loc).AddDate(0, 0, yday-1)
		return t, naive, nil
	}
	t, err := makeTime(year, month, day, hour, minute, second, us, loc)
	if err != nil {
		return fail()
	}
	return t, naive, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// parseOffset reads Z or ±HH[:]MM[[:]SS] at s[*i:], returning seconds east.
func parseOffset(s string, i *int) (int, bool) {
	j := *i
	if j < len(s) && (s[j] == 'Z' || s[j] == 'z') {
		*i = j + 1
		return 0, true
	}
	if j >= len(s) || (s[j] != '+' && s[j] != '-') {
		return 0, false
	}
	sign := 1
	if s[j] == '-' {
		sign = -1
	}
	j++
	var parts [3]int
	n := 0
	for n < 3 {
		if n > 0 && j < len(s) && s[j] == ':' {
			j++
		}
		if j+2 > len(s) || s[j] < '0' || s[j] > '9' || s[j+1] < '0' || s[j+1] > '9' {
			break
		}
		parts[n] = int(s[j]-'0')*10 + int(s[j+1]-'0')
		j += 2
		n++
	}
	if n < 2 {
		return 0, false
	}
	*i = j
	return sign * (parts[0]*3600 + parts[1]*60 + parts[2]), true
}
