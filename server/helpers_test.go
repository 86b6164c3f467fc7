package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventum-go/eventum/pipeline"

	// Plugins register themselves in init().
	_ "github.com/eventum-go/eventum/formatters"
	_ "github.com/eventum-go/eventum/inputs"
	_ "github.com/eventum-go/eventum/outputs"
	_ "github.com/eventum-go/eventum/scripts"
)

// syncBuffer collects logs so tests can check what they contain.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testApp struct {
	t    *testing.T
	dir  string
	app  *App
	url  string
	logs *syncBuffer
	stop func() error
	auth string // Authorization header of every request that sets none
}

const defaultAppConfig = `
server.host: 127.0.0.1
server.port: 0
log.level: debug
path.startup: startup.yml
path.generators_dir: generators
path.keyring_cryptfile: cryptfile.cfg
`

// genFiles is a generator directory: its config and a produce.star.
func genFiles(name, input, script string) map[string]string {
	if script == "" {
		script = "def produce(params):\n    return \"x\"\n"
	}
	return map[string]string{
		"generators/" + name + "/generator.yml": "input:\n" + input + "\nevent:\n  script:\n    path: produce.star\noutput:\n  - file:\n      path: out.log\n      flush_interval: 0.05\n",
		"generators/" + name + "/produce.star":  script,
	}
}

// timerInput ticks forever in live mode.
const timerInput = "  - timer:\n      seconds: 0.01\n      count: 2"

func staticInput(n int) string { return "  - static:\n      count: " + itoa(n) }

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			panic(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			panic(err)
		}
	}
}

// startApp writes files (eventum.yml defaults to defaultAppConfig), loads
// the settings, applies mutate, and serves on 127.0.0.1:0.
func startApp(t *testing.T, files map[string]string, mutate func(*Settings)) *testApp {
	t.Helper()
	dir := t.TempDir()
	if _, ok := files["eventum.yml"]; !ok {
		files = merge(files, map[string]string{"eventum.yml": defaultAppConfig})
	}
	writeFiles(t, dir, files)
	return startAppDir(t, dir, mutate)
}

func startAppDir(t *testing.T, dir string, mutates ...func(*Settings)) *testApp {
	t.Helper()
	a := startAppDirTB(t, dir, mutates...)
	a.t = t
	return a
}

func startAppDirTB(t testing.TB, dir string, mutates ...func(*Settings)) *testApp {
	t.Helper()
	s, err := LoadSettings(filepath.Join(dir, "eventum.yml"))
	if err != nil {
		t.Fatal(err)
	}
	s.Server.Port = 0
	for _, mutate := range mutates {
		if mutate != nil {
			mutate(s)
		}
	}
	logs := &syncBuffer{}
	app, err := New(s, Options{Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := app.Listen()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.LoadStartup(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(30 * time.Second):
				t.Error("Serve did not return")
			}
		})
		return serveErr
	}
	t.Cleanup(func() { _ = stop() })
	return &testApp{dir: dir, app: app, url: "http://" + ln.Addr().String(), logs: logs, stop: stop}
}

type response struct {
	code   int
	body   []byte
	header http.Header
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response %d is not JSON: %v: %s", r.code, err, r.body)
	}
}

// do sends a request; body may be a string, []byte, io.Reader or a value to encode as JSON.
func (a *testApp) do(method, path string, body any, hdr ...string) response {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		data, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if rd != nil {
		// The API takes JSON, and raw bytes on the file routes; a test
		// sending anything else says so in hdr.
		if strings.Contains(path, "/file/") {
			req.Header.Set("Content-Type", "application/octet-stream")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Host") {
			req.Host = hdr[i+1] // the client sends req.Host, not a Host header
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if a.auth != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", a.auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return response{code: res.StatusCode, body: data, header: res.Header}
}

// expect checks the status and, for errors, the JSON error shape.
func (a *testApp) expect(method, path string, body any, code int) response {
	a.t.Helper()
	r := a.do(method, path, body)
	if r.code != code {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.code, code, r.body)
	}
	if code >= 400 {
		var e apiError
		r.json(a.t, &e)
		if e.Error == "" {
			a.t.Fatalf("%s %s: error body without `error`: %s", method, path, r.body)
		}
	}
	return r
}

func (a *testApp) status(id string) Status {
	a.t.Helper()
	var s Status
	a.expect("GET", "/api/generators/"+id+"/status", nil, 200).json(a.t, &s)
	return s
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(data, []byte("\n"))
}

// snapshotTree maps every path under dir to its content (symlinks to their target).
func snapshotTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "-> " + target
		case fi.IsDir():
			out[rel] = "dir"
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = string(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func snapshotFor(produced, written int64) pipeline.Snapshot {
	return pipeline.Snapshot{Produced: produced, Outputs: []pipeline.OutputSnapshot{{Name: "file", Written: written}}}
}
