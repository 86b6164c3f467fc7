package outputs_test

// Fault tests of the HTTP-based outputs (http, clickhouse, opensearch,
// baseplate) end to end through the pipeline, against sinks on real
// loopback listeners that fail for longer than one attempt and then
// recover. This file holds the http output's tests and the helpers the
// others share.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventum-go/eventum/cli"
	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"
)

// faultScript produces the events {"n": 1}, {"n": 2}, … one per timestamp.
const faultScript = `
def produce(params):
    n = shared.get("n", 0) + 1
    shared.set("n", n)
    return '{"n": %d}' % n
`

// faultLog is a log destination safe for concurrent writers and a reader.
type faultLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *faultLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *faultLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// faultPaddedScript produces the events {"n": i, "pad": "xxx…"} of about 250 bytes.
const faultPaddedScript = `
def produce(params):
    n = shared.get("n", 0) + 1
    shared.set("n", n)
    return '{"n": %d, "pad": "%s"}' % (n, "x" * 230)
`

// faultDir writes the generator file (static input of count timestamps,
// faultScript, the given output list) into a new directory and returns its path.
func faultDir(t *testing.T, count int, output string) string {
	return faultDirScript(t, count, output, faultScript)
}

// faultDirScript is faultDir with another script.
func faultDirScript(t *testing.T, count int, output, script string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "produce.star"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf("input:\n  - static: {count: %d}\nevent:\n  script: {path: produce.star}\noutput:\n  - %s\n", count, output)
	path := filepath.Join(dir, "generator.yml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// faultGenerator builds a sample-mode generator of count events {"n": i}
// for the output (one YAML flow mapping such as `http: {url: …}`); tweak
// adjusts the settings. Its log (warnings and up) goes to the returned buffer.
func faultGenerator(t *testing.T, count int, output string, tweak func(*pipeline.Settings)) (*pipeline.Generator, *faultLog) {
	t.Helper()
	return faultGeneratorScript(t, count, output, faultScript, tweak)
}

// faultGeneratorScript is faultGenerator with another script.
func faultGeneratorScript(t *testing.T, count int, output, script string, tweak func(*pipeline.Settings)) (*pipeline.Generator, *faultLog) {
	t.Helper()
	path := faultDirScript(t, count, output, script)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := config.Parse(path, src, config.Vars{})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := doc.Generator()
	if err != nil {
		t.Fatal(err)
	}
	s := pipeline.DefaultSettings()
	s.Live = false
	if tweak != nil {
		tweak(&s)
	}
	log := &faultLog{}
	g, err := pipeline.Build(gc, pipeline.Options{ID: "fault", Settings: s,
		Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	return g, log
}

// faultWait polls cond until it holds; the deadline only bounds the wait.
func faultWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(120 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within 120 s", what)
		}
	}
}

// faultEvents decodes the events {"n": i} of a JSON array or of JSON lines.
func faultEvents(body []byte) ([]int, error) {
	var evs []struct{ N int }
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &evs); err != nil {
			return nil, err
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(body))
		for dec.More() {
			var e struct{ N int }
			if err := dec.Decode(&e); err != nil {
				return nil, err
			}
			evs = append(evs, e)
		}
	}
	ns := make([]int, len(evs))
	for i, e := range evs {
		if e.N <= 0 {
			return nil, fmt.Errorf("event %d has no n", i)
		}
		ns[i] = e.N
	}
	return ns, nil
}

// faultArrivals counts how many times each event arrived.
type faultArrivals struct {
	mu    sync.Mutex
	count map[int]int
	total int
}

func (a *faultArrivals) add(ns []int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.count == nil {
		a.count = map[int]int{}
	}
	for _, n := range ns {
		a.count[n]++
	}
	a.total += len(ns)
}

func (a *faultArrivals) stored() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.total
}

// exactlyOnce checks that the events 1..want arrived once each.
func (a *faultArrivals) exactlyOnce(t *testing.T, want int) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for n := 1; n <= want; n++ {
		if c := a.count[n]; c != 1 {
			t.Fatalf("event %d arrived %d times (%d stored for %d events)", n, c, a.total, want)
		}
	}
	if a.total != want {
		t.Fatalf("%d events stored, want %d", a.total, want)
	}
}

