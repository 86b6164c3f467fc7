package jinja

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"
)

// Python's string formatting, the one implementation behind the format
// filter, "%" on strings and str.format in template expressions:
//
//   - pyPercent is str % args (printf-style: flags, width, precision,
//     %(key)s, %r/%a, %c, ...);
//   - pyFormat is str.format(*args, **kwargs) with the format-spec mini
//     language ([[fill]align][sign][z][#][0][width][grouping][.precision][type]);
//   - appendFormatted is format(value, spec), used by both.
//
// Values print as Python prints them (str() is appendStr, repr() is
// appendRepr), and error messages are CPython's. The tests take their
// expected values from CPython.

// maxWidth bounds widths and precisions: Python would try to allocate
// what a runaway spec asks for; a render fails instead.
const maxWidth = 1 << 20

var errTooWide = fmt.Errorf("width or precision too large (at most %d)", maxWidth)

// errTooManyDigits is CPython's message for a width that overflows.
var errTooManyDigits = errors.New("Too many decimal digits in format string")

// decimal reads the run of ASCII digits at s[i:] (a width or precision):
// its value and where it ends (i when there is none). A run that overflows
// is errTooManyDigits, one above maxWidth errTooWide.
func decimal(s string, i int) (v, end int, err error) {
	end = i
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == i {
		return 0, i, nil
	}
	if v, err = strconv.Atoi(s[i:end]); err != nil {
		return 0, end, errTooManyDigits
	}
	if v > maxWidth {
		return 0, end, errTooWide
	}
	return v, end, nil
}

// fmtSpec is a parsed format spec.
type fmtSpec struct {
	fill             rune // 0: not given (a space)
	align            byte // 0: not given; '<', '>', '^', '='
	sign             byte // 0: not given; '+', '-', ' '
	z, alt, zero     bool
	width, prec      int // -1: not given
	group            byte
	typ              byte // 0: not given
	fillSet, percent bool // percent: from a %-conversion (different defaults)
}

