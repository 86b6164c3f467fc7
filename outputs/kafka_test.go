package outputs

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startKafka runs an in-process Kafka-protocol broker on port with topic
// (3 partitions) created.
func startKafka(tb testing.TB, port int, topic string, opts ...kfake.Opt) *kfake.Cluster {
	tb.Helper()
	opts = append([]kfake.Opt{kfake.NumBrokers(1), kfake.Ports(port), kfake.SeedTopics(3, topic)}, opts...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return c
}

type kafkaRecord struct {
	key, value string
	headers    string
}

// readTopic consumes topic from the start until want records arrived.
func readTopic(tb testing.TB, addr, topic string, want int, opts ...kgo.Opt) []kafkaRecord {
	tb.Helper()
	opts = append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []kafkaRecord
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			tb.Fatalf("read %d of %d records before timeout", len(out), want)
		}
		fs.EachError(func(t string, p int32, err error) { tb.Fatalf("fetch %s/%d: %v", t, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			var hs []string
			for _, h := range r.Headers {
				hs = append(hs, h.Key+"="+string(h.Value))
			}
			sort.Strings(hs)
			key := "<nil>"
			if r.Key != nil {
				key = string(r.Key)
			}
			out = append(out, kafkaRecord{key: key, value: string(r.Value), headers: strings.Join(hs, ",")})
		})
	}
	return out
}

func openKafka(tb testing.TB, src string) *Kafka {
	tb.Helper()
	out, err := buildOutput(tb, "kafka", src)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := out.Open(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { out.Close(context.Background()) })
	return out.(*Kafka)
}

func TestKafkaConfigErrors(t *testing.T) {
	t.Parallel()
	base := `bootstrap_servers: ["127.0.0.1:9092"], topic: t`
	tests := []struct{ src, want string }{
		{`{topic: t}`, `missing required key "bootstrap_servers"`},
		{`{bootstrap_servers: [localhost]}`, `missing required key "topic"`},
		{`{bootstrap_servers: [localhost], topic: t}`, `"localhost" is not host:port`},
		{`{` + base + `, key: a, key_field: b}`, `set one of them`},
		{`{` + base + `, acks: 2}`, `acks: expected 0, 1 or -1`},
		{`{` + base + `, compression_type: brotli}`, `compression_type: expected none`},
		{`{` + base + `, max_batch_size: 0}`, `max_batch_size: must be at least 1`},
		{`{` + base + `, security_protocol: TLS}`, `security_protocol: must be one of`},
		{`{` + base + `, sasl_mechanism: GSSAPI}`, `sasl_mechanism: must be one of`},
		{`{` + base + `, security_protocol: SASL_PLAINTEXT}`, `needs sasl_plain_username`},
		{`{` + base + `, sasl_plain_username: u}`, `must be set together`},
		{`{` + base + `, sasl_username: u, sasl_plain_username: u}`, `aliases`},
		{`{` + base + `, ssl_certfile: c.pem}`, `ssl_certfile and ssl_keyfile`},
		{`{` + base + `, security_protocol: SSL, ssl_cafile: /nonexistent.pem}`, `ssl_cafile:`},
		{`{` + base + `, encoding: latin-1}`, `only utf-8`},
		{`{` + base + `, enable_idempotence: true}`, `enable_idempotence`},
	}
	for _, tt := range tests {
		_, err := buildOutput(t, "kafka", tt.src)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got error %v, want it to contain %q", tt.src, err, tt.want)
		}
	}
}

func TestKafkaRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, settings string
		payloads       []string
		want           []kafkaRecord // sorted by value
		written        int
		rejected       int
	}{
		{
			name:     "fixed key and headers, gzip",
			settings: `key: k1, headers: {source: eventum, env: test}, compression_type: gzip, acks: -1, client_id: eventum-test`,
			payloads: []string{`{"a": 1}`, `plain text is fine without key_field`, `{"a": 2}`},
			want: []kafkaRecord{
				{"k1", `plain text is fine without key_field`, "env=test,source=eventum"},
				{"k1", `{"a": 1}`, "env=test,source=eventum"},
				{"k1", `{"a": 2}`, "env=test,source=eventum"},
			},
			written: 3,
		},
		{
			name:     "key_field",
			settings: `key_field: user, compression_type: zstd, linger_ms: 5`,
			payloads: []string{`{"user": "alice", "n": 1}`, `{"user": 42, "n": 2}`, `{"n": 3}`, `{"user": "b\u00f6b"}`, `not json`, `[1]`},
			want: []kafkaRecord{
				{"<nil>", `{"n": 3}`, ""},
				{"alice", `{"user": "alice", "n": 1}`, ""},
				{"böb", `{"user": "b\u00f6b"}`, ""},
				{"42", `{"user": 42, "n": 2}`, ""},
			},
			written:  4,
			rejected: 2,
		},
		{
			name:     "max_request_size, snappy",
			settings: `max_request_size: 40, compression_type: snappy`,
			payloads: []string{`{"small": 1}`, `{"big": "` + strings.Repeat("x", 100) + `"}`, `{"small": 2}`},
			want:     []kafkaRecord{{"<nil>", `{"small": 1}`, ""}, {"<nil>", `{"small": 2}`, ""}},
			written:  2,
			rejected: 1,
		},
		{
			name:     "lz4, acks 0",
			settings: `compression_type: lz4, acks: 0`,
			payloads: []string{`{"x": 1}`},
			want:     []kafkaRecord{{"<nil>", `{"x": 1}`, ""}},
			written:  1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			startKafka(t, port, "events")
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			k := openKafka(t, fmt.Sprintf(`{bootstrap_servers: [%q], topic: events, %s}`, addr, tt.settings))
			n, err := write(t, k, tt.payloads)
			// n is the settled prefix: every payload, written or rejected.
			if n != len(tt.payloads) || n-Rejected(err) != tt.written || Rejected(err) != tt.rejected {
				t.Fatalf("settled %d, rejected %d (err %v), want %d written and %d rejected", n, Rejected(err), err, tt.written, tt.rejected)
			}
			if tt.rejected == 0 && err != nil {
				t.Fatal(err)
			}
			got := readTopic(t, addr, "events", len(tt.want))
			sort.Slice(got, func(i, j int) bool { return got[i].value < got[j].value })
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("records:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestKafkaKeysKeepPartitions(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	startKafka(t, port, "events")
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	k := openKafka(t, fmt.Sprintf(`{bootstrap_servers: [%q], topic: events, key_field: id}`, addr))
	var payloads []string
	for i := 0; i < 300; i++ {
		payloads = append(payloads, fmt.Sprintf(`{"id": "user-%d", "seq": %d}`, i%7, i))
	}
	if n, err := write(t, k, payloads); n != len(payloads) || err != nil {
		t.Fatalf("written %d, err %v", n, err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("events"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	partOf := map[string]int32{}
	lastSeq := map[string]int{}
	for got := 0; got < len(payloads); {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d records", got)
		}
		fs.EachRecord(func(r *kgo.Record) {
			got++
			key := string(r.Key)
			if p, ok := partOf[key]; ok && p != r.Partition {
				t.Errorf("key %s in partitions %d and %d", key, p, r.Partition)
			}
			partOf[key] = r.Partition
			var seq int
			fmt.Sscanf(string(r.Value)[strings.Index(string(r.Value), `"seq": `)+7:], "%d", &seq)
			if last, ok := lastSeq[key]; ok && seq <= last {
				t.Errorf("key %s: seq %d after %d", key, seq, last)
			}
			lastSeq[key] = seq
		})
	}
	if len(partOf) != 7 {
		t.Fatalf("%d keys, want 7", len(partOf))
	}
}

func TestKafkaSASL(t *testing.T) {
	t.Parallel()
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			startKafka(t, port, "events", kfake.EnableSASL(), kfake.Superuser(mech, "admin", "s3cret"))
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			src := `{bootstrap_servers: [%q], topic: events, security_protocol: SASL_PLAINTEXT, sasl_mechanism: %s, sasl_username: admin, sasl_password: %s}`
			bad, err := buildOutput(t, "kafka", fmt.Sprintf(src, addr, mech, "wrong"))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := bad.Open(ctx); err == nil {
				t.Fatal("Open with a wrong password succeeded")
			}
			k := openKafka(t, fmt.Sprintf(src, addr, mech, "s3cret"))
			if n, err := write(t, k, []string{`{"a": 1}`}); n != 1 || err != nil {
				t.Fatalf("written %d, err %v", n, err)
			}
		})
	}
}

func TestKafkaMissingTopic(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	startKafka(t, port, "events")
	out, err := buildOutput(t, "kafka", fmt.Sprintf(`{bootstrap_servers: ["127.0.0.1:%d"], topic: other}`, port))
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Open(context.Background()); err == nil || !strings.Contains(err.Error(), "other") {
		t.Fatalf("Open: %v, want a missing-topic error", err)
	}
}

// TestKafkaBrokerDownThenUp: with the broker gone a write fails by itself
// (kafka-go's retries+1 attempts, no deadline needed) with a transient
// error and nothing settled, and kafka-go keeps none of its messages: they
// never arrive. Once a broker is back, writes succeed without a restart.
func TestKafkaBrokerDownThenUp(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	c := startKafka(t, port, "events")
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	k := openKafka(t, fmt.Sprintf(`{bootstrap_servers: [%q], topic: events, retry_backoff_ms: 20, request_timeout_ms: 2000}`, addr))
	if n, err := write(t, k, []string{`{"phase": 1}`}); n != 1 || err != nil {
		t.Fatalf("up: written %d, err %v", n, err)
	}
	c.Close()
	start := time.Now()
	n, err := k.Write(context.Background(), []string{`{"phase": 2, "n": 1}`, `{"phase": 2, "n": 2}`})
	if n != 0 || err == nil || Rejected(err) != 0 || IsPermanent(err) {
		t.Fatalf("down: settled %d, err %v; want 0 and a transient write error", n, err)
	}
	t.Logf("down: the write failed after %v: %v", time.Since(start), err)
	startKafka(t, port, "events")
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err = k.Write(context.Background(), []string{`{"phase": 3}`})
		if n == 1 && err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("broker back: written %d, err %v", n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The new broker has only what was written to it: phase 3, once.
	got := readTopic(t, addr, "events", 1)
	if len(got) != 1 || got[0].value != `{"phase": 3}` {
		t.Fatalf("records %v, want phase 3 only", got)
	}
	if more := readTopicFor(t, addr, "events", time.Second); len(more) != 1 {
		t.Fatalf("records %v, want phase 3 only", more)
	}
}

// readTopicFor consumes topic from the start for d and returns every record.
func readTopicFor(tb testing.TB, addr, topic string, d time.Duration) []kafkaRecord {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var out []kafkaRecord
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) {
			out = append(out, kafkaRecord{key: string(r.Key), value: string(r.Value)})
		})
	}
	return out
}

