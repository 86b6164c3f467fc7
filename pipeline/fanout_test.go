package pipeline_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts"
)

// Acceptance test of fan-out to real destinations: one generator writes the
// same events to a file, a Kafka broker (in-process kfake on loopback) and
// PostgreSQL (the local server, own schema); then the broker dies mid-run
// and the other two still get everything while Kafka's losses are counted.

const fanoutEvents = 200_000

// fanoutGate, passed in the generator's params, holds the event plugin at
// event `at` until the test is done with what it does mid-run.
type fanoutGate struct {
	at      int
	reached chan struct{}
	resume  chan struct{}
}

// fanoutRows produces one six-key JSON event per timestamp with a
// sequential id starting at 1.
type fanoutRows struct {
	n    int
	gate *fanoutGate
}

func (p *fanoutRows) Produce(ts int64, _ int, out []string) ([]string, error) {
	p.n++
	if p.gate != nil && p.n == p.gate.at {
		close(p.gate.reached)
		<-p.gate.resume
	}
	out = append(out, fmt.Sprintf(`{"id": %d, "ts": %q, "host": "web-%d", "level": %q, "bytes": %d, "msg": "GET /item/%d done"}`,
		p.n, time.Unix(0, ts).UTC().Format(time.RFC3339Nano), p.n%7, [3]string{"info", "warn", "error"}[p.n%3], p.n%10_000, p.n))
	return out, nil
}

func init() {
	plugin.Register(scripts.Registry, "test-fanout-rows", func() *struct{} { return &struct{}{} },
		func(_ *struct{}, env *plugin.Env) (scripts.Producer, error) {
			g, _ := env.Params["fanout-gate"].(*fanoutGate)
			return &fanoutRows{gate: g}, nil
		})
}

const fanoutPGDSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres sslmode=disable"

// fanoutSchema creates a schema on the local PostgreSQL, dropped afterwards.
func fanoutSchema(t testing.TB) (*pgx.Conn, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fanoutPGDSN)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at 127.0.0.1:5432 is unreachable (run .ci/services.sh): %v", err)
		}
		t.Skipf("PostgreSQL at 127.0.0.1:5432 is unreachable, skipping (run .ci/services.sh): %v", err)
	}
	schema := fmt.Sprintf("eventum_fanout_%d", rand.Uint64()%1e12)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		conn.Close(ctx)
	})
	return conn, schema
}

