package outputs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/pipeline"
)

// baseplateOutput is the YAML of a baseplate output publishing to sink.
// The request timeout is long: a request that times out may have been
// published and is sent again (at least once), and the sink's checks are
// slow on a loaded machine; exactly once is what these tests check.
func baseplateOutput(sink *httpSink, extra string) string {
	return fmt.Sprintf("baseplate: {collector: %q, scheme: http, version: 1, key_name: k, key_secret: aHVudGVyMg==, timeout: 30%s}",
		strings.TrimPrefix(sink.server.URL(), "http://"), extra)
}

// Acceptance (issue 10): 20,000 events through a collector that answers 503
// to the first three requests, with the default retry settings and a
// write_timeout (1 s) shorter than the retries take: all arrive exactly once.
func TestFaultBaseplate503FirstThree(t *testing.T) {
	t.Parallel()
	const total = 20_000
	sink := newHTTPSink(t, &httpSink{failFirst: 3, noKeys: true})
	g, _ := faultGenerator(t, total, baseplateOutput(sink, ""),
		func(s *pipeline.Settings) { s.BatchSize = 1000; s.WriteTimeout = time.Second })
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	checkCounters(t, g.Stats(), total)
	sink.check(t)
	sink.arrivals.exactlyOnce(t, total)
	if sink.failed != 3 {
		t.Fatalf("%d requests refused, want 3", sink.failed)
	}
}

// A 503 outage longer than one attempt (write_timeout 1 s) after the first
// 4,000 events: Write waits for room in the output's queue instead of
// failing at write_timeout, production waits, the events the output holds
// stay bounded (its queue plus the batch being published), and every event
// arrives exactly once.
func TestFaultBaseplateOutage(t *testing.T) {
	t.Parallel()
	const total, queueSize = 20_000, 2000
	outage := faultOutage(t)
	sink := newHTTPSink(t, &httpSink{outageAfter: 4000, outageFor: outage, noKeys: true})
	g, _ := faultGeneratorScript(t, total, baseplateOutput(sink, fmt.Sprintf(", queue_size: %d, max_batch_age: 0.05", queueSize)), faultPaddedScript,
		func(s *pipeline.Settings) { s.BatchSize = 500; s.WriteTimeout = time.Second })
	done := make(chan error, 1)
	go func() { done <- g.Run(context.Background(), nil) }()
	// The events accepted by the output but not yet at the collector: the
	// queue, and at most one batch of 512,000 bytes (events of ≥ 250 bytes).
	const bound = queueSize + 512_000/250
	backlog := int64(0)
	var runErr error
	for running := true; running; {
		select {
		case runErr = <-done:
			running = false
		case <-time.After(5 * time.Millisecond):
		}
		delivered := int64(sink.arrivals.stored())
		backlog = max(backlog, g.Stats().Outputs[0].Written-delivered)
	}
	if runErr != nil {
		t.Fatal(runErr)
	}
	st := g.Stats()
	checkCounters(t, st, total)
	sink.check(t)
	sink.arrivals.exactlyOnce(t, total)
	sink.mu.Lock()
	failed, lasted := sink.failed, sink.outageEnd.Sub(sink.outageStart)
	sink.mu.Unlock()
	if failed == 0 || lasted < outage {
		t.Fatalf("the outage did not happen as planned: %d requests refused over %v", failed, lasted)
	}
	if backlog > bound || backlog < queueSize {
		t.Fatalf("the output held up to %d events during the outage, want between %d (its queue filled) and %d", backlog, queueSize, bound)
	}
	t.Logf("%d requests refused over %v; the output held at most %d events", failed, lasted.Round(time.Millisecond), backlog)
}

// The collector is down (connections refused) when the run starts and
// comes back after a few seconds. The retry policy's first wait is 15-30 s,
// but the publisher probes the collector's port meanwhile and publishes
// as soon as it listens again.
func TestFaultBaseplateCollectorDown(t *testing.T) {
	t.Parallel()
	const total = 20_000
	outage := faultOutage(t)
	sink := newHTTPSink(t, &httpSink{noKeys: true})
	g, _ := faultGenerator(t, total, baseplateOutput(sink, ", retry: {initial: 30, max: 30}"),
		func(s *pipeline.Settings) { s.BatchSize = 1000; s.WriteTimeout = time.Second })
	sink.server.outage(outage)
	start := time.Now()
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	checkCounters(t, g.Stats(), total)
	sink.check(t)
	sink.arrivals.exactlyOnce(t, total)
	if elapsed < outage || elapsed > outage+10*time.Second {
		t.Fatalf("the run took %v with the collector down for %v: the publisher slept its backoff", elapsed, outage)
	}
	t.Logf("run took %v with the collector down for %v", elapsed.Round(time.Millisecond), outage)
}

var _ outputs.SelfTimed = (*outputs.Baseplate)(nil)

// A live run publishing to a dead collector, stopped: the writes waiting
// for room in the full queue return at the hard stop, the publisher's
// retries are abandoned, and every event counts as write_failed and
// undelivered (none as written).
func TestFaultBaseplateStopWithDeadCollector(t *testing.T) {
	t.Parallel()
	const total = 5000
	sink := newHTTPSink(t, &httpSink{noKeys: true})
	sink.server.outage(time.Hour)
	g, _ := faultGenerator(t, total, baseplateOutput(sink, ", queue_size: 1000"),
		func(s *pipeline.Settings) {
			s.Live = true
			s.BatchSize = 500
			s.WriteTimeout = time.Second
			s.StopTimeout = time.Second
		})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, nil) }()
	faultWait(t, "the queue is full", func() bool { return g.Stats().Outputs[0].Written >= 1000 })
	stop()
	select {
	case err := <-done:
		if err != pipeline.ErrStopTimeout {
			t.Fatalf("Run = %v, want ErrStopTimeout", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("still running 60 s after the stop")
	}
	st := g.Stats()
	o := st.Outputs[0]
	if st.Produced != total || o.Written != 0 || o.WriteFailed != total || o.Undelivered != total || st.Lost() != total {
		t.Fatalf("produced %d, counters %+v; want every event write_failed and undelivered", st.Produced, o)
	}
}
