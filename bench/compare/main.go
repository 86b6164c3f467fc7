// Command compare runs eventum and the baseline programs of bench/baselines
// side by side, interleaved (run 1 of each, then run 2 of each, ...), and
// prints for each the median events/s and peak RSS of its runs and its ratio
// to the reference of its group:
//
//	template → file: eventum (all cores, and GOMAXPROCS=1) against Python
//	  Jinja2 rendering the same template the way the original does, and the
//	  hand-written Go ceiling;
//	→ PostgreSQL: eventum (replaying the rows, postgres output, COPY) against
//	  a raw pgx CopyFrom of the same rows;
//	→ Kafka: eventum (replaying the rows, kafka output) against a raw kafka-go
//	  Writer of the same rows, each against a fresh in-memory broker
//	  (bench/baselines/broker) in its own process.
//
// Every program is built once and run as its own process; the time is the
// process's wall time (start-up included, the same for all), the memory is
// its peak RSS from the kernel. A run that fails, or a PostgreSQL table that
// does not hold exactly the rows afterwards, stops the comparison.
//
//	go run ./bench/compare [--runs 3] [--groups template,postgres,kafka]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventum-go/eventum/bench/baselines/rows"
)

type options struct {
	runs      int
	nTemplate int
	nSinks    int
	dsn       string
	python    string
	groups    map[string]bool
	dir       string // build and scratch directory
	root      string // repository root
	keep      bool
}

// program is one contender: how to run it once.
type program struct {
	name string
	// run starts the program for one run and returns the command to time;
	// after, when set, checks the run's result and cleans up.
	setup func() (cmd *exec.Cmd, after func() error, err error)
}

type measure struct {
	elapsed time.Duration
	cpu     time.Duration // user + system time of the process
	rssKiB  int64
}

type group struct {
	name  string
	n     int
	ref   string // name of the program the ratios are taken against
	progs []program
}

func main() {
	var o options
	var groups string
	flag.IntVar(&o.runs, "runs", 3, "runs of each program (the median is reported)")
	flag.IntVar(&o.nTemplate, "n-template", 300_000, "events of the template → file group")
	flag.IntVar(&o.nSinks, "n-sinks", 500_000, "rows of the postgres and kafka groups")
	flag.StringVar(&o.dsn, "dsn", "postgres://postgres@127.0.0.1:5432/postgres", "PostgreSQL for the postgres group")
	flag.StringVar(&o.python, "python", "python3", "Python with Jinja2 for the template group")
	flag.StringVar(&groups, "groups", "template,postgres,kafka", "groups to run")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch directory")
	flag.Parse()
	o.groups = map[string]bool{}
	for _, g := range strings.Split(groups, ",") {
		o.groups[strings.TrimSpace(g)] = true
	}
	if err := run(&o); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(o *options) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	o.root = root
	o.dir, err = os.MkdirTemp("", "eventum-compare-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(o.dir)
	}
	fmt.Printf("building into %s\n", o.dir)
	for _, b := range []struct{ out, pkg string }{
		{"eventum", "."},
		{"goceiling", "./bench/baselines/goceiling"},
		{"pgxcopy", "./bench/baselines/pgxcopy"},
		{"kafkago", "./bench/baselines/kafkago"},
		{"broker", "./bench/baselines/broker"},
	} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(o.dir, b.out), b.pkg)
		cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", b.pkg, err)
		}
	}
	var gs []group
	if o.groups["template"] {
		gs = append(gs, templateGroup(o))
	}
	if o.groups["postgres"] || o.groups["kafka"] {
		if err := writeRows(filepath.Join(o.dir, "rows.jsonl"), o.nSinks); err != nil {
			return err
		}
	}
	if o.groups["postgres"] {
		g, cleanup, err := postgresGroup(o)
		if err != nil {
			return err
		}
		defer cleanup()
		gs = append(gs, g)
	}
	if o.groups["kafka"] {
		gs = append(gs, kafkaGroup(o))
	}
	fmt.Printf("GOMAXPROCS=%d on %d CPUs; %d runs each, interleaved; medians\n", runtime.GOMAXPROCS(0), runtime.NumCPU(), o.runs)
	for _, g := range gs {
		if err := runGroup(o, g); err != nil {
			return fmt.Errorf("%s: %w", g.name, err)
		}
	}
	return nil
}

