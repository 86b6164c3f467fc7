package server

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Three generators, two autostarted: the API lists all three with the
// right states; starting the third makes it produce; stopping one leaves
// the others running; /metrics matches the files' line counts after stop.
func TestThreeGenerators(t *testing.T) {
	t.Parallel()
	files := merge(genFiles("a", timerInput, ""), genFiles("b", timerInput, ""), genFiles("c", timerInput, ""),
		map[string]string{"startup.yml": `
- id: gen-a
  path: a/generator.yml
- id: gen-b
  path: b
  batch.size: 100
- id: gen-c
  path: c/generator.yml
  autostart: false
`})
	a := startApp(t, files, nil)

	var list []struct {
		ID     string `json:"id"`
		Path   string `json:"path"`
		Status Status `json:"status"`
	}
	a.expect("GET", "/api/generators/", nil, 200).json(t, &list)
	got := map[string]State{}
	for _, g := range list {
		got[g.ID] = g.Status.State
	}
	want := map[string]State{"gen-a": StateRunning, "gen-b": StateRunning, "gen-c": StateStopped}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("states = %v, want %v", got, want)
	}
	if len(list) != 3 || list[0].ID != "gen-a" || list[2].ID != "gen-c" {
		t.Fatalf("list order: %+v", list)
	}
	if st := a.status("gen-a"); !st.IsRunning || st.StartedAt == nil {
		t.Fatalf("gen-a status %+v", st)
	}

	outC := filepath.Join(a.dir, "generators/c/out.log")
	if n := countLines(t, outC); n != 0 {
		t.Fatalf("gen-c wrote %d lines before it was started", n)
	}
	var running bool
	a.expect("POST", "/api/generators/gen-c/start", nil, 200).json(t, &running)
	if !running {
		t.Fatal("start answered false")
	}
	waitFor(t, "gen-c to produce", 10*time.Second, func() bool { return countLines(t, outC) > 0 })

	a.expect("POST", "/api/generators/gen-a/stop", nil, 200)
	if st := a.status("gen-a"); st.State != StateStopped || st.IsRunning {
		t.Fatalf("gen-a after stop: %+v", st)
	}
	outB := filepath.Join(a.dir, "generators/b/out.log")
	before := countLines(t, outB)
	waitFor(t, "gen-b to keep producing", 10*time.Second, func() bool { return countLines(t, outB) > before })
	for _, id := range []string{"gen-b", "gen-c"} {
		if st := a.status(id); st.State != StateRunning {
			t.Fatalf("%s after stopping gen-a: %+v", id, st)
		}
	}

	a.expect("POST", "/api/generators/group-actions/bulk-stop", []string{"gen-b", "gen-c", "nope"}, 200)
	metrics := string(a.expect("GET", "/metrics", nil, 200).body)
	for _, g := range []string{"a", "b", "c"} {
		lines := countLines(t, filepath.Join(a.dir, "generators", g, "out.log"))
		if lines == 0 {
			t.Errorf("gen-%s wrote nothing", g)
		}
		written := metricValue(t, metrics, fmt.Sprintf(`eventum_events_written_total{generator="gen-%s",output="file"}`, g))
		produced := metricValue(t, metrics, fmt.Sprintf(`eventum_events_produced_total{generator="gen-%s"}`, g))
		if written != lines || produced != lines {
			t.Errorf("gen-%s: file has %d lines, metrics say written %d produced %d", g, lines, written, produced)
		}
		if v := metricValue(t, metrics, fmt.Sprintf(`eventum_generator_running{generator="gen-%s"}`, g)); v != 0 {
			t.Errorf("gen-%s still running in metrics", g)
		}
	}

	// Stats of the last run stay readable, in the original's shape.
	var stats generatorStats
	a.expect("GET", "/api/generators/gen-b/stats", nil, 200).json(t, &stats)
	if stats.ID != "gen-b" || len(stats.Output) != 1 || stats.Output[0].PluginName != "file" || stats.Event.Produced == 0 {
		t.Fatalf("stats: %+v", stats)
	}
}

func metricValue(t *testing.T, metrics, series string) int {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(metrics))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", series, err)
			}
			return int(f)
		}
	}
	t.Fatalf("series %s missing from metrics:\n%s", series, metrics)
	return 0
}

