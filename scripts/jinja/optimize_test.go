package jinja

import (
	"math/rand/v2"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// freshValue has an attribute that is a new list at every access, as
// samples.<name>.columns is: it must never be hoisted.
type freshValue struct{}

func (freshValue) String() string        { return "fresh" }
func (freshValue) Type() string          { return "fresh" }
func (freshValue) Freeze()               {}
func (freshValue) Truth() starlark.Bool  { return true }
func (freshValue) Hash() (uint32, error) { return 0, nil }
func (freshValue) AttrNames() []string   { return []string{"items"} }
func (freshValue) Attr(name string) (starlark.Value, error) {
	if name == "items" {
		return starlark.NewList(nil), nil
	}
	return nil, nil
}

func optimizeGlobals() starlark.StringDict {
	vars := starlark.NewDict(2)
	_ = vars.SetKey(starlark.String("users"), starlark.NewList([]starlark.Value{starlark.String("a"), starlark.String("b")}))
	_ = vars.SetKey(starlark.String("n"), starlark.MakeInt(3))
	vars.Freeze()
	// st stands in for a state store: stable methods, changing items.
	return starlark.StringDict{"module": benchModule(), "vars": vars, "obj": freshValue{}, "st": starlark.NewDict(1)}
}

// renderTimes compiles src (optimized unless plain) and renders it n
// times on one instance; outputs and the error (as text) are returned.
func renderTimes(t *testing.T, src string, plain bool, n int) ([]string, string) {
	t.Helper()
	g := optimizeGlobals()
	opts := Options{Globals: []string{"module", "vars", "obj", "st"}, AttrGlobals: []string{"module", "obj"},
		Invariant: []string{"module", "vars", "obj"}, StableAttrs: []string{"st"}, plain: plain}
	tm, err := Compile("t.jinja", src, opts)
	if err != nil {
		return nil, err.Error()
	}
	th := &starlark.Thread{Name: "test"}
	th.SetLocal("rand", rand.New(rand.NewPCG(7, 7)))
	in, err := tm.NewInstance(th, g)
	if err != nil {
		return nil, err.Error()
	}
	var outs []string
	for range n {
		out, err := in.Render(th, nil, starlark.None, starlark.Tuple{})
		if err != nil {
			return outs, err.Error()
		}
		outs = append(outs, string(out))
	}
	return outs, ""
}

// TestOptimizeKeepsBehaviour renders templates with and without the
// optimize pass: same outputs (same random draws), same errors.
func TestOptimizeKeepsBehaviour(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		want      string // first output, or the error
	}{
		{"chains", `{{ module.rand.choice(['x', 'y']) }} {{ module.rand.number.integer(1, 9) }} {{ vars.users[0] }} {{ vars.n + 1 }}`, ""},
		{"bound call with list", `{{ module.rand.weighted_choice({'a': 1, 'b': 0}) }}`, "a"},
		{"rebound after use in a loop", `{% for i in range(2) %}{{ vars.users }};{% set vars = {'users': 'z'} %}{% endfor %}`, ""},
		{"macro parameter shadows", `{% macro f(vars) %}{{ vars.users }}{% endmacro %}{{ f({'users': 'm'}) }} {{ vars.users }}`, "m ['a', 'b']"},
		{"loop target shadows", `{% for module in [vars] %}{{ module.users }}{% endfor %}`, "['a', 'b']"},
		{"lenient lookups", `{{ vars.missing | default('d') }} {{ vars.users is defined }} {{ module.rand.nope is defined }}`, "d True False"},
		{"method of a hoisted value", `{{ vars.users.index('b') }}`, "1"},
		{"printed method call", `{{ "x,y".split(",") }} {{ 'ab'.upper() }}`, "['x', 'y'] AB"},
		{"captured output", `{% set s %}{{ module.rand.choice(['q']) }}!{% endset %}[{{ s }}]`, "[q!]"},
		{"fresh list through an attribute", `{% do obj.items.append(1) %}{{ obj.items | length }}`, "0"},
		{"lookups on local values", `{% for u in [{'name': 'x', 'd': {'e': 1}}] %}{{ u.name }}[{{ u.missing }}]{{ u.d.e }}{{ u.name.nope is defined }}{% endfor %}`, "x[]1False"},
		{"store methods and items", `{% do st.update({'n': st.get('n', 0) + 1}) %}{{ st.get('n') }}/{{ st.n }}/{{ st['n'] }}`, "1/1/1"},
		{"chain that fails only when run", `{% if false %}{{ module.nope }}{% endif %}ok`, "ok"},
		{"runtime error line", "a\n\n{{ module.rand.nope }}", "t.jinja:3: module has no .nope field or method"},
		{"method call on a mapping", "a\n{{ vars.n(1) }}", "t.jinja:2: dict has no .n field or method"},
		{"method missing on a hoisted value", "a\n{{ vars.n.nope(1) }}", "t.jinja:2: int has no .nope field or method"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plain, plainErr := renderTimes(t, tc.src, true, 3)
			opt, optErr := renderTimes(t, tc.src, false, 3)
			if strings.Join(opt, "|") != strings.Join(plain, "|") || optErr != plainErr {
				t.Fatalf("optimized %q (error %q), plain %q (error %q)", opt, optErr, plain, plainErr)
			}
			if tc.name == "store methods and items" && strings.Join(opt, " ") != "1/1/1 2/2/2 3/3/3" {
				t.Fatalf("optimized %q (error %q), plain %q (error %q)", opt, optErr, plain, plainErr)
			}
			got := optErr
			if got == "" && len(opt) > 0 {
				got = opt[0]
			}
			if tc.want != "" && got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestOptimizeHoists checks that invariant chains and constant calls are
// hoisted, and that a template whose chain cannot be hoisted falls back.
func TestOptimizeHoists(t *testing.T) {
	t.Parallel()
	opts := Options{Globals: []string{"module", "vars", "obj", "st"}, AttrGlobals: []string{"module", "obj"},
		Invariant: []string{"module", "vars", "obj"}, StableAttrs: []string{"st"}}
	cases := []struct {
		src      string
		hoists   int
		fallback bool
	}{
		{`{{ module.rand.choice(['a']) }}{{ module.rand.choice(['a']) }}`, 2, false}, // chain + bound call, shared
		{`{{ vars.users }} {{ vars.n }}`, 2, false},
		{`{% set vars = 1 %}{{ vars.users }}`, 0, false},
		{`{{ obj.items }}`, 1, true},
		{`{{ st.get('n') }}`, 2, false},                // a store's method, bound to its constant argument
		{`{{ st.n }} {{ st.n is defined }}`, 0, false}, // its items are not invariant
		{`{{ module.nope }}`, 1, true},
	}
	for _, tc := range cases {
		tm, err := Compile("t.jinja", tc.src, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(tm.hoists) != tc.hoists {
			t.Errorf("%s: %d hoisted values, want %d", tc.src, len(tm.hoists), tc.hoists)
		}
		th := &starlark.Thread{}
		th.SetLocal("rand", rand.New(rand.NewPCG(1, 1)))
		in, err := tm.NewInstance(th, optimizeGlobals())
		if err != nil {
			t.Fatal(err)
		}
		if fellBack := in.t != tm; fellBack != tc.fallback {
			t.Errorf("%s: fell back %v, want %v", tc.src, fellBack, tc.fallback)
		}
	}
}

func TestArgEscapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src     string
		escapes bool
	}{
		{`{{ timestamp.strftime('%H') }}`, false},
		{`{{ timestamp }} {{ timestamp.year }}`, false},
		{`{% set d = timestamp - timestamp %}{{ timestamp == timestamp }}{{ d }}`, false},
		{`{% set f = timestamp.strftime %}{{ f('%H') }}`, false}, // bound to a copy when reused
		{`{% set t = timestamp %}{{ t }}`, true},
		{`{% do locals.set('x', timestamp) %}`, true},
		{`{{ [timestamp] }}`, true},
		{`{{ timestamp or 1 }}`, true},
		{`{{ timestamp | string }}`, true},
		{`{% macro m() %}{{ timestamp.year }}{% endmacro %}{{ m() }}`, true},
		{`{% set timestamp = 1 %}{{ timestamp }}`, true},
		{`{{ (lambda: timestamp)() }}`, true},
	}
	for _, tc := range cases {
		for _, plain := range []bool{false, true} {
			tm, err := Compile("t.jinja", tc.src, Options{Globals: []string{"locals"}, plain: plain})
			if err != nil {
				t.Fatalf("%s: %v", tc.src, err)
			}
			if got := tm.ArgEscapes("timestamp"); got != tc.escapes {
				t.Errorf("%s (plain %v): ArgEscapes = %v, want %v", tc.src, plain, got, tc.escapes)
			}
		}
	}
}

// TestPrintedMethodErrorLine: a printed method call whose receiver cannot
// format itself is called the ordinary way, and its error names the line
// of the call, not of the start of the text run.
func TestPrintedMethodErrorLine(t *testing.T) {
	t.Parallel()
	src := "{% set x = 'a' %}text\nmore {{ x.upper() }}\n{{ x.strftime('%H') }}"
	for _, plain := range []bool{false, true} {
		_, err := renderTimes(t, src, plain, 1)
		if want := "t.jinja:3: string has no .strftime field or method"; err != want {
			t.Errorf("plain %v: error %q, want %q", plain, err, want)
		}
	}
}