func runGroup(o *options, g group) error {
	results := make([][]measure, len(g.progs))
	for r := 0; r < o.runs; r++ {
		for i, p := range g.progs {
			m, err := runOnce(p)
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", p.name, r+1, err)
			}
			results[i] = append(results[i], m)
			fmt.Fprintf(os.Stderr, "  %s run %d: %s, %.0f events/s, CPU %s, peak RSS %.1f MiB\n",
				p.name, r+1, m.elapsed.Round(time.Millisecond), float64(g.n)/m.elapsed.Seconds(), m.cpu.Round(time.Millisecond), float64(m.rssKiB)/1024)
		}
	}
	fmt.Printf("\n%s (%d events)\n", g.name, g.n)
	fmt.Printf("  %-34s %14s %10s %14s %10s %10s\n", "program", "events/s", "CPU s", "peak RSS MiB", "ratio", "CPU ratio")
	var refRate, refCPU float64
	rates := make([]float64, len(g.progs))
	cpus := make([]float64, len(g.progs))
	rss := make([]float64, len(g.progs))
	for i, p := range g.progs {
		rates[i] = float64(g.n) / median(results[i], func(m measure) float64 { return m.elapsed.Seconds() })
		cpus[i] = median(results[i], func(m measure) float64 { return m.cpu.Seconds() })
		rss[i] = median(results[i], func(m measure) float64 { return float64(m.rssKiB) }) / 1024
		if p.name == g.ref {
			refRate, refCPU = rates[i], cpus[i]
		}
	}
	for i, p := range g.progs {
		ratio, cpuRatio := "-", "-"
		if refRate > 0 {
			ratio = fmt.Sprintf("%.2f×", rates[i]/refRate)
		}
		if refCPU > 0 && cpus[i] > 0 {
			cpuRatio = fmt.Sprintf("%.2f×", refCPU/cpus[i])
		}
		fmt.Printf("  %-34s %14.0f %10.2f %14.1f %10s %10s\n", p.name, rates[i], cpus[i], rss[i], ratio, cpuRatio)
	}
	fmt.Printf("  (ratio: events/s against %s; CPU ratio: its CPU seconds over each program's)\n", g.ref)
	return nil
}

