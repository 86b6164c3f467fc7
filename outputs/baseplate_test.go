package outputs

import (
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// collector is a Baseplate event collector on 127.0.0.1 that checks every
// request (method, path, headers, gzip, signature, size, framing) and
// keeps the events of the requests it accepts. It answers the first
// failFirst requests with failStatus (0: drops the connection instead).
type collector struct {
	srv        *httptest.Server
	version    string
	keyName    string
	secret     []byte
	failFirst  int
	failStatus int
	hold       chan struct{} // when set, requests wait for it to be closed
	held       atomic.Int32  // requests waiting on hold

	mu         sync.Mutex
	requests   int
	events     []string
	bodies     []string // uncompressed bodies of the accepted requests
	signatures []string
	maxBody    int
	problems   []string
}

func newCollector(t *testing.T, version string, failFirst, failStatus int) *collector {
	t.Helper()
	c := &collector{version: version, keyName: "eventum-test", secret: []byte("hunter2"), failFirst: failFirst, failStatus: failStatus}
	c.srv = httptest.NewServer(http.HandlerFunc(c.handle))
	t.Cleanup(c.srv.Close)
	return c
}

// config is the output's YAML for this collector, plus extra settings.
func (c *collector) config(extra string) string {
	return fmt.Sprintf("{collector: %q, scheme: http, version: %q, key_name: %s, key_secret: %s, retry_backoff: 0.01%s}",
		strings.TrimPrefix(c.srv.URL, "http://"), c.version, c.keyName, base64.StdEncoding.EncodeToString(c.secret), extra)
}

func (c *collector) problem(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *collector) handle(w http.ResponseWriter, r *http.Request) {
	if c.hold != nil {
		c.held.Add(1)
		<-c.hold
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	n := c.requests
	if r.Method != http.MethodPost || r.URL.Path != "/v"+c.version {
		c.problem("request %d: %s %s", n, r.Method, r.URL.Path)
	}
	for k, want := range map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"} {
		if got := r.Header.Get(k); got != want {
			c.problem("request %d: %s: %q, want %q", n, k, got, want)
		}
	}
	if r.Header.Get("User-Agent") == "" {
		c.problem("request %d: no User-Agent", n)
	}
	if d := r.Header.Get("Date"); !strings.HasSuffix(d, " GMT") {
		c.problem("request %d: Date %q is not RFC 1123 GMT", n, d)
	} else if at, err := http.ParseTime(d); err != nil || time.Since(at).Abs() > time.Minute {
		c.problem("request %d: Date %q: %v", n, d, err)
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		c.problem("request %d: body is not gzip: %v", n, err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		c.problem("request %d: gzip: %v", n, err)
	}
	c.maxBody = max(c.maxBody, len(body))
	if len(body) > BaseplateMaxBatchSize {
		c.problem("request %d: body of %d bytes is over %d", n, len(body), BaseplateMaxBatchSize)
	}
	mac := hmac.New(sha256.New, c.secret)
	mac.Write(body)
	sig := r.Header.Get("X-Signature")
	if want := "key=" + c.keyName + ", mac=" + hex.EncodeToString(mac.Sum(nil)); sig != want {
		c.problem("request %d: X-Signature %q, want %q", n, sig, want)
	}
	events, err := c.unframe(body)
	if err != nil {
		c.problem("request %d: %v", n, err)
	}
	if len(events) == 0 {
		c.problem("request %d: an empty batch", n)
	}
	for i, e := range events {
		if len(e) > BaseplateMaxEventSize {
			c.problem("request %d: event %d has %d bytes", n, i, len(e))
		}
	}
	if n <= c.failFirst {
		if c.failStatus == 0 {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		w.WriteHeader(c.failStatus)
		fmt.Fprintf(w, "failing request %d on purpose", n)
		return
	}
	c.events = append(c.events, events...)
	c.bodies = append(c.bodies, string(body))
	c.signatures = append(c.signatures, sig)
	w.WriteHeader(http.StatusNoContent)
}

// unframe splits a body into its events according to the version.
func (c *collector) unframe(body []byte) ([]string, error) {
	var raw []json.RawMessage
	if c.version == "2" {
		var wrapper map[string]map[string][]json.RawMessage
		if err := json.Unmarshal(body, &wrapper); err != nil {
			return nil, fmt.Errorf("not a Thrift-JSON list: %v", err)
		}
		lst := wrapper["1"]["lst"]
		if len(wrapper) != 1 || len(wrapper["1"]) != 1 || len(lst) < 2 || string(lst[0]) != `"rec"` || string(lst[1]) != fmt.Sprint(len(lst)-2) {
			return nil, fmt.Errorf("bad Thrift-JSON list header in %.60s", body)
		}
		raw = lst[2:]
	} else if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("not a JSON array: %v", err)
	}
	events := make([]string, len(raw))
	for i, e := range raw {
		events[i] = string(e)
	}
	return events, nil
}

func (c *collector) snapshot() (requests int, events []string, problems []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests, append([]string(nil), c.events...), append([]string(nil), c.problems...)
}

func (c *collector) checkClean(t *testing.T) {
	t.Helper()
	if _, _, problems := c.snapshot(); len(problems) > 0 {
		t.Errorf("%d protocol problems, first: %s", len(problems), strings.Join(problems[:min(5, len(problems))], "\n"))
	}
}

func TestBaseplateSignatureExample(t *testing.T) {
	t.Parallel()
	mac := hmac.New(sha256.New, []byte("hunter2"))
	mac.Write([]byte(`[{"example": "value"}]`))
	if got := hex.EncodeToString(mac.Sum(nil)); got != "7c46d56b99cd4cb05e08238c1d4c10a2f330795e9d7327f17cc66fd206bf1179" {
		t.Fatalf("mac %s", got)
	}
	// The same through the output: one event is the body of the example.
	c := newCollector(t, "1", 0, 0)
	o := mustBuild(t, "baseplate", c.config(""), "")
	mustOpen(t, o)
	mustWrite(t, o, `{"example": "value"}`)
	mustClose(t, o)
	c.checkClean(t)
	if len(c.signatures) != 1 || c.signatures[0] != "key=eventum-test, mac=7c46d56b99cd4cb05e08238c1d4c10a2f330795e9d7327f17cc66fd206bf1179" ||
		c.bodies[0] != `[{"example": "value"}]` {
		t.Fatalf("signatures %q, bodies %q", c.signatures, c.bodies)
	}
}

// baseplateEvents makes n distinct v1 events of about 250 bytes.
func baseplateEvents(n int) []string {
	events := make([]string, n)
	for i := range events {
		events[i] = fmt.Sprintf(`{"event_topic": "ads", "event_type": "click", "event_ts": %d, "uuid": "id-%07d", "payload": {"ad_id": %d, "page": "/r/all/comments/%d", "obfuscated_data": {"ip": "10.%d.%d.%d"}, "pad": "%s"}}`,
			1714979289000+int64(i), i, i%977, i*7, i%256, i/256%256, i%13, strings.Repeat("x", i%50))
	}
	return events
}

// TestBaseplateAcceptance publishes 100,000 v1 events to a collector that
// answers the first 3 requests with 503: every event arrives exactly once,
// every request is signed, none is over 512,000 bytes.
func TestBaseplateAcceptance(t *testing.T) {
	t.Parallel()
	c := newCollector(t, "1", 3, http.StatusServiceUnavailable)
	// A request that times out may have been published: its batch would be
	// sent again (at least once). The collector's checks are slow on a
	// loaded machine with -race: give it time, exactly once is the point here.
	o := mustBuild(t, "baseplate", c.config(", timeout: 30"), "")
	mustOpen(t, o)
	events := baseplateEvents(100_000)
	for start := 0; start < len(events); start += 1000 { // the pipeline's batches
		mustWrite(t, o, events[start:start+1000]...)
	}
	mustClose(t, o)
	c.checkClean(t)
	requests, got, _ := c.snapshot()
	seen := make(map[string]int, len(got))
	for _, e := range got {
		seen[e]++
	}
	for i, e := range events {
		if seen[e] != 1 {
			t.Fatalf("event %d arrived %d times", i, seen[e])
		}
	}
	if len(got) != len(events) {
		t.Fatalf("collector got %d events, want %d", len(got), len(events))
	}
	st := o.(*Baseplate).Stats()
	if st.Sent != 100_000 || st.Failed != 0 || st.Rejected != 0 || st.Requests != int64(requests) {
		t.Fatalf("stats %+v, collector saw %d requests", st, requests)
	}
	if c.maxBody > 512_000 || c.maxBody < 500_000 {
		t.Fatalf("largest body %d bytes, want batches filled close to 512,000", c.maxBody)
	}
	t.Logf("%d requests (3 refused), largest body %d bytes", requests, c.maxBody)
}

func TestBaseplateFraming(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"1", "2", "2j"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			c := newCollector(t, version, 0, 0)
			o := mustBuild(t, "baseplate", c.config(""), "")
			mustOpen(t, o)
			mustWrite(t, o, `{"a": 1}`, `{"1": {"str": "x"}}`, `{"b": [1, 2]}`)
			mustClose(t, o)
			c.checkClean(t)
			if len(c.bodies) != 1 {
				t.Fatalf("bodies %q", c.bodies)
			}
			golden(t, "baseplate_v"+version, []byte(c.bodies[0]))
		})
	}
}

