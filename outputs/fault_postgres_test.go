package outputs_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/pipeline"
)

// Fault tests of the postgres output: a whole generator writes to a
// throwaway PostgreSQL cluster that is restarted, or frozen, mid-run, for
// longer than one attempt's write_timeout. Every event must arrive (exactly
// once with delivery_table), nothing may be counted failed, and the run ends
// well.

// pgCluster is a throwaway PostgreSQL cluster on a port of its own.
type pgCluster struct {
	bin    string // directory of initdb and pg_ctl
	dir    string // owned by the server's user: data/, the socket, server.log
	port   int
	frozen []int // pids stopped by freeze
}

// pgBinDir finds the newest installed PostgreSQL server programs.
func pgBinDir() string {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	slices.SortFunc(found, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(a))))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(b))))
		return va - vb
	})
	if len(found) > 0 {
		return filepath.Dir(found[len(found)-1])
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

// newPGCluster creates and starts a cluster, stopped and removed when the
// test ends. Without initdb the test is skipped, or fails under CI=true.
// initdb and pg_ctl refuse to run as root: as root they run as postgres.
func newPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	ci := os.Getenv("CI") == "true"
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if ci {
			t.Fatal(msg + " (CI=true: this test must run; .ci/services.sh expects a Debian postgresql package, which ships initdb)")
		}
		t.Skip(msg + ", skipping")
	}
	if testing.Short() && !ci {
		t.Skip("-short: no throwaway PostgreSQL cluster")
	}
	bin := pgBinDir()
	if bin == "" {
		unavailable("initdb not found under /usr/lib/postgresql/*/bin nor in PATH: install the PostgreSQL server")
	}
	dir, err := os.MkdirTemp("", "eventum-pgcluster-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			unavailable("running as root, and there is no postgres user to run initdb as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			unavailable("running as root, and runuser (to run initdb as postgres) is missing")
		}
	}
	c := &pgCluster{bin: bin, dir: dir}
	if err := c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.thaw()
		if err := c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "-t", "60", "stop"); err != nil && c.running() {
			t.Errorf("stop the throwaway cluster: %v", err)
		}
	})
	// A free port: another process may take it before the server does.
	for try := 1; ; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c.port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		err = c.start()
		if err == nil {
			return c
		}
		if try == 3 {
			t.Fatal(err)
		}
		t.Logf("start on port %d: %v; trying another port", c.port, err)
	}
}

func (c *pgCluster) data() string { return filepath.Join(c.dir, "data") }

func (c *pgCluster) dsn() string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=disable", c.port)
}

// run runs one of the server's programs as the server's user.
func (c *pgCluster) run(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = c.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		if len(log) > 2000 {
			log = log[len(log)-2000:]
		}
		return fmt.Errorf("%s %s: %v\n%s\nserver.log: …%s", name, strings.Join(args, " "), err, out, log)
	}
	return nil
}

func (c *pgCluster) running() bool {
	_, err := os.Stat(filepath.Join(c.data(), "postmaster.pid"))
	return err == nil
}

// start starts the server and waits until it accepts connections.
func (c *pgCluster) start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB", c.port, c.dir)
	return c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "server.log"), "-w", "-t", "60", "-o", opts, "start")
}

// stop shuts the server down the way an administrator restarting it does
// (fast: sessions are ended with 57P01, open transactions roll back).
func (c *pgCluster) stop() error {
	return c.run("pg_ctl", "-D", c.data(), "-m", "fast", "-w", "-t", "60", "stop")
}

// freeze stops (SIGSTOP) the postmaster, then every process it started:
// connections are accepted by the kernel and never answered.
func (c *pgCluster) freeze() error {
	b, err := os.ReadFile(filepath.Join(c.data(), "postmaster.pid"))
	if err != nil {
		return err
	}
	pm, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		return fmt.Errorf("postmaster.pid: %v", err)
	}
	if err := syscall.Kill(pm, syscall.SIGSTOP); err != nil {
		return err
	}
	c.frozen = append(c.frozen, pm)
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		stat, err := os.ReadFile(p)
		if err != nil {
			continue // gone
		}
		// pid (comm) state ppid …; comm may hold anything but the last ')'.
		i := strings.LastIndexByte(string(stat), ')')
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(pm) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if syscall.Kill(pid, syscall.SIGSTOP) == nil {
			c.frozen = append(c.frozen, pid)
		}
	}
	return nil
}

