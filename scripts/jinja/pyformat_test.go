package jinja

import (
	"encoding/json"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// TestPyFormat checks printf-style %, the format filter and str.format
// against CPython 3.11's output (each want is what Python prints for the
// same expression).
func TestPyFormat(t *testing.T) {
	t.Parallel()
	globals := starlark.StringDict{
		"n": starlark.MakeInt(42), "x": starlark.Float(3.14159), "neg": starlark.MakeInt(-7),
		"s": starlark.String("ab"), "fmt": starlark.String("%05d"), "d": mustDict(t, `{"key": "v", "n": 5}`),
	}
	tests := []struct{ src, want string }{
		{`{{ '%06d' | format(n) }}`, "000042"},
		{`{{ '%.2f' % x }}`, "3.14"},
		{`{{ '%-5s|' % s }}`, "ab   |"},
		{`{{ '%+d %+d' % (n, neg) }}`, "+42 -7"},
		{`{{ '%x %X %#x %o %#o' % (255, 255, 255, 8, 8) }}`, "ff FF 0xff 10 0o10"},
		{`{{ '%(key)s=%(n)03d' % d }}`, "v=005"},
		{`{{ "a=%s" % [1, "b"] }}`, "a=[1, 'b']"},
		{`{{ "%s|%r" % ("x", "x") }}`, "x|'x'"},
		{`{{ "%s" % none }} {{ "%s" % True }} {{ '%5s|' % True }}`, "None True  True|"},
		{`{{ '%5.1f|%-8.3e|%g|%G' % (x, x, 0.00001, 1e20) }}`, "  3.1|3.142e+00|1e-05|1E+20"},
		{`{{ '%d' % 3.9 }} {{ '%i' % -3.9 }} {{ '%.3d' % 5 }} {{ '%05d' % neg }}`, "3 -3 005 -0007"},
		{`{{ '%c%c' % (65, 'b') }} {{ '100%%' % () }} {{ '%*d|%-*d|' % (4, 1, 3, 2) }}`, "Ab 100%    1|2  |"},
		{`{{ '%.1f %.0f %.2f' % (0.25, 2.5, 2.675) }}`, "0.2 2 2.67"},
		{`{{ fmt % n }} {{ (fmt) % 7 }} {{ n % 5 }} {{ -n % 5 }} {{ 7.5 % 2 }} {{ (n + 1) % 5 }}`, "00042 00007 2 3 1.5 3"},
		{`{% for i in range(3) %}{{ loop.index % 2 }}{{ i % 2 }}{% endfor %}`, "100110"},
		{`{{ '%s-%s' | format('a', 'b') }} {{ '%(a)s' | format(a=1) }} {{ 'x' % {} }}`, "a-b 1 x"},
		{`{{ '{:05d}'.format(n) }} {{ '{:,}'.format(1234567) }} {{ '{:>8}|'.format('r') }} {{ '{0} {name}'.format(1, name='nm') }}`, "00042 1,234,567        r| 1 nm"},
		{`{{ '{:<6}|{:^6}|{:*>6}'.format('a', 'b', 'c') }} {{ '{:+.2f} {:.1%} {:e}'.format(x, 0.256, 12345.678) }}`, "a     |  b   |*****c +3.14 25.6% 1.234568e+04"},
		{`{{ '{!r} {!s} {}'.format('q', 'q', [1, 'z']) }} {{ '{0[key]} {0[n]:02d} {1[1]}'.format(d, [7, 8]) }}`, "'q' q [1, 'z'] v 05 8"},
		{`{{ '{:{w}.{p}f}'.format(x, w=8, p=3) }} {{ '{{}} {}'.format(1) }} {{ '{:#x} {:08b} {:_x}'.format(255, 5, 65535) }}`, "   3.142 {} 1 0xff 00000101 ffff"},
		{`{{ '{:010,.2f}'.format(1234.5) }} {{ '{:08,}'.format(1234) }} {{ '{:,}'.format(-1234.5) }} {{ '{}'.format(1e16) }}`, "001,234.50 0,001,234 -1,234.5 1e+16"},
		{`{{ '{:.3}|{:.3}|{}|{:g}'.format(12.0, 123.0, 0.1, 123456789.0) }}`, "12.0|1.23e+02|0.1|1.23457e+08"},
		{`{{ '{:>5}|{}|{:d}'.format(True, False, True) }} {{ '{:c}'.format(97) }} {{ '{:05}'.format('ab') }}`, "    1|False|1 a ab000"},
	}
	for _, tc := range tests {
		got, err := renderString(t, "t.jinja", tc.src, Options{}, globals)
		if err != nil || got != tc.want {
			t.Errorf("%s\n got  %q, %v\n want %q", tc.src, got, err, tc.want)
		}
	}
}

// TestPyFormatErrors: Python's errors, at the template line.
func TestPyFormatErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{"\n{{ '%d' % 'x' }}", "t.jinja:2: %d format: a real number is required, not str"},
		{"{{ '%s %s' % ('a',) }}", "t.jinja:1: not enough arguments for format string"},
		{"{{ '%s' % ('a', 'b') }}", "t.jinja:1: not all arguments converted during string formatting"},
		{"{{ '%y' % 1 }}", "t.jinja:1: unsupported format character 'y' (0x79) at index 1"},
		{"{{ '%(k)s' % 1 }}", "t.jinja:1: format requires a mapping"},
		{"{{ '%x' % 1.5 }}", "t.jinja:1: %x format: an integer is required, not float"},
		{"{{ '%f' % 'a' }}", "t.jinja:1: must be real number, not str"},
		{"{{ 'abc%' % () }}", "t.jinja:1: incomplete format"},
		{"{{ '{:d}'.format('a') }}", "t.jinja:1: Unknown format code 'd' for object of type 'str'"},
		{"{{ '{:.2d}'.format(1) }}", "t.jinja:1: Precision not allowed in integer format specifier"},
		{"{{ '{} {0}'.format(1) }}", "t.jinja:1: cannot switch from automatic field numbering to manual field specification"},
		{"{{ '{1}'.format(1) }}", "t.jinja:1: Replacement index 1 out of range for positional args tuple"},
		{"{{ '{x}'.format(1) }}", "t.jinja:1: KeyError: 'x'"},
		{"{{ '{:+}'.format('a') }}", "t.jinja:1: Sign not allowed in string format specifier"},
		{"{{ '{:5}'.format(none) }}", "t.jinja:1: unsupported format string passed to NoneType.__format__"},
		{"{{ '}'.format() }}", "t.jinja:1: Single '}' encountered in format string"},
		{"{{ '{:,x}'.format(1) }}", "t.jinja:1: Cannot specify ',' with 'x'."},
		{"{{ '{:99999999999999999999d}'.format(1) }}", "t.jinja:1: Too many decimal digits in format string"},
		{"{{ '{:.99999999999999999999f}'.format(1.5) }}", "t.jinja:1: Too many decimal digits in format string"},
		{"{{ '{:.f}'.format(1.5) }}", "t.jinja:1: Format specifier missing precision"},
		{"{{ 'a' | format(1, b=2) }}", "t.jinja:1: filter format: can't handle positional and keyword arguments at the same time"},
	}
	for _, tc := range tests {
		_, err := renderString(t, "t.jinja", tc.src, Options{})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s\n got  %v\n want %s", tc.src, err, tc.want)
		}
	}
}

