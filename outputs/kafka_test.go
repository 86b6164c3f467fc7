package outputs

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
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
		{`{` + base + `, security_protocol: TLS}`, `security_protocol: expected`},
		{`{` + base + `, sasl_mechanism: GSSAPI}`, `sasl_mechanism: expected`},
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
			if n != tt.written || Rejected(err) != tt.rejected {
				t.Fatalf("written %d rejected %d (err %v), want %d and %d", n, Rejected(err), err, tt.written, tt.rejected)
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

// TestKafkaBrokerDownThenUp: writes fail and are counted while the broker is
// down, and succeed again once it is back.
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
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	n, err := k.Write(ctx, []string{`{"phase": 2, "n": 1}`, `{"phase": 2, "n": 2}`})
	cancel()
	if n != 0 || err == nil || Rejected(err) != 0 {
		t.Fatalf("down: written %d, err %v; want 0 and a write error", n, err)
	}
	startKafka(t, port, "events")
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n, err = k.Write(ctx, []string{`{"phase": 3}`})
		cancel()
		if n == 1 && err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("broker back: written %d, err %v", n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// kafka-go keeps retrying batches after WriteMessages gave up on its
	// context, so the phase 2 messages (counted as failed) may land too:
	// delivery is at least once. Phase 3 must be there.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("events"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rctx, rcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer rcancel()
	for found := false; !found; {
		fs := cl.PollFetches(rctx)
		if rctx.Err() != nil {
			t.Fatal("phase 3 message not found after the broker restart")
		}
		fs.EachRecord(func(r *kgo.Record) {
			v := string(r.Value)
			if v == `{"phase": 3}` {
				found = true
			} else if !strings.HasPrefix(v, `{"phase": 2`) {
				t.Errorf("unexpected record %s", v)
			}
		})
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

// TestKafkaCloseBrokerGone: kafka-go retries failed batches in the
// background and its Close waits for them; Close must give up at its
// context's deadline instead of hanging for the retries.
func TestKafkaCloseBrokerGone(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	c := startKafka(t, port, "events")
	k, err := buildOutput(t, "kafka", fmt.Sprintf(`{bootstrap_servers: ["127.0.0.1:%d"], topic: events, retry_backoff_ms: 20, request_timeout_ms: 1000}`, port))
	if err != nil {
		t.Fatal(err)
	}
	mustOpen(t, k) // no Close in Cleanup: it would wait for the retries
	c.Close()
	var payloads []string
	for i := 0; i < 20_000; i++ { // several kafka-go batches per partition
		payloads = append(payloads, fmt.Sprintf(`{"n": %d}`, i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	n, err := k.Write(ctx, payloads)
	cancel()
	if n != 0 || err == nil {
		t.Fatalf("broker gone: written %d, err %v", n, err)
	}
	start := time.Now()
	ctx, cancel = context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := k.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Close took %v with a 1 s deadline", d)
	}
}
