package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func apiFiles() map[string]string {
	return merge(genFiles("gen", staticInput(3), ""), map[string]string{
		"startup.yml": "# the fleet\n- id: g1\n  path: gen\n  autostart: false\n",
		"outside.txt": "do not touch",
		"eventum.yml": defaultAppConfig + "server.max_body_bytes: 4096\nserver.max_upload_bytes: 8192\n",
	})
}

// Path traversal, oversized bodies, malformed JSON and unknown ids are all
// refused with the right status, and nothing on disk changes.
func TestRefusals(t *testing.T) {
	t.Parallel()
	a := startApp(t, apiFiles(), nil)
	if err := os.Symlink(a.dir, filepath.Join(a.dir, "generators/gen/escape")); err != nil {
		t.Fatal(err)
	}
	before := snapshotTree(t, a.dir)
	big := strings.Repeat("x", 20000)
	entry := func(path string) map[string]any { return map[string]any{"path": path} }

	for _, tc := range []struct {
		method, path string
		body         any
		code         int
	}{
		// traversal
		{"GET", "/api/generator-configs/%2E%2E", nil, 403},
		{"GET", "/api/generator-configs/..%2F..%2Fetc", nil, 403},
		{"GET", "/api/generator-configs/gen/file/..%2F..%2Foutside.txt", nil, 403},
		{"GET", "/api/generator-configs/gen/file/escape/outside.txt", nil, 403},
		{"GET", "/api/generator-configs/gen/file/%2Fetc%2Fpasswd", nil, 403},
		{"PUT", "/api/generator-configs/gen/file/..%2F..%2Foutside.txt", "pwned", 403},
		{"POST", "/api/generator-configs/gen/file/..%2Fnew.txt", "pwned", 403},
		{"POST", "/api/generator-configs/gen/file/escape/new.txt", "pwned", 403},
		{"PUT", "/api/generator-configs/gen/file/escape/outside.txt", "pwned", 403},
		{"DELETE", "/api/generator-configs/gen/file/escape/outside.txt", nil, 403},
		{"DELETE", "/api/generator-configs/gen/file/..%2F..%2Foutside.txt", nil, 403},
		{"DELETE", "/api/generator-configs/%2E%2E", nil, 403},
		{"POST", "/api/generator-configs/..%2Fevil", map[string]any{"input": []any{}}, 403},
		{"POST", "/api/startup/x", entry("../outside.txt"), 403},
		{"POST", "/api/startup/x", entry("/etc/passwd"), 403},
		{"POST", "/api/startup/x", entry("gen/escape/outside.txt"), 403},
		{"POST", "/api/generators/x", entry("../../outside.txt"), 403},
		{"POST", "/api/preview/..%2F..%2F/event-plugin/produce", "[]", 403},
		// oversized bodies (Content-Length known, and streamed)
		{"PUT", "/api/secrets/big", `"` + big + `"`, 413},
		{"POST", "/api/startup/x", `{"path": "` + big + `"}`, 413},
		{"POST", "/api/startup/x", struct{ *strings.Reader }{strings.NewReader(`{"path": "` + big + `"}`)}, 413},
		{"POST", "/api/generator-configs/gen/file/big.bin", strings.Repeat("x", 9000), 413},
		{"POST", "/api/generator-configs/gen/file/big.bin", struct{ *strings.Reader }{strings.NewReader(strings.Repeat("x", 9000))}, 413},
		// malformed JSON
		{"POST", "/api/startup/x", `{"path": `, 400},
		{"PUT", "/api/startup/g1", `[1, 2`, 400},
		{"POST", "/api/generators/group-actions/bulk-start", `["a",`, 400},
		{"POST", "/api/generators/group-actions/bulk-start", `[]`, 400},
		{"POST", "/api/generators/x", `nope`, 400},
		{"PUT", "/api/secrets/s", `{"value": `, 400},
		{"POST", "/api/generator-configs/new", `{"input": [`, 400},
		{"POST", "/api/preview/gen/event-plugin/produce", `[{"timestamp": }]`, 400},
		{"POST", "/api/startup/x", `{"id": "y", "path": "gen"}`, 400},
		// invalid but well-formed
		{"POST", "/api/startup/x", `{"path": "gen", "colour": "blue"}`, 422},
		{"POST", "/api/startup/x", `{"path": "gen", "batch": {"size": 0}}`, 422},
		{"POST", "/api/generator-configs/new", `{"input": [{"nosuch": {}}], "event": {"script": {"path": "p.star"}}, "output": [{"file": {"path": "o"}}]}`, 422},
		{"POST", "/api/startup/x", `{"path": "no-such-dir"}`, 404},
		// unknown ids and names
		{"GET", "/api/generators/nope", nil, 404},
		{"GET", "/api/generators/nope/status", nil, 404},
		{"GET", "/api/generators/nope/stats", nil, 404},
		{"POST", "/api/generators/nope/start", nil, 404},
		{"POST", "/api/generators/nope/stop", nil, 404},
		{"DELETE", "/api/generators/nope", nil, 404},
		{"PUT", "/api/generators/nope", entry("gen"), 404},
		{"GET", "/api/startup/nope", nil, 404},
		{"PUT", "/api/startup/nope", entry("gen"), 404},
		{"DELETE", "/api/startup/nope", nil, 404},
		{"GET", "/api/generator-configs/nope", nil, 404},
		{"GET", "/api/generator-configs/gen/file/nope.txt", nil, 404},
		{"DELETE", "/api/generator-configs/gen/file/nope.txt", nil, 404},
		{"PUT", "/api/generator-configs/gen/file/nope.txt", "x", 404},
		{"GET", "/api/nothing-here", nil, 404},
		{"PATCH", "/api/generators/g1", nil, 405},
		// conflicts
		{"POST", "/api/startup/g1", entry("gen"), 409},
		{"POST", "/api/generators/g1", entry("gen"), 409},
		{"POST", "/api/generator-configs/gen/file/produce.star", "x", 409},
		{"GET", "/api/generators/g1/stats", nil, 400},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			a.t = t
			a.expect(tc.method, tc.path, tc.body, tc.code)
		})
	}
	a.t = t
	if after := snapshotTree(t, a.dir); !reflect.DeepEqual(before, after) {
		for k, v := range after {
			if before[k] != v {
				t.Errorf("changed: %s", k)
			}
		}
		for k := range before {
			if _, ok := after[k]; !ok {
				t.Errorf("removed: %s", k)
			}
		}
	}
}