// parseSpec parses the format-spec mini language for a value of the
// Python type typeName (named in errors).
func parseSpec(s, typeName string) (fmtSpec, error) {
	sp := fmtSpec{width: -1, prec: -1}
	isAlign := func(c byte) bool { return c == '<' || c == '>' || c == '=' || c == '^' }
	i := 0
	if r, n := utf8.DecodeRuneInString(s); n > 0 && n < len(s) && isAlign(s[n]) {
		sp.fill, sp.fillSet, sp.align = r, true, s[n]
		i = n + 1
	} else if len(s) > 0 && isAlign(s[0]) {
		sp.align = s[0]
		i = 1
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-' || s[i] == ' ') {
		sp.sign = s[i]
		i++
	}
	if i < len(s) && s[i] == 'z' {
		sp.z = true
		i++
	}
	if i < len(s) && s[i] == '#' {
		sp.alt = true
		i++
	}
	if i < len(s) && s[i] == '0' {
		sp.zero = true
		i++
	}
	if w, j, err := decimal(s, i); err != nil {
		return sp, err
	} else if j > i {
		sp.width, i = w, j
	}
	if i < len(s) && (s[i] == ',' || s[i] == '_') {
		sp.group = s[i]
		i++
		if i < len(s) && (s[i] == ',' || s[i] == '_') {
			return sp, errors.New("Cannot specify both ',' and '_'.")
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		p, j, err := decimal(s, i)
		if err != nil {
			return sp, err
		}
		if j == i {
			return sp, errors.New("Format specifier missing precision")
		}
		sp.prec, i = p, j
	}
	if len(s)-i > 1 {
		return sp, fmt.Errorf("Invalid format specifier '%s' for object of type '%s'", s, typeName)
	}
	if i < len(s) {
		sp.typ = s[i]
	}
	if sp.group != 0 {
		switch sp.typ {
		case 0, 'd', 'e', 'E', 'f', 'F', 'g', 'G', '%', 'b', 'o', 'x', 'X':
			if sp.group == ',' && (sp.typ == 'b' || sp.typ == 'o' || sp.typ == 'x' || sp.typ == 'X') {
				return sp, fmt.Errorf("Cannot specify ',' with '%c'.", sp.typ)
			}
		default:
			return sp, fmt.Errorf("Cannot specify '%c' with '%c'.", sp.group, sp.typ)
		}
	}
	return sp, nil
}

// resolve applies the defaults that depend on the kind of value: the
// alignment (numbers right, strings left) and the "0" flag (zero fill,
// sign-aware for numbers).
func (sp fmtSpec) resolve(numeric bool) fmtSpec {
	if sp.zero {
		if !sp.fillSet {
			sp.fill = '0'
		}
		if sp.align == 0 && numeric {
			sp.align = '='
		}
	}
	if sp.fill == 0 {
		sp.fill = ' '
	}
	if sp.align == 0 {
		sp.align = '<'
		if numeric {
			sp.align = '>'
		}
	}
	return sp
}

// appendPadded appends s aligned in sp.width (sp resolved).
func appendPadded(b []byte, s string, sp fmtSpec) []byte {
	n := sp.width - utf8.RuneCountInString(s)
	if n <= 0 {
		return append(b, s...)
	}
	left := 0
	switch sp.align {
	case '>', '=':
		left = n
	case '^':
		left = n / 2
	}
	b = appendFill(b, sp.fill, left)
	b = append(b, s...)
	return appendFill(b, sp.fill, n-left)
}

func appendFill(b []byte, r rune, n int) []byte {
	for range n {
		b = utf8.AppendRune(b, r)
	}
	return b
}

// appendNumber appends a formatted number: sign, prefix ("0x"), integer
// digits (grouped every `every` digits by sp.group), the rest (".5e+03",
// "%"), padded per sp (resolved). With the fill "0" and "=" alignment the
// padding zeros are grouped as digits, as CPython does.
func appendNumber(b []byte, sign, prefix, digits, rest string, every int, sp fmtSpec) []byte {
	if sp.align == '=' && sp.fill == '0' && sp.group != 0 && sp.width > 0 {
		// The fewest digits (zeros in front) whose grouped form fills min.
		min := sp.width - len(sign) - len(prefix) - utf8.RuneCountInString(rest)
		glen := func(d int) int { return d + (d-1)/every }
		d := len(digits)
		if glen(d) < min {
			d = max(min*every/(every+1), len(digits))
			for glen(d) < min {
				d++
			}
			for d > len(digits) && glen(d-1) >= min {
				d--
			}
			digits = strings.Repeat("0", d-len(digits)) + digits
		}
		g := groupDigits(digits, sp.group, every)
		b = append(b, sign...)
		b = append(b, prefix...)
		b = append(b, g...)
		return append(b, rest...)
	}
	if sp.group != 0 {
		digits = groupDigits(digits, sp.group, every)
	}
	if sp.align == '=' {
		n := sp.width - len(sign) - len(prefix) - len(digits) - utf8.RuneCountInString(rest)
		b = append(b, sign...)
		b = append(b, prefix...)
		b = appendFill(b, sp.fill, n)
		b = append(b, digits...)
		return append(b, rest...)
	}
	return appendPadded(b, sign+prefix+digits+rest, sp)
}

func groupDigits(d string, sep byte, every int) string {
	if len(d) <= every {
		return d
	}
	var sb strings.Builder
	first := len(d) % every
	if first == 0 {
		first = every
	}
	sb.WriteString(d[:first])
	for i := first; i < len(d); i += every {
		sb.WriteByte(sep)
		sb.WriteString(d[i : i+every])
	}
	return sb.String()
}

func signOf(neg bool, sign byte) string {
	switch {
	case neg:
		return "-"
	case sign == '+':
		return "+"
	case sign == ' ':
		return " "
	}
	return ""
}

// appendFormatted is Python's format(v, spec) for the value types templates
// use; th is needed for values formatted by their own strftime (datetime).
func appendFormatted(th *starlark.Thread, b []byte, v starlark.Value, spec string) ([]byte, error) {
	if spec == "" {
		return appendStr(b, v), nil
	}
	switch x := v.(type) {
	case starlark.String:
		sp, err := parseSpec(spec, "str")
		if err != nil {
			return b, err
		}
		return appendFormattedStr(b, string(x), sp, "str")
	case starlark.Bool:
		return appendFormattedInt(b, boolInt(x), spec)
	case starlark.Int:
		return appendFormattedInt(b, x, spec)
	case starlark.Float:
		sp, err := parseSpec(spec, "float")
		if err != nil {
			return b, err
		}
		return appendFormattedFloat(b, float64(x), sp, "float")
	case starlark.HasAttrs:
		// datetime.__format__ is strftime.
		if m, err := x.Attr("strftime"); err == nil && m != nil {
			r, err := starlark.Call(th, m, starlark.Tuple{starlark.String(spec)}, nil)
			if err != nil {
				return b, err
			}
			return appendStr(b, r), nil
		}
	}
	return b, fmt.Errorf("unsupported format string passed to %s.__format__", pyTypeName(v))
}

func boolInt(x starlark.Bool) starlark.Int {
	if x {
		return starlark.MakeInt(1)
	}
	return starlark.MakeInt(0)
}

// pyTypeName is the Python name of a value's type, for messages.
func pyTypeName(v starlark.Value) string {
	switch v.(type) {
	case starlark.String:
		return "str"
	case starlark.NoneType:
		return "NoneType"
	case *starlark.Dict:
		return "dict"
	case *Undefined:
		return "Undefined"
	}
	return v.Type()
}

func appendFormattedStr(b []byte, s string, sp fmtSpec, typeName string) ([]byte, error) {
	switch {
	case sp.typ != 0 && sp.typ != 's':
		return b, fmt.Errorf("Unknown format code '%c' for object of type '%s'", sp.typ, typeName)
	case sp.sign != 0:
		return b, errors.New("Sign not allowed in string format specifier")
	case sp.alt:
		return b, errors.New("Alternate form (#) not allowed in string format specifier")
	case sp.align == '=':
		return b, errors.New("'=' alignment not allowed in string format specifier")
	case sp.group != 0:
		return b, fmt.Errorf("Cannot specify '%c' with 's'.", sp.group)
	}
	if sp.prec >= 0 {
		s = truncRunes(s, sp.prec)
	}
	return appendPadded(b, s, sp.resolve(false)), nil
}

func truncRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func appendFormattedInt(b []byte, n starlark.Int, spec string) ([]byte, error) {
	sp, err := parseSpec(spec, "int")
	if err != nil {
		return b, err
	}
	switch sp.typ {
	case 'e', 'E', 'f', 'F', 'g', 'G', '%':
		f := float64(n.Float())
		if math.IsInf(f, 0) {
			return b, errors.New("int too large to convert to float")
		}
		return appendFormattedFloat(b, f, sp, "int")
	case 0, 'd', 'n', 'b', 'o', 'x', 'X', 'c':
	default:
		return b, fmt.Errorf("Unknown format code '%c' for object of type 'int'", sp.typ)
	}
	if sp.prec >= 0 {
		return b, errors.New("Precision not allowed in integer format specifier")
	}
	if sp.typ == 'c' {
		if sp.sign != 0 {
			return b, errors.New("Sign not allowed with integer format specifier 'c'")
		}
		if sp.alt {
			return b, errors.New("Alternate form (#) not allowed with integer format specifier 'c'")
		}
		r, ok := n.Int64()
		if !ok || r < 0 || r > 0x10FFFF {
			return b, errors.New("%c arg not in range(0x110000)")
		}
		return appendPadded(b, string(rune(r)), sp.resolve(true)), nil
	}
	return appendInt(b, n, sp.typ, -1, sp.resolve(true)), nil
}

// appendInt formats an integer in the base of typ ('d', 'b', 'o', 'x',
// 'X'; 0 and 'n' are decimal) with at least minDigits digits.
func appendInt(b []byte, n starlark.Int, typ byte, minDigits int, sp fmtSpec) []byte {
	base, prefix, every := 10, "", 3
	switch typ {
	case 'b':
		base, prefix, every = 2, "0b", 4
	case 'o':
		base, prefix, every = 8, "0o", 4
	case 'x':
		base, prefix, every = 16, "0x", 4
	case 'X':
		base, prefix, every = 16, "0X", 4
	}
	if !sp.alt {
		prefix = ""
	}
	var digits string
	neg := false
	if i, ok := n.Int64(); ok && i != math.MinInt64 {
		neg = i < 0
		if neg {
			i = -i
		}
		digits = strconv.FormatInt(i, base)
	} else {
		bi := n.BigInt()
		neg = bi.Sign() < 0
		digits = new(big.Int).Abs(bi).Text(base)
	}
	if typ == 'X' {
		digits = strings.ToUpper(digits)
	}
	if len(digits) < minDigits {
		digits = strings.Repeat("0", minDigits-len(digits)) + digits
	}
	return appendNumber(b, signOf(neg, sp.sign), prefix, digits, "", every, sp)
}

func appendFormattedFloat(b []byte, f float64, sp fmtSpec, typeName string) ([]byte, error) {
	switch sp.typ {
	case 0, 'e', 'E', 'f', 'F', 'g', 'G', 'n', '%':
	default:
		return b, fmt.Errorf("Unknown format code '%c' for object of type '%s'", sp.typ, typeName)
	}
	return appendFloat(b, f, sp.resolve(true)), nil
}

// appendFloat formats f per sp (resolved): the conversions e E f F g G n %
// and Python's default (repr without a precision, else "g" with at least
// one digit after the point).
func appendFloat(b []byte, f float64, sp fmtSpec) []byte {
	neg := math.Signbit(f) && !math.IsNaN(f)
	a := math.Abs(f)
	typ, prec, rest := sp.typ, sp.prec, ""
	if typ == '%' {
		a *= 100
		typ, rest = 'f', "%"
	}
	if typ == 'n' {
		typ = 'g'
	}
	if prec < 0 && typ != 0 {
		prec = 6
	}
	var s string
	switch {
	case math.IsInf(a, 0):
		s = "inf"
	case math.IsNaN(a):
		s = "nan"
	case typ == 'e' || typ == 'E':
		s = strconv.FormatFloat(a, 'e', prec, 64)
		if sp.alt && prec == 0 {
			i := strings.IndexByte(s, 'e')
			s = s[:i] + "." + s[i:]
		}
	case typ == 'f' || typ == 'F':
		s = strconv.FormatFloat(a, 'f', prec, 64)
		if sp.alt && prec == 0 {
			s += "."
		}
	case typ == 'g' || typ == 'G':
		s = formatG(a, prec, sp.alt, false)
	case prec < 0: // no type, no precision: repr
		s = string(appendPyFloat(nil, a))
	default: // no type with a precision
		s = formatG(a, prec, sp.alt, true)
	}
	if typ == 'E' || typ == 'F' || typ == 'G' {
		s = strings.ToUpper(s)
	}
	if neg && sp.z && strings.Trim(s, "0.eE+-") == "" {
		neg = false
	}
	// Split the integer digits (grouped) from the rest.
	end := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(s)
	}
	return appendNumber(b, signOf(neg, sp.sign), "", s[:end], s[end:]+rest, 3, sp)
}