// checkCounters checks the counters of a run's only output.
func checkCounters(t *testing.T, st pipeline.Snapshot, written int64) {
	t.Helper()
	o := st.Outputs[0]
	if st.Produced != written || o.Written != written || o.WriteFailed != 0 || o.FormatFailed != 0 || o.Undelivered != 0 || st.Lost() != 0 {
		t.Fatalf("produced %d, counters %+v; want %d written, nothing lost", st.Produced, o, written)
	}
}

// reopenable is an HTTP server on a fixed loopback port that can stop
// listening (connections refused) and start again on the same port.
type reopenable struct {
	t       *testing.T
	handler http.Handler
	addr    string
	mu      sync.Mutex
	srv     *http.Server
	down    bool
}

func newReopenable(t *testing.T, h http.Handler) *reopenable {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &reopenable{t: t, handler: h, addr: ln.Addr().String()}
	r.serve(ln)
	t.Cleanup(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.srv != nil {
			r.srv.Close()
		}
	})
	return r
}

func (r *reopenable) URL() string { return "http://" + r.addr }

func (r *reopenable) serve(ln net.Listener) {
	r.srv = &http.Server{Handler: r.handler}
	go r.srv.Serve(ln)
}

// outage closes the listener and every connection, and listens again on
// the same port after d. It returns at once; up reports when it is back.
func (r *reopenable) outage(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return
	}
	r.down = true
	r.srv.Close()
	r.srv = nil
	time.AfterFunc(d, func() {
		for {
			ln, err := net.Listen("tcp", r.addr)
			if err == nil {
				r.mu.Lock()
				r.serve(ln)
				r.down = false
				r.mu.Unlock()
				return
			}
			time.Sleep(10 * time.Millisecond) // the port is not free yet
		}
	})
}

func (r *reopenable) up() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.down
}

// httpSink is an HTTP collector of the events {"n": i} (JSON arrays or
// JSON lines). Its fault injections:
//   - after outageAfter events, it fails every request for outageFor:
//     503 without storing anything, or (closeListener) refuses connections;
//   - the first holdFirst requests are stored, then held unanswered until
//     the client gives up (the outcome is unknown to the client).
//
// With dedup, a request whose Idempotency-Key was stored before is
// acknowledged without storing it again (what a server honouring the key does).
type httpSink struct {
	arrivals      faultArrivals
	outageAfter   int
	outageFor     time.Duration
	closeListener bool
	holdFirst     int
	dedup         bool
	failFirst     int                        // the first requests are answered 503 (nothing stored)
	noKeys        bool                       // the client sends no idempotency key (baseplate)
	status        int                        // the success status (default 200)
	keyOf         func(*http.Request) string // the request's idempotency key (default: the Idempotency-Key header)
	server        *reopenable

	mu          sync.Mutex
	requests    int
	failed      int // requests answered 503 during the outage
	held        int
	dupes       int // requests acknowledged by their idempotency key
	resent      int // events stored again from requests whose key was stored before (without dedup)
	keys        map[string]bool
	outageStart time.Time
	outageEnd   time.Time
	problems    []string
}

func newHTTPSink(t *testing.T, s *httpSink) *httpSink {
	t.Helper()
	s.keys = map[string]bool{}
	s.server = newReopenable(t, http.HandlerFunc(s.handle))
	return s
}