func startBroker(t testing.TB) (*kfake.Cluster, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.SeedTopics(3, "events"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, fmt.Sprintf("127.0.0.1:%d", port)
}

// idOf reads the id of an event made by fanoutRows.
func idOf(t *testing.T, event string) int {
	t.Helper()
	rest, ok := strings.CutPrefix(event, `{"id": `)
	i := strings.IndexByte(rest, ',')
	if !ok || i < 0 {
		t.Fatalf("not an event: %.80q", event)
	}
	id, err := strconv.Atoi(rest[:i])
	if err != nil || id < 1 || id > fanoutEvents {
		t.Fatalf("bad id in %.80q", event)
	}
	return id
}

// idSet checks that ids 1..fanoutEvents each arrive exactly once.
type idSet struct {
	seen  []bool
	count int
	dups  int
}

func newIDSet() *idSet { return &idSet{seen: make([]bool, fanoutEvents+1)} }

func (s *idSet) add(id int) {
	if s.seen[id] {
		s.dups++
	}
	s.seen[id] = true
	s.count++
}

func (s *idSet) check(t *testing.T, what string) {
	t.Helper()
	if s.count != fanoutEvents || s.dups != 0 {
		t.Errorf("%s: %d events, %d duplicates; want every one of %d once", what, s.count, s.dups, fanoutEvents)
	}
}

func checkFile(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids := newIDSet()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		ids.add(idOf(t, sc.Text()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	ids.check(t, "file")
}

func checkPostgres(t *testing.T, conn *pgx.Conn, table string) {
	t.Helper()
	var n, distinct, minID, maxID, sumBytes, errs int64
	err := conn.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT id), min(id), max(id), sum(bytes),
		count(*) FILTER (WHERE level = 'error') FROM `+table).Scan(&n, &distinct, &minID, &maxID, &sumBytes, &errs)
	if err != nil {
		t.Fatal(err)
	}
	var wantBytes, wantErrs int64
	for i := 1; i <= fanoutEvents; i++ {
		wantBytes += int64(i % 10_000)
		if i%3 == 2 {
			wantErrs++
		}
	}
	got := fmt.Sprint(n, distinct, minID, maxID, sumBytes, errs)
	if want := fmt.Sprint(fanoutEvents, fanoutEvents, 1, fanoutEvents, wantBytes, wantErrs); got != want {
		t.Errorf("postgres: count, distinct, min, max, sum(bytes), errors = %s, want %s", got, want)
	}
}

func checkKafka(t *testing.T, addr string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("events"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(64<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ids := newIDSet()
	// A record the consumer hands over twice (same partition and offset: a
	// re-fetch) is not a duplicate in the topic; count each stored record once.
	type at struct {
		p int32
		o int64
	}
	offsets := map[at]bool{}
	refetched := 0
	for ids.count < fanoutEvents {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("kafka: read %d of %d records before timeout", ids.count, fanoutEvents)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if k := (at{r.Partition, r.Offset}); offsets[k] {
				refetched++
				return
			} else {
				offsets[k] = true
			}
			ids.add(idOf(t, string(r.Value)))
		})
	}
	if refetched > 0 {
		t.Logf("kafka: the consumer handed over %d records twice (ignored)", refetched)
	}
	ids.check(t, "kafka")
}

// fanoutGenerator builds the generator: file, kafka and postgres outputs.
func fanoutGenerator(t *testing.T, dir, broker, table string, s pipeline.Settings, params map[string]any) *pipeline.Generator {
	t.Helper()
	src := fmt.Sprintf(`
input:
  - linspace: {start: '2024-01-01T00:00:00Z', end: '2024-01-01T01:00:00Z', count: %d}
event:
  test-fanout-rows: {}
output:
  - file: {path: %q, write_mode: overwrite}
  - kafka: {bootstrap_servers: [%q], topic: events, request_timeout_ms: 30000, retry_backoff_ms: 20, retry: {initial: 0.05, max: 0.2, budget: 3}}
  - postgres:
      dsn: %q
      table: %s
      create_table: {id: int8 PRIMARY KEY, ts: timestamptz NOT NULL, host: text, level: text, bytes: int4, msg: text}
`, fanoutEvents, filepath.Join(dir, "events.jsonl"), broker, fanoutPGDSN, table)
	doc, err := config.Parse(filepath.Join(dir, "generator.yml"), []byte(src), config.Vars{})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := doc.Generator()
	if err != nil {
		t.Fatal(err)
	}
	g, err := pipeline.Build(gc, pipeline.Options{ID: "fanout", Settings: s, Params: params})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func fanoutSettings() pipeline.Settings {
	s := pipeline.DefaultSettings()
	s.Live = false
	return s
}

func TestFanoutEveryOutputGetsEveryEvent(t *testing.T) {
	conn, schema := fanoutSchema(t)
	_, broker := startBroker(t)
	dir := t.TempDir()
	g := fanoutGenerator(t, dir, broker, schema+".events", fanoutSettings(), nil)
	start := time.Now()
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("run: %v", time.Since(start))
	st := g.Stats()
	if st.Produced != fanoutEvents {
		t.Fatalf("produced %d", st.Produced)
	}
	for _, o := range st.Outputs {
		if o.Written != fanoutEvents || o.WriteFailed != 0 || o.FormatFailed != 0 {
			t.Errorf("output %s: counters %+v, want %d written", o.Name, o, fanoutEvents)
		}
		if o.Retries > 0 {
			t.Logf("output %s: %d retries", o.Name, o.Retries)
		}
	}
	checkFile(t, filepath.Join(dir, "events.jsonl"))
	checkPostgres(t, conn, schema+".events")
	checkKafka(t, broker)
}

// TestFanoutBrokerDiesMidRun: the broker is shut down once part of the
// events reached it; file and postgres still get every event, the kafka
// output counts what it could not deliver, and the run ends cleanly.
func TestFanoutBrokerDiesMidRun(t *testing.T) {
	conn, schema := fanoutSchema(t)
	cluster, broker := startBroker(t)
	dir := t.TempDir()
	gate := &fanoutGate{at: fanoutEvents / 2, reached: make(chan struct{}), resume: make(chan struct{})}
	s := fanoutSettings()
	s.WriteTimeout = 2 * time.Second
	s.StopTimeout = 2 * time.Second
	g := fanoutGenerator(t, dir, broker, schema+".events", s, map[string]any{"fanout-gate": gate})

	// Mid-run: once half of the events are produced and Kafka took a quarter
	// of them, shut the broker down, then let the event plugin go on.
	midErr := make(chan error, 1)
	go func() {
		defer close(gate.resume)
		select {
		case <-gate.reached:
		case <-time.After(20 * time.Second):
			midErr <- fmt.Errorf("the event plugin never reached event %d", gate.at)
			return
		}
		for deadline := time.Now().Add(10 * time.Second); g.Stats().Outputs[1].Written < fanoutEvents/4; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				midErr <- fmt.Errorf("kafka wrote %d events before the broker was to be shut down, want %d", g.Stats().Outputs[1].Written, fanoutEvents/4)
				return
			}
		}
		cluster.Close()
		midErr <- nil
	}()
	start := time.Now()
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Logf("run: %v", time.Since(start))
	if err := <-midErr; err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	if st.Produced != fanoutEvents {
		t.Fatalf("produced %d", st.Produced)
	}
	file, kafka, pg := st.Outputs[0], st.Outputs[1], st.Outputs[2]
	for _, o := range []pipeline.OutputSnapshot{file, pg} {
		if o.Written != fanoutEvents || o.WriteFailed != 0 || o.FormatFailed != 0 {
			t.Errorf("output %s: counters %+v, want %d written", o.Name, o, fanoutEvents)
		}
	}
	if kafka.Written == 0 || kafka.WriteFailed == 0 || kafka.FormatFailed != 0 || kafka.Written+kafka.WriteFailed != fanoutEvents {
		t.Errorf("kafka counters %+v: want written > 0 and write_failed > 0 adding up to %d", kafka, fanoutEvents)
	}
	t.Logf("kafka: written %d, write_failed %d", kafka.Written, kafka.WriteFailed)
	checkFile(t, filepath.Join(dir, "events.jsonl"))
	checkPostgres(t, conn, schema+".events")
}
