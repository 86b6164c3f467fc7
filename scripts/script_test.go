package scripts

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/starlib"
)

// buildScript builds the script plugin from YAML the way the pipeline does.
func buildScript(t testing.TB, dir, src string, seed uint64, tags [][]string) (Producer, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	p := config.Plugin{Name: "script", File: "generator.yml", Node: n.Content[0]}
	env := &plugin.Env{
		ID: "test", Dir: dir, Location: time.UTC,
		Rand: rand.New(rand.NewPCG(seed, seed)), InputTags: tags, Globals: starlib.NewGlobals(),
	}
	prod, _, err := Registry.Build(p, env)
	return prod, err
}

var start = time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)

// runExample produces events for n timestamps 2 s apart, one slice per tick.
func runExample(t testing.TB, name, script string, seed uint64, n int) [][]string {
	t.Helper()
	prod, err := buildScript(t, filepath.Join("..", "examples", name), "path: "+script, seed, [][]string{{"regular"}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	ticks := make([][]string, n)
	for i := range ticks {
		ts := start.Add(time.Duration(i) * 2 * time.Second).UnixNano()
		if ticks[i], err = prod.Produce(ts, 0, nil); err != nil {
			t.Fatalf("%s tick %d: %v", name, i, err)
		}
	}
	return ticks
}

func decode(t *testing.T, ev string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(ev), &m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, ev)
	}
	return m
}

func TestExamples(t *testing.T) {
	t.Parallel()
	examples := []struct {
		dir, script string
		check       func(t *testing.T, ticks [][]string)
	}{
		{"script-basic", "scripts/produce.star", func(t *testing.T, ticks [][]string) {
			want := `{"timestamp": "2026-02-20T10:00:00+00:00", "level": "INFO", "message": "Request processed"}`
			if len(ticks[0]) != 1 || ticks[0][0] != want {
				t.Errorf("first event = %q, want %q", ticks[0], want)
			}
		}},
		{"script-metrics", "scripts/metrics.star", func(t *testing.T, ticks [][]string) {
			for i, tick := range ticks {
				if len(tick) != 4 {
					t.Fatalf("tick %d: %d events, want 4", i, len(tick))
				}
				for _, ev := range tick {
					m := decode(t, ev)
					if cpu := m["cpu_percent"].(float64); cpu < 5 || cpu > 95 {
						t.Errorf("cpu_percent %v out of range", cpu)
					}
				}
			}
		}},
		{"script-sessions", "scripts/sessions.star", checkSessions},
		{"script-tracing", "scripts/tracing.star", checkTraces},
	}
	for _, ex := range examples {
		t.Run(ex.dir, func(t *testing.T) {
			t.Parallel()
			ticks := runExample(t, ex.dir, ex.script, 7, 200)
			for _, tick := range ticks {
				for _, ev := range tick {
					decode(t, ev)
				}
			}
			ex.check(t, ticks)
			again := runExample(t, ex.dir, ex.script, 7, 200)
			other := runExample(t, ex.dir, ex.script, 8, 200)
			if !equalTicks(ticks, again) {
				t.Error("same seed gave different output")
			}
			if ex.dir != "script-basic" && equalTicks(ticks, other) {
				t.Error("different seeds gave the same output")
			}
		})
	}
}

func equalTicks(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\n") != strings.Join(b[i], "\n") {
			return false
		}
	}
	return true
}

func checkSessions(t *testing.T, ticks [][]string) {
	started, ended := map[string]bool{}, map[string]bool{}
	for _, tick := range ticks {
		for _, ev := range tick {
			m := decode(t, ev)
			sid := m["session_id"].(string)
			switch m["event"] {
			case "session_start":
				started[sid] = true
			case "page_view":
				if !started[sid] || ended[sid] {
					t.Errorf("page view outside its session: %s", ev)
				}
			case "session_end":
				ended[sid] = true
			}
		}
	}
	if len(started) == 0 || len(ended) == 0 {
		t.Errorf("sessions started %d, ended %d; want some of each", len(started), len(ended))
	}
}

func checkTraces(t *testing.T, ticks [][]string) {
	for i, tick := range ticks {
		if len(tick) != 8 {
			t.Fatalf("tick %d: %d spans, want 8", i, len(tick))
		}
		spans := map[string]map[string]any{}
		emitted := map[string]int{}
		var roots []string
		traceID := ""
		for j, ev := range tick {
			m := decode(t, ev)
			id := m["span_id"].(string)
			if _, dup := spans[id]; dup {
				t.Fatalf("tick %d: duplicate span id %s", i, id)
			}
			spans[id], emitted[id] = m, j
			if traceID == "" {
				traceID = m["trace_id"].(string)
			} else if m["trace_id"] != traceID {
				t.Errorf("tick %d: spans of different traces", i)
			}
			if m["parent_span_id"] == nil {
				roots = append(roots, id)
			}
		}
		if len(roots) != 1 || spans[roots[0]]["service"] != "api-gateway" {
			t.Fatalf("tick %d: roots %v, want exactly the api-gateway span", i, roots)
		}
		if got := spans[roots[0]]["start_time"]; got != start.Add(time.Duration(i)*2*time.Second).Format("2006-01-02T15:04:05+00:00") {
			t.Errorf("tick %d: root starts at %v", i, got)
		}
		for id, s := range spans {
			pid, ok := s["parent_span_id"].(string)
			if !ok {
				continue
			}
			parent, found := spans[pid]
			if !found {
				t.Fatalf("tick %d: span %s has unknown parent %s", i, id, pid)
			}
			if emitted[pid] < emitted[id] {
				t.Errorf("tick %d: parent %s emitted before child %s", i, pid, id)
			}
			if parent["duration_ms"].(float64) < s["duration_ms"].(float64) {
				t.Errorf("tick %d: parent %s (%v ms) shorter than child %s (%v ms)",
					i, parent["service"], parent["duration_ms"], s["service"], s["duration_ms"])
			}
			if parent["status"] == "OK" && s["status"] == "ERROR" {
				t.Errorf("tick %d: error of %s did not propagate to %s", i, s["service"], parent["service"])
			}
		}
	}
}