// The auth decision: credentials are required whenever configured, whatever
// the bind address; none are built in; a non-loopback bind needs them.
func TestAuthDecision(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.0.0.2": true, "::1": true, "[::1]": true, "localhost": true, "LOCALHOST": true,
		"0.0.0.0": false, "::": false, "192.168.1.5": false, "example.com": false, "": false,
	} {
		if got := isLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
	if d := DefaultSettings(); hasCredentials(d.Server) {
		t.Errorf("default settings carry credentials: %+v", d.Server.Auth)
	}
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	for _, host := range []string{"127.0.0.1", "0.0.0.0"} {
		s := ServerSettings{Host: host, Auth: AuthSettings{User: "admin", Password: "pw", Token: "tok"}}
		auth := newAuthenticator(s)
		for _, tc := range []struct {
			header string
			code   int
		}{
			{"", 401},
			{basic("admin", "pw"), 0},
			{basic("admin", "wrong"), 401},
			{basic("other", "pw"), 401},
			{basic("admin", ""), 401},
			{"Bearer tok", 0},
			{"bearer tok", 0},
			{"Bearer wrong", 401},
			{"Bearer ", 401},
			{"Token tok", 401},
		} {
			r, _ := http.NewRequest("GET", "/api/generators/", nil)
			r.RemoteAddr = "192.0.2.1:1234"
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			if got, _ := auth.check(r); got != tc.code {
				t.Errorf("host %s: check(%q) = %d, want %d", host, tc.header, got, tc.code)
			}
		}
	}
	// Without credentials every request passes and Authorization is ignored.
	none := newAuthenticator(ServerSettings{Host: "127.0.0.1"})
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", basic("x", "y"))
	if code, _ := none.check(r); code != 0 {
		t.Errorf("no credentials configured: check = %d", code)
	}
	for _, tc := range []struct {
		s  ServerSettings
		ok bool
	}{
		{ServerSettings{Host: "0.0.0.0"}, false},
		{ServerSettings{Host: "192.168.1.5", Auth: AuthSettings{User: "u"}}, false},
		{ServerSettings{Host: "0.0.0.0", Auth: AuthSettings{Token: "t"}}, true},
		{ServerSettings{Host: "0.0.0.0", Auth: AuthSettings{User: "u", Password: "p"}}, true},
		{ServerSettings{Host: "127.0.0.1"}, true},
		{ServerSettings{Host: "localhost"}, true},
	} {
		if err := checkAuth(tc.s); (err == nil) != tc.ok {
			t.Errorf("checkAuth(%+v) = %v, want ok=%v", tc.s, err, tc.ok)
		}
	}
}