// formatG is C's %g (a >= 0, finite): precision significant digits,
// exponent notation when the exponent is < -4 or >= precision, trailing
// zeros removed unless alt. With addDot0 (Python's format without a
// type) exponent notation starts one digit earlier and a result without a
// point gets ".0".
func formatG(a float64, prec int, alt, addDot0 bool) string {
	if prec == 0 {
		prec = 1
	}
	e := strconv.FormatFloat(a, 'e', prec-1, 64)
	i := strings.IndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[i+1:])
	limit := prec
	if addDot0 {
		limit = prec - 1
	}
	var s string
	if exp < -4 || exp >= limit {
		mant := e[:i]
		if !alt {
			mant = trimZeros(mant)
		} else if !strings.Contains(mant, ".") {
			mant += "."
		}
		s = mant + e[i:]
	} else {
		s = strconv.FormatFloat(a, 'f', max(prec-1-exp, 0), 64)
		if !alt {
			s = trimZeros(s)
		} else if !strings.Contains(s, ".") {
			s += "."
		}
	}
	if addDot0 && !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// --- str % args ---

// pyPercent is Python's format % args.
func pyPercent(format string, args starlark.Value) (starlark.Value, error) {
	var list starlark.Tuple
	var mapping starlark.Mapping
	switch a := args.(type) {
	case starlark.Tuple:
		list = a
	default:
		list = starlark.Tuple{args}
		if _, isStr := args.(starlark.String); !isStr {
			if m, ok := args.(starlark.Mapping); ok {
				mapping = m
			} else if _, ok := args.(*starlark.List); ok {
				mapping = listMapping{} // Python: a list counts as a mapping here
			}
		}
	}
	b := make([]byte, 0, len(format)+16)
	next := 0
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' {
			j := strings.IndexByte(format[i:], '%')
			if j < 0 {
				j = len(format) - i
			}
			b = append(b, format[i:i+j]...)
			i += j
			continue
		}
		start := i
		i++
		if i >= len(format) {
			return nil, errors.New("incomplete format")
		}
		var arg starlark.Value
		if format[i] == '(' {
			if mapping == nil {
				return nil, errors.New("format requires a mapping")
			}
			depth, j := 1, i+1
			for ; j < len(format) && depth > 0; j++ {
				switch format[j] {
				case '(':
					depth++
				case ')':
					depth--
				}
			}
			if depth > 0 {
				return nil, errors.New("incomplete format key")
			}
			key := format[i+1 : j-1]
			if _, isList := mapping.(listMapping); isList {
				return nil, errors.New("list indices must be integers or slices, not str")
			}
			v, found, err := mapping.Get(starlark.String(key))
			if err != nil {
				return nil, err
			}
			if !found {
				return nil, fmt.Errorf("KeyError: %s", pyRepr(starlark.String(key)))
			}
			arg, i = v, j
		}
		sp := fmtSpec{width: -1, prec: -1, percent: true}
	flags:
		for ; i < len(format); i++ {
			switch format[i] {
			case '-':
				sp.align = '<'
			case '+':
				sp.sign = '+'
			case ' ':
				if sp.sign == 0 {
					sp.sign = ' '
				}
			case '#':
				sp.alt = true
			case '0':
				sp.zero = true
			default:
				break flags
			}
		}
		takeStar := func(what string) (int, error) {
			if next >= len(list) {
				return 0, errors.New("not enough arguments for format string")
			}
			n, ok := list[next].(starlark.Int)
			next++
			if !ok {
				return 0, fmt.Errorf("* wants int")
			}
			v, ok := n.Int64()
			if !ok || v > math.MaxInt32 || v < math.MinInt32 {
				return 0, fmt.Errorf("%s too big", what)
			}
			if v > maxWidth || v < -maxWidth {
				return 0, errTooWide
			}
			return int(v), nil
		}
		if i < len(format) && format[i] == '*' {
			w, err := takeStar("width")
			if err != nil {
				return nil, err
			}
			if w < 0 {
				sp.align, w = '<', -w
			}
			sp.width = w
			i++
		} else {
			if w, j, err := decimal(format, i); err != nil {
				return nil, errTooWide
			} else if j > i {
				sp.width, i = w, j
			}
		}
		if i < len(format) && format[i] == '.' {
			i++
			sp.prec = 0
			if i < len(format) && format[i] == '*' {
				p, err := takeStar("precision")
				if err != nil {
					return nil, err
				}
				sp.prec = max(p, 0)
				i++
			} else {
				if p, j, err := decimal(format, i); err != nil {
					return nil, errTooWide
				} else if j > i {
					sp.prec, i = p, j
				}
			}
		}
		for i < len(format) && (format[i] == 'h' || format[i] == 'l' || format[i] == 'L') {
			i++
		}
		if i >= len(format) {
			return nil, errors.New("incomplete format")
		}
		conv := format[i]
		i++
		if conv == '%' {
			b = append(b, '%')
			continue
		}
		if arg == nil {
			if next >= len(list) {
				return nil, errors.New("not enough arguments for format string")
			}
			arg = list[next]
			next++
		}
		if sp.align == '<' {
			sp.zero = false
		}
		var err error
		if b, err = appendPercent(b, conv, arg, sp, start); err != nil {
			return nil, err
		}
	}
	if next < len(list) && mapping == nil {
		return nil, errors.New("not all arguments converted during string formatting")
	}
	return starlark.String(b), nil
}

