package outputs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/eventum-go/eventum/cli"
	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/pipeline"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts"
)

// Fault tests of the stream and Kafka outputs through the whole pipeline
// (and, for the acceptance runs, through the eventum command in a child
// process): a sink that fails for longer than one attempt, then recovers.

// seqEventsConfig configures test-outputs-seq, an event plugin that makes
// one JSON event per timestamp: {"id": N, "msg": "xxx…"} with N = 1, 2, …
// and msg of Pad bytes. With Hook set (a key of the generator's params
// holding a func()), it calls that function once, at event At, before
// making it.
type seqEventsConfig struct {
	Pad  int    `yaml:"pad"`
	At   int    `yaml:"at"`
	Hook string `yaml:"hook"`
}

type seqEvents struct {
	n    int
	pad  string
	at   int
	hook func()
}

func (p *seqEvents) Produce(_ int64, _ int, out []string) ([]string, error) {
	p.n++
	if p.hook != nil && p.n == p.at {
		p.hook()
	}
	return append(out, `{"id": `+strconv.Itoa(p.n)+`, "msg": "`+p.pad+`"}`), nil
}

func init() {
	plugin.Register(scripts.Registry, "test-outputs-seq", func() *seqEventsConfig { return &seqEventsConfig{Pad: 100} },
		func(c *seqEventsConfig, env *plugin.Env) (scripts.Producer, error) {
			p := &seqEvents{pad: strings.Repeat("x", c.Pad), at: c.At}
			if c.Hook != "" {
				p.hook, _ = env.Params[c.Hook].(func())
			}
			return p, nil
		})
}

// eventID reads the id of an event made by test-outputs-seq.
func eventID(tb testing.TB, event string) int {
	tb.Helper()
	rest, ok := strings.CutPrefix(event, `{"id": `)
	i := strings.IndexByte(rest, ',')
	if !ok || i < 0 {
		tb.Fatalf("not an event: %.80q", event)
	}
	id, err := strconv.Atoi(rest[:i])
	if err != nil || id < 1 {
		tb.Fatalf("bad id in %.80q", event)
	}
	return id
}

// idTally counts how often each id 1..want arrived.
type idTally struct {
	seen     []int
	distinct int
	dups     int
	want     int
}

func newIDTally(want int) *idTally { return &idTally{seen: make([]int, want+1), want: want} }

func (c *idTally) add(tb testing.TB, event string) {
	id := eventID(tb, event)
	if id > c.want {
		tb.Fatalf("id %d beyond the %d events made", id, c.want)
	}
	if c.seen[id]++; c.seen[id] == 1 {
		c.distinct++
	} else {
		c.dups++
	}
}

// buildGenerator builds a generator from YAML written to dir/generator.yml.
func buildGenerator(tb testing.TB, dir, src string, s pipeline.Settings, params map[string]any) *pipeline.Generator {
	tb.Helper()
	doc, err := config.Parse(filepath.Join(dir, "generator.yml"), []byte(src), config.Vars{})
	if err != nil {
		tb.Fatal(err)
	}
	gc, err := doc.Generator()
	if err != nil {
		tb.Fatal(err)
	}
	g, err := pipeline.Build(gc, pipeline.Options{ID: "fault", Settings: s, Params: params})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func sampleSettings() pipeline.Settings {
	s := pipeline.DefaultSettings()
	s.Live = false
	return s
}

// readKafkaIDs consumes topic from the start until every id 1..want arrived
// and then for another moment (to see duplicates that come late).
func readKafkaIDs(tb testing.TB, addr, topic string, want int) *idTally {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(64<<20))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	ids := newIDTally(want)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for ids.distinct < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			tb.Fatalf("kafka: read %d of %d ids (%d duplicates) before timeout", ids.distinct, want, ids.dups)
		}
		fs.EachError(func(t string, p int32, err error) { tb.Fatalf("fetch %s/%d: %v", t, p, err) })
		fs.EachRecord(func(r *kgo.Record) { ids.add(tb, string(r.Value)) })
	}
	// Everything is there; whatever else is in the topic now is a duplicate.
	tail, cancelTail := context.WithTimeout(context.Background(), time.Second)
	defer cancelTail()
	for tail.Err() == nil {
		cl.PollFetches(tail).EachRecord(func(r *kgo.Record) { ids.add(tb, string(r.Value)) })
	}
	return ids
}

