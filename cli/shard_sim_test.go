package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The local simulation of a sharded deployment: four shards run as four
// processes (this test binary re-run as eventum), each writing a file,
// COPYing into one PostgreSQL table and producing to one Kafka topic (an
// in-process kfake broker); the union must be the unsharded run.

const simPGDSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres sslmode=disable"

// simShards is the number of shard processes.
const simShards = 4

// runShardProcs runs `generate --path gen --no-live-mode --seed 7` once
// unsharded and as simShards processes side by side, each with
// --param out=<dir>/<name>.out (name "all" or "shard<i>") and
// --param table=whole (unsharded) or sharded; it returns the output
// files' contents.
func runShardProcs(t *testing.T, dir, gen string) (whole string, shards []string) {
	t.Helper()
	args := func(name string, shard []string) []string {
		table := "sharded"
		if name == "all" {
			table = "whole"
		}
		a := []string{"generate", "--path", gen, "--no-live-mode", "--seed", "7", "--workers", "2",
			"--param", "out=" + filepath.Join(dir, name+".out"), "--param", "table=" + table}
		return append(a, shard...)
	}
	runProc := func(name string, shard []string, env ...string) error {
		cmd := exec.Command(os.Args[0], args(name, shard)...)
		cmd.Env = append(append(os.Environ(), "EVENTUM_TEST_MAIN=1"), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", name, err, out)
		}
		return nil
	}
	if err := runProc("all", nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, simShards)
	for i := range simShards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("shard%d", i)
			// The three ways of naming the shard, one per process or two.
			switch i % 3 {
			case 0:
				errs[i] = runProc(name, []string{"--shard", fmt.Sprintf("%d/%d", i, simShards)})
			case 1:
				errs[i] = runProc(name, nil, fmt.Sprintf("EVENTUM_SHARD=%d/%d", i, simShards))
			default:
				errs[i] = runProc(name, []string{"--shards", fmt.Sprint(simShards)}, fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i))
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name+".out"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	whole = read("all")
	for i := range simShards {
		shards = append(shards, read(fmt.Sprintf("shard%d", i)))
	}
	return whole, shards
}

// lines splits s into its newline-terminated lines.
func lines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	if len(l) > 0 && l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

// eventTime reads the "ts" key of a JSON event line.
func eventTime(t *testing.T, line string) time.Time {
	t.Helper()
	var ev struct {
		TS time.Time `json:"ts"`
	}
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		t.Fatalf("event %q: %v", line, err)
	}
	return ev.TS
}

// mergeByTime k-way merges the shards' lines by their "ts"; each shard's
// lines are in time order, and ties are broken by shard number, which is
// index order for timestamps of one tick split round-robin.
func mergeByTime(t *testing.T, shards []string) string {
	t.Helper()
	var ls [][]string
	for _, s := range shards {
		ls = append(ls, lines(s))
	}
	pos := make([]int, len(ls))
	var b strings.Builder
	for {
		best := -1
		var bestT time.Time
		for i := range ls {
			if pos[i] == len(ls[i]) {
				continue
			}
			if ts := eventTime(t, ls[i][pos[i]]); best < 0 || ts.Before(bestT) {
				best, bestT = i, ts
			}
		}
		if best < 0 {
			return b.String()
		}
		b.WriteString(ls[best][pos[best]])
		pos[best]++
	}
}

// timeMultiset is the sorted list of the events' "ts" values.
func timeMultiset(t *testing.T, outs ...string) []string {
	t.Helper()
	var ts []string
	for _, s := range outs {
		for _, l := range lines(s) {
			ts = append(ts, eventTime(t, l).Format(time.RFC3339Nano))
		}
	}
	sort.Strings(ts)
	return ts
}