// Over a real listener, a server configured for a non-loopback bind
// refuses unauthenticated requests (401, JSON) and serves authenticated ones.
func TestAuthOverHTTP(t *testing.T) {
	t.Parallel()
	// The handler is built as for a bind on 0.0.0.0 and served on a loopback listener.
	dir := t.TempDir()
	writeFiles(t, dir, merge(apiFiles(), map[string]string{"eventum.yml": strings.Replace(defaultAppConfig, "127.0.0.1", "0.0.0.0", 1) +
		"server.auth: {user: admin, password: s3cret, token: tok-123}\n"}))
	s, err := LoadSettings(filepath.Join(dir, "eventum.yml"))
	if err != nil {
		t.Fatal(err)
	}
	app, err := New(s, Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.LoadStartup(); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: app.Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close(); app.Manager.StopAll() })
	a := &testApp{dir: dir}
	b := &testApp{t: t, url: "http://" + ln.Addr().String()}
	before := snapshotTree(t, a.dir)
	for _, p := range []string{"/api/generators/", "/metrics", "/api/instance/settings"} {
		r := b.expect("GET", p, nil, 401)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", p)
		}
	}
	b.expect("PUT", "/api/startup/g1", map[string]any{"path": "gen", "autostart": true}, 401)
	b.expect("DELETE", "/api/generator-configs/gen", nil, 401)
	b.expect("GET", "/healthz", nil, 200)
	b.expect("GET", "/api/openapi.json", nil, 200)
	if r := b.do("GET", "/api/generators/", nil, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("admin:s3cret"))); r.code != 200 {
		t.Fatalf("basic auth: %d %s", r.code, r.body)
	}
	r := b.do("GET", "/api/instance/settings", nil, "Authorization", "Bearer tok-123")
	if r.code != 200 {
		t.Fatalf("bearer auth: %d %s", r.code, r.body)
	}
	if bytes.Contains(r.body, []byte("s3cret")) || bytes.Contains(r.body, []byte("tok-123")) {
		t.Fatalf("settings leak credentials: %s", r.body)
	}
	if after := snapshotTree(t, a.dir); !reflect.DeepEqual(before, after) {
		t.Fatal("unauthenticated requests changed files")
	}
}