// TestKafkaWriteWaitsThroughAFreeze: a write to a broker that stops
// answering for a while (shorter than request_timeout_ms) just waits, and
// every message arrives once.
func TestKafkaWriteWaitsThroughAFreeze(t *testing.T) {
	t.Parallel()
	addr, f := StartFreezableKafka(t, "events")
	k := openKafka(t, fmt.Sprintf(`{bootstrap_servers: [%q], topic: events, request_timeout_ms: 30000}`, addr))
	payloads := make([]string, 3000)
	for i := range payloads {
		payloads[i] = fmt.Sprintf(`{"n": %d}`, i)
	}
	f.Freeze()
	type result struct {
		n   int
		err error
	}
	res := make(chan result, 1)
	start := time.Now()
	go func() {
		n, err := k.Write(context.Background(), payloads)
		res <- result{n, err}
	}()
	select {
	case r := <-res:
		t.Fatalf("the write returned while the broker was frozen: %d, %v", r.n, r.err)
	case <-time.After(2 * time.Second): // the freeze; the write must outlast it
	}
	f.Thaw()
	r := <-res
	if r.n != len(payloads) || r.err != nil {
		t.Fatalf("settled %d, err %v; want all %d", r.n, r.err, len(payloads))
	}
	t.Logf("write took %v", time.Since(start))
	checkOnce(t, readTopic(t, addr, "events", len(payloads)), payloads)
}

// checkOnce fails unless got holds every payload exactly once.
func checkOnce(t *testing.T, got []kafkaRecord, payloads []string) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range got {
		seen[r.value]++
	}
	for _, p := range payloads {
		if seen[p] != 1 {
			t.Errorf("%s arrived %d times", p, seen[p])
		}
	}
	if len(got) != len(payloads) {
		t.Errorf("%d records, want %d", len(got), len(payloads))
	}
}

