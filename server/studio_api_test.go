package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Scenarios: groups from the startup file, started and stopped together;
// membership edits go to the startup file; the shared globals store.
func TestScenarios(t *testing.T) {
	t.Parallel()
	a := startApp(t, merge(genFiles("gen", timerInput, ""), map[string]string{
		"startup.yml": "- id: a\n  path: gen\n  autostart: false\n  scenarios: [load, demo]\n" +
			"- id: b\n  path: gen\n  autostart: false\n  scenarios: [load]\n- id: c\n  path: gen\n  autostart: false\n",
	}), nil)
	var names []string
	a.expect("GET", "/api/scenarios/", nil, 200).json(t, &names)
	if strings.Join(names, ",") != "demo,load" {
		t.Fatalf("scenarios %v", names)
	}
	var v scenarioView
	a.expect("GET", "/api/scenarios/load", nil, 200).json(t, &v)
	if strings.Join(v.GeneratorIDs, ",") != "a,b" || v.Running != 0 {
		t.Fatalf("load: %+v", v)
	}
	expectError(t, "unknown", a.do("GET", "/api/scenarios/nope", nil), 404)
	a.expect("POST", "/api/scenarios/load/start", nil, 200)
	for _, id := range []string{"a", "b"} {
		waitFor(t, id+" running", 10*time.Second, func() bool { return a.status(id).State == StateRunning })
	}
	if a.status("c").State == StateRunning {
		t.Fatal("c started with the load scenario")
	}
	a.expect("POST", "/api/scenarios/load/stop", nil, 200)
	for _, id := range []string{"a", "b"} {
		if st := a.status(id).State; st == StateRunning {
			t.Fatalf("%s still running after stop", id)
		}
	}
	// Membership edits the startup file.
	a.expect("POST", "/api/scenarios/demo/generators/c", nil, 201)
	expectError(t, "twice", a.do("POST", "/api/scenarios/demo/generators/c", nil), 409)
	expectError(t, "unknown entry", a.do("POST", "/api/scenarios/demo/generators/zzz", nil), 404)
	a.expect("GET", "/api/scenarios/demo", nil, 200).json(t, &v)
	if strings.Join(v.GeneratorIDs, ",") != "a,c" {
		t.Fatalf("demo after add: %+v", v)
	}
	a.expect("DELETE", "/api/scenarios/demo/generators/a", nil, 200)
	a.expect("DELETE", "/api/scenarios/load", nil, 200)
	a.expect("GET", "/api/scenarios/", nil, 200).json(t, &names)
	if strings.Join(names, ",") != "demo" {
		t.Fatalf("scenarios after edits %v", names)
	}
	data, _ := os.ReadFile(filepath.Join(a.dir, "startup.yml"))
	if strings.Count(string(data), "scenarios") != 1 || !strings.Contains(string(data), "demo") {
		t.Fatalf("startup file:\n%s", data)
	}
	// Globals.
	a.expect("PATCH", "/api/scenarios/demo/globals", map[string]any{"n": 3, "s": "x", "l": []any{1, "a"}}, 200)
	var g map[string]any
	a.expect("GET", "/api/scenarios/demo/globals", nil, 200).json(t, &g)
	if g["n"] != float64(3) || g["s"] != "x" {
		t.Fatalf("globals %v", g)
	}
	a.expect("GET", "/api/scenarios/demo/globals/s", nil, 200)
	a.expect("DELETE", "/api/scenarios/demo/globals/s", nil, 200)
	if r := a.do("GET", "/api/scenarios/demo/globals/s", nil); r.code != 404 || !strings.Contains(string(r.body), "key not found") {
		t.Fatalf("deleted key: %d %s", r.code, r.body)
	}
	a.expect("DELETE", "/api/scenarios/demo/globals", nil, 200)
	g = nil
	a.expect("GET", "/api/scenarios/demo/globals", nil, 200).json(t, &g)
	if len(g) != 0 {
		t.Fatalf("globals after clear %v", g)
	}
}