func pgConnect(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, simPGDSN)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at 127.0.0.1:5432 is unreachable: %v", err)
		}
		t.Skipf("PostgreSQL at 127.0.0.1:5432 is unreachable, skipping: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// A stateless template generator with --seed 7: 4 shard processes into
// files and one PostgreSQL table. The files, merged by timestamp, are the
// unsharded file byte for byte; the table holds the unsharded rows, each
// once.
func TestShardSimulationStateless(t *testing.T) {
	conn := pgConnect(t)
	ctx := context.Background()
	schema := fmt.Sprintf("eventum_shard_%d", rand.Uint64()%1e12)
	for _, q := range []string{
		"CREATE SCHEMA " + schema,
		"CREATE TABLE " + schema + ".whole (ts timestamptz, ip text, n int8, method text, user_name text)",
		"CREATE TABLE " + schema + ".sharded (ts timestamptz, ip text, n int8, method text, user_name text)",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })

	// One Kafka topic per run kind, like the tables.
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "whole", "sharded"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	kafkaAddr := kc.ListenAddrs()[0]

	dir := t.TempDir()
	write(t, dir, "event.jinja", `{"ts": "{{ timestamp.isoformat() }}", "ip": "{{ module.rand.network.ip_v4() }}", `+
		`"n": {{ module.rand.number.integer(1, 1000000) }}, "method": "{{ module.rand.choice(['GET', 'POST', 'PUT']) }}", `+
		`"user_name": "{{ module.faker.locale.en.user_name() }}"}`)
	gen := write(t, dir, "generator.yml", fmt.Sprintf(`input:
  - timer: {start: "2026-01-01T00:00:00Z", seconds: 0.25, count: 1, repeat: %d}
event:
  template:
    templates:
      - ev: {template: event.jinja}
output:
  - file: {path: "${params.out}", formatter: {format: plain}}
  - postgres:
      dsn: %q
      table: %s.${params.table}
      columns: [ts, ip, n, method, user_name]
  - kafka: {bootstrap_servers: [%q], topic: "${params.table}", linger_ms: 5}
`, simEvents, simPGDSN, schema, kafkaAddr))
	whole, shards := runShardProcs(t, dir, gen)

	if n := len(lines(whole)); n != simEvents {
		t.Fatalf("unsharded run wrote %d events, want %d", n, simEvents)
	}
	for i, s := range shards {
		if n := len(lines(s)); n != simEvents/simShards {
			t.Errorf("shard %d wrote %d events, want %d", i, n, simEvents/simShards)
		}
	}
	if merged := mergeByTime(t, shards); merged != whole {
		t.Fatalf("the shards' files merged by timestamp differ from the unsharded file:\n%s\n---\n%s",
			strings.Join(lines(merged)[:3], ""), strings.Join(lines(whole)[:3], ""))
	}

	var total, distinct, missing, extra int64
	q := fmt.Sprintf(`SELECT (SELECT count(*) FROM %[1]s.sharded),
		(SELECT count(*) FROM (SELECT DISTINCT * FROM %[1]s.sharded) d),
		(SELECT count(*) FROM (SELECT * FROM %[1]s.whole EXCEPT ALL SELECT * FROM %[1]s.sharded) m),
		(SELECT count(*) FROM (SELECT * FROM %[1]s.sharded EXCEPT ALL SELECT * FROM %[1]s.whole) e)`, schema)
	if err := conn.QueryRow(ctx, q).Scan(&total, &distinct, &missing, &extra); err != nil {
		t.Fatal(err)
	}
	if total != simEvents || distinct != simEvents || missing != 0 || extra != 0 {
		t.Fatalf("sharded table: %d rows, %d distinct, %d missing, %d extra; want %d, %d, 0, 0",
			total, distinct, missing, extra, simEvents, simEvents)
	}

	// The topic written by the four shards holds the unsharded topic's
	// messages, each once (as multisets: partitions interleave them).
	wantMsgs := readTopic(t, kafkaAddr, "whole", simEvents)
	gotMsgs := readTopic(t, kafkaAddr, "sharded", simEvents)
	if !slices.Equal(gotMsgs, wantMsgs) {
		t.Fatalf("sharded topic (%d messages) differs from the unsharded one (%d)", len(gotMsgs), len(wantMsgs))
	}
	if len(slices.Compact(slices.Clone(gotMsgs))) != simEvents {
		t.Fatal("the sharded topic holds duplicates")
	}
}

// readTopic consumes topic from the start until want messages arrived and
// returns their values sorted; a message beyond want fails the test.
func readTopic(t *testing.T, addr, topic string, want int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []string
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("topic %s: read %d of %d messages before the deadline", topic, len(out), want)
		}
		fs.EachError(func(tp string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", tp, p, err) })
		fs.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	if len(out) != want {
		t.Fatalf("topic %s: %d messages, want %d", topic, len(out), want)
	}
	sort.Strings(out)
	return out
}

// simEvents is the number of events of the stateless simulation.
const simEvents = 6000

// Timestamps decided by cron (several per tick) and by time_patterns
// (random, agreed through --seed): the shards' timestamps are the
// unsharded run's, as multisets.
func TestShardSimulationTimestamps(t *testing.T) {
	patterns, err := filepath.Abs("../examples/time-patterns/patterns")
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]string{
		"cron":          `cron: {expression: "*/10 * * * * *", count: 3, start: "2026-01-01T00:00:00Z", end: "+2h"}`,
		"time_patterns": fmt.Sprintf(`time_patterns: {patterns: [%[1]s/baseline.yml, %[1]s/morning.yml, %[1]s/weekdays.yml]}`, patterns),
	}
	for _, name := range []string{"cron", "time_patterns"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "event.jinja", `{"ts": "{{ timestamp.isoformat() }}", "n": {{ module.rand.number.integer(1, 9) }}}`)
			gen := write(t, dir, "generator.yml", "input:\n  - "+inputs[name]+`
event:
  template:
    templates:
      - ev: {template: event.jinja}
output:
  - file: {path: "${params.out}", formatter: {format: plain}}
`)
			whole, shards := runShardProcs(t, dir, gen)
			want := timeMultiset(t, whole)
			if len(want) < 100 {
				t.Fatalf("only %d events in the unsharded run", len(want))
			}
			if got := timeMultiset(t, shards...); !slices.Equal(got, want) {
				t.Fatalf("shards' timestamps (%d) differ from the unsharded run's (%d)", len(got), len(want))
			}
		})
	}
}