func TestBaseplateRejects(t *testing.T) {
	t.Parallel()
	c := newCollector(t, "2j", 0, 0)
	o := mustBuild(t, "baseplate", c.config(""), "")
	mustOpen(t, o)
	// The largest event allowed: a JSON string of exactly 102,400 bytes.
	biggest := `"` + strings.Repeat("y", BaseplateMaxEventSize-2) + `"`
	tooBig := `"` + strings.Repeat("z", BaseplateMaxEventSize-1) + `"`
	n, err := o.Write(context.Background(), []string{`{"ok": 1}`, tooBig, `{"broken": `, biggest, "", `{"ok": 2}`})
	if n != 6 || Rejected(err) != 3 || !strings.Contains(err.Error(), "102401 bytes is over the collector's 102400-byte limit") {
		t.Fatalf("Write = %d, %v; want 6 settled, 3 of them rejected", n, err)
	}
	mustClose(t, o)
	c.checkClean(t)
	_, got, _ := c.snapshot()
	if len(got) != 3 || got[0] != `{"ok": 1}` || got[1] != biggest || got[2] != `{"ok": 2}` {
		t.Fatalf("collector got %d events: %.40q", len(got), got)
	}
	if st := o.(*Baseplate).Stats(); st.Rejected != 3 || st.Sent != 3 {
		t.Fatalf("stats %+v", st)
	}
}