// The time-pattern chart's counts: a static input of 10 timestamps and a
// linspace over an hour, per span and per input.
func TestInputTimestamps(t *testing.T) {
	t.Parallel()
	a := startApp(t, genFiles("gen", "  - linspace: {start: \"2024-05-01T00:00:00Z\", end: \"2024-05-01T01:00:00Z\", count: 61}\n  - linspace: {start: \"2024-05-01T00:30:00Z\", end: \"2024-05-01T00:31:00Z\", count: 10}", ""), nil)
	var res aggregatedTimestamps
	a.expect("POST", "/api/preview/gen/input-plugins/generate?span=10m", "null", 200).json(t, &res)
	if res.Total != 71 || res.SpanSeconds != 600 || len(res.Labels) != 2 {
		t.Fatalf("aggregate: %+v", res)
	}
	var lin int64
	for _, c := range res.SpanCounts["0"] {
		lin += c
	}
	if lin != 61 || res.SpanCounts["0"][0] != 10 || res.SpanCounts["1"][3] != 10 {
		t.Fatalf("linspace counts %v", res.SpanCounts["0"])
	}
	// A body of input configs; size bounds the answer.
	a.expect("POST", "/api/preview/gen/input-plugins/generate?size=5", []any{map[string]any{"static": map[string]any{"count": 100}}}, 200).json(t, &res)
	if res.Total != 5 || !res.Truncated {
		t.Fatalf("size=5: %+v", res)
	}
	// A range: [00:30, 00:40) holds 10 linspace points and the 10 of the other input.
	a.expect("POST", "/api/preview/gen/input-plugins/generate?start=2024-05-01T00:30:00Z&end=2024-05-01T00:40:00Z&span=1m", "null", 200).json(t, &res)
	if res.Total != 20 || res.Truncated || len(res.SpanCounts["0"]) != 10 {
		t.Fatalf("range: %+v", res)
	}
	expectError(t, "bad start", a.do("POST", "/api/preview/gen/input-plugins/generate?start=yesterday", "null"), 400)
	expectError(t, "bad span", a.do("POST", "/api/preview/gen/input-plugins/generate?span=-1s", "null"), 400)
	expectError(t, "misspelt key", a.do("POST", "/api/preview/gen/input-plugins/generate", []any{map[string]any{"static": map[string]any{"cuont": 1}}}), 422)
}

// Validation answers problems with file, line and key, relative to the folder.
func TestValidateRoute(t *testing.T) {
	t.Parallel()
	files := genFiles("gen", staticInput(1), "")
	files["generators/bad/generator.yml"] = "input:\n  - static:\n      cuont: 1\nevent:\n  script: {path: produce.star}\noutput:\n  - stdout: {}\n"
	files["generators/bad/produce.star"] = "def produce(params):\n    return 'x'\n"
	a := startApp(t, files, nil)
	var v validation
	a.expect("POST", "/api/generator-configs/gen/validate", nil, 200).json(t, &v)
	if !v.OK || len(v.Problems) != 0 {
		t.Fatalf("gen: %+v", v)
	}
	a.expect("POST", "/api/generator-configs/bad/validate", nil, 200).json(t, &v)
	if v.OK || len(v.Problems) == 0 || v.Problems[0].File != "generator.yml" || v.Problems[0].Line != 3 || v.Problems[0].Key != "input[0].static.cuont" {
		t.Fatalf("bad: %+v", v)
	}
	expectError(t, "no folder", a.do("POST", "/api/generator-configs/nope/validate", nil), 404)
}

// The log stream: recent records, then new ones, as server-sent events.
func TestLogStream(t *testing.T) {
	t.Parallel()
	a := startApp(t, genFiles("gen", staticInput(1), ""), nil)
	a.app.Log.Info("before the stream", "k", "v1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", a.url+"/api/instance/logs/main", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	next := func(want string) logRecord {
		t.Helper()
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "data: ") {
				continue
			}
			var rec logRecord
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Msg == want {
				return rec
			}
		}
		t.Fatalf("stream ended before %q: %v", want, sc.Err())
		return logRecord{}
	}
	if rec := next("before the stream"); rec.Attrs["k"] != "v1" || rec.Level != "INFO" {
		t.Fatalf("backlog record %+v", rec)
	}
	a.app.Log.Warn("after", "n", 2)
	if rec := next("after"); rec.Level != "WARN" {
		t.Fatalf("live record %+v", rec)
	}
	expectError(t, "unknown channel", a.do("GET", "/api/instance/logs/other", nil), 404)
}

