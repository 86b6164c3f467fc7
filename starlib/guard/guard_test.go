package guard

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// run executes src (rewritten by File) and returns its global `r`.
func run(t *testing.T, src string) (starlark.Value, error) {
	t.Helper()
	opts := &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}
	f, err := opts.Parse("test.star", src, 0)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	File(f)
	prog, err := starlark.FileProgram(f, func(string) bool { return false })
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	g, err := prog.Init(&starlark.Thread{Name: "test"}, nil)
	if err != nil {
		return nil, err
	}
	return g["r"], nil
}

// The rewritten `*` computes what Starlark's own does.
func TestRepeatSameResults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"r = 2 * 3", "6"},
		{"x = 2\nr = x * 3.5", "7.0"},
		{`r = "ab" * 3`, `"ababab"`},
		{`r = 3 * "ab"`, `"ababab"`},
		{"r = [1] * 2 + [0] * 0 + [2] * -1", "[1, 1]"},
		{"r = (1, 2) * 2", "(1, 2, 1, 2)"},
		{`r = b"x" * 2`, `b"xx"`},
		{"r = 1\nr *= 5", "5"},
		{"r = [0]\nr *= 3", "[0, 0, 0]"},
		{"r = [2, 3]\nr[1] *= 4", "[2, 12]"},
		{"r = {'a': 'x'}\nr['a'] *= 2", `{"a": "xx"}`},
		{"def f(n=2 * 3):\n    return n * n\nr = f() * f(n=1 * 2)", "144"},
		{"r = [i * i for i in range(4) if i * 2 > 1]", "[1, 4, 9]"},
		{"f = lambda x=2 * 2: x * 3\nr = f()", "12"},
		{"def g(*a, **k):\n    return len(a) * len(k)\nr = g(*[1] * 3, **{'x': 1})", "3"},
		{"r = {'k' * 2: 'v' * 2}", `{"kk": "vv"}`},
		{"r = 'x' * 3 if 2 * 2 == 4 else 0", `"xxx"`},
		{"l = [1, 2, 3, 4]\nr = l[1 * 1:2 * 2]", "[2, 3, 4]"},
		{"r = list(range(3)) + sorted([3, 1]) + list(reversed([0, 9]))", "[0, 1, 2, 1, 3, 9, 0]"},
		{"r = dict(zip(['a'], [1]))", `{"a": 1}`},
		{"r = list(enumerate(['a', 'b']))", `[(0, "a"), (1, "b")]`},
	} {
		got, err := run(t, tc.src)
		if err != nil {
			t.Errorf("%q: %v", tc.src, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("%q = %s, want %s", tc.src, got, tc.want)
		}
	}
}

// Operations that would allocate more than MaxBytes at once are refused
// before they allocate.
func TestRefusedAllocations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{`r = ["e"] * 50000000`, "list * 50000000: the result would be larger than 64 MiB"},
		{`r = 50000000 * ["e"]`, "list * 50000000"},
		{`r = "x" * (1 << 30)`, "string * 1073741824"},
		{`r = ("a", "b") * 3000000`, "tuple * 3000000"},
		{`r = b"ab" * 40000000`, "bytes * 40000000"},
		{"r = ['x']\nr *= 100000000", "list * 100000000"},
		{"n = 1 << 62\nr = 'x' * n", "string * 4611686018427387904"},
		{"r = list(range(1 << 30))", "the argument has 1073741824 elements"},
		{"r = tuple(range(1 << 30))", "the argument has"},
		{"r = sorted(range(1 << 30))", "the argument has"},
		{"r = set(range(1 << 30))", "the argument has"},
		{"r = list(enumerate(range(1 << 30)))", "the argument has"},
		{"r = list(reversed(range(1 << 30)))", "the argument has"},
		{"r = zip(range(3), range(1 << 30))", "the argument has"},
		{`r = "a" * "b"`, "unknown binary op: string * string"},
	} {
		_, err := run(t, tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.src, err, tc.want)
		}
	}
}

func TestCheckCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int64
		unit int
		ok   bool
	}{{10, 16, true}, {MaxElems, 16, true}, {MaxElems + 1, 16, false}, {MaxBytes, 1, true}, {MaxBytes + 1, 1, false}, {-5, 16, true}, {1, 0, true}} {
		err := CheckCount("f", "n", tc.n, tc.unit)
		if (err == nil) != tc.ok {
			t.Errorf("CheckCount(%d, %d) = %v", tc.n, tc.unit, err)
		}
	}
	if err := CheckCount("rand.choices", "k", 1<<40, 16); err == nil || !strings.Contains(err.Error(), "rand.choices: k 1099511627776 is too large") {
		t.Errorf("message: %v", err)
	}
}