// thaw resumes what freeze stopped.
func (c *pgCluster) thaw() {
	for i := len(c.frozen) - 1; i >= 0; i-- {
		_ = syscall.Kill(c.frozen[i], syscall.SIGCONT)
	}
	c.frozen = nil
}

func (c *pgCluster) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.dsn())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// pgFaultEvents is the size of a fault run; pgFaultWriteTimeout bounds one
// attempt, and an outage lasts longer than that.
const (
	pgFaultEvents       = 200_000
	pgFaultBatch        = 2000
	pgFaultWriteTimeout = 2 * time.Second
)

// pgFaultRun runs a generator of events events (id 1..events) into a new
// table schema.ev_<name> of the server at dsn, and calls fault (when not
// nil) once the output wrote a first part of them, while the run goes on.
// It returns the run's stats, the table's name and how many transactions
// the output found committed by an earlier attempt.
func pgFaultRun(t *testing.T, dsn string, conn *pgx.Conn, schema, name string, events int, delivery bool, fault func(g *pipeline.Generator) error) (pipeline.Snapshot, string, int64) {
	t.Helper()
	table := schema + ".ev_" + name
	key := "" // without delivery_table a batch may land twice: no key to refuse it
	if delivery {
		key = " PRIMARY KEY"
	}
	if _, err := conn.Exec(context.Background(), `CREATE TABLE `+table+` (id int8`+key+`, ts timestamptz NOT NULL, msg text)`); err != nil {
		t.Fatal(err)
	}
	extra := ""
	if delivery {
		extra = "\n      delivery_table: " + schema + ".delivered_" + name
	}
	// The events are replayed verbatim from a file: cheaper than rendering
	// them, which matters under the race detector.
	dir := t.TempDir()
	var lines strings.Builder
	for i := 1; i <= events; i++ {
		fmt.Fprintf(&lines, `{"id": %d, "ts": "2024-01-01T00:00:00Z", "msg": "event %d of the fault run"}`+"\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(lines.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`
input:
  - linspace: {start: '2024-01-01T00:00:00Z', end: '2024-01-02T00:00:00Z', count: %d}
event:
  replay: {path: events.jsonl}
output:
  - postgres:
      dsn: %q
      table: %s%s
      retry: {initial: 0.05, max: 0.5}
      formatter: {format: plain} # the events are JSON already
`, events, dsn, table, extra)
	doc, err := config.Parse(filepath.Join(dir, "generator.yml"), []byte(src), config.Vars{})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := doc.Generator()
	if err != nil {
		t.Fatal(err)
	}
	s := pipeline.DefaultSettings()
	s.Live = false
	s.BatchSize = pgFaultBatch
	s.WriteTimeout = pgFaultWriteTimeout
	s.StopTimeout = 10 * time.Second
	lw := &pgLogWriter{t: t}
	logger := slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	g, err := pipeline.Build(gc, pipeline.Options{ID: "pgfault", Settings: s, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}

	faultErr := make(chan error, 1)
	if fault == nil {
		faultErr <- nil
	} else {
		go func() {
			// The fault starts once a first part is written: early enough that
			// a fast machine cannot finish the run before it takes effect.
			if err := pgWaitFor(60*time.Second, func() bool { return g.Stats().Outputs[0].Written >= int64(events/20) }); err != nil {
				faultErr <- fmt.Errorf("the output never wrote %d events: %v", events/20, err)
				return
			}
			faultErr <- fault(g)
		}()
	}
	start := time.Now()
	runErr := g.Run(context.Background(), nil)
	t.Logf("run: %v", time.Since(start).Round(time.Millisecond))
	if err := <-faultErr; err != nil { // the fault is over, the server back
		t.Fatal(err)
	}
	if runErr != nil {
		t.Fatalf("run: %v", runErr)
	}
	st := g.Stats()
	o := st.Outputs[0]
	t.Logf("counters: %+v", o)
	if st.Produced != int64(events) || o.Written != int64(events) || o.WriteFailed != 0 || o.FormatFailed != 0 || o.Dropped != 0 || st.Lost() != 0 {
		t.Errorf("produced %d, counters %+v: want every one of %d written, none failed", st.Produced, o, events)
	}
	if o.Written+o.WriteFailed != st.Produced {
		t.Errorf("written %d + write_failed %d != produced %d", o.Written, o.WriteFailed, st.Produced)
	}
	if o.Retries == 0 {
		t.Errorf("no retries: the fault did not hit the run")
	}
	if delivery {
		t.Logf("transactions found committed by an earlier attempt: %d", lw.recognised.Load())
	}
	return st, table, lw.recognised.Load()
}

// pgCheckRows checks that table holds the ids 1..events, each once when
// exactly is set (at least once otherwise), and returns its row count.
func pgCheckRows(t *testing.T, conn *pgx.Conn, table string, events int, exactly bool) int {
	t.Helper()
	var n, distinct, minID, maxID int
	err := conn.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT id), min(id), max(id) FROM `+table).Scan(&n, &distinct, &minID, &maxID)
	if err != nil {
		t.Fatal(err)
	}
	if distinct != events || minID != 1 || maxID != events || n < events || (exactly && n != events) {
		t.Fatalf("%s: %d rows, %d distinct ids from %d to %d; want ids 1..%d, each once (exactly: %v)", table, n, distinct, minID, maxID, events, exactly)
	}
	if n > events {
		t.Logf("%s: %d duplicate rows from commits whose answer was lost (at least once)", table, n-events)
	}
	return n
}

// pgCheckDeliveries checks that the delivery table accounts for every row.
func pgCheckDeliveries(t *testing.T, conn *pgx.Conn, schema, name string, events int) {
	t.Helper()
	var runs, rows int
	err := conn.QueryRow(context.Background(), `SELECT count(DISTINCT run_id), sum(rows) FROM `+schema+`.delivered_`+name).Scan(&runs, &rows)
	if err != nil || runs != 1 || rows != events {
		t.Fatalf("delivered_%s: %d run ids, %d rows (err %v); want 1 and %d", name, runs, rows, err, events)
	}
}

// pgOutage waits until the output has failed at least minRetries more
// attempts and at least d went by since since, so that the sink stays away
// for longer than one attempt's timeout.
func pgOutage(g *pipeline.Generator, since time.Time, d time.Duration, minRetries int64) error {
	before := g.Stats().Outputs[0].Retries
	return pgWaitFor(60*time.Second, func() bool {
		return time.Since(since) >= d && g.Stats().Outputs[0].Retries >= before+minRetries
	})
}

// TestPostgresFaultRestart restarts the server mid-run and keeps it down
// for longer than write_timeout: the batches are retried until it is back.
func TestPostgresFaultRestart(t *testing.T) {
	t.Parallel()
	c := newPGCluster(t)
	for _, delivery := range []bool{false, true} {
		name := "restart"
		if delivery {
			name += "_delivery"
		}
		t.Run(name, func(t *testing.T) {
			var writtenAtStop int64
			conn := c.connect(t)
			_, table, _ := pgFaultRun(t, c.dsn(), conn, "public", name, pgFaultEvents, delivery, func(g *pipeline.Generator) error {
				if err := c.stop(); err != nil {
					return err
				}
				down := time.Now()
				writtenAtStop = g.Stats().Outputs[0].Written
				if writtenAtStop >= pgFaultEvents {
					return fmt.Errorf("the run ended before the server was stopped: the outage did not hit it")
				}
				err := pgOutage(g, down, 2*pgFaultWriteTimeout, 3)
				if serr := c.start(); serr != nil {
					return serr
				}
				return err
			})
			t.Logf("written when the server was down: %d", writtenAtStop)
			conn = c.connect(t) // the first one did not survive the restart
			pgCheckRows(t, conn, table, pgFaultEvents, delivery)
			if delivery {
				pgCheckDeliveries(t, conn, "public", name, pgFaultEvents)
			}
		})
	}
}

// TestPostgresFaultFrozen freezes the server (SIGSTOP) mid-run for longer
// than write_timeout, then resumes it: attempts time out with their outcome
// unknown, and the frozen backends may still commit what they had received.
// Nothing is counted failed; with delivery_table nothing lands twice.
func TestPostgresFaultFrozen(t *testing.T) {
	t.Parallel()
	c := newPGCluster(t)
	for _, delivery := range []bool{false, true} {
		name := "frozen"
		if delivery {
			name += "_delivery"
		}
		t.Run(name, func(t *testing.T) {
			conn := c.connect(t)
			_, table, _ := pgFaultRun(t, c.dsn(), conn, "public", name, pgFaultEvents, delivery, func(g *pipeline.Generator) error {
				since := time.Now()
				err := c.freeze()
				if err == nil {
					if g.Stats().Outputs[0].Written >= pgFaultEvents {
						err = fmt.Errorf("the run ended before the server was frozen: the outage did not hit it")
					} else {
						// Attempts time out: at least two, one write_timeout each.
						err = pgOutage(g, since, 2*pgFaultWriteTimeout+pgFaultWriteTimeout/2, 2)
					}
				}
				c.thaw()
				return err
			})
			conn = c.connect(t) // the first one may have timed out while frozen
			pgCheckRows(t, conn, table, pgFaultEvents, delivery)
			if delivery {
				pgCheckDeliveries(t, conn, "public", name, pgFaultEvents)
			}
		})
	}
}

// TestPostgresFaultLostCommit runs a generator through a proxy that hides
// the answers to three commits (the server commits, the output never hears
// it): the pipeline retries those batches; without delivery_table they land
// twice, with it the output finds them committed and writes them once. The
// counters are exact either way.
func TestPostgresFaultLostCommit(t *testing.T) {
	t.Parallel()
	conn, schema := outputs.PGSchema(t)
	const events, every, cuts = 50_000, 7, 3 // 25 batches
	pick := func(n int32) bool { return n%every == 0 && n <= every*cuts }
	for _, delivery := range []bool{false, true} {
		name := "lost"
		cutAt := outputs.PGCopyDone // a COPY commits on its own
		if delivery {
			name += "_delivery"
			cutAt = outputs.PGCommitQuery
		}
		t.Run(name, func(t *testing.T) {
			x := outputs.NewPGCutProxy(t, "127.0.0.1:5432", cutAt, pick)
			dsn := strings.Replace(outputs.PGTestDSN, "port=5432", fmt.Sprintf("port=%d", x.Port()), 1)
			st, table, recognised := pgFaultRun(t, dsn, conn, schema, name, events, delivery, nil)
			if x.Cuts() != cuts {
				t.Fatalf("the proxy hid %d answers, want %d", x.Cuts(), cuts)
			}
			if o := st.Outputs[0]; o.Retries < cuts {
				t.Errorf("retries %d, want at least %d", o.Retries, cuts)
			}
			n := pgCheckRows(t, conn, table, events, delivery)
			if delivery {
				pgCheckDeliveries(t, conn, schema, name, events)
				if recognised < cuts {
					t.Errorf("found %d transactions committed by an earlier attempt, want at least %d", recognised, cuts)
				}
			} else if n < events+cuts*pgFaultBatch {
				t.Errorf("%d rows, want at least %d: the %d batches whose commit answer was lost land twice", n, events+cuts*pgFaultBatch, cuts)
			}
		})
	}
}

// pgWaitFor polls cond until it holds or d has passed.
func pgWaitFor(d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("condition not met within %v", d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// pgLogWriter sends the generator's warnings to the test's log and counts
// the transactions the output found committed by an earlier attempt.
type pgLogWriter struct {
	t          *testing.T
	recognised atomic.Int64
}

func (w *pgLogWriter) Write(b []byte) (int, error) {
	switch line := string(b); {
	case strings.Contains(line, "an earlier attempt committed this transaction"):
		w.recognised.Add(1)
	case !strings.Contains(line, "level=INFO"):
		w.t.Log(strings.TrimSuffix(line, "\n"))
	}
	return len(b), nil
}