func TestScriptParamsAndResults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("tags.star", `
calls = []
def produce(params):
    calls.append(1)
    ts = params["timestamp"]
    tags = params["tags"]
    if "none" in tags:
        return []
    if "tuple" in tags:
        return ("a", "b")
    return "%s %s %d %s" % (ts.isoformat(), type(tags), len(calls), ",".join(tags))
`)
	prod, err := buildScript(t, dir, "path: tags.star", 1, [][]string{{"x", "y"}, {"none"}, {"tuple"}})
	if err != nil {
		t.Fatal(err)
	}
	ts := start.UnixNano()
	out, err := prod.Produce(ts, 0, []string{"keep"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"keep", "2026-02-20T10:00:00+00:00 tuple 1 x,y"}; strings.Join(out, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", out, want)
	}
	if out, err = prod.Produce(ts, 1, nil); err != nil || len(out) != 0 {
		t.Errorf("empty list: %q, %v", out, err)
	}
	if out, err = prod.Produce(ts, 2, nil); err != nil || strings.Join(out, ",") != "a,b" {
		t.Errorf("tuple: %q, %v", out, err)
	}
	if out, err = prod.Produce(ts, 9, nil); err != nil || !strings.HasSuffix(out[0], "tuple 4 ") {
		t.Errorf("unknown src: %q, %v", out, err)
	}
}

func TestScriptErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"syntax.star":    "def produce(params)\n    return 1\n",
		"noproduce.star": "x = 1\n",
		"notfunc.star":   "produce = 3\n",
		"toplevel.star":  "x = 1\ny = x + \"a\"\n",
		"runtime.star":   "def helper():\n    return {}[\"missing\"]\n\ndef produce(params):\n    return helper()\n",
		"badtype.star":   "def produce(params):\n    return 42\n",
		"badelem.star":   "def produce(params):\n    return [\"ok\", None]\n",
		"loop.star":      "def produce(params):\n    while True:\n        pass\n",
		"load.star":      "load(\"other.star\", \"x\")\ndef produce(params):\n    return \"\"\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		file     string
		atBuild  bool
		contains []string
	}{
		{"syntax.star", true, []string{"syntax.star:2:", "generator.yml"}},
		{"noproduce.star", true, []string{"noproduce.star", "no function produce"}},
		{"notfunc.star", true, []string{"produce is a int"}},
		{"toplevel.star", true, []string{"toplevel.star:2:"}},
		{"missing.star", true, []string{"missing.star"}},
		{"load.star", true, []string{"cannot load"}},
		{"runtime.star", false, []string{"runtime.star:2:", "in helper", "runtime.star:5:", "missing"}},
		{"badtype.star", false, []string{"badtype.star", "got int"}},
		{"badelem.star", false, []string{"element 1 is a NoneType"}},
		{"loop.star", false, []string{"loop.star", "steps"}},
	}
	for _, tc := range tests {
		prod, err := buildScript(t, dir, "path: "+tc.file, 1, nil)
		if err == nil && !tc.atBuild {
			prod.(*Script).steps = 1_000_000 // keep the runaway loop short
			_, err = prod.Produce(start.UnixNano(), 0, nil)
		}
		if err == nil {
			t.Errorf("%s: want an error", tc.file)
			continue
		}
		for _, s := range tc.contains {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not contain %q", tc.file, err, s)
			}
		}
	}
	if _, err := buildScript(t, dir, "{}", 1, nil); err == nil {
		t.Error("missing path: want an error")
	}
}

func TestScriptGlobalsLeakReleased(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := "def produce(params):\n    globals.acquire()\n    return str(globals.incr(\"n\"))\n"
	if err := os.WriteFile(filepath.Join(dir, "leak.star"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	prod, err := buildScript(t, dir, "path: leak.star", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ { // would deadlock if the lock stayed held
		if _, err := prod.Produce(start.UnixNano(), 0, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkScriptProduce(b *testing.B) {
	for _, ex := range []struct{ dir, script string }{
		{"script-basic", "scripts/produce.star"},
		{"script-metrics", "scripts/metrics.star"},
		{"script-tracing", "scripts/tracing.star"},
	} {
		b.Run(ex.dir, func(b *testing.B) {
			prod, err := buildScript(b, filepath.Join("..", "examples", ex.dir), "path: "+ex.script, 1, [][]string{{"a"}})
			if err != nil {
				b.Fatal(err)
			}
			out := make([]string, 0, 16)
			ts := start.UnixNano()
			events := 0
			b.ReportAllocs()
			for b.Loop() {
				out, err = prod.Produce(ts, 0, out[:0])
				if err != nil {
					b.Fatal(err)
				}
				events += len(out)
				ts += int64(time.Second)
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