// The startup file API validates entries and keeps the file's comments.
func TestStartupAPI(t *testing.T) {
	t.Parallel()
	a := startApp(t, apiFiles(), nil)
	a.expect("POST", "/api/startup/g2", map[string]any{"path": "gen", "live_mode": false, "batch": map[string]any{"size": 50}, "params": map[string]any{"host": "db"}}, 201)
	a.expect("PUT", "/api/startup/g1", map[string]any{"id": "g1", "path": "gen/generator.yml", "autostart": true}, 200)
	var entries []Entry
	r := a.expect("GET", "/api/startup/", nil, 200)
	r.json(t, &entries)
	var raw []map[string]any
	r.json(t, &raw)
	if raw[0]["write_timeout"] != 10.0 || fmt.Sprint(raw[1]["batch"]) != "map[delay:1 size:50]" {
		t.Fatalf("durations are not in seconds: %v", raw)
	}
	if len(entries) != 2 || entries[0].ID != "g1" || !entries[0].Autostart || entries[1].ID != "g2" || entries[1].LiveMode ||
		*entries[1].Batch.Size != 50 || entries[1].Params["host"] != "db" || entries[1].Timezone != "UTC" || !entries[1].SkipPast {
		t.Fatalf("entries: %+v", entries)
	}
	data, _ := os.ReadFile(filepath.Join(a.dir, "startup.yml"))
	if !strings.HasPrefix(string(data), "# the fleet\n") || !strings.Contains(string(data), "size: 50") {
		t.Fatalf("startup file:\n%s", data)
	}
	var deleted []string
	a.expect("POST", "/api/startup/group-actions/bulk-delete", []string{"g2", "nope"}, 200).json(t, &deleted)
	if fmt.Sprint(deleted) != "[g2]" {
		t.Fatalf("deleted = %v", deleted)
	}
	a.expect("DELETE", "/api/startup/g1", nil, 200)
	a.expect("GET", "/api/startup/g1", nil, 404)

	// Generators added through the API are validated the same way.
	a.expect("POST", "/api/generators/g9", map[string]any{"path": "gen", "live_mode": false}, 201)
	a.expect("POST", "/api/generators/g9/start", nil, 200)
	waitFor(t, "g9 to finish", 10*time.Second, func() bool { return a.status("g9").State == StateFinished })
	a.expect("PUT", "/api/generators/g9", map[string]any{"path": "gen", "live_mode": true}, 200)
	var view generatorView
	a.expect("GET", "/api/generators/g9", nil, 200).json(t, &view)
	if !view.LiveMode || view.Stats == nil || view.Stats.Produced != 3 {
		t.Fatalf("view: %+v", view)
	}
	a.expect("DELETE", "/api/generators/g9", nil, 200)
}

// Generator configs and their files, inside the generators directory.
func TestGeneratorConfigsAPI(t *testing.T) {
	t.Parallel()
	a := startApp(t, apiFiles(), nil)
	cfg := map[string]any{
		"input":  []any{map[string]any{"static": map[string]any{"count": 2}}},
		"event":  map[string]any{"script": map[string]any{"path": "produce.star"}},
		"output": []any{map[string]any{"file": map[string]any{"path": "${params.out}"}}},
	}
	a.expect("POST", "/api/generator-configs/fresh", cfg, 201)
	a.expect("POST", "/api/generator-configs/fresh", cfg, 409)
	a.expect("POST", "/api/generator-configs/fresh/file/produce.star", "def produce(params):\n    return 'hi'\n", 201)
	a.expect("PUT", "/api/generator-configs/fresh/file/produce.star", "def produce(params):\n    return 'hello'\n", 200)

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	fw, _ := mw.CreateFormFile("content", "s.csv")
	fw.Write([]byte("a,b\n"))
	mw.Close()
	if r := a.do("POST", "/api/generator-configs/fresh/file/samples/s.csv", mp.Bytes(), "Content-Type", mw.FormDataContentType()); r.code != 201 {
		t.Fatalf("multipart upload: %d %s", r.code, r.body)
	}
	if got := string(a.expect("GET", "/api/generator-configs/fresh/file/samples/s.csv", nil, 200).body); got != "a,b\n" {
		t.Fatalf("read back %q", got)
	}
	var names []string
	a.expect("GET", "/api/generator-configs/", nil, 200).json(t, &names)
	if fmt.Sprint(names) != "[fresh gen]" {
		t.Fatalf("dirs = %v", names)
	}
	var ext []dirInfo
	a.expect("GET", "/api/generator-configs/?extended=true", nil, 200).json(t, &ext)
	if len(ext) != 2 || ext[1].Name != "gen" || fmt.Sprint(ext[1].GeneratorIDs) != "[g1]" || ext[0].SizeInBytes == nil {
		t.Fatalf("extended = %+v", ext)
	}
	var back map[string]any
	a.expect("GET", "/api/generator-configs/fresh", nil, 200).json(t, &back)
	if fmt.Sprint(back["output"]) != "[map[file:map[path:${params.out}]]]" {
		t.Fatalf("config read back: %v", back)
	}
	var tree []fileNode
	a.expect("GET", "/api/generator-configs/fresh/file-tree", nil, 200).json(t, &tree)
	if len(tree) != 3 {
		t.Fatalf("tree: %+v", tree)
	}
	var rel string
	a.expect("GET", "/api/generator-configs/fresh/path", nil, 200).json(t, &rel)
	if rel != "fresh/generator.yml" {
		t.Fatalf("path = %q", rel)
	}

	// The new generator runs, with its params, through a startup entry.
	a.expect("POST", "/api/startup/fresh", map[string]any{"path": "fresh", "live_mode": false, "params": map[string]any{"out": "o.log"}}, 201)
	a.expect("POST", "/api/instance/restart", nil, 200)
	waitFor(t, "fresh to finish", 10*time.Second, func() bool {
		info, err := a.app.Manager.Info("fresh")
		return err == nil && info.Status.State == StateFinished
	})
	if got, _ := os.ReadFile(filepath.Join(a.dir, "generators/fresh/o.log")); string(got) != "hello\nhello\n" {
		t.Fatalf("o.log = %q", got)
	}

	a.expect("DELETE", "/api/generator-configs/fresh/file/samples", nil, 200)
	a.expect("DELETE", "/api/generator-configs/fresh", nil, 200)
	if _, err := os.Stat(filepath.Join(a.dir, "generators/fresh")); !os.IsNotExist(err) {
		t.Fatal("directory not deleted")
	}
}