// listMapping marks a list operand of %, which Python treats as a
// mapping (no "not all arguments converted" error).
type listMapping struct{ starlark.Mapping }

func appendPercent(b []byte, conv byte, arg starlark.Value, sp fmtSpec, at int) ([]byte, error) {
	switch conv {
	case 's', 'r', 'a':
		var s []byte
		switch conv {
		case 's':
			s = appendStr(nil, arg)
		case 'r':
			s = appendRepr(nil, arg)
		default:
			s = appendASCII(nil, appendRepr(nil, arg))
		}
		str := string(s)
		if sp.prec >= 0 {
			str = truncRunes(str, sp.prec)
		}
		sp.zero = false
		return appendPadded(b, str, sp.resolve(true)), nil
	case 'c':
		var s string
		switch x := arg.(type) {
		case starlark.String:
			if utf8.RuneCountInString(string(x)) != 1 {
				return b, errors.New("%c requires int or char")
			}
			s = string(x)
		case starlark.Int:
			r, ok := x.Int64()
			if !ok || r < 0 || r > 0x10FFFF {
				return b, errors.New("%c arg not in range(0x110000)")
			}
			s = string(rune(r))
		default:
			return b, errors.New("%c requires int or char")
		}
		sp.zero = false
		return appendPadded(b, s, sp.resolve(true)), nil
	case 'd', 'i', 'u':
		n, err := percentInt(arg, conv, true)
		if err != nil {
			return b, err
		}
		return appendInt(b, n, 'd', sp.prec, sp.resolve(true)), nil
	case 'o', 'x', 'X':
		n, err := percentInt(arg, conv, false)
		if err != nil {
			return b, err
		}
		return appendInt(b, n, conv, sp.prec, sp.resolve(true)), nil
	case 'e', 'E', 'f', 'F', 'g', 'G':
		var f float64
		switch x := arg.(type) {
		case starlark.Float:
			f = float64(x)
		case starlark.Int:
			if f = float64(x.Float()); math.IsInf(f, 0) {
				return b, errors.New("int too large to convert to float")
			}
		case starlark.Bool:
			if x {
				f = 1
			}
		default:
			return b, fmt.Errorf("must be real number, not %s", pyTypeName(arg))
		}
		sp.typ = conv
		return appendFloat(b, f, sp.resolve(true)), nil
	}
	return b, fmt.Errorf("unsupported format character '%c' (0x%x) at index %d", conv, conv, at+1)
}