// TestKafkaPartialFailureResendsOnlyFailed: when one partition refuses its
// batch while the others acknowledge theirs, the settled prefix ends at the
// first failed message, and the pipeline's retry of the batch (same
// Attempt.Batch) sends only the messages that were not acknowledged: each
// arrives once and is counted once.
func TestKafkaPartialFailureResendsOnlyFailed(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	c := startKafka(t, port, "events")
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	k := openKafka(t, fmt.Sprintf(`{bootstrap_servers: [%q], topic: events, key_field: id, retries: 0}`, addr))
	payloads := make([]string, 60)
	for i := range payloads {
		payloads[i] = fmt.Sprintf(`{"id": "k%d", "n": %d}`, i, i)
	}
	fault := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "events", Partitions: []int32{1}, Err: kerr.KafkaStorageError, Count: -1})
	ctx := WithAttempt(context.Background(), Attempt{Batch: 7, Offset: 0, N: 1})
	n, err := k.Write(ctx, payloads)
	if n >= len(payloads)-1 || err == nil || IsPermanent(err) || Rejected(err) != 0 {
		t.Fatalf("partition 1 failing: settled %d of %d, err %v; want a prefix and a transient error", n, len(payloads), err)
	}
	if k.acked.m[7] == nil {
		t.Fatalf("no message after the first failed one (%d) was acknowledged: the test proves nothing", n)
	}
	fault.Remove()
	ctx = WithAttempt(context.Background(), Attempt{Batch: 7, Offset: n, N: 2})
	n2, err := k.Write(ctx, payloads[n:])
	if n2 != len(payloads)-n || err != nil {
		t.Fatalf("retry: settled %d of %d, err %v", n2, len(payloads)-n, err)
	}
	if len(k.acked.m) != 0 {
		t.Fatalf("acknowledgements still remembered after the batch settled: %v", k.acked.m)
	}
	checkOnce(t, readTopic(t, addr, "events", len(payloads)), payloads)
	if more := readTopicFor(t, addr, "events", time.Second); len(more) != len(payloads) {
		t.Fatalf("%d records, want %d", len(more), len(payloads))
	}
}

func BenchmarkKafkaWrite(b *testing.B) {
	port := freePort(b)
	startKafka(b, port, "events")
	k := openKafka(b, fmt.Sprintf(`{bootstrap_servers: ["127.0.0.1:%d"], topic: events}`, port))
	const batch = 10_000
	events := sixColumnEvents(batch, 0)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if w, err := k.Write(context.Background(), events); w != batch || err != nil {
			b.Fatalf("written %d, err %v", w, err)
		}
		n += batch
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// The broker's refusals: messages it refuses as too large are settled as
// rejected (format_failed), an authorization failure fails the write for
// good, a storage error is transient.
func TestKafkaBrokerRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err       *kerr.Error
		settled   int
		rejected  int
		permanent bool
	}{
		{kerr.MessageTooLarge, 3, 3, false},
		{kerr.TopicAuthorizationFailed, 0, 0, true},
		{kerr.KafkaStorageError, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.err.Message, func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			c := startKafka(t, port, "events")
			k := openKafka(t, fmt.Sprintf(`{bootstrap_servers: ["127.0.0.1:%d"], topic: events, retries: 0}`, port))
			c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "events", Err: tt.err, Count: -1})
			n, err := k.Write(context.Background(), []string{`{"a": 1}`, `{"a": 2}`, `{"a": 3}`})
			if n != tt.settled || Rejected(err) != tt.rejected || IsPermanent(err) != tt.permanent || err == nil {
				t.Fatalf("settled %d, rejected %d, permanent %v (err %v); want %d, %d, %v",
					n, Rejected(err), IsPermanent(err), err, tt.settled, tt.rejected, tt.permanent)
			}
		})
	}
}