func TestPreview(t *testing.T) {
	t.Parallel()
	files := merge(apiFiles(), map[string]string{
		"generators/gen/produce.star": "def produce(params):\n    return '%s %s %s' % (params['timestamp'].isoformat(), ','.join(params['tags']), globals.incr('n'))\n",
	})
	a := startApp(t, files, nil)
	var res previewResult
	a.expect("POST", "/api/preview/gen/event-plugin/produce",
		`[{"timestamp": "2024-05-01T10:00:00Z", "tags": ["a"]}, {"timestamp": 1714557600.5, "tags": []}]`, 200).json(t, &res)
	if len(res.Events) != 2 || !strings.HasPrefix(res.Events[0], "2024-05-01T10:00:00") || !strings.HasSuffix(res.Events[0], " a 1") ||
		!strings.HasSuffix(res.Events[1], " 2") || len(res.Errors) != 0 {
		t.Fatalf("preview: %+v", res)
	}
	if len(a.app.Manager.Globals().Snapshot()) != 0 {
		t.Fatal("preview touched the shared globals")
	}
	// A config fragment instead of the directory's event plugin.
	a.expect("POST", "/api/preview/gen/event-plugin/produce", map[string]any{
		"event":      map[string]any{"script": map[string]any{"path": "other.star"}},
		"timestamps": []any{map[string]any{"timestamp": "2024-05-01T10:00:00Z"}},
	}, 422)
	writeFiles(t, a.dir, map[string]string{"generators/gen/fail.star": "def produce(params):\n    return 1 // 0\n"})
	a.expect("POST", "/api/preview/gen/event-plugin/produce", map[string]any{
		"event":      map[string]any{"script": map[string]any{"path": "fail.star"}},
		"timestamps": []any{map[string]any{"timestamp": "2024-05-01T10:00:00Z"}},
	}, 200).json(t, &res)
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "division") {
		t.Fatalf("preview errors: %+v", res)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	a := startApp(t, apiFiles(), nil)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	a.expect("GET", "/api/openapi.json", nil, 200).json(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	for _, rt := range a.app.routes() {
		p := strings.ReplaceAll(strings.TrimSuffix(rt.path, "{$}"), "...}", "}")
		if _, ok := doc.Paths[p][strings.ToLower(rt.method)]; !ok {
			t.Errorf("%s %s missing", rt.method, p)
		}
	}
	for _, p := range []string{"/api/generators/", "/api/generators/{id}/start", "/api/generators/group-actions/bulk-start", "/api/startup/{id}", "/api/secrets/{name}", "/api/preview/{name}/event-plugin/produce", "/api/instance/info", "/metrics", "/healthz"} {
		if doc.Paths[p] == nil {
			t.Errorf("route %s missing from the document", p)
		}
	}
	var spec map[string]any
	_ = json.Unmarshal(a.do("GET", "/api/openapi.json", nil).body, &spec)
	if spec["components"] == nil {
		t.Error("no components")
	}
}
