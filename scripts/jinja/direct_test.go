package jinja

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// appendingBuiltin is a Go builtin with the fast paths of starlib's: it
// appends its result when printed (counting how often) and binds a
// constant argument once.
type appendingBuiltin struct {
	*starlark.Builtin
	appends, binds *int
}

func (b *appendingBuiltin) GoCallable() {}

func (b *appendingBuiltin) AppendCall(th *starlark.Thread, dst []byte, args starlark.Tuple, kwargs []starlark.Tuple) ([]byte, bool, error) {
	if len(args) != 0 || len(kwargs) != 0 {
		return dst, false, nil
	}
	*b.appends++
	return fmt.Appendf(dst, "n%d", rng(th).IntN(100)), true, nil
}

func (b *appendingBuiltin) BindArgs(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Callable, bool) {
	if len(args) != 1 || len(kwargs) != 0 {
		return nil, false
	}
	*b.binds++
	prefix := args[0].String()
	return starlark.NewBuiltin(b.Name(), func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(a)+len(kw) > 0 {
			return nil, errors.New("bound call given arguments")
		}
		return starlark.String(fmt.Sprintf("%s%d", prefix, rng(th).IntN(100))), nil
	}), true
}

func newAppendingBuiltin(appends, binds *int) *appendingBuiltin {
	return &appendingBuiltin{Builtin: starlark.NewBuiltin("num", func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		switch len(args) {
		case 0:
			return starlark.String(fmt.Sprintf("n%d", rng(th).IntN(100))), nil
		case 1:
			return starlark.String(fmt.Sprintf("%s%d", args[0].String(), rng(th).IntN(100))), nil
		}
		return nil, fmt.Errorf("%s: too many arguments", b.Name())
	}), appends: appends, binds: binds}
}

// directCase renders src n times in one of three ways: plain (no
// optimize pass), optimized and interpreted, optimized with the direct
// path allowed. It returns the outputs, the error text and whether the
// direct path was taken.
func directCase(t *testing.T, src string, how string, n int, appends, binds *int) ([]string, string, bool) {
	t.Helper()
	g := optimizeGlobals()
	mod := benchModule().(*starlarkstruct.Module)
	members := starlark.StringDict{"num": newAppendingBuiltin(appends, binds)}
	for k, v := range mod.Members {
		members[k] = v
	}
	g["module"] = &starlarkstruct.Module{Name: "module", Members: members}
	opts := Options{Globals: []string{"module", "vars", "obj", "st"}, AttrGlobals: []string{"module", "obj"},
		Invariant: []string{"module", "vars", "obj"}, StableAttrs: []string{"st"}, plain: how == "plain"}
	tm, err := Compile("t.jinja", src, opts)
	if err != nil {
		return nil, err.Error(), false
	}
	th := &starlark.Thread{Name: "test"}
	th.SetLocal("rand", rand.New(rand.NewPCG(7, 7)))
	in, err := tm.NewInstance(th, g)
	if err != nil {
		return nil, err.Error(), false
	}
	if how == "direct" {
		in.Stopped = func() (string, bool) { return "", false }
	}
	var outs []string
	for range n {
		out, err := in.Render(th, []byte("keep:"), starlark.String("TS"), starlark.Tuple{})
		if err != nil {
			if !strings.HasPrefix(string(out), "keep:") || len(out) != len("keep:") {
				t.Errorf("%s: failed render returned %q, want the original dst", how, out)
			}
			return outs, err.Error(), in.direct != nil
		}
		outs = append(outs, string(out))
	}
	return outs, "", in.direct != nil && how == "direct"
}