func median(ms []measure, f func(measure) float64) float64 {
	v := make([]float64, len(ms))
	for i, m := range ms {
		v[i] = f(m)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func runOnce(p program) (measure, error) {
	cmd, after, err := p.setup()
	if err != nil {
		return measure{}, err
	}
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		if after != nil {
			_ = after()
		}
		return measure{}, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, tail(stderr.String()))
	}
	if after != nil {
		if err := after(); err != nil {
			return measure{}, err
		}
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	m := measure{elapsed: elapsed}
	if ru != nil {
		m.rssKiB = ru.Maxrss
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return m, nil
}

func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}

// eventum returns a command running a generator config in sample mode.
func (o *options) eventum(config string, env ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(o.dir, "eventum"), "generate", "--path", config, "--no-live-mode", "--seed", "1", "--log-level", "warn")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

func (o *options) writeConfig(name, body string) (string, error) {
	path := filepath.Join(o.dir, name)
	return path, os.WriteFile(path, []byte(body), 0o644)
}

func templateGroup(o *options) group {
	tmpl := filepath.Join(o.root, "examples/template-access-log/templates/access_log.jinja")
	out := filepath.Join(o.dir, "template.log")
	cfg := fmt.Sprintf(`input:
  - linspace: {start: "2026-01-01T00:00:00Z", end: "+1d", count: %d}
event:
  template:
    mode: all
    templates:
      - access_log: {template: %q}
output:
  - file: {path: %q, write_mode: overwrite}
`, o.nTemplate, tmpl, out)
	eventum := func(env ...string) func() (*exec.Cmd, func() error, error) {
		return func() (*exec.Cmd, func() error, error) {
			path, err := o.writeConfig("template.yml", cfg)
			if err != nil {
				return nil, nil, err
			}
			return o.eventum(path, env...), func() error { return checkLines(out, o.nTemplate) }, nil
		}
	}
	return group{
		name: "template → file (access-log template)", n: o.nTemplate, ref: "python jinja2 (original's core)",
		progs: []program{
			{name: "eventum", setup: eventum()},
			{name: "eventum GOMAXPROCS=1", setup: eventum("GOMAXPROCS=1")},
			{name: "python jinja2 (original's core)", setup: func() (*exec.Cmd, func() error, error) {
				cmd := exec.Command(o.python, filepath.Join(o.root, "bench/baselines/jinja_access_log.py"), tmpl, fmt.Sprint(o.nTemplate), out)
				return cmd, func() error { return checkLines(out, o.nTemplate) }, nil
			}},
			{name: "go ceiling (hand-written)", setup: func() (*exec.Cmd, func() error, error) {
				cmd := exec.Command(filepath.Join(o.dir, "goceiling"), fmt.Sprint(o.nTemplate), out)
				return cmd, func() error { return checkLines(out, o.nTemplate) }, nil
			}},
		},
	}
}

// checkLines fails unless the file at path has n lines.
func checkLines(path string, n int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	lines := 0
	br := bufio.NewReaderSize(f, 1<<20)
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			lines++
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if lines != n {
		return fmt.Errorf("%s: %d lines, want %d", path, lines, n)
	}
	return os.Remove(path)
}

func writeRows(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var b []byte
	for i := 0; i < n; i++ {
		b = rows.AppendJSON(b[:0], i)
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replayInput is the input and event sections that replay the rows file,
// one row per timestamp.
func (o *options) replayInput() string {
	return fmt.Sprintf(`input:
  - linspace: {start: "2026-01-01T00:00:00Z", end: "+1d", count: %d}
event:
  replay: {path: %q}
`, o.nSinks, filepath.Join(o.dir, "rows.jsonl"))
}

func postgresGroup(o *options) (group, func(), error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, o.dsn)
	if err != nil {
		return group{}, nil, fmt.Errorf("postgres: %w", err)
	}
	const schema, table = "eventum_compare", "eventum_compare.rows"
	for _, q := range []string{
		`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`,
		`CREATE SCHEMA ` + schema,
		`CREATE TABLE ` + table + ` ` + rows.Table,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			conn.Close(ctx)
			return group{}, nil, fmt.Errorf("postgres: %s: %w", q, err)
		}
	}
	cleanup := func() {
		_, _ = conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
		conn.Close(ctx)
	}
	truncate := func() error {
		_, err := conn.Exec(ctx, `TRUNCATE `+table)
		return err
	}
	check := func() error {
		var n, distinct int
		if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT id) FROM `+table).Scan(&n, &distinct); err != nil {
			return err
		}
		if n != o.nSinks || distinct != o.nSinks {
			return fmt.Errorf("postgres: %d rows (%d distinct ids), want %d", n, distinct, o.nSinks)
		}
		return nil
	}
	cfg := o.replayInput() + fmt.Sprintf(`output:
  - postgres: {dsn: %q, table: %s}
`, o.dsn, table)
	return group{
		name: "→ PostgreSQL COPY", n: o.nSinks, ref: "raw pgx CopyFrom",
		progs: []program{
			{name: "eventum (replay → postgres)", setup: func() (*exec.Cmd, func() error, error) {
				if err := truncate(); err != nil {
					return nil, nil, err
				}
				path, err := o.writeConfig("postgres.yml", cfg)
				if err != nil {
					return nil, nil, err
				}
				return o.eventum(path), check, nil
			}},
			{name: "raw pgx CopyFrom", setup: func() (*exec.Cmd, func() error, error) {
				if err := truncate(); err != nil {
					return nil, nil, err
				}
				cmd := exec.Command(filepath.Join(o.dir, "pgxcopy"), "--dsn", o.dsn, "--table", table, "--n", fmt.Sprint(o.nSinks))
				return cmd, check, nil
			}},
		},
	}, cleanup, nil
}

// startBroker starts a fresh broker process and returns its address and a
// function that stops it.
func (o *options) startBroker() (string, func() error, error) {
	cmd := exec.Command(filepath.Join(o.dir, "broker"), "--topic", "events")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() error {
		stdin.Close()
		return cmd.Wait()
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
	if err != nil || !ok {
		_ = stop()
		return "", nil, fmt.Errorf("broker: no address (%q, %v)", line, err)
	}
	return addr, stop, nil
}

func kafkaGroup(o *options) group {
	withBroker := func(cmdFor func(addr string) (*exec.Cmd, error)) func() (*exec.Cmd, func() error, error) {
		return func() (*exec.Cmd, func() error, error) {
			addr, stop, err := o.startBroker()
			if err != nil {
				return nil, nil, err
			}
			cmd, err := cmdFor(addr)
			if err != nil {
				_ = stop()
				return nil, nil, err
			}
			return cmd, stop, nil
		}
	}
	return group{
		name: "→ Kafka", n: o.nSinks, ref: "raw kafka-go Writer",
		progs: []program{
			{name: "eventum (replay → kafka)", setup: withBroker(func(addr string) (*exec.Cmd, error) {
				path, err := o.writeConfig("kafka.yml", o.replayInput()+fmt.Sprintf(`output:
  - kafka: {bootstrap_servers: [%q], topic: events}
`, addr))
				if err != nil {
					return nil, err
				}
				return o.eventum(path), nil
			})},
			{name: "raw kafka-go Writer", setup: withBroker(func(addr string) (*exec.Cmd, error) {
				return exec.Command(filepath.Join(o.dir, "kafkago"), "--broker", addr, "--topic", "events", "--n", fmt.Sprint(o.nSinks)), nil
			})},
		},
	}
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