// file-makedir, file-move and file-copy stay inside the generator
// directory; conflicts are 409, missing sources 404.
func TestFileOps(t *testing.T) {
	t.Parallel()
	a := startSecApp(t, "", nil)
	gen := filepath.Join(a.dir, "generators", "gen")
	a.expect("POST", "/api/generator-configs/gen/file-makedir/a/b", nil, 201)
	expectError(t, "makedir twice", a.do("POST", "/api/generator-configs/gen/file-makedir/a/b", nil), 409)
	a.expect("POST", "/api/generator-configs/gen/file-copy?source=t.jinja&destination=a/b/t2.jinja", nil, 201)
	a.expect("POST", "/api/generator-configs/gen/file-move?source=a/b/t2.jinja&destination=a", nil, 200) // into a/
	if data, err := os.ReadFile(filepath.Join(gen, "a", "t2.jinja")); err != nil || string(data) != "inside {{ 1 }}" {
		t.Fatalf("moved copy: %q %v", data, err)
	}
	a.expect("POST", "/api/generator-configs/gen/file-copy?source=a&destination=a-copy", nil, 201)
	if _, err := os.Stat(filepath.Join(gen, "a-copy", "b")); err != nil {
		t.Fatalf("copied folder: %v", err)
	}
	a.expect("POST", "/api/generator-configs/gen/file-move?source=a-copy/t2.jinja&destination=renamed.jinja", nil, 200)
	for _, tc := range []struct {
		name, url string
		code      int
	}{
		{"copy onto a file", "/api/generator-configs/gen/file-copy?source=t.jinja&destination=renamed.jinja", 409},
		{"move onto a file", "/api/generator-configs/gen/file-move?source=t.jinja&destination=renamed.jinja", 409},
		{"copy into itself", "/api/generator-configs/gen/file-copy?source=a&destination=a/inner", 409},
		{"missing source", "/api/generator-configs/gen/file-move?source=nope&destination=x", 404},
		{"source outside", "/api/generator-configs/gen/file-copy?source=../../outside.txt&destination=stolen.txt", 403},
		{"destination outside", "/api/generator-configs/gen/file-move?source=t.jinja&destination=../moved.jinja", 403},
		{"absolute", "/api/generator-configs/gen/file-copy?source=/etc/passwd&destination=p", 403},
		{"through a link", "/api/generator-configs/gen/file-copy?source=escape/outside.txt&destination=stolen.txt", 403},
		{"move through a link", "/api/generator-configs/gen/file-move?source=t.jinja&destination=escape/t.jinja", 403},
		{"makedir outside", "/api/generator-configs/gen/file-makedir/..%2F..%2Fevil", 403},
	} {
		expectError(t, tc.name, a.do("POST", tc.url, nil), tc.code)
	}
	if _, err := os.Stat(filepath.Join(gen, "stolen.txt")); err == nil {
		t.Fatal("a file from outside was copied in")
	}
	if _, err := os.Stat(filepath.Join(a.dir, "moved.jinja")); err == nil {
		t.Fatal("a file was moved out")
	}
}

// PUT /api/instance/settings: what GET answers can be written back; the
// file keeps the credentials (a secret reference stays one); invalid
// settings are refused with their key and the file is left alone.
func TestPutSettings(t *testing.T) {
	t.Setenv("EVENTUM_SECRET_PW", "s3cret")
	a := startSecApp(t, "server.auth: {user: admin, password: \"${secrets.pw}\"}\n", nil)
	a.auth = basicAuth("admin", "s3cret")
	file := filepath.Join(a.dir, "eventum.yml")
	var s map[string]any
	a.expect("GET", "/api/instance/settings", nil, 200).json(t, &s)
	s["log"].(map[string]any)["level"] = "warning"
	a.expect("PUT", "/api/instance/settings", s, 200)
	data, _ := os.ReadFile(file)
	if !strings.Contains(string(data), "${secrets.pw}") || !strings.Contains(string(data), "level: warning") {
		t.Fatalf("written file:\n%s", data)
	}
	if _, err := os.Stat(file + ".tmp"); err == nil {
		t.Fatal("temporary file left")
	}
	loaded, err := LoadSettings(file)
	if err != nil {
		t.Fatalf("written file does not load: %v", err)
	}
	if loaded.Log.Level != "warning" || loaded.Server.Auth.Password != "s3cret" || loaded.Server.Auth.User != "admin" {
		t.Fatalf("reloaded settings: %+v %+v", loaded.Log, loaded.Server.Auth)
	}
	before := string(data)
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"misspelt key", func(m map[string]any) { m["log"].(map[string]any)["levle"] = "info" }, "levle"},
		{"bad value", func(m map[string]any) { m["log"].(map[string]any)["format"] = "xml" }, "log.format"},
		{"bad port", func(m map[string]any) { m["server"].(map[string]any)["port"] = 70000 }, "server.port"},
	} {
		var c map[string]any
		a.expect("GET", "/api/instance/settings", nil, 200).json(t, &c)
		tc.edit(c)
		r := a.do("PUT", "/api/instance/settings", c)
		expectError(t, tc.name, r, 422)
		if !strings.Contains(string(r.body), tc.want) {
			t.Fatalf("%s: %s lacks %s", tc.name, r.body, tc.want)
		}
	}
	if data, _ := os.ReadFile(file); string(data) != before {
		t.Fatal("refused settings changed the file")
	}
}

