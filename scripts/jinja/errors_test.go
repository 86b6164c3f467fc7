package jinja

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
)

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"bad.jinja":    "ok\n{{ x | nofilter }}",
		"self.jinja":   `{% include "self.jinja" %}`,
		"macros.jinja": `{% macro a() %}{% endmacro %}`,
		"child.jinja":  `{% extends "macros.jinja" %}`,
		"req.jinja":    `{% block a required %}{% endblock %}`,
	}
	loader := func(name string) (string, error) {
		if s, ok := files[name]; ok {
			return s, nil
		}
		return "", fs.ErrNotExist
	}
	tests := []struct {
		src, want string
	}{
		{"{{ x | nofilter }}", "t.jinja:1:8: no filter named 'nofilter'"},
		{"line\n  {% frobnicate %}", "t.jinja:2:6: unknown tag 'frobnicate'"},
		{"{% if x %}\nopen", "t.jinja:1:4: unexpected end of template: 'if' tag is not closed (expected 'elif' or 'else' or 'endif')"},
		{"{% endfor %}", "t.jinja:1:4: unexpected 'endfor' tag"},
		{"{{ x is frob }}", "t.jinja:1:9: no test named 'frob'"},
		{"a\n{{ 1 + }}", "t.jinja:2:8: unexpected end of print statement '}}'"},
		{"{{ 'abc }}", "t.jinja:1:4: unterminated string literal"},
		{"{# never closed", "t.jinja:1:1: unterminated comment"},
		{"{{ x", "t.jinja:1:5: unexpected end of template, expected \"}}\""},
		{"{% break %}", "t.jinja:1:4: 'break' outside of a loop"},
		{"{% for x in y %}{% endif %}", "t.jinja:1:20: unexpected 'endif' tag"},
		{"{% set x = %}", "t.jinja:1:12: unexpected end of statement block '%}'"},
		{"{% include [\"missing.jinja\", \"gone.jinja\"] %}", "t.jinja:1:12: cannot load template: none of \"missing.jinja\", \"gone.jinja\" exists"},
		{"{% include [] %}", "t.jinja:1:12: expected a template name in the list"},
		{"{% include \"missing.jinja\" %}", "t.jinja:1:12: cannot load template \"missing.jinja\": file does not exist"},
		{"\n{% include \"bad.jinja\" %}", "bad.jinja:2:8: no filter named 'nofilter'"},
		{"{% include \"self.jinja\" %}", "self.jinja:1:12: template \"self.jinja\" includes or imports itself (t.jinja -> self.jinja -> self.jinja)"},
		{"{% from \"macros.jinja\" import b %}", "t.jinja:1:31: the template \"macros.jinja\" does not export 'b'"},
		{"{% extends \"x\" %}", "t.jinja:1:12: cannot load template \"x\": file does not exist"},
		{"{% extends \"self.jinja\" %}", "self.jinja:1:12: template \"self.jinja\" includes or imports itself (t.jinja -> self.jinja -> self.jinja)"},
		{"{% if y %}{% extends \"macros.jinja\" %}{% endif %}", "t.jinja:1:14: 'extends' must be at the top level of the template (not inside another tag)"},
		{"{% extends \"macros.jinja\" %}{% extends \"macros.jinja\" %}", "t.jinja:1:32: the template extends twice"},
		{"{% include \"child.jinja\" %}", "child.jinja:1:4: 'extends' is supported in the template a generator renders, not in included or imported ones"},
		{"{% block a %}{% endblock %}{% block a %}{% endblock %}", "t.jinja:1:37: block 'a' defined twice"},
		{"{% block a %}{{ super() }}{% endblock %}", "t.jinja:1:17: super(): there is no parent block called 'a'"},
		{"{% block a %}{% endblock b %}", "t.jinja:1:26: 'endblock b' closes block 'a'"},
		{"{% block a required %}text{% endblock %}", "t.jinja:1:10: required blocks can only contain comments or whitespace"},
		{"{% block a required %} {# c #} {% endblock %}", "t.jinja:1:10: required block 'a' not found (no template extending this one defines it)"},
		{"{% extends \"req.jinja\" %}", "req.jinja:1:10: required block 'a' not found (no template extending this one defines it)"},
		{"{{ nomacro(1) }}", "t.jinja:1:4: unknown macro or function 'nomacro'"},
		{"{% call nomacro() %}x{% endcall %}", "t.jinja:1:9: unknown macro or function 'nomacro'"},
		{"{% import \"macros.jinja\" as m %}{{ m.b() }}", "t.jinja:1:38: the template \"macros.jinja\" does not export 'b'"},
		{"{% call y %}x{% endcall %}", "t.jinja:1:9: expected a call expression after 'call'"},
		{"{% call y() %}x", "t.jinja:1:4: unexpected end of template: 'call' tag is not closed (expected 'endcall')"},
		{"{% endcall %}", "t.jinja:1:4: unexpected 'endcall' tag"},
		{"{{ x.|y }}", "t.jinja:1:6: expected an attribute name, got '|'"},
		{"{% raw %}never closed", "t.jinja:1:1: unterminated raw block: missing {% endraw %}"},
		{"{{ \"\\x4\" }}", "t.jinja:1:4: invalid \\x escape in string literal"},
	}
	for _, tc := range tests {
		_, err := Compile("t.jinja", tc.src, Options{Loader: loader, Globals: []string{"y"}})
		if err == nil {
			t.Errorf("%q: no error, want %s", tc.src, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%q:\n got  %s\n want %s", tc.src, err, tc.want)
		}
		var je *Error
		if !errors.As(err, &je) || je.Line == 0 {
			t.Errorf("%q: error %v carries no position", tc.src, err)
		}
	}
}