// percentInt is the integer a %d (real=true: floats truncate) or %x
// conversion takes.
func percentInt(arg starlark.Value, conv byte, real bool) (starlark.Int, error) {
	switch x := arg.(type) {
	case starlark.Int:
		return x, nil
	case starlark.Bool:
		return boolInt(x), nil
	case starlark.Float:
		if real {
			f := float64(x)
			if math.IsInf(f, 0) {
				return starlark.Int{}, errors.New("cannot convert float infinity to integer")
			}
			if math.IsNaN(f) {
				return starlark.Int{}, errors.New("cannot convert float NaN to integer")
			}
			return starlark.NumberToInt(x)
		}
	}
	if real {
		return starlark.Int{}, fmt.Errorf("%%%c format: a real number is required, not %s", conv, pyTypeName(arg))
	}
	return starlark.Int{}, fmt.Errorf("%%%c format: an integer is required, not %s", conv, pyTypeName(arg))
}

// appendASCII is Python's ascii() of a repr: non-ASCII escaped.
func appendASCII(b, repr []byte) []byte {
	for _, r := range string(repr) {
		switch {
		case r < 0x80:
			b = append(b, byte(r))
		case r <= 0xff:
			b = fmt.Appendf(b, `\x%02x`, r)
		case r <= 0xffff:
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = fmt.Appendf(b, `\U%08x`, r)
		}
	}
	return b
}