func mustDict(t *testing.T, js string) starlark.Value {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return toStarlark(v)
}

// TestModuloInline: "%" stays Starlark's inline modulo when the left
// operand is known to be a number, and goes through $mod otherwise.
func TestModuloInline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src    string
		inline bool
	}{
		{`{{ 7 % 2 }}{{ -7 % 2 }}{{ 7.5 % 2 }}`, true},
		{`{% for i in range(3) %}{{ i % 2 }}{{ loop.index % 2 }}{{ loop.revindex0 % 2 }}{% endfor %}`, true},
		{`{{ (n + 1) % 2 }}{{ (n - 1) % 2 }}{{ n // 2 % 2 }}{{ (n | int) % 2 }}{{ len(s) % 2 }}{{ (2 ** n) % 3 }}`, true},
		{`{{ n % 2 }}`, false},
		{`{{ '%d' % n }}`, false},
		{`{{ (s * 2) % 2 }}`, false},
		{`{% for i in range(3) %}{% set i = 's' %}{{ i % 2 }}{% endfor %}`, false},
		{`{% for i in xs %}{{ i % 2 }}{% endfor %}`, false},
		{`{% set range = xs %}{% for i in range(3) %}{{ i % 2 }}{% endfor %}`, false},
	}
	for _, tc := range tests {
		tm, err := Compile("t.jinja", tc.src, Options{Globals: []string{"n", "s", "xs"}})
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if _, dispatched := tm.builtins[hMod]; dispatched == tc.inline {
			t.Errorf("%s: inline %v, want %v", tc.src, !dispatched, tc.inline)
		}
	}
}

// FuzzPyFormat: any format string gives a result or an error, never a
// panic, for %, str.format and format specs.
func FuzzPyFormat(f *testing.F) {
	for _, s := range []string{"%06d", "%(key)s", "%-*.*f", "%#x%%", "{:05d}", "{0[key]!r:>{1}}", "{:,.2%}", "{{}}{", "%(", "{:z#010_b}"} {
		f.Add(s)
	}
	args := starlark.Tuple{starlark.MakeInt(42), starlark.Float(-3.5), starlark.String("ab"), starlark.NewList(nil)}
	d := starlark.NewDict(1)
	_ = d.SetKey(starlark.String("key"), starlark.MakeInt(7))
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = pyPercent(s, args)
		_, _ = pyPercent(s, d)
		_, _ = pyPercent(s, starlark.MakeInt(1))
		th := &starlark.Thread{}
		_, _ = pyFormat(th, s, args, []starlark.Tuple{{starlark.String("key"), d}})
		for _, v := range args {
			_, _ = appendFormatted(th, nil, v, s)
		}
	})
}

// TestFormatWidthBound: a runaway width fails the render instead of
// allocating it.
func TestFormatWidthBound(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`{{ '%2000000000d' % 1 }}`, `{{ '%*d' % (2000000000, 1) }}`, `{{ '{:2000000000}'.format(1) }}`,
		`{{ '{:.2000000000f}'.format(1.5) }}`, `{{ 'x'.zfill(2000000000) }}`, `{{ 'x'.ljust(2000000000) }}`, `{{ 'x'.center(2000000000) }}`,
	} {
		_, err := renderString(t, "t.jinja", src, Options{})
		if err == nil || !strings.Contains(err.Error(), "too large") {
			t.Errorf("%s: %v, want a width error", src, err)
		}
	}
}