// Two generators calling globals.incr("total") 100,000 times each see every
// value 1…200,000 exactly once.
func TestGlobalsIncrShared(t *testing.T) {
	t.Parallel()
	const n = 100_000
	script := "def produce(params):\n    return str(globals.incr(\"total\"))\n"
	files := merge(genFiles("p", staticInput(n), script), genFiles("q", staticInput(n), script),
		map[string]string{"startup.yml": `
- {id: p, path: p, live_mode: false}
- {id: q, path: q, live_mode: false}
`})
	a := startApp(t, files, nil)
	waitFor(t, "both generators to finish", 60*time.Second, func() bool {
		return a.status("p").State == StateFinished && a.status("q").State == StateFinished
	})
	seen := make([]bool, 2*n+1)
	total := 0
	for _, g := range []string{"p", "q"} {
		data, err := os.ReadFile(filepath.Join(a.dir, "generators", g, "out.log"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			v, err := strconv.Atoi(line)
			if err != nil || v < 1 || v > 2*n {
				t.Fatalf("%s: bad value %q", g, line)
			}
			if seen[v] {
				t.Fatalf("value %d seen twice", v)
			}
			seen[v] = true
			total++
		}
	}
	if total != 2*n {
		t.Fatalf("%d values, want %d", total, 2*n)
	}
	if got := a.app.Manager.Globals().Snapshot()["total"]; fmt.Sprint(got) != strconv.Itoa(2*n) {
		t.Fatalf("globals total = %v", got)
	}
}

// One bad generator in the startup file is reported and skipped; the rest start.
func TestStartupBadEntriesSkipped(t *testing.T) {
	t.Parallel()
	files := merge(genFiles("ok", timerInput, ""), genFiles("broken", timerInput, "def nope(:\n"),
		map[string]string{"startup.yml": `
- id: good
  path: ok
- id: good
  path: ok
- id: unknown-key
  path: ok
  colour: blue
- path: ok
- id: missing
  path: does-not-exist
- id: syntax
  path: broken
`})
	a := startApp(t, files, nil)
	ids := a.app.Manager.IDs()
	sort.Strings(ids)
	if fmt.Sprint(ids) != "[good missing syntax]" {
		t.Fatalf("ids = %v", ids)
	}
	if st := a.status("good"); st.State != StateRunning {
		t.Fatalf("good: %+v", st)
	}
	for _, id := range []string{"missing", "syntax"} {
		if st := a.status(id); st.State != StateFailed || st.Error == "" {
			t.Fatalf("%s: %+v", id, st)
		}
	}
	logs := a.logs.String()
	for _, want := range []string{"already used", "colour", "id"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs do not mention %q:\n%s", want, logs)
		}
	}
	// A failed start through the API answers 422 with the config problem.
	r := a.expect("POST", "/api/generators/syntax/start", nil, 422)
	if !bytes.Contains(r.body, []byte("produce.star")) {
		t.Fatalf("422 without the file name: %s", r.body)
	}
}

// SIGHUP reload: removed generators stop, new ones start, changed running ones restart.
func TestReload(t *testing.T) {
	t.Parallel()
	files := merge(genFiles("x", timerInput, ""), genFiles("y", timerInput, ""), map[string]string{"startup.yml": `
- {id: one, path: x}
- {id: two, path: y}
`})
	a := startApp(t, files, nil)
	writeFiles(t, a.dir, map[string]string{"startup.yml": `
- {id: two, path: y, batch.size: 7}
- {id: three, path: x}
- {id: four, path: x, autostart: false}
`})
	if err := a.app.Reload(); err != nil {
		t.Fatal(err)
	}
	ids := a.app.Manager.IDs()
	sort.Strings(ids)
	if fmt.Sprint(ids) != "[four three two]" {
		t.Fatalf("ids after reload = %v", ids)
	}
	if a.status("three").State != StateRunning || a.status("four").State != StateStopped || a.status("two").State != StateRunning {
		t.Fatal("states after reload are wrong")
	}
	info, _ := a.app.Manager.Info("two")
	if *info.Entry.Batch.Size != 7 {
		t.Fatalf("two not updated: %+v", info.Entry)
	}
	a.expect("GET", "/api/generators/one", nil, 404)
}

// SIGTERM path: cancelling Serve stops every generator gracefully and
// flushes: the files hold exactly what was counted.
func TestShutdownFlushes(t *testing.T) {
	t.Parallel()
	files := merge(genFiles("f", staticInput(50_000_000), ""), map[string]string{"startup.yml": "- {id: fast, path: f, live_mode: false}\n"})
	a := startApp(t, files, nil)
	out := filepath.Join(a.dir, "generators/f/out.log")
	waitFor(t, "output", 10*time.Second, func() bool { return countLines(t, out) > 1000 })
	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	info, _ := a.app.Manager.Info("fast")
	if info.Status.State != StateStopped || info.Stats == nil {
		t.Fatalf("after shutdown: %+v", info.Status)
	}
	if lines := countLines(t, out); int64(lines) != info.Stats.Outputs[0].Written || info.Stats.Produced != info.Stats.Outputs[0].Written {
		t.Fatalf("file has %d lines; stats %+v", lines, info.Stats)
	}
}

func TestMetricsFormat(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	s := metricsSample{id: `we"ird\id`, state: StateRunning, outputs: []string{"file"}}
	s.totals.add(snapshotFor(5, 4))
	writeMetrics(&b, []metricsSample{s}, 3*time.Second)
	text := b.String()
	re := regexp.MustCompile(`^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="([^"\\]|\\.)*"(,[a-z_]+="([^"\\]|\\.)*")*\})? -?[0-9.e+-]+)$`)
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if !re.MatchString(line) {
			t.Errorf("not exposition format: %q", line)
		}
	}
	for _, want := range []string{
		`eventum_events_produced_total{generator="we\"ird\\id"} 5`,
		`eventum_events_written_total{generator="we\"ird\\id",output="file"} 4`,
		`eventum_generator_running{generator="we\"ird\\id"} 1`,
		"# TYPE eventum_events_written_total counter",
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("missing %s in\n%s", want, text)
		}
	}
}