func (s *httpSink) handle(w http.ResponseWriter, r *http.Request) {
	var src io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		src = zr
	}
	body, err := io.ReadAll(src)
	if err != nil {
		return // the client went away
	}
	key := r.Header.Get("Idempotency-Key")
	if s.keyOf != nil {
		key = s.keyOf(r)
	}
	s.mu.Lock()
	s.requests++
	if s.requests <= s.failFirst {
		s.failed++
		s.mu.Unlock()
		http.Error(w, "collector unavailable", http.StatusServiceUnavailable)
		return
	}
	if !s.outageStart.IsZero() && s.outageEnd.IsZero() && !s.closeListener {
		if time.Since(s.outageStart) < s.outageFor {
			s.failed++
			s.mu.Unlock()
			http.Error(w, "collector unavailable", http.StatusServiceUnavailable)
			return
		}
		s.outageEnd = time.Now()
	}
	if key == "" && !s.noKeys {
		s.problems = append(s.problems, fmt.Sprintf("request %d has no idempotency key", s.requests))
	}
	seen := s.keys[key]
	if s.dedup && seen {
		s.dupes++
		s.mu.Unlock()
		s.answer(w)
		return
	}
	ns, err := faultEvents(body)
	if err != nil {
		s.problems = append(s.problems, fmt.Sprintf("request %d: %v", s.requests, err))
		s.mu.Unlock()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.keys[key] = true
	if seen {
		s.resent += len(ns)
	}
	s.arrivals.add(ns)
	hold := !seen && s.held < s.holdFirst // a re-send is never held
	if hold {
		s.held++
	}
	startOutage := s.outageFor > 0 && s.outageStart.IsZero() && s.arrivals.stored() >= s.outageAfter
	if startOutage {
		s.outageStart = time.Now()
	}
	s.mu.Unlock()
	if hold {
		<-r.Context().Done() // stored, but the client never hears of it
		return
	}
	s.answer(w)
	if startOutage && s.closeListener {
		w.(http.Flusher).Flush()
		s.server.outage(s.outageFor)
	}
}

func (s *httpSink) answer(w http.ResponseWriter) {
	code := s.status
	if code == 0 {
		code = http.StatusOK
	}
	w.WriteHeader(code)
}

func (s *httpSink) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.problems) > 0 {
		t.Fatalf("%d problems, first: %s", len(s.problems), s.problems[0])
	}
}

// faultOutage is the length of the outages of the default suite: longer
// than one attempt (write_timeout 1 s in these tests). The acceptance
// variant of the issue (15 s) runs with EVENTUM_FAULT_OUTAGE=15s.
func faultOutage(t *testing.T) time.Duration {
	if v := os.Getenv("EVENTUM_FAULT_OUTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("EVENTUM_FAULT_OUTAGE: %v", err)
		}
		return d
	}
	return 4 * time.Second
}

