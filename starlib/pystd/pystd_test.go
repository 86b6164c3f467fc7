package pystd

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// cpythonCase is one entry of testdata/cpython.json, written by
// testdata/cpython.py from CPython's own results.
type cpythonCase struct {
	Src  string          `json:"src"`
	Want json.RawMessage `json:"want"`
}

func TestMatchesCPython(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "cpython.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []cpythonCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(strings.SplitN(c.Src, "\n", 2)[0], func(t *testing.T) {
			t.Parallel()
			predeclared := starlark.StringDict{
				"random":    newRandomModule(rand.New(rand.NewPCG(1, 2))),
				"heapq":     heapqModule,
				"bisect":    bisectModule,
				"operator":  operatorModule,
				"ipaddress": ipaddressModule,
				"builtins":  builtinsModule,
				"urllib":    urllibModule,
				"string":    stringModule,
			}
			opts := &syntax.FileOptions{TopLevelControl: true, GlobalReassign: true}
			globals, err := starlark.ExecFileOptions(opts, &starlark.Thread{Name: "test"}, "case.star", c.Src, predeclared)
			if err != nil {
				t.Fatal(err)
			}
			got := toJSON(t, globals["out"])
			if !sameValue(normalize(t, got), normalize(t, c.Want)) {
				t.Fatalf("%s\n got %s\nwant %s", c.Src, got, c.Want)
			}
		})
	}
}

// sameValue compares decoded JSON; floats may differ in the last few units
// of precision, since Go's math.Log, Sin and Cos are not glibc's to the bit
// (the random bits drawn, and so every integer result, are the same).
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case float64:
		bf, ok := b.(float64)
		return ok && (a == bf || math.Abs(a-bf) <= 4*math.Abs(math.Nextafter(bf, math.Inf(1))-bf))
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], bl[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// toJSON writes a Starlark value as JSON (ints exactly, floats shortest).
func toJSON(t *testing.T, v starlark.Value) []byte {
	t.Helper()
	var b bytes.Buffer
	var walk func(v starlark.Value)
	walk = func(v starlark.Value) {
		switch v := v.(type) {
		case starlark.Int:
			b.WriteString(v.String())
		case starlark.Float:
			f, _ := json.Marshal(float64(v))
			b.Write(f)
		case starlark.Bool:
			f, _ := json.Marshal(bool(v))
			b.Write(f)
		case starlark.String:
			s, _ := json.Marshal(string(v))
			b.Write(s)
		case starlark.Indexable:
			b.WriteByte('[')
			for i := 0; i < v.Len(); i++ {
				if i > 0 {
					b.WriteByte(',')
				}
				walk(v.Index(i))
			}
			b.WriteByte(']')
		default:
			t.Fatalf("unexpected %s %v", v.Type(), v)
		}
	}
	walk(v)
	return b.Bytes()
}

// normalize decodes JSON with numbers as float64 compared exactly and big
// ints kept as their digits.
func normalize(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	var fix func(any) any
	fix = func(v any) any {
		switch v := v.(type) {
		case json.Number:
			if strings.ContainsAny(string(v), ".eE") {
				f, _ := v.Float64()
				return f
			}
			return string(v)
		case []any:
			for i := range v {
				v[i] = fix(v[i])
			}
		}
		return v
	}
	return fix(v)
}

func TestModuleRandomFollowsGeneratorStream(t *testing.T) {
	t.Parallel()
	run := func(seed uint64) string {
		m := newRandomModule(rand.New(rand.NewPCG(seed, seed)))
		g, err := starlark.ExecFile(&starlark.Thread{}, "x.star",
			"out = [random.random(), random.randint(1, 1000), random.choice('abcdef'.elems()), random.Random().random()]",
			starlark.StringDict{"random": m})
		if err != nil {
			t.Fatal(err)
		}
		return g["out"].String()
	}
	if a, b := run(1), run(1); a != b {
		t.Fatalf("same seed, different values: %s vs %s", a, b)
	}
	if a, b := run(1), run(2); a == b {
		t.Fatalf("different seeds, same values: %s", a)
	}
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	g, err := starlark.ExecFile(&starlark.Thread{}, "x.star", `
a = secrets.token_hex(8)
b = secrets.token_urlsafe(8)
c = secrets.token_bytes()
d = secrets.randbelow(10)
e = secrets.choice(["x", "y"])
f = secrets.token_urlsafe()
`, starlark.StringDict{"secrets": newSecretsModule(rand.New(rand.NewPCG(1, 1)))})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		ok   func(starlark.Value) bool
	}{
		{"a", func(v starlark.Value) bool { s, ok := v.(starlark.String); return ok && len(s) == 16 }},
		{"b", func(v starlark.Value) bool { s, ok := v.(starlark.String); return ok && len(s) == 11 }}, // base64 of 8 bytes, unpadded
		{"c", func(v starlark.Value) bool { s, ok := v.(starlark.Bytes); return ok && len(s) == 32 }},
		{"d", func(v starlark.Value) bool {
			i, ok := v.(starlark.Int)
			n, _ := i.Int64()
			return ok && n >= 0 && n < 10
		}},
		{"e", func(v starlark.Value) bool { return v == starlark.String("x") || v == starlark.String("y") }},
		{"f", func(v starlark.Value) bool { s, ok := v.(starlark.String); return ok && len(s) == 43 }},
	}
	for _, c := range checks {
		if !c.ok(g[c.name]) {
			t.Errorf("%s = %v", c.name, g[c.name])
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{`random.randint(1, "x")`, `random.randint: for parameter b: got string, want int`},
		{`random.randrange(0)`, `random.randrange: empty range`},
		{`random.choice([])`, `random.choice: cannot choose from an empty sequence`},
		{`random.Random([1])`, `random.Random: for parameter a: got list, want int, str, bytes or None`},
		{`heapq.heappop([])`, `heapq.heappop: index out of range`},
		{`heapq.heappush([[1, {"a": 1}]], [1, {"b": 2}])`, `heapq.heappush: `},
		{`operator.getitem({}, "anomaly_mode must be a boolean")`, `operator.getitem: key "anomaly_mode must be a boolean" not found`},
		{`builtins.int("interval hours must be finite")`, `int: invalid literal with base 10: interval hours must be finite`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			_, err := starlark.Eval(&starlark.Thread{}, "x", tt.src, starlark.StringDict{
				"random": newRandomModule(rand.New(rand.NewPCG(1, 1))), "heapq": heapqModule, "operator": operatorModule,
				"builtins": builtinsModule})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