// frozenBrokerRun runs a sample-mode generator of events to a broker that
// freezes at event `at` for `outage`, and checks that every event arrived
// and the counters are exact; it returns the kafka output's counters and
// the ids read back.
func frozenBrokerRun(t *testing.T, events, at int, outage time.Duration, kafkaSettings string, s pipeline.Settings) (pipeline.OutputSnapshot, *idTally) {
	addr, freezer := outputs.StartFreezableKafka(t, "events")
	var thawed sync.WaitGroup
	thawed.Add(1)
	freeze := func() {
		freezer.Freeze()
		time.AfterFunc(outage, func() { freezer.Thaw(); thawed.Done() })
	}
	src := fmt.Sprintf(`
input:
  - linspace: {start: '2024-01-01T00:00:00Z', end: '2024-01-01T01:00:00Z', count: %d}
event:
  test-outputs-seq: {at: %d, hook: freeze}
output:
  - kafka: {bootstrap_servers: [%q], topic: events, %s}
`, events, at, addr, kafkaSettings)
	g := buildGenerator(t, t.TempDir(), src, s, map[string]any{"freeze": freeze})
	start := time.Now()
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Logf("run: %v (broker frozen for %v)", time.Since(start), outage)
	thawed.Wait()
	st := g.Stats()
	o := st.Outputs[0]
	if st.Produced != int64(events) || o.Written != int64(events) || o.WriteFailed != 0 || o.FormatFailed != 0 || st.Lost() != 0 {
		t.Errorf("produced %d, counters %+v; want every one of %d written", st.Produced, o, events)
	}
	ids := readKafkaIDs(t, addr, "events", events)
	return o, ids
}

// TestFaultKafkaFrozenLongerThanWriteTimeout: the broker stops answering for
// 4 s, four times the generator's write_timeout but less than one produce
// request's timeout. The kafka output is SelfTimed, so its writes are not
// cancelled (cancelled writes were re-sent while kafka-go still held them:
// duplicates, and failures counted for events that arrived): it waits, and
// every event arrives exactly once, counted once, without a retry.
func TestFaultKafkaFrozenLongerThanWriteTimeout(t *testing.T) {
	t.Parallel()
	s := sampleSettings()
	s.WriteTimeout = time.Second
	const events = 30_000
	o, ids := frozenBrokerRun(t, events, events/3, 4*time.Second, `request_timeout_ms: 30000`, s)
	if o.Retries != 0 {
		t.Errorf("%d retries, want none: no write should have failed", o.Retries)
	}
	if ids.distinct != events || ids.dups != 0 {
		t.Errorf("kafka: %d distinct ids, %d duplicates; want %d once each", ids.distinct, ids.dups, events)
	}
}

// TestFaultKafkaFrozenLongerThanARequest: the freeze outlasts several
// produce requests (request_timeout_ms 1000); kafka-go re-sends them itself
// (retries: 10) and the write waits for that. Every event arrives and is
// counted once as written; the pipeline never re-sends (no retries), so a
// duplicate can only be a request kafka-go timed out that the broker still
// stored once it woke up (a lost acknowledgement: at least once).
func TestFaultKafkaFrozenLongerThanARequest(t *testing.T) {
	t.Parallel()
	s := sampleSettings()
	s.WriteTimeout = time.Second
	const events = 30_000
	o, ids := frozenBrokerRun(t, events, events/3, 4*time.Second, `request_timeout_ms: 1000, retries: 10, retry_backoff_ms: 50`, s)
	if o.Retries != 0 {
		t.Errorf("%d pipeline retries, want none: kafka-go's own retries outlast the freeze", o.Retries)
	}
	if ids.distinct != events {
		t.Errorf("kafka: %d distinct ids, want %d", ids.distinct, events)
	}
	t.Logf("kafka: %d duplicates from requests that timed out while the broker was frozen (lost acknowledgements)", ids.dups)
}