func TestRuntimeErrors(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"sub/inc.jinja":  "fine\n{{ 1 // 0 }}",
		"sub/lib.jinja":  "{% macro boom(x) %}\n\n{{ x + 1 }}{% endmacro %}",
		"sub/base.jinja": "{% block a %}\n{{ 1 // 0 }}{% endblock %}",
	}
	loader := func(name string) (string, error) {
		if s, ok := files[name]; ok {
			return s, nil
		}
		return "", fs.ErrNotExist
	}
	tests := []struct {
		src, want string
	}{
		{"a\nb\n{{ 1 + 'x' }}", "t.jinja:3: unknown binary op: int + string"},
		{"{{ nope + 1 }}", "t.jinja:1: 'nope' is undefined"},
		{"\n{{ d['missing'] }}", "t.jinja:2: key \"missing\" not in dict"},
		{"x\n{% include 'inc.jinja' %}", "sub/inc.jinja:2: floored division by zero"},
		{"{% from 'lib.jinja' import boom %}\n{{ boom('s') }}", "sub/lib.jinja:3: unknown binary op: string + int"},
		{"{% macro m(a) %}\n{{ a | int + [] }}{% endmacro %}{{ m(1) }}", "sub/t.jinja:2: unknown binary op: int + list"},
		{"{{ 'x' | truncate(1) }}", "sub/t.jinja:1: filter truncate: expected length >= 3, got 1"},
		{"{{ [1] | map('nofilter') | list }}", "sub/t.jinja:1: filter map: no filter named \"nofilter\""},
		{"{{ [{'a': 'x'}] | selectattr('a', 'match', 'x') | list }}", "sub/t.jinja:1: filter selectattr: no test named 'match'"},
		{"{% extends 'base.jinja' %}", "sub/base.jinja:2: floored division by zero"},
		{"{% extends 'base.jinja' %}{% block a %}{{ super() }}{% endblock %}", "sub/base.jinja:2: floored division by zero"},
		{"{% extends 'base.jinja' %}\n{% block a %}\n\n{{ [] + 1 }}{% endblock %}", "sub/t.jinja:4: unknown binary op: list + int"},
		{"{% for x in [[1]] recursive %}\n{{ loop(x) if x is iterable else x + 'a' }}{% endfor %}", "sub/t.jinja:2: unknown binary op: int + string"},
		{"{% for x in [1] %}{{ loop([2]) }}{% endfor %}", "t.jinja:1: the loop must have the 'recursive' marker to be called recursively"},
	}
	for _, tc := range tests {
		name := "t.jinja"
		if strings.HasPrefix(tc.want, "sub/") {
			name = "sub/t.jinja"
		}
		tm, err := Compile(name, tc.src, Options{Loader: loader, Globals: []string{"d"}})
		if err != nil {
			t.Errorf("%q: compile: %v", tc.src, err)
			continue
		}
		th := &starlark.Thread{}
		in, err := tm.NewInstance(th, starlark.StringDict{"d": starlark.NewDict(0)})
		if err != nil {
			t.Errorf("%q: instance: %v", tc.src, err)
			continue
		}
		out, err := in.Render(th, []byte("keep"), starlark.None, starlark.Tuple{})
		if err == nil {
			t.Errorf("%q: no error, want %s", tc.src, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%q:\n got  %s\n want %s", tc.src, err, tc.want)
		}
		if string(out) != "keep" {
			t.Errorf("%q: dst after error = %q, want the original", tc.src, out)
		}
	}
}

