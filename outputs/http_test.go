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

	"github.com/eventum-go/eventum/formatters"
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

// A Write is one attempt: a transient failure ends it with the index of the
// payload that failed and an error that is not Permanent; the next Write
// (the pipeline's retry) goes on from there.
func TestHTTPOneAttemptPerWrite(t *testing.T) {
	t.Parallel()
	rec, srv := newSink(t, 201, 503, 502, 200)
	o := mustBuild(t, "http", fmt.Sprintf("url: %s", srv.URL), "")
	mustOpen(t, o)
	payloads := []string{"zero", "one", "two"}
	for _, want := range []int{1, 0} {
		n, err := o.Write(context.Background(), payloads)
		if n != want || err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "status 50") {
			t.Fatalf("Write = %d, %v; want %d and a transient error", n, err, want)
		}
		payloads = payloads[n:]
	}
	if n, err := o.Write(context.Background(), payloads); n != 2 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if calls, bodies := rec.snapshot(); calls != 5 || strings.Join(bodies, ",") != "zero,one,one,one,two" {
		t.Fatalf("calls %d, bodies %q", calls, bodies)
	}
}

func TestHTTPRejected(t *testing.T) {
	t.Parallel()
	rec, srv := newSink(t, 201, 400)
	o := mustBuild(t, "http", fmt.Sprintf("url: %s", srv.URL), "")
	mustOpen(t, o)
	n, err := o.Write(context.Background(), []string{"ok", "bad", "never"})
	if n != 1 || !IsPermanent(err) {
		t.Fatalf("Write = %d, %v; want 1 and a permanent error", n, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "status 400 (want 2xx): rejected: zzz") || strings.Count(msg, "z") > bodyPrefix {
		t.Fatalf("error %q", msg)
	}
	if calls, _ := rec.snapshot(); calls != 2 {
		t.Fatalf("the write went on after a 4xx: %d calls", calls)
	}
}

// Which answers are retried (transient) and which are not (Permanent).
func TestHTTPClassifiesFailures(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // a port nobody listens on
	for _, tc := range []struct {
		status    int // 0: the closed port
		permanent bool
	}{
		{0, false}, {500, false}, {503, false}, {408, false}, {429, false},
		{400, true}, {401, true}, {404, true}, {413, true}, {422, true}, {301, true},
	} {
		url := down.URL
		if tc.status != 0 {
			_, srv := newSink(t, tc.status)
			url = srv.URL
		}
		o := mustBuild(t, "http", "url: "+url, "")
		mustOpen(t, o)
		n, err := o.Write(context.Background(), []string{"x"})
		if n != 0 || err == nil || IsPermanent(err) != tc.permanent {
			t.Errorf("status %d: Write = %d, %v; want permanent %v", tc.status, n, err, tc.permanent)
		}
		mustClose(t, o)
	}
}

// Without a deadline from the pipeline, request_timeout still bounds the
// attempt; a timed-out payload is not settled (its outcome is unknown) and
// the error is transient.
func TestHTTPAttemptBoundedByRequestTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	for _, tc := range []struct {
		cfg      string
		deadline time.Duration
	}{
		{"{url: %s, request_timeout: 0.2}", 0},                     // request_timeout is the smaller
		{"{url: %s, request_timeout: 60}", 200 * time.Millisecond}, // write_timeout is
	} {
		o := mustBuild(t, "http", fmt.Sprintf(tc.cfg, srv.URL), "")
		mustOpen(t, o)
		ctx := context.Background()
		if tc.deadline > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, tc.deadline)
			defer cancel()
		}
		start := time.Now()
		n, err := o.Write(ctx, []string{"x"})
		if n != 0 || err == nil || IsPermanent(err) {
			t.Fatalf("%s: Write = %d, %v", tc.cfg, n, err)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Fatalf("%s: the attempt took %v", tc.cfg, d)
		}
		mustClose(t, o)
	}
}

func TestHTTPSuccessCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		setting string
		status  int
		ok      bool
	}{
		{"", 200, true}, {"", 201, true}, {"", 202, true}, {"", 204, true}, {"", 299, true},
		{"", 300, false}, {"", 400, false},
		{", success_code: 201", 201, true}, {", success_code: 201", 200, false},
		{", success_code: [200, 202]", 202, true}, {", success_code: [200, 202]", 201, false},
	} {
		_, srv := newSink(t, tc.status)
		o := mustBuild(t, "http", fmt.Sprintf("{url: %s%s}", srv.URL, tc.setting), "")
		mustOpen(t, o)
		n, err := o.Write(context.Background(), []string{"x"})
		if (err == nil) != tc.ok || (n == 1) != tc.ok {
			t.Errorf("status %d with %q: Write = %d, %v", tc.status, tc.setting, n, err)
		}
		if !tc.ok && tc.status < 500 && !IsPermanent(err) {
			t.Errorf("status %d with %q: %v is not permanent", tc.status, tc.setting, err)
		}
		mustClose(t, o)
	}
}