// --- str.format ---

// pyFormat is Python's format.format(*args, **kwargs).
func pyFormat(th *starlark.Thread, format string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f := &formatter{th: th, args: args, kwargs: kwargs}
	b, err := f.appendFormat(make([]byte, 0, len(format)+16), format, 2)
	if err != nil {
		return nil, err
	}
	return starlark.String(b), nil
}

// formatter holds the arguments of one str.format call.
type formatter struct {
	th     *starlark.Thread
	args   starlark.Tuple
	kwargs []starlark.Tuple
	auto   int  // next automatic field number ("{}")
	manual bool // a field was numbered ("{0}"): automatic numbering is refused
}

func (f *formatter) appendFormat(b []byte, s string, depth int) ([]byte, error) {
	if depth <= 0 {
		return b, errors.New("Max string recursion exceeded")
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			b = append(b, '{')
			i += 2
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			b = append(b, '}')
			i += 2
		case c == '}':
			return b, errors.New("Single '}' encountered in format string")
		case c == '{':
			// The field ends at the matching brace (specs may nest fields).
			n, j := 1, i+1
			for ; j < len(s); j++ {
				if s[j] == '{' {
					n++
				} else if s[j] == '}' {
					if n--; n == 0 {
						break
					}
				}
			}
			if j >= len(s) {
				if strings.IndexByte(s[i+1:], '}') < 0 {
					return b, errors.New("Single '{' encountered in format string")
				}
				return b, errors.New("expected '}' before end of string")
			}
			var err error
			if b, err = f.appendField(b, s[i+1:j], depth); err != nil {
				return b, err
			}
			i = j + 1
		default:
			j := strings.IndexAny(s[i:], "{}")
			if j < 0 {
				j = len(s) - i
			}
			b = append(b, s[i:i+j]...)
			i += j
		}
	}
	return b, nil
}

