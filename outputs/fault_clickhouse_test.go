package outputs_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventum-go/eventum/pipeline"
)

// faultClickHouse returns the URL of the ClickHouse server of the
// integration tests (.ci/clickhouse.sh; EVENTUM_CLICKHOUSE_URL, default
// http://127.0.0.1:18123). It skips the test when the server does not
// answer, and fails it under CI=true.
func faultClickHouse(t *testing.T) *url.URL {
	t.Helper()
	base := os.Getenv("EVENTUM_CLICKHOUSE_URL")
	if base == "" {
		base = "http://127.0.0.1:18123"
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		t.Fatalf("EVENTUM_CLICKHOUSE_URL %q: want http://host:port", base)
	}
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(base + "/ping")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET /ping: status %d", resp.StatusCode)
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ClickHouse at %s is unreachable (run .ci/services.sh): %v", base, err)
		}
		t.Skipf("ClickHouse at %s is unreachable, skipping (run .ci/services.sh): %v", base, err)
	}
	return u
}

// faultCHQuery runs one statement on the server and returns its answer.
func faultCHQuery(t *testing.T, base *url.URL, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base.String()+"/", strings.NewReader(sql))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d, %v: %s", sql, resp.StatusCode, err, body)
	}
	return strings.TrimSpace(string(body))
}

// chFaultProxy stands in front of the real ClickHouse server. After
// failAfter inserts went through, it answers 503 for half of outage (the
// server overloaded or restarting behind a balancer), then refuses
// connections for the other half (the server down), then forwards again.
type chFaultProxy struct {
	proxy     *httputil.ReverseProxy
	server    *reopenable
	failAfter int
	outage    time.Duration

	mu        sync.Mutex
	forwarded int // inserts that reached the server
	inflight  int // inserts being forwarded
	failStart time.Time
	refused   int // requests answered 503
	closed    bool
}

func (p *chFaultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if !p.failStart.IsZero() && !p.closed {
		p.refused++
		p.mu.Unlock()
		http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
		return
	}
	p.inflight++
	p.mu.Unlock()
	p.proxy.ServeHTTP(w, r)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inflight--
	p.forwarded++
	if p.forwarded == p.failAfter {
		p.failStart = time.Now()
		go p.close()
	}
}

// close waits out the 503 half of the outage, then closes the listener for
// the other half once no insert is on its way to the server (so no insert
// lands while its answer is lost: the 18.16 server cannot deduplicate).
func (p *chFaultProxy) close() {
	time.Sleep(p.outage / 2) // the fault's duration, not a synchronisation
	for {
		p.mu.Lock()
		if p.inflight == 0 {
			p.closed = true
			p.server.outage(p.outage / 2)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
}

// The real ClickHouse server behind a stand-in that answers 503 and then
// refuses connections, for longer than one attempt (write_timeout 1 s), after
// the first inserts: every row lands once, the counters are exact.
func TestFaultClickHouseOutage(t *testing.T) {
	t.Parallel()
	base := faultClickHouse(t)
	const total = 30_000
	db := fmt.Sprintf("eventum_fault_%d", rand.Uint64()%1e12)
	faultCHQuery(t, base, "CREATE DATABASE "+db)
	t.Cleanup(func() { faultCHQuery(t, base, "DROP DATABASE IF EXISTS "+db) })
	faultCHQuery(t, base, "CREATE TABLE "+db+".ev (n UInt64) ENGINE = MergeTree() ORDER BY n")

	p := &chFaultProxy{proxy: httputil.NewSingleHostReverseProxy(base), failAfter: 5, outage: faultOutage(t)}
	p.server = newReopenable(t, p)
	proxied, _ := url.Parse(p.server.URL())
	g, _ := faultGenerator(t, total, fmt.Sprintf("clickhouse: {host: %s, port: %s, database: %s, table: ev, retry: {initial: 0.05, max: 0.5}}",
		proxied.Hostname(), proxied.Port(), db), func(s *pipeline.Settings) { s.BatchSize = 1000; s.WriteTimeout = time.Second })
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	checkCounters(t, st, total)
	if got := faultCHQuery(t, base, "SELECT count(), uniqExact(n), min(n), max(n) FROM "+db+".ev"); got != fmt.Sprintf("%d\t%d\t1\t%d", total, total, total) {
		t.Fatalf("count, distinct, min, max of the rows: %q", got)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refused == 0 || !p.closed || !p.server.up() || st.Outputs[0].Retries == 0 {
		t.Fatalf("the outage did not happen as planned: %d answered 503, closed %v, %d retries", p.refused, p.closed, st.Outputs[0].Retries)
	}
	t.Logf("%d inserts answered 503, then the listener closed; %d retries", p.refused, st.Outputs[0].Retries)
}

// A stand-in ClickHouse that honours insert_deduplication_token (as 22.2+
// does for a deduplicating table) stores the first inserts but answers them
// only after the client gave up: the re-sent inserts carry the same token,
// every row is kept once and counted written once.
func TestFaultClickHouseUnknownOutcome(t *testing.T) {
	t.Parallel()
	const total, held = 10_000, 3
	sink := newHTTPSink(t, &httpSink{holdFirst: held, dedup: true, outageAfter: 4000, outageFor: 2 * time.Second,
		keyOf: func(r *http.Request) string { return r.URL.Query().Get("insert_deduplication_token") }})
	u, _ := url.Parse(sink.server.URL())
	g, _ := faultGenerator(t, total, fmt.Sprintf("clickhouse: {host: %s, port: %s, table: ev, retry: {initial: 0.05, max: 0.2}}", u.Hostname(), u.Port()),
		func(s *pipeline.Settings) { s.BatchSize = 1000; s.WriteTimeout = time.Second })
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	checkCounters(t, st, total)
	sink.check(t)
	sink.arrivals.exactlyOnce(t, total)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.dupes < held || sink.failed == 0 {
		t.Fatalf("%d re-sent inserts deduplicated (want at least %d), %d answered 503", sink.dupes, held, sink.failed)
	}
}