// TestDirectKeepsBehaviour renders templates plain, optimized and on the
// direct path: same outputs (same random draws), same errors; and checks
// which templates take the direct path.
func TestDirectKeepsBehaviour(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		direct    bool
		want      string // first output (after "keep:"), or the error
	}{
		{"access-log shape", "{{ module.rand.network.ip_v4_public() }} - {{ module.faker.locale.en.user_name() }} \"{{ module.rand.choice(['GET', 'POST']) }}\" {{ module.rand.weighted_choice({200: 0.7, 404: 0.3}) }} {{ module.rand.number.integer(1, 9) }}\n", true, ""},
		{"text only", "just text", true, "keep:just text"},
		{"argument and its method", "{{ timestamp }} {{ timestamp.lower() }}!", true, "keep:TS ts!"},
		{"hoisted values and globals", "{{ vars.users }} {{ vars.n }} {{ vars }}", true, ""},
		{"lookups on the argument", "{{ timestamp.lower }}|{{ timestamp.nope }}|{{ timestamp.nope.deeper }}", true, ""},
		{"literals", "{{ 1 }} {{ 'x' }} {{ None }} {{ True }}", true, "keep:1 x None True"},
		{"appender", "[{{ module.num() }}] [{{ module.num('p') }}]", true, ""},
		{"appender under a filter", "{{ module.num() | upper }}", false, ""},
		{"set then print", "{% set x = module.rand.choice(['a']) %}{{ x }}", false, "keep:a"},
		{"if", "{% if vars.n > 1 %}{{ module.num() }}{% endif %}", false, ""},
		{"error line", "a\n\n{{ module.rand.number.integer('x', 2) }}", true, ""},
		{"method error line", "a\n{{ timestamp.strftime('%H') }}", true, "t.jinja:2: string has no .strftime field or method"},
		{"call of a non-callable", "a\n{{ vars.n() }}", false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var appends, binds int
			plain, plainErr, _ := directCase(t, tc.src, "plain", 3, new(int), new(int))
			interp, interpErr, _ := directCase(t, tc.src, "interpreted", 3, new(int), new(int))
			direct, directErr, took := directCase(t, tc.src, "direct", 3, &appends, &binds)
			if took != tc.direct {
				t.Errorf("direct path taken: %v, want %v", took, tc.direct)
			}
			if j := strings.Join(plain, "|"); strings.Join(interp, "|") != j || strings.Join(direct, "|") != j ||
				interpErr != plainErr || directErr != plainErr {
				t.Fatalf("plain %q (%q)\ninterpreted %q (%q)\ndirect %q (%q)", plain, plainErr, interp, interpErr, direct, directErr)
			}
			got := plainErr
			if got == "" && len(plain) > 0 {
				got = plain[0]
			}
			if tc.want != "" && got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if tc.name == "appender" && (appends != 3 || binds != 1) {
				t.Errorf("AppendCall made %d calls, BindArgs %d; want 3 and 1", appends, binds)
			}
		})
	}
}

// TestDirectStopsAndLimits: on the direct path a cancellation from
// outside fails the render with its reason, and the output limit holds.
func TestDirectStopsAndLimits(t *testing.T) {
	t.Parallel()
	tm, err := Compile("t.jinja", "0123456789{{ timestamp }}", Options{})
	if err != nil {
		t.Fatal(err)
	}
	th := &starlark.Thread{}
	in, err := tm.NewInstance(th, nil)
	if err != nil {
		t.Fatal(err)
	}
	var reason string
	in.Stopped = func() (string, bool) { return reason, reason != "" }
	if in.direct == nil {
		t.Fatal("a text-and-argument template should take the direct path")
	}
	if out, err := in.Render(th, nil, starlark.String("x"), starlark.Tuple{}); err != nil || string(out) != "0123456789x" {
		t.Fatalf("render: %q, %v", out, err)
	}
	in.MaxOutput = 5
	if _, err := in.Render(th, nil, starlark.String("x"), starlark.Tuple{}); !errors.Is(err, ErrOutputLimit) {
		t.Fatalf("render over the limit: %v, want ErrOutputLimit", err)
	}
	in.MaxOutput = 0
	reason = "shutting down"
	if _, err := in.Render(th, nil, starlark.String("x"), starlark.Tuple{}); err == nil || !strings.Contains(err.Error(), "cancelled: shutting down") {
		t.Fatalf("render after a stop: %v, want the reason", err)
	}
}