// TestBaseplateBatchSplit checks the size rule at the boundary: events
// that fill a body exactly to 500 KiB go in one request, one byte more
// starts a second one.
func TestBaseplateBatchSplit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version string
		extra   int
		want    []int // events per request
	}{
		{"1", 0, []int{6}},
		{"1", 1, []int{5, 1}},
		{"2", 0, []int{6}},
		{"2", 1, []int{5, 1}},
	} {
		c := newCollector(t, tc.version, 0, 0)
		o := mustBuild(t, "baseplate", c.config(""), "")
		mustOpen(t, o)
		// Six events whose body is exactly BaseplateMaxBatchSize (+extra).
		framing := 2 + 5 // "[" "]" and five commas
		if tc.version == "2" {
			framing = len(`{"1":{"lst":["rec",6,`) + len(`]}}`) + 5
		}
		room := BaseplateMaxBatchSize - framing + tc.extra
		events := make([]string, 6)
		for i := range events {
			size := room / 6
			if i == 0 {
				size += room % 6
			}
			events[i] = `"` + strings.Repeat(string(rune('a'+i)), size-2) + `"`
		}
		mustWrite(t, o, events...)
		mustClose(t, o)
		c.checkClean(t)
		var per []int
		for _, b := range c.bodies {
			e, _ := c.unframe([]byte(b))
			per = append(per, len(e))
		}
		if fmt.Sprint(per) != fmt.Sprint(tc.want) {
			t.Errorf("v%s +%d: events per request %v, want %v (largest body %d)", tc.version, tc.extra, per, tc.want, c.maxBody)
		}
	}
}

