package pipeline

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// jsonLogsReceiver is a real OTLP/HTTP logs endpoint taking the JSON
// encoding. Requests number down from down: those in [from, from+count)
// are answered 503 with Retry-After: 1 (an outage of a few seconds).
type jsonLogsReceiver struct {
	mu          sync.Mutex
	calls       int
	refused     int
	from, count int
	records     []plog.LogRecord
	resources   []pcommon.Map
}

func (r *jsonLogsReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/v1/logs" || req.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "want JSON on /v1/logs", http.StatusBadRequest)
		return
	}
	data, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.calls >= r.from && r.calls < r.from+r.count {
		r.refused++
		w.Header().Set("Retry-After", "1")
		http.Error(w, "collector restarting", http.StatusServiceUnavailable)
		return
	}
	exp := plogotlp.NewExportRequest()
	if err := exp.UnmarshalJSON(data); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rls := exp.Logs().ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lr := sls.At(j).LogRecords()
			for k := 0; k < lr.Len(); k++ {
				r.records = append(r.records, lr.At(k))
				r.resources = append(r.resources, rls.At(i).Resource().Attributes())
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{}`))
}

// TestOTLPReceiverGetsEveryEventOnce is the acceptance run of the otlp
// output: every event of a 10,000-event run reaches an OTLP/HTTP JSON
// receiver as a log record carrying the event's own timestamp, its fields
// as typed attributes and the configured resource attributes, exactly
// once, across a receiver outage answered 503 + Retry-After.
func TestOTLPReceiverGetsEveryEventOnce(t *testing.T) {
	const n = 10_000
	const start = int64(1_767_225_600_000_000_000) // 2026-01-01T00:00:00Z
	rcv := &jsonLogsReceiver{from: 4, count: 3}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	s := sample()
	s.BatchSize = 500
	g := build(t, fmt.Sprintf(`
input: [{test-seq: {count: %d, start: %d, step: 0.25, tags: [web]}}]
event: {test-echo: {}}
output:
  - otlp:
      endpoint: %s
      protocol: http/json
      compression: none
      resource_attributes: {service.name: shop, deployment: {environment: test}, replicas: 3}
      retry: {initial: 0.01, max: 0.05}
`, n, start, srv.URL), s)
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	checkSettled(t, st)
	if o := st.Outputs[0]; st.Produced != n || o.Written != n || o.WriteFailed != 0 || o.Retries < 3 {
		t.Fatalf("produced %d, counters %+v", st.Produced, o)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.refused != 3 {
		t.Fatalf("the receiver refused %d exports, want an outage of 3", rcv.refused)
	}
	if len(rcv.records) != n {
		t.Fatalf("the receiver got %d records, want %d", len(rcv.records), n)
	}
	seen := make([]bool, n+1)
	for i, rec := range rcv.records {
		at := rec.Attributes()
		nv, ok := at.Get("n")
		if !ok || nv.Type() != pcommon.ValueTypeInt {
			t.Fatalf("record %d: attribute n missing or not an int: %v", i, at.AsRaw())
		}
		num := nv.Int()
		if num < 1 || num > n || seen[num] {
			t.Fatalf("record %d: event %d unexpected or delivered twice", i, num)
		}
		seen[num] = true
		want := start + (num-1)*250_000_000
		if got := int64(rec.Timestamp()); got != want {
			t.Fatalf("event %d: record time %d, want the event's timestamp %d", num, got, want)
		}
		if ts, ok := at.Get("ts"); !ok || ts.Type() != pcommon.ValueTypeInt || ts.Int() != want {
			t.Fatalf("event %d: attribute ts %v", num, at.AsRaw())
		}
		if tags, ok := at.Get("tags"); !ok || tags.Type() != pcommon.ValueTypeStr || tags.Str() != "web" {
			t.Fatalf("event %d: attribute tags %v", num, at.AsRaw())
		}
		if body := rec.Body().Str(); body == "" {
			t.Fatalf("event %d: empty body", num)
		}
		res := rcv.resources[i]
		svc, ok1 := res.Get("service.name")
		rep, ok2 := res.Get("replicas")
		env, ok3 := res.Get("deployment.environment")
		if !ok1 || svc.Str() != "shop" || !ok2 || rep.Type() != pcommon.ValueTypeInt || rep.Int() != 3 || !ok3 || env.Str() != "test" || res.Len() != 3 {
			t.Fatalf("event %d: resource %v", num, res.AsRaw())
		}
	}
}