func (f *formatter) appendField(b []byte, field string, depth int) ([]byte, error) {
	// field_name ["!" conversion] [":" format_spec]; the name ends at the
	// first "!" or ":" outside brackets.
	end := len(field)
	for i, inBracket := 0, false; i < len(field); i++ {
		c := field[i]
		if c == '[' {
			inBracket = true
		} else if c == ']' {
			inBracket = false
		} else if !inBracket && (c == '!' || c == ':') {
			end = i
			break
		}
	}
	name, rest := field[:end], field[end:]
	var conv byte
	if strings.HasPrefix(rest, "!") {
		if len(rest) < 2 || len(rest) > 2 && rest[2] != ':' {
			return b, errors.New("expected ':' after conversion specifier")
		}
		conv, rest = rest[1], rest[2:]
	}
	spec := strings.TrimPrefix(rest, ":")
	v, err := f.lookup(name)
	if err != nil {
		return b, err
	}
	switch conv {
	case 0:
	case 's':
		v = starlark.String(appendStr(nil, v))
	case 'r':
		v = starlark.String(appendRepr(nil, v))
	case 'a':
		v = starlark.String(appendASCII(nil, appendRepr(nil, v)))
	default:
		return b, fmt.Errorf("Unknown conversion specifier %c", conv)
	}
	if strings.ContainsRune(spec, '{') {
		sb, err := f.appendFormat(nil, spec, depth-1)
		if err != nil {
			return b, err
		}
		spec = string(sb)
	}
	return appendFormatted(f.th, b, v, spec)
}