func TestBaseplateBatchAge(t *testing.T) {
	t.Parallel()
	c := newCollector(t, "2j", 0, 0)
	o := mustBuild(t, "baseplate", c.config(", max_batch_age: 0.2"), "")
	mustOpen(t, o)
	defer mustClose(t, o)
	start := time.Now()
	mustWrite(t, o, `{"n": 1}`)
	time.Sleep(50 * time.Millisecond)
	mustWrite(t, o, `{"n": 2}`)
	for {
		if _, got, _ := c.snapshot(); len(got) > 0 {
			if elapsed := time.Since(start); elapsed < 200*time.Millisecond || len(got) != 2 {
				t.Fatalf("got %q after %v, want both events after 200ms", got, elapsed)
			}
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("the batch was not sent by its age")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if requests, _, _ := c.snapshot(); requests != 1 {
		t.Fatalf("%d requests, want 1", requests)
	}
	c.checkClean(t)
}

func TestBaseplateFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		failFirst  int
		failStatus int
		extra      string
		requests   int  // requests the output makes
		delivered  bool // the batch arrives in the end
	}{
		{"503 retried", 2, 503, "", 3, true},
		{"422 retried", 2, 422, "", 3, true},
		{"network error retried", 1, 0, "", 2, true},
		{"400 drops", 1, 400, "", 1, false},
		{"403 drops", 5, 403, "", 1, false},
		{"budget spent", 1000, 500, ", retry_budget: 0.1", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCollector(t, "1", tc.failFirst, tc.failStatus)
			o := mustBuild(t, "baseplate", c.config(tc.extra), "")
			mustOpen(t, o)
			mustWrite(t, o, `{"a": 1}`, `{"b": 2}`)
			mustClose(t, o) // events given up are counted (LateFailed), not a Close error
			c.checkClean(t)
			requests, got, _ := c.snapshot()
			b := o.(*Baseplate)
			st, err := b.Stats(), b.lastError()
			if tc.requests > 0 && requests != tc.requests {
				t.Errorf("%d requests, want %d", requests, tc.requests)
			}
			if tc.delivered {
				if err != nil || len(got) != 2 || st.Sent != 2 || st.Failed != 0 || b.LateFailed() != 0 {
					t.Errorf("last error %v; got %q; stats %+v", err, got, st)
				}
				return
			}
			if err == nil || len(got) != 0 || st.Failed != 2 || b.LateFailed() != 2 || b.LateUndelivered() != 0 {
				t.Errorf("last error %v; got %q; stats %+v", err, got, st)
			}
			if tc.name == "budget spent" && (requests < 3 || !strings.Contains(err.Error(), "gave up")) {
				t.Errorf("budget: %d requests, %v", requests, err)
			}
		})
	}
}

// TestBaseplateBackpressure: with the collector stalled, the queue fills
// and Write waits (it is SelfTimed: write_timeout does not cut it); when its
// ctx is cancelled (a hard stop) it reports how many it queued, and exactly
// those are delivered once the collector answers again.
func TestBaseplateBackpressure(t *testing.T) {
	t.Parallel()
	c := newCollector(t, "1", 0, 0)
	c.hold = make(chan struct{})
	o := mustBuild(t, "baseplate", c.config(", queue_size: 10, max_batch_age: 0.01"), "")
	mustOpen(t, o)
	events := baseplateEvents(100)
	mustWrite(t, o, events[0]) // sent alone (its batch ages), then stuck in the collector
	for deadline := time.Now().Add(30 * time.Second); c.held.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first batch never reached the collector")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	n, err := o.Write(ctx, events[1:])
	cancel()
	if st, ok := o.(SelfTimed); !ok || !st.SelfTimed() {
		t.Fatal("baseplate is not SelfTimed")
	}
	if !errors.Is(err, context.DeadlineExceeded) || n < 10 || n > 12 {
		t.Fatalf("Write against a full queue = %d, %v", n, err)
	}
	close(c.hold)
	mustClose(t, o)
	c.checkClean(t)
	_, got, _ := c.snapshot()
	if strings.Join(got, "\n") != strings.Join(events[:n+1], "\n") {
		t.Fatalf("delivered %d events, want the %d queued ones in order", len(got), n+1)
	}
}

