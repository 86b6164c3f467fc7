package outputs

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventum-generator/eventum-go/formatters"
)

// recorder is an HTTP sink that answers with the statuses in script (then
// the last one forever) and keeps what it received.
type recorder struct {
	mu       sync.Mutex
	script   []int
	calls    int
	bodies   []string
	requests []*http.Request
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	code := r.script[min(r.calls, len(r.script)-1)]
	r.calls++
	r.bodies = append(r.bodies, string(body))
	r.requests = append(r.requests, req)
	r.mu.Unlock()
	w.WriteHeader(code)
	if code >= 400 {
		fmt.Fprintf(w, "rejected: %s", strings.Repeat("z", 1000))
	}
}

func (r *recorder) snapshot() (int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls, append([]string(nil), r.bodies...)
}

func newSink(t *testing.T, script ...int) (*recorder, *httptest.Server) {
	t.Helper()
	rec := &recorder{script: script}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv
}

func TestHTTPDelivers(t *testing.T) {
	t.Parallel()
	rec, srv := newSink(t, 202)
	o := mustBuild(t, "http", fmt.Sprintf(`{url: %q, method: put, success_code: 202, username: u, password: p,
		headers: {Content-Type: application/json, X-Num: 7}}`, srv.URL+"/ingest"), "")
	mustOpen(t, o)
	mustWrite(t, o, `[1,2]`, `[3]`)
	mustClose(t, o)
	calls, bodies := rec.snapshot()
	if calls != 2 || bodies[0] != "[1,2]" || bodies[1] != "[3]" {
		t.Fatalf("calls %d, bodies %q", calls, bodies)
	}
	req := rec.requests[0]
	user, pass, ok := req.BasicAuth()
	if req.Method != "PUT" || req.URL.Path != "/ingest" || !ok || user != "u" || pass != "p" ||
		req.Header.Get("Content-Type") != "application/json" || req.Header.Get("X-Num") != "7" {
		t.Fatalf("request %s %s auth %q/%q headers %v", req.Method, req.URL, user, pass, req.Header)
	}
}

func TestHTTPRetries(t *testing.T) {
	t.Parallel()
	rec, srv := newSink(t, 503, 502, 201)
	o := mustBuild(t, "http", fmt.Sprintf("url: %s", srv.URL), "")
	mustOpen(t, o)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := o.Write(ctx, []string{"one"})
	if n != 1 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if calls, bodies := rec.snapshot(); calls != 3 || bodies[2] != "one" {
		t.Fatalf("calls %d, bodies %q", calls, bodies)
	}
}

func TestHTTPRejected(t *testing.T) {
	t.Parallel()
	rec, srv := newSink(t, 201, 400)
	o := mustBuild(t, "http", fmt.Sprintf("url: %s", srv.URL), "")
	mustOpen(t, o)
	n, err := o.Write(context.Background(), []string{"ok", "bad", "never"})
	if n != 1 || err == nil {
		t.Fatalf("Write = %d, %v; want 1 and an error", n, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "status 400 (want 201): rejected: zzz") || strings.Count(msg, "z") > bodyPrefix {
		t.Fatalf("error %q", msg)
	}
	if calls, _ := rec.snapshot(); calls != 2 {
		t.Fatalf("a 4xx was retried or the write went on: %d calls", calls)
	}
}

func TestHTTPGivesUpAtDeadline(t *testing.T) {
	t.Parallel()
	_, srv := newSink(t, 500)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // a port nobody listens on
	for _, url := range []string{srv.URL, down.URL} {
		o := mustBuild(t, "http", "url: "+url, "")
		mustOpen(t, o)
		ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
		start := time.Now()
		n, err := o.Write(ctx, []string{"x"})
		cancel()
		if n != 0 || err == nil {
			t.Fatalf("%s: Write = %d, %v", url, n, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%s: gave up after %v, past the deadline", url, d)
		}
		if !strings.Contains(err.Error(), "gave up after") && ctx.Err() == nil {
			t.Fatalf("%s: error %v", url, err)
		}
	}
}

func TestHTTPTLS(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(201)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, tc := range []struct {
		cfg string
		ok  bool
	}{
		{"{url: %s}", true}, // verify is off by default, as in the original
		{"{url: %s, verify: true, ca_cert: ca.pem}", true},
		{"{url: %s, verify: true}", false},
	} {
		o := mustBuild(t, "http", fmt.Sprintf(tc.cfg, srv.URL), dir)
		mustOpen(t, o)
		before := hits.Load()
		n, err := o.Write(ctx, []string{"x"})
		if tc.ok != (err == nil) || (n == 1) != tc.ok {
			t.Errorf("%s: Write = %d, %v", tc.cfg, n, err)
		}
		if !tc.ok && (!strings.Contains(err.Error(), "certificate") || hits.Load() != before) {
			t.Errorf("%s: error %v", tc.cfg, err)
		}
		mustClose(t, o)
	}
}

func TestHTTPConfig(t *testing.T) {
	t.Parallel()
	for cfg, want := range map[string]string{
		"{}":                                      `missing required key "url"`,
		"{url: ftp://x}":                          "url: expected an http:// or https:// URL",
		"{url: 'http://x', method: FETCH}":        "method: must be one of",
		"{url: 'http://x', success_code: 42}":     "success_code",
		"{url: 'http://x', client_cert: c.pem}":   "client_cert and client_cert_key must be set together",
		"{url: 'http://x', proxy_url: '::'}":      "proxy_url",
		"{url: 'http://x', ca_cert: missing.pem}": "ca_cert",
		"{url: 'http://x', headers: [a]}":         "expected a mapping",
	} {
		if _, err := build(t, "http", cfg, t.TempDir()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", cfg, err, want)
		}
	}
	if got := (&HTTPConfig{}).DefaultFormat(); got != "json-batch" {
		t.Errorf("DefaultFormat = %q", got)
	}
}

// BenchmarkHTTPJSONBatch formats batches of 1000 events with json-batch and
// posts them to a local sink from two writers.
func BenchmarkHTTPJSONBatch(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(201)
	}))
	defer srv.Close()
	o := mustBuild(b, "http", "url: "+srv.URL, "")
	mustOpen(b, o)
	defer mustClose(b, o)
	event := `{"ts":"2024-01-01T00:00:00Z","host":"web-01","method":"GET","path":"/index.html","status":200,"bytes":5120,"ua":"Mozilla/5.0"}`
	events := make([]string, 1000)
	for i := range events {
		events[i] = event
	}
	b.ReportAllocs()
	b.SetParallelism(1)
	b.RunParallel(func(pb *testing.PB) {
		f, err := formatters.Build(nil, "json-batch", nil)
		if err != nil {
			b.Error(err)
			return
		}
		var out formatters.Formatted
		for pb.Next() {
			f.Format(events, &out)
			if _, err := o.Write(context.Background(), out.Payloads); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*len(events))/b.Elapsed().Seconds(), "events/s")
}