// lookup resolves a field name: an argument (by number, by keyword, or the
// next automatic one) followed by .attribute and [index] accesses.
func (f *formatter) lookup(name string) (starlark.Value, error) {
	first := len(name)
	if i := strings.IndexAny(name, ".["); i >= 0 {
		first = i
	}
	arg := name[:first]
	var v starlark.Value
	switch {
	case arg == "":
		if f.manual {
			return nil, errors.New("cannot switch from manual field specification to automatic field numbering")
		}
		if f.auto >= len(f.args) {
			return nil, fmt.Errorf("Replacement index %d out of range for positional args tuple", f.auto)
		}
		v = f.args[f.auto]
		f.auto++
	case isDigits(arg):
		if f.auto > 0 {
			return nil, errors.New("cannot switch from automatic field numbering to manual field specification")
		}
		f.manual = true
		n, err := strconv.Atoi(arg)
		if err != nil || n >= len(f.args) {
			return nil, fmt.Errorf("Replacement index %s out of range for positional args tuple", arg)
		}
		v = f.args[n]
	default:
		for _, kv := range f.kwargs {
			if string(kv[0].(starlark.String)) == arg {
				v = kv[1]
				break
			}
		}
		if v == nil {
			return nil, fmt.Errorf("KeyError: %s", pyRepr(starlark.String(arg)))
		}
	}
	for rest := name[first:]; rest != ""; {
		switch rest[0] {
		case '.':
			j := strings.IndexAny(rest[1:], ".[")
			if j < 0 {
				j = len(rest) - 1
			}
			attr := rest[1 : 1+j]
			if attr == "" {
				return nil, errors.New("Empty attribute in format string")
			}
			rest = rest[1+j:]
			h, ok := v.(starlark.HasAttrs)
			var x starlark.Value
			if ok {
				x, _ = h.Attr(attr)
			}
			if x == nil {
				return nil, fmt.Errorf("'%s' object has no attribute '%s'", pyTypeName(v), attr)
			}
			v = x
		case '[':
			j := strings.IndexByte(rest, ']')
			if j < 0 {
				return nil, errors.New("Missing ']' in format string")
			}
			key := rest[1:j]
			if key == "" {
				return nil, errors.New("Empty attribute in format string")
			}
			rest = rest[j+1:]
			var k starlark.Value = starlark.String(key)
			if isDigits(key) {
				n, _ := strconv.Atoi(key)
				k = starlark.MakeInt(n)
			}
			x, err := subscript(v, k)
			if err != nil {
				return nil, err
			}
			v = x
		default:
			return nil, errors.New("Only '.' or '[' may follow ']' in format field specifier")
		}
	}
	return v, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// subscript is Python's v[k] for format fields (no Jinja fallbacks).
func subscript(v, k starlark.Value) (starlark.Value, error) {
	switch c := v.(type) {
	case starlark.Mapping:
		x, found, err := c.Get(k)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("KeyError: %s", pyRepr(k))
		}
		return x, nil
	case starlark.Indexable:
		i, err := starlark.AsInt32(k)
		if err != nil {
			return nil, fmt.Errorf("%s indices must be integers or slices, not str", pyTypeName(v))
		}
		if i < 0 || i >= c.Len() {
			return nil, fmt.Errorf("%s index out of range", pyTypeName(v))
		}
		return c.Index(i), nil
	}
	return nil, fmt.Errorf("'%s' object is not subscriptable", pyTypeName(v))
}
