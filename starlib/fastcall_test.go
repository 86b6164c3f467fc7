package starlib

import (
	"math/rand/v2"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// member returns module.rand.<path...> of ns.
func member(t *testing.T, ns starlark.Value, path ...string) starlark.Value {
	t.Helper()
	v := ns
	for _, p := range path {
		m, ok := v.(*starlarkstruct.Module)
		if !ok {
			t.Fatalf("%v: not a module at %s", path, p)
		}
		v = m.Members[p]
	}
	return v
}

// The fast paths of rand builtins draw the same numbers and print the same
// text as calls: two namespaces on equal seeds, one called, one appending.
func TestRandFastPathsMatchCalls(t *testing.T) {
	t.Parallel()
	for _, path := range [][]string{
		{"network", "ip_v4"}, {"network", "ip_v4_private"}, {"network", "ip_v4_private_a"},
		{"network", "ip_v4_private_b"}, {"network", "ip_v4_private_c"}, {"network", "ip_v4_public"},
		{"crypto", "uuid4"}, {"crypto", "md5"}, {"crypto", "sha1"}, {"crypto", "sha256"}, {"crypto", "sha512"},
	} {
		called := newRandNamespace(rand.New(rand.NewPCG(3, 4)), time.UTC)
		appended := newRandNamespace(rand.New(rand.NewPCG(3, 4)), time.UTC)
		th := &starlark.Thread{}
		fast, ok := member(t, appended, path...).(*fastBuiltin)
		if !ok {
			t.Fatalf("%v: no fast path", path)
		}
		var buf []byte
		for i := range 200 {
			v, err := starlark.Call(th, member(t, called, path...), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			out, ok, err := fast.AppendCall(th, buf[:0], nil, nil)
			if !ok || err != nil {
				t.Fatalf("%v: AppendCall: %v, %v", path, ok, err)
			}
			if want := string(v.(starlark.String)); string(out) != want {
				t.Fatalf("%v draw %d: appended %q, called %q", path, i, out, want)
			}
			buf = out
		}
		if _, ok, _ := fast.AppendCall(th, nil, starlark.Tuple{starlark.None}, nil); ok {
			t.Errorf("%v: AppendCall with arguments should be left to the call", path)
		}
	}
}

func TestWeightedChoiceBinding(t *testing.T) {
	t.Parallel()
	dict := func(kv ...starlark.Value) *starlark.Dict {
		d := starlark.NewDict(len(kv) / 2)
		for i := 0; i < len(kv); i += 2 {
			_ = d.SetKey(kv[i], kv[i+1])
		}
		d.Freeze()
		return d
	}
	good := dict(starlark.MakeInt(200), starlark.Float(0.7), starlark.MakeInt(404), starlark.Float(0.2),
		starlark.MakeInt(500), starlark.MakeInt(0), starlark.String("x"), starlark.Float(0.1))
	called := newRandNamespace(rand.New(rand.NewPCG(5, 6)), time.UTC)
	bound := newRandNamespace(rand.New(rand.NewPCG(5, 6)), time.UTC)
	fast := member(t, bound, "weighted_choice").(*fastBuiltin)
	fn, ok := fast.BindArgs(starlark.Tuple{good}, nil)
	if !ok {
		t.Fatal("a frozen dict of valid weights should bind")
	}
	th := &starlark.Thread{}
	for i := range 500 {
		want, err := starlark.Call(th, member(t, called, "weighted_choice"), starlark.Tuple{good}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := starlark.Call(th, fn, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if eq, _ := starlark.Equal(got, want); !eq {
			t.Fatalf("draw %d: bound %v, called %v", i, got, want)
		}
	}
	if _, err := starlark.Call(th, fn, starlark.Tuple{good}, nil); err == nil {
		t.Error("the bound call given arguments should fail")
	}
	for name, args := range map[string]starlark.Tuple{
		"negative weight": {dict(starlark.String("a"), starlark.MakeInt(-1))},
		"zero total":      {dict(starlark.String("a"), starlark.MakeInt(0))},
		"bad weight":      {dict(starlark.String("a"), starlark.String("w"))},
		"a list":          {starlark.NewList([]starlark.Value{starlark.String("a")})},
		"two arguments":   {good, starlark.None},
	} {
		if _, ok := fast.BindArgs(args, nil); ok {
			t.Errorf("%s: bound; the call's error should be left to the call", name)
		}
	}
}

// choice, number.integer and string.* bound to constant arguments draw
// what the calls draw; the bound integer and strings also append the same
// text.
func TestChoiceAndIntegerBinding(t *testing.T) {
	t.Parallel()
	list := starlark.NewList([]starlark.Value{starlark.String("GET"), starlark.String("POST"), starlark.MakeInt(3)})
	list.Freeze()
	cases := []struct {
		path []string
		args starlark.Tuple
		bind bool
	}{
		{[]string{"choice"}, starlark.Tuple{list}, true},
		{[]string{"choice"}, starlark.Tuple{starlark.String("abc")}, true},
		{[]string{"number", "integer"}, starlark.Tuple{starlark.MakeInt(200), starlark.MakeInt(15000)}, true},
		{[]string{"number", "integer"}, starlark.Tuple{starlark.MakeInt(-5), starlark.MakeInt(-5)}, true},
		{[]string{"string", "hex"}, starlark.Tuple{starlark.MakeInt(37)}, true},
		{[]string{"string", "letters"}, starlark.Tuple{starlark.MakeInt(12)}, true},
		{[]string{"string", "digits"}, starlark.Tuple{starlark.MakeInt(0)}, true},
		{[]string{"string", "punctuation"}, starlark.Tuple{starlark.MakeInt(100)}, true},
		{[]string{"string", "letters_lowercase"}, starlark.Tuple{starlark.MakeInt(5)}, true},
		{[]string{"string", "letters_uppercase"}, starlark.Tuple{starlark.MakeInt(5)}, true},
		{[]string{"string", "hex"}, starlark.Tuple{starlark.MakeInt(-1)}, false},
		{[]string{"choice"}, starlark.Tuple{starlark.NewList(nil)}, false},
		{[]string{"number", "integer"}, starlark.Tuple{starlark.MakeInt(2), starlark.MakeInt(1)}, false},
		{[]string{"number", "integer"}, starlark.Tuple{starlark.String("x"), starlark.MakeInt(1)}, false},
	}
	for _, tc := range cases {
		called := newRandNamespace(rand.New(rand.NewPCG(1, 2)), time.UTC)
		bound := newRandNamespace(rand.New(rand.NewPCG(1, 2)), time.UTC)
		appended := newRandNamespace(rand.New(rand.NewPCG(1, 2)), time.UTC)
		fn, ok := member(t, bound, tc.path...).(*fastBuiltin).BindArgs(tc.args, nil)
		if ok != tc.bind {
			t.Fatalf("%v%v: bound %v, want %v", tc.path, tc.args, ok, tc.bind)
		}
		if !ok {
			continue
		}
		afn, _ := member(t, appended, tc.path...).(*fastBuiltin).BindArgs(tc.args, nil)
		app, canAppend := afn.(*fastBuiltin)
		th := &starlark.Thread{}
		for i := range 300 {
			want, err := starlark.Call(th, member(t, called, tc.path...), tc.args, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := starlark.Call(th, fn, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if eq, _ := starlark.Equal(got, want); !eq {
				t.Fatalf("%v draw %d: bound %v, called %v", tc.path, i, got, want)
			}
			if canAppend {
				text := want.String()
				if s, ok := want.(starlark.String); ok {
					text = string(s)
				}
				out, ok, err := app.AppendCall(th, nil, nil, nil)
				if !ok || err != nil || string(out) != text {
					t.Fatalf("%v draw %d: appended %q (%v, %v), called %v", tc.path, i, out, ok, err, want)
				}
			}
		}
		if _, err := starlark.Call(th, fn, starlark.Tuple{starlark.None}, nil); err == nil {
			t.Errorf("%v: the bound call given arguments should fail", tc.path)
		}
	}
}