func TestUndefinedNames(t *testing.T) {
	t.Parallel()
	tm, err := Compile("t.jinja", `{{ a }}{{ module.x }}{% set b = 1 %}{{ b }}{{ c.d }}{% for i in e %}{{ i }}{{ loop.index }}{% endfor %}{{ timestamp }}{{ len(f) }}`,
		Options{Globals: []string{"module"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(tm.Undefined(), ","), "a,c,e,f"; got != want {
		t.Errorf("Undefined() = %s, want %s", got, want)
	}
}

func TestRenderArgs(t *testing.T) {
	t.Parallel()
	tm, err := Compile("t.jinja", "{{ a }}-{{ b }}", Options{Args: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	th := &starlark.Thread{}
	in, err := tm.NewInstance(th, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := in.Render(th, []byte(">"), starlark.MakeInt(1), starlark.String("x"))
	if err != nil || string(out) != ">1-x" {
		t.Fatalf("Render = %q, %v", out, err)
	}
	if _, err := in.Render(th, nil, starlark.MakeInt(1)); err == nil {
		t.Fatal("Render with too few arguments succeeded")
	}
}

// FuzzCompile checks that the compiler never panics and that every error it
// returns carries a template position.
func FuzzCompile(f *testing.F) {
	seeds := []string{
		"{{ x }}", "{% for a, b in c if a %}{{ loop.index }}{% else %}e{% endfor %}",
		"{% macro m(a, b=1) %}{{ varargs }}{% endmacro %}{{ m(1, 2, 3) }}",
		"{% set ns = namespace(x=1) %}{% set ns.x = 2 %}", "{{ a | default('x') | upper }}",
		"{{- x -}}{#- c -#}{%- if x -%}{%- endif -%}", "{% raw %}{{{% endraw %}", "{{ x is not divisibleby 3 }}",
		"{{ [y for y in z if y] }}", "{{ {'a': 1}['a'] ~ 'b' }}", "{% include 'x' ignore missing %}",
		"{{ 'a'.zfill(3) }}", "{{ x[1:2:3] }}", "{{ lambda x: x }}", "{{ 1 if 2 }}",
		"{% extends 'b' %}{% block a %}{{ super() }}{% endblock %}", "{% block a scoped %}{{ self.a() }}{% endblock a %}",
		"{% for i in x recursive %}{% set y = i %}{{ loop(i) }}{{ loop.depth0 }}{% endfor %}",
		"{% with a = 1, b = a %}{% set c = b %}{% endwith %}{% filter upper %}{% set d = 1 %}{% endfilter %}",
		"{% set c = cycler(1, 2) %}{{ c.next() }}{% set j = joiner() %}{{ j() }}{{ lipsum(1) | xmlattr }}",
		"{% macro m() %}<{{ caller() }}>{% endmacro %}{% autoescape true %}{{ x | safe ~ '<' }}{% call m() %}{{ x | e | upper }}{% endcall %}{% filter upper %}{{ x is string }}{% endfilter %}{% endautoescape %}",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		done := make(chan bool)
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				panic(fmt.Sprintf("WATCHDOG %q", src))
			}
		}()
		loader := func(name string) (string, error) { return src, nil }
		tm, err := Compile("f.jinja", src, Options{Loader: loader, Globals: []string{"x"}})
		if err != nil {
			var je *Error
			if !errors.As(err, &je) || je.Line < 1 || je.File == "" {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		th := &starlark.Thread{}
		th.SetMaxExecutionSteps(10000)
		in, err := tm.NewInstance(th, starlark.StringDict{"x": starlark.MakeInt(1)})
		if err != nil {
			return
		}
		_, _ = in.Render(th, nil, starlark.None, starlark.Tuple{})
	})
}