// Acceptance (issue 10): a 100,000-event sample run, through the real
// command, to an HTTP sink that answers 503 for a while after the first
// 20,000 events (4 s, longer than the 1 s write_timeout; 15 s with
// EVENTUM_FAULT_OUTAGE=15s): every event arrives exactly once, the summary
// says written 100000, write_failed 0, the exit code is 0, and the retry
// messages do not show the URL's password.
func TestFaultHTTPOutage503(t *testing.T) {
	t.Parallel()
	const total = 100_000
	outage := faultOutage(t)
	sink := newHTTPSink(t, &httpSink{outageAfter: 20_000, outageFor: outage})
	url := strings.Replace(sink.server.URL(), "http://", "http://eventum:pa55-w0rd@", 1) + "/ingest"
	path := faultDir(t, total, fmt.Sprintf("http: {url: %q}", url))
	var stdout bytes.Buffer
	stderr := &faultLog{}
	start := time.Now()
	code := cli.Main([]string{"eventum", "generate", "--path", path, "--no-live-mode", "--batch.size", "1000",
		"--write-timeout", "1", "--log-level", "info"}, &stdout, stderr)
	out := stderr.String()
	if code != 0 || !strings.Contains(out, "written 100000, write_failed 0, format_failed 0") || strings.Contains(out, "NOT DELIVERED") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	sink.check(t)
	sink.arrivals.exactlyOnce(t, total)
	sink.mu.Lock()
	failed, lasted := sink.failed, sink.outageEnd.Sub(sink.outageStart)
	sink.mu.Unlock()
	if failed == 0 || lasted < outage {
		t.Fatalf("the outage did not happen as planned: %d requests refused over %v", failed, lasted)
	}
	if !strings.Contains(out, "write failed, retrying") || !strings.Contains(out, "//***@") || strings.Contains(out, "pa55-w0rd") {
		t.Fatalf("retry messages (the password must not show):\n%s", out)
	}
	t.Logf("%d requests refused during a %v outage; run took %v", failed, lasted.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// The sink's listener closes for a few seconds after the first 20,000
// events (connections refused), then listens again on the same port:
// every event arrives once (a request whose answer was lost in the close
// is re-sent with its Idempotency-Key, which the sink honours).
func TestFaultHTTPListenerClosed(t *testing.T) {
	t.Parallel()
	const total = 50_000
	outage := faultOutage(t)
	sink := newHTTPSink(t, &httpSink{outageAfter: 20_000, outageFor: outage, closeListener: true, dedup: true})
	g, log := faultGenerator(t, total, fmt.Sprintf("http: {url: %q, retry: {initial: 0.05, max: 0.5}}", sink.server.URL()),
		func(s *pipeline.Settings) { s.BatchSize = 1000; s.WriteTimeout = time.Second })
	start := time.Now()
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	checkCounters(t, st, total)
	sink.check(t)
	sink.arrivals.exactlyOnce(t, total)
	if st.Outputs[0].Retries == 0 || time.Since(start) < outage {
		t.Fatalf("no outage seen: retries %d, run %v\n%s", st.Outputs[0].Retries, time.Since(start), log.String())
	}
	t.Logf("%d retries, %d re-sent requests acknowledged by key", st.Outputs[0].Retries, sink.dupes)
}

// A sink that stores the first requests but answers them only after the
// client gave up (longer than write_timeout): the outcome is unknown to
// eventum, which re-sends the same payloads with the same Idempotency-Key.
// The events are counted written once; without deduplication the sink has
// them twice (duplicates only from the re-sends), with it exactly once.
func TestFaultHTTPUnknownOutcome(t *testing.T) {
	t.Parallel()
	const total, held = 10_000, 3
	for _, dedup := range []bool{false, true} {
		t.Run(fmt.Sprintf("dedup=%v", dedup), func(t *testing.T) {
			t.Parallel()
			sink := newHTTPSink(t, &httpSink{holdFirst: held, dedup: dedup})
			g, _ := faultGenerator(t, total, fmt.Sprintf("http: {url: %q, retry: {initial: 0.05, max: 0.2}}", sink.server.URL()),
				func(s *pipeline.Settings) { s.BatchSize = 1000; s.WriteTimeout = time.Second })
			if err := g.Run(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			st := g.Stats()
			checkCounters(t, st, total)
			sink.check(t)
			if st.Outputs[0].Retries < held {
				t.Fatalf("%d retries, want at least %d", st.Outputs[0].Retries, held)
			}
			if dedup {
				sink.arrivals.exactlyOnce(t, total)
				if sink.dupes < held {
					t.Fatalf("%d re-sent requests acknowledged by key, want at least %d", sink.dupes, held)
				}
				return
			}
			// Duplicates come only from re-sends (requests with a key
			// stored before), the held requests' at least.
			sink.mu.Lock()
			resent := sink.resent
			sink.mu.Unlock()
			sink.arrivals.mu.Lock()
			defer sink.arrivals.mu.Unlock()
			for n := 1; n <= total; n++ {
				if sink.arrivals.count[n] == 0 {
					t.Fatalf("event %d never arrived", n)
				}
			}
			if sink.arrivals.total != total+resent || resent < held*1000 {
				t.Fatalf("%d events stored, %d of them from re-sent requests; want %d + the re-sent ones, at least %d", sink.arrivals.total, resent, total, held*1000)
			}
		})
	}
}

// A collector that answers 200 (not 201) with the default settings: every
// event counts as written (any 2xx is success).
func TestFaultHTTPAnswer200(t *testing.T) {
	t.Parallel()
	const total = 20_000
	sink := newHTTPSink(t, &httpSink{})
	g, _ := faultGenerator(t, total, fmt.Sprintf("http: {url: %q}", sink.server.URL()), nil)
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	checkCounters(t, g.Stats(), total)
	sink.check(t)
	sink.arrivals.exactlyOnce(t, total)
}