func TestBaseplateCloseAbandonsRetries(t *testing.T) {
	t.Parallel()
	c := newCollector(t, "1", 1_000_000, 503)
	o := mustBuild(t, "baseplate", c.config(""), "")
	mustOpen(t, o)
	mustWrite(t, o, `{"a": 1}`)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := o.Close(ctx); err != nil || time.Since(start) > 2*time.Second {
		t.Fatalf("Close after %v: %v", time.Since(start), err)
	}
	if err := o.(*Baseplate).lastError(); err == nil || !strings.Contains(err.Error(), "aborted at close") {
		t.Fatalf("last error %v", err)
	}
	if st := o.(*Baseplate).Stats(); st.Failed != 1 || st.Sent != 0 || o.(*Baseplate).LateFailed() != 1 || o.(*Baseplate).LateUndelivered() != 1 {
		t.Fatalf("stats %+v", st)
	}
	if _, err := o.Write(context.Background(), []string{`{}`}); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

func TestBaseplateConfig(t *testing.T) {
	t.Parallel()
	const base = "collector: c.example.com, key_name: k, key_secret: aHVudGVyMg=="
	for _, tc := range []struct{ cfg, want string }{
		{"{key_name: k, key_secret: aHVudGVyMg==}", `missing required key "collector"`},
		{"{collector: c, key_secret: aHVudGVyMg==}", `missing required key "key_name"`},
		{"{" + base + ", version: 3}", "version: must be one of 1, 2, 2j"},
		{"{" + base + ", scheme: ftp}", "scheme: must be one of http, https"},
		{"{collector: 'https://c', key_name: k, key_secret: aHVudGVyMg==}", "collector: want a host"},
		{"{collector: c, key_name: k, key_secret: 'not base64!'}", "key_secret: not valid base64"},
		{"{" + base + ", queue_size: 0}", "queue_size: must be at least 1"},
		{"{" + base + ", max_batch_age: 0}", "must be greater than 0"},
		{"{" + base + ", retry_backoff: -1}", "must not be negative"},
		{"{" + base + ", retry_backoff: 1, retry: {initial: 2}}", "retry_backoff is the older name of retry.initial"},
		{"{" + base + ", retry_budget: 1, retry: {budget: 2}}", "retry_budget is the older name of retry.budget"},
		{"{" + base + ", scheme: http, ca_cert: x.pem}", "need scheme: https"},
		{"{" + base + ", batch_size: 3}", `unknown key "batch_size"`},
	} {
		if _, err := build(t, "baseplate", tc.cfg, ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.cfg, err, tc.want)
		}
	}
	for _, cfg := range []string{"{" + base + "}", "{" + base + ", version: 1}", "{" + base + ", version: 2, scheme: http}", "{collector: 'c:8080', key_name: k, key_secret: aHVudGVyMg}"} {
		o, err := build(t, "baseplate", cfg, "")
		if err != nil {
			t.Errorf("%s: %v", cfg, err)
			continue
		}
		if b := o.(*Baseplate); !strings.HasPrefix(b.url, "http") || string(b.secret) != "hunter2" {
			t.Errorf("%s: url %s, secret %q", cfg, b.url, b.secret)
		}
	}
	if o, _ := build(t, "baseplate", "{"+base+"}", ""); o.(*Baseplate).url != "https://c.example.com/v2j" {
		t.Errorf("default url %s", o.(*Baseplate).url)
	}
}

// The retry policy is the shared one (retry:), with retry_backoff and
// retry_budget as aliases; its budget is unlimited in sample mode and 300 s
// in live mode unless set.
func TestBaseplateRetryPolicy(t *testing.T) {
	t.Parallel()
	const base = "collector: c.example.com, key_name: k, key_secret: aHVudGVyMg=="
	for _, tc := range []struct {
		cfg  string
		live bool
		want Policy
	}{
		{"{" + base + "}", false, Policy{Initial: DefaultRetryInitial, Max: DefaultRetryMax}},
		{"{" + base + "}", true, Policy{Initial: DefaultRetryInitial, Max: DefaultRetryMax, Budget: DefaultLiveRetryBudget}},
		{"{" + base + ", retry_backoff: 0.01, retry_budget: 7}", true, Policy{Initial: 10 * time.Millisecond, Max: DefaultRetryMax, Budget: 7 * time.Second}},
		{"{" + base + ", retry: {initial: 2, max: 8, budget: 0}}", true, Policy{Initial: 2 * time.Second, Max: 8 * time.Second}},
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(tc.cfg), &n); err != nil {
			t.Fatal(err)
		}
		p := config.Plugin{Name: "baseplate", File: "t.yml", Path: "output[0].baseplate", Node: n.Content[0]}
		out, cfg, err := Registry.Build(p, &plugin.Env{Live: tc.live})
		if err != nil {
			t.Fatalf("%s: %v", tc.cfg, err)
		}
		if got := out.(*Baseplate).policy; got != tc.want {
			t.Errorf("%s (live %v): policy %+v, want %+v", tc.cfg, tc.live, got, tc.want)
		}
		// The pipeline retries with the same policy.
		if got := cfg.(HasDelivery).Delivery().Retry.Policy(tc.live); got != tc.want {
			t.Errorf("%s (live %v): pipeline policy %+v, want %+v", tc.cfg, tc.live, got, tc.want)
		}
	}
}