// The idempotency key is the same on every attempt of a payload and differs
// between payloads, batches and runs.
func TestHTTPIdempotencyKey(t *testing.T) {
	t.Parallel()
	rec, srv := newSink(t, 201)
	o := mustBuild(t, "http", "url: "+srv.URL, "")
	other := mustBuild(t, "http", "url: "+srv.URL, "")
	off := mustBuild(t, "http", fmt.Sprintf("{url: %s, idempotency_header: ''}", srv.URL), "")
	renamed := mustBuild(t, "http", fmt.Sprintf("{url: %s, idempotency_header: x-request-id}", srv.URL), "")
	at := func(batch uint64, offset, n int) context.Context {
		return WithAttempt(context.Background(), Attempt{Batch: batch, Offset: offset, N: n})
	}
	for _, w := range []struct {
		o        Output
		ctx      context.Context
		payloads []string
	}{
		{o, at(1, 0, 1), []string{"a", "b"}}, // keys 0, 1
		{o, at(1, 1, 2), []string{"b"}},      // b again: the key it had
		{o, at(2, 0, 1), []string{"c"}},      // another batch
		{other, at(1, 0, 1), []string{"d"}},  // another run
		{o, context.Background(), []string{"e"}},
		{o, context.Background(), []string{"f"}},
		{off, at(1, 0, 1), []string{"g"}},
		{renamed, at(1, 0, 1), []string{"h"}},
	} {
		if n, err := w.o.Write(w.ctx, w.payloads); err != nil || n != len(w.payloads) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	keys := map[string]string{}
	for i, r := range rec.requests {
		keys[rec.bodies[i]] = r.Header.Get("Idempotency-Key")
		if rec.bodies[i] == "h" {
			keys["h"] = r.Header.Get("X-Request-Id")
		}
	}
	if keys["a"] == "" || keys["a"] == keys["b"] {
		t.Fatalf("keys %q", keys)
	}
	seen := map[string]bool{}
	for _, p := range []string{"a", "b", "c", "d", "e", "f", "h"} {
		if keys[p] == "" || seen[keys[p]] {
			t.Fatalf("payload %s: key %q not unique: %q", p, keys[p], keys)
		}
		seen[keys[p]] = true
	}
	if keys["g"] != "" {
		t.Fatalf("idempotency_header '' still sent %q", keys["g"])
	}
	// b was sent twice: both requests carry the same key.
	var bKeys []string
	for i, r := range rec.requests {
		if rec.bodies[i] == "b" {
			bKeys = append(bKeys, r.Header.Get("Idempotency-Key"))
		}
	}
	if len(bKeys) != 2 || bKeys[0] != bKeys[1] {
		t.Fatalf("keys of the re-sent payload: %q", bKeys)
	}
}

// The URL's password never shows in an error (the pipeline logs them).
func TestHTTPErrorsHideThePassword(t *testing.T) {
	t.Parallel()
	_, srv := newSink(t, 503)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, base := range []string{srv.URL, down.URL} {
		u := strings.Replace(base, "http://", "http://user:s3cr3t-pw@", 1)
		o := mustBuild(t, "http", fmt.Sprintf("url: %q", u+"/in"), "")
		mustOpen(t, o)
		_, err := o.Write(context.Background(), []string{"x"})
		if err == nil || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "user:xxxxx@") {
			t.Fatalf("error %v", err)
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
		"{}":                                  `missing required key "url"`,
		"{url: ftp://x}":                      "url: expected an http:// or https:// URL",
		"{url: 'http://x', method: FETCH}":    "method: must be one of",
		"{url: 'http://x', success_code: 42}": "success_code",
		"{url: 'http://x', success_code: [200, 1000]}": "success_code: must be an HTTP status",
		"{url: 'http://x', success_code: two}":         "expected an HTTP status",
		"{url: 'http://x', idempotency_header: 'a b'}": "idempotency_header",
		"{url: 'http://x', client_cert: c.pem}":        "client_cert and client_cert_key must be set together",
		"{url: 'http://x', proxy_url: '::'}":           "proxy_url",
		"{url: 'http://x', ca_cert: missing.pem}":      "ca_cert",
		"{url: 'http://x', headers: [a]}":              "expected a mapping",
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