// The formatter preview formats as an output would; a template formatter
// reads its template inside the generator directory only.
func TestFormatRoute(t *testing.T) {
	t.Parallel()
	a := startSecApp(t, "", nil)
	var res formatResult
	a.expect("POST", "/api/preview/gen/formatter/format", map[string]any{
		"formatter_config": map[string]any{"format": "json-batch"}, "events": []string{`{"a":1}`, `{"b":2}`, `not json`},
	}, 200).json(t, &res)
	if res.FormattedCount != 2 || len(res.Errors) != 1 || len(res.Events) != 1 {
		t.Fatalf("json-batch: %+v", res)
	}
	expectError(t, "unknown format", a.do("POST", "/api/preview/gen/formatter/format", map[string]any{"formatter_config": map[string]any{"format": "nope"}, "events": []string{}}), 422)
	expectError(t, "template outside", a.do("POST", "/api/preview/gen/formatter/format", map[string]any{
		"formatter_config": map[string]any{"format": "template", "template_path": "../../outside.txt"}, "events": []string{"x"}}), 403)
}

// An initialized preview plugin keeps its state between produce calls;
// the state routes show, patch and clear locals, shared and globals.
func TestPreviewState(t *testing.T) {
	t.Parallel()
	a := startApp(t, map[string]string{
		"generators/tpl/generator.yml": "input:\n  - static: {count: 1}\nevent:\n  template:\n    mode: all\n    templates:\n      - counter: {template: c.jinja}\noutput:\n  - stdout: {}\n",
		"generators/tpl/c.jinja":       "{{ locals.incr('n') }} {{ shared.get('s', 'none') }} {{ globals.incr('g') }}",
	}, nil)
	produce := func() []string {
		var res previewResult
		a.expect("POST", "/api/preview/tpl/event-plugin/produce", []any{map[string]any{"timestamp": "2024-05-01T00:00:00Z"}}, 200).json(t, &res)
		return res.Events
	}
	base := "/api/preview/tpl/event-plugin/template/state/"
	expectError(t, "not initialized", a.do("GET", base+"shared", nil), 404)
	a.expect("POST", "/api/preview/tpl/event-plugin", map[string]any{}, 201)
	for i, want := range []string{"1 none 1", "2 none 2"} {
		if got := produce(); len(got) != 1 || got[0] != want {
			t.Fatalf("produce %d: %q, want %q", i, got, want)
		}
	}
	var st map[string]any
	a.expect("GET", base+"local/counter", nil, 200).json(t, &st)
	if st["n"] != float64(2) {
		t.Fatalf("locals %v", st)
	}
	expectError(t, "unknown alias", a.do("GET", base+"local/nope", nil), 404)
	a.expect("PATCH", base+"shared", map[string]any{"s": "set"}, 200)
	a.expect("DELETE", base+"local/counter", nil, 200)
	a.expect("DELETE", base+"global", nil, 200)
	if got := produce(); got[0] != "1 set 1" {
		t.Fatalf("after patch and clear: %q", got)
	}
	st = nil
	a.expect("GET", base+"global", nil, 200).json(t, &st)
	if st["g"] != float64(1) {
		t.Fatalf("globals %v", st)
	}
	// The running generators' globals are untouched.
	if g := a.app.Manager.Globals().Snapshot(); len(g) != 0 {
		t.Fatalf("shared globals touched: %v", g)
	}
	a.expect("DELETE", "/api/preview/tpl/event-plugin", nil, 200)
	if got := produce(); got[0] != "1 none 1" {
		t.Fatalf("after release (a fresh plugin each call): %q", got)
	}
	expectError(t, "released", a.do("DELETE", "/api/preview/tpl/event-plugin", nil), 404)
}