// After an error answer the publisher waits at most maxAnsweredWait (it
// notices soon that the collector answers again); after a refused
// connection it waits the policy's backoff but probes the address.
func TestBaseplateRetryWait(t *testing.T) {
	t.Parallel()
	p := Policy{Initial: 500 * time.Millisecond, Max: 30 * time.Second}
	answered := &baseplateStatusError{status: 503}
	for attempt := 1; attempt <= 10; attempt++ {
		if w, probe := retryWait(p, attempt, answered); w > maxAnsweredWait || w < p.Backoff(attempt)/2 && w < maxAnsweredWait/2 || probe != "" {
			t.Fatalf("attempt %d after a 503: wait %v, probe %q", attempt, w, probe)
		}
	}
	// A large initial wait is the user's choice: it is kept.
	if w, _ := retryWait(Policy{Initial: 20 * time.Second, Max: 20 * time.Second}, 1, answered); w < 10*time.Second {
		t.Fatalf("wait %v below retry.initial's range", w)
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, err := http.Post(dead.URL, "text/plain", nil)
	w, probe := retryWait(p, 8, err)
	if probe != strings.TrimPrefix(dead.URL, "http://") || w < 15*time.Second {
		t.Fatalf("after %v: wait %v, probe %q", err, w, probe)
	}
}

// A publisher waiting out a long backoff after a refused connection wakes
// as soon as the collector listens again, not when the backoff ends.
func TestBaseplateWakesWhenCollectorIsBack(t *testing.T) {
	t.Parallel()
	c := newCollector(t, "1", 0, 0)
	addr := c.srv.Listener.Addr().String()
	c.srv.Close() // down: connections refused
	o := mustBuild(t, "baseplate", fmt.Sprintf("{collector: %q, scheme: http, version: 1, key_name: %s, key_secret: %s, max_batch_age: 0.01, retry: {initial: 60, max: 60}}",
		addr, c.keyName, base64.StdEncoding.EncodeToString(c.secret)), "")
	mustOpen(t, o)
	mustWrite(t, o, `{"a": 1}`)
	for o.(*Baseplate).Stats().Requests < 1 {
		time.Sleep(5 * time.Millisecond)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(c.handle)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	back := time.Now()
	for {
		if _, got, _ := c.snapshot(); len(got) == 1 {
			break
		}
		if time.Since(back) > 20*time.Second {
			t.Fatal("not published 20 s after the collector came back (the backoff is 30-60 s)")
		}
		time.Sleep(5 * time.Millisecond)
	}
	mustClose(t, o)
	c.checkClean(t)
	t.Logf("published %v after the collector came back", time.Since(back).Round(time.Millisecond))
}

func BenchmarkBaseplate(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	o := mustBuild(b, "baseplate", fmt.Sprintf("{collector: %q, scheme: http, version: 1, key_name: k, key_secret: aHVudGVyMg==}",
		strings.TrimPrefix(srv.URL, "http://")), "")
	mustOpen(b, o)
	events := baseplateEvents(1000)
	var bytesPerOp int
	for _, e := range events {
		bytesPerOp += len(e)
	}
	b.SetBytes(int64(bytesPerOp))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := o.Write(context.Background(), events); err != nil {
			b.Fatal(err)
		}
	}
	mustClose(b, o)
	b.ReportMetric(float64(b.N*len(events))/b.Elapsed().Seconds(), "events/s")
}
