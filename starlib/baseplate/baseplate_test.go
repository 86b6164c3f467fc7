package baseplate

import (
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/eventum-go/eventum/starlib"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// eval evaluates expr with `module` (seeded RNG), a datetime `ts` and a
// datetime `ts_msk` in a +03:00 zone predeclared.
func eval(t testing.TB, seed uint64, expr string) (starlark.Value, error) {
	t.Helper()
	mod := starlib.NewModule(rand.New(rand.NewPCG(seed, 0)), time.UTC)
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	env := starlark.StringDict{
		"module": mod,
		"ts":     starlib.NewTimestamp(at),
		"ts_msk": starlib.NewTimestamp(at.In(time.FixedZone("MSK", 3*3600))),
	}
	return starlark.EvalOptions(&syntax.FileOptions{}, &starlark.Thread{Name: "test"}, "t.star", expr, env)
}

func TestEventGolden(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, expr string }{
		// Baseplate's own serialization test: epoch seconds, a string id,
		// one field of each kind, and an empty and a null field dropped.
		{"baseplate_example", `module.baseplate.event("topic", "type", timestamp=333, id="1-2-3-4",
			fields={"normal": "value1", "empty": "", "null": None},
			obfuscated={"obfuscated": "value2"}, high_cardinality={"high_cardinality": "value3"})`},
		{"datetime_utc", `module.baseplate.event("t", "e", timestamp=ts, id="x")`},
		{"datetime_zone", `module.baseplate.event("t", "e", timestamp=ts_msk, id="x")`},
		{"float_seconds", `module.baseplate.event("t", "e", timestamp=1.9999, id="x")`},
		// "ip" is set as normal, then obfuscated: it keeps its place and moves
		// into the section, which sits where its first field was set.
		{"set_twice", `module.baseplate.event("t", "e", timestamp=0, id="x",
			fields={"a": 1, "ip": "10.0.0.1", "b": [1, 2.5, True, {"n": None}]},
			obfuscated={"ip": "10.0.0.2", "user": "bob"},
			high_cardinality={"a": "", "url": "/x?y=\u00e9"})`},
		{"random_id", `module.baseplate.event("t", "e", timestamp=ts, fields={"k": "v"})`},
		{"uuid_value", `module.baseplate.event("t", "e", timestamp=ts, id=module.uuid.uuid4())`},
	}
	var got strings.Builder
	for _, tc := range cases {
		v, err := eval(t, 42, tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		s, ok := v.(starlark.String)
		if !ok {
			t.Fatalf("%s: returned %s, want a string", tc.name, v.Type())
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(s), &doc); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", tc.name, err, s)
		}
		got.WriteString(tc.name + ": " + string(s) + "\n")
	}
	path := filepath.Join("testdata", "events.golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got.String() != string(want) {
		t.Errorf("got\n%s\nwant\n%s", got.String(), want)
	}
}

func TestEventIDs(t *testing.T) {
	t.Parallel()
	run := func(seed uint64) []string {
		v, err := eval(t, seed, `[module.baseplate.event("t", "e") for _ in range(3)]`)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for e := range v.(*starlark.List).Elements() {
			var doc struct{ UUID string }
			if err := json.Unmarshal([]byte(e.(starlark.String)), &doc); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, doc.UUID)
		}
		return ids
	}
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b, c := run(7), run(7), run(8)
	for i := range a {
		if !v4.MatchString(a[i]) {
			t.Errorf("id %q is not a version 4 UUID", a[i])
		}
		if a[i] != b[i] {
			t.Errorf("same seed, different ids: %q, %q", a[i], b[i])
		}
		if a[i] == c[i] {
			t.Errorf("different seeds, same id %q", a[i])
		}
	}
	if a[0] == a[1] || a[1] == a[2] {
		t.Errorf("repeated ids %q", a)
	}
}

func TestEventDefaultTimestampIsNow(t *testing.T) {
	t.Parallel()
	before := time.Now().UnixMilli()
	v, err := eval(t, 1, `module.baseplate.event("t", "e")`)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		TS int64 `json:"event_ts"`
	}
	if err := json.Unmarshal([]byte(v.(starlark.String)), &doc); err != nil {
		t.Fatal(err)
	}
	if after := time.Now().UnixMilli(); doc.TS < before || doc.TS > after {
		t.Fatalf("event_ts %d not in [%d, %d]", doc.TS, before, after)
	}
}

func TestEventErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ expr, want string }{
		{`module.baseplate.event("t")`, "missing argument for event_type"},
		{`module.baseplate.event("t", "e", timestamp="now")`, "timestamp: want a datetime or epoch seconds, got string"},
		{`module.baseplate.event("t", "e", timestamp=float("nan"))`, "timestamp: nan seconds is out of range"},
		{`module.baseplate.event("t", "e", id=3)`, "id: want a string or a UUID, got int"},
		{`module.baseplate.event("t", "e", fields={1: "x"})`, "fields: field names must be strings, got int"},
		{`module.baseplate.event("t", "e", fields={"obfuscated_data": 1})`, `fields: field name "obfuscated_data" is reserved`},
		{`module.baseplate.event("t", "e", obfuscated={"f": len})`, `field "f": Object of type builtin_function_or_method is not JSON serializable`},
		{`module.baseplate.event("t", "e", fields=[1])`, "fields: want a dict, got list"},
		{`module.baseplate.event("t", "e", color="red")`, "unexpected keyword argument"},
	} {
		_, err := eval(t, 1, tc.expr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.expr, err, tc.want)
		}
	}
}

func BenchmarkEvent(b *testing.B) {
	mod := starlib.NewModule(rand.New(rand.NewPCG(1, 0)), time.UTC)
	thread := &starlark.Thread{}
	fn, err := starlark.EvalOptions(&syntax.FileOptions{}, thread, "b.star", `lambda ts: module.baseplate.event("ads", "click", timestamp=ts,
		fields={"ad_id": 123, "campaign": "spring", "price": 0.25}, obfuscated={"ip": "10.1.2.3"},
		high_cardinality={"url": "https://example.com/a/b?c=d"})`, starlark.StringDict{"module": mod})
	if err != nil {
		b.Fatal(err)
	}
	ts := starlib.NewTimestamp(time.Unix(1714979289, 0))
	args := starlark.Tuple{ts}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := starlark.Call(thread, fn, args, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