// TestFaultKafkaLiveFrozenBroker is the acceptance run of the Kafka output
// through the eventum command (a child process, so that its peak memory is
// its own): a live run paced over a while, the broker frozen for most of it;
// every event arrives exactly once, the summary counts them all as written,
// the exit code is 0 and the peak RSS stays under 250 MB (not checked under
// the race detector, which multiplies memory use). By default a
// shorter run (20,000 events over 8 s, frozen 4 s with write_timeout 1 s);
// EVENTUM_KAFKA_ACCEPTANCE=1 runs the full one: 100,000 events over 20 s,
// frozen 15 s, default write_timeout (10 s).
func TestFaultKafkaLiveFrozenBroker(t *testing.T) {
	t.Parallel()
	events, span, outage, args := 20_000, "+8s", 4*time.Second, []string{"--write-timeout", "1"}
	if os.Getenv("EVENTUM_KAFKA_ACCEPTANCE") == "1" {
		events, span, outage, args = 100_000, "+20s", 15*time.Second, nil
	}
	addr, freezer := outputs.StartFreezableKafka(t, "events")
	dir := t.TempDir()
	gen := filepath.Join(dir, "generator.yml")
	src := fmt.Sprintf(`
input:
  - linspace: {start: now, end: %q, count: %d}
event:
  test-outputs-seq: {pad: 150}
output:
  - kafka: {bootstrap_servers: [%q], topic: events}
`, span, events, addr)
	if err := os.WriteFile(gen, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// The freeze starts once the broker has taken a few produce requests.
	cluster := freezer.Cluster()
	seen := cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Observe: true, Count: -1})
	child := startEventumChild(t, append([]string{"generate", "--path", gen}, args...)...)
	wctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := seen.Wait(wctx, 3); err != nil {
		t.Fatalf("the broker saw no produce requests: %v\n%s", err, child.stderr.String())
	}
	seen.Remove()
	freezer.Freeze()
	frozenAt := time.Now()
	time.AfterFunc(outage, freezer.Thaw)
	code, rss := child.wait(t, 120*time.Second)
	out := child.stderr.String()
	t.Logf("child: exit %d, peak RSS %.1f MB, %v after the freeze began\n%s", code, float64(rss)/(1<<20), time.Since(frozenAt).Round(time.Millisecond), out)
	if time.Since(frozenAt) < outage {
		t.Errorf("the run ended %v into a %v freeze: the freeze did not hold it up", time.Since(frozenAt), outage)
	}
	if code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if want := fmt.Sprintf("kafka: written %d, write_failed 0, format_failed 0", events); !strings.Contains(out, want) || strings.Contains(out, "retries") {
		t.Errorf("summary does not say %q (without retries)", want)
	}
	if rss >= 250<<20 && !raceBuild {
		t.Errorf("peak RSS %.1f MB, want under 250 MB", float64(rss)/(1<<20))
	}
	ids := readKafkaIDs(t, addr, "events", events)
	if ids.distinct != events || ids.dups != 0 {
		t.Errorf("kafka: %d distinct ids, %d duplicates; want %d once each", ids.distinct, ids.dups, events)
	}
}

// The eventum command in a child process: the test binary re-executed with
// EVENTUM_OUTPUTS_CHILD holding the command's arguments (JSON) runs only
// TestEventumChildProcess, which runs the command and exits with its code.

// TestEventumChildProcess is the child's side; in a normal test run it
// has nothing to do.
func TestEventumChildProcess(t *testing.T) {
	raw := os.Getenv("EVENTUM_OUTPUTS_CHILD")
	if raw == "" {
		t.Skip("runs only as the eventum command in a child process of another test")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(100)
	}
	code := cli.Main(append([]string{"eventum"}, args...), os.Stdout, os.Stderr)
	// The child's own high-water mark: the rusage the parent gets from wait
	// also counts the parent's memory at the moment of exec (vfork).
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				fmt.Fprintf(os.Stderr, "%s%s\n", childHWMPrefix, strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			}
		}
	}
	os.Exit(code)
}

// childHWMPrefix starts the line on which the child reports its VmHWM in kB.
const childHWMPrefix = "eventum-child-vmhwm-kb: "

type eventumChild struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan error
}

// startEventumChild runs `eventum args...` in a child process.
func startEventumChild(t *testing.T, args ...string) *eventumChild {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run", "^TestEventumChildProcess$", "-test.count", "1")
	cmd.Env = append(os.Environ(), "EVENTUM_OUTPUTS_CHILD="+string(raw))
	c := &eventumChild{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// wait waits for the child to exit (killing it after limit) and returns its
// exit code and peak resident memory in bytes.
func (c *eventumChild) wait(t *testing.T, limit time.Duration) (code int, maxRSS int64) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(limit):
		_ = c.cmd.Process.Kill()
		<-c.done
		t.Fatalf("the eventum child still ran after %v\n%s", limit, c.stderr.String())
	}
	ps := c.cmd.ProcessState
	for _, line := range strings.Split(c.stderr.String(), "\n") {
		if v, ok := strings.CutPrefix(line, childHWMPrefix); ok {
			if kb, err := strconv.ParseInt(v, 10, 64); err == nil {
				return ps.ExitCode(), kb << 10
			}
		}
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss << 10 // kB on Linux; includes the parent's RSS at exec
	}
	return ps.ExitCode(), maxRSS
}

// lockedBuffer is a strings.Builder safe for a writer and a reader goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// summaryCounts finds "name: written W, write_failed F" in a summary line.
func summaryCounts(tb testing.TB, out, name string) (written, failed int64) {
	tb.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(name) + `: written (\d+), write_failed (\d+)`).FindStringSubmatch(out)
	if m == nil {
		tb.Fatalf("no %s counters in the summary:\n%s", name, out)
	}
	written, _ = strconv.ParseInt(m[1], 10, 64)
	failed, _ = strconv.ParseInt(m[2], 10, 64)
	return written, failed
}