// BenchmarkKafkaWriteConcurrent: 16 writers at once, as the pipeline's
// concurrent writes of a fast generator.
func BenchmarkKafkaWriteConcurrent(b *testing.B) {
	port := freePort(b)
	startKafka(b, port, "events")
	k := openKafka(b, fmt.Sprintf(`{bootstrap_servers: ["127.0.0.1:%d"], topic: events}`, port))
	const batch = 10_000
	events := sixColumnEvents(batch, 0)
	b.ReportAllocs()
	b.SetParallelism(8) // 16 goroutines on 2 CPUs
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if w, err := k.Write(context.Background(), events); w != batch || err != nil {
				b.Errorf("written %d, err %v", w, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}

// TestKafkaHardStop: a write to a frozen broker returns as soon as its
// context is cancelled (a hard stop), with nothing settled, and Close gives
// up waiting for kafka-go at its context's deadline.
func TestKafkaHardStop(t *testing.T) {
	t.Parallel()
	addr, f := StartFreezableKafka(t, "events")
	k, err := buildOutput(t, "kafka", fmt.Sprintf(`{bootstrap_servers: [%q], topic: events, request_timeout_ms: 60000}`, addr))
	if err != nil {
		t.Fatal(err)
	}
	mustOpen(t, k) // no Close in Cleanup: it is what is tested
	f.Freeze()
	payloads := make([]string, 20_000) // several kafka-go batches per partition
	for i := range payloads {
		payloads[i] = fmt.Sprintf(`{"n": %d}`, i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	n, err := k.Write(ctx, payloads)
	if n != 0 || err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Fatalf("hard stop: settled %d, err %v", n, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Write took %v to notice the hard stop", d)
	}
	start = time.Now()
	cctx, ccancel := context.WithTimeout(context.Background(), time.Second)
	defer ccancel()
	if err := k.Close(cctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v with a 1 s deadline", d)
	}
}

// BrokerFreezer makes an in-process broker stop answering, as a stopped
// (SIGSTOP) or hung broker does: while frozen, connections are still
// accepted by the kernel and what clients send is buffered, but the broker
// reads nothing and sends nothing; after Thaw it carries on with what was
// buffered. It wraps the broker's listener (kfake.ListenFn), so the address
// the broker advertises in its metadata is the gated one.
type BrokerFreezer struct {
	mu      sync.Mutex
	thawed  chan struct{} // closed while not frozen
	cluster *kfake.Cluster
}

// Cluster is the broker.
func (f *BrokerFreezer) Cluster() *kfake.Cluster { return f.cluster }

func newBrokerFreezer() *BrokerFreezer {
	f := &BrokerFreezer{thawed: make(chan struct{})}
	close(f.thawed)
	return f
}

// Freeze stops the broker.
func (f *BrokerFreezer) Freeze() {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.thawed:
		f.thawed = make(chan struct{})
	default: // already frozen
	}
}

// Thaw lets the broker go on.
func (f *BrokerFreezer) Thaw() {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.thawed:
	default:
		close(f.thawed)
	}
}

// wait returns once the broker is not frozen, or done is closed.
func (f *BrokerFreezer) wait(done <-chan struct{}) {
	f.mu.Lock()
	ch := f.thawed
	f.mu.Unlock()
	select {
	case <-ch:
	case <-done:
	}
}

// Listen is the kfake.ListenFn.
func (f *BrokerFreezer) Listen(network, addr string) (net.Listener, error) {
	l, err := net.Listen(network, addr)
	if err != nil {
		return nil, err
	}
	return &frozenListener{Listener: l, f: f, closed: make(chan struct{})}, nil
}

type frozenListener struct {
	net.Listener
	f      *BrokerFreezer
	once   sync.Once
	closed chan struct{}
}

func (l *frozenListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.f.wait(l.closed) // the kernel completed the handshake; the broker takes the connection later
	return &frozenConn{Conn: c, f: l.f, closed: make(chan struct{})}, nil
}

func (l *frozenListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

type frozenConn struct {
	net.Conn
	f      *BrokerFreezer
	once   sync.Once
	closed chan struct{}
}

func (c *frozenConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.f.wait(c.closed) // hold what arrived until thawed
	return n, err
}

func (c *frozenConn) Write(b []byte) (int, error) {
	c.f.wait(c.closed)
	return c.Conn.Write(b)
}

func (c *frozenConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// StartFreezableKafka runs an in-process broker (topic with 3 partitions)
// that f can freeze, and returns its address.
func StartFreezableKafka(tb testing.TB, topic string) (string, *BrokerFreezer) {
	tb.Helper()
	f := newBrokerFreezer()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic), kfake.ListenFn(f.Listen))
	if err != nil {
		tb.Fatal(err)
	}
	f.cluster = c
	tb.Cleanup(func() { f.Thaw(); c.Close() })
	return c.ListenAddrs()[0], f
}
