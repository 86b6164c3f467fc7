package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/secrets"
)

// generatorFlags are shared by generate and validate.
func generatorFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "path", Usage: "generator config file (YAML, or TOML by extension)", Required: true, TakesFile: true},
		&cli.StringFlag{Name: "id", Usage: "generator id (logs, metrics); default: the config's folder name"},
		&cli.StringFlag{Name: "params", Usage: `generator parameters as a JSON object, e.g. '{"host": "db"}'`},
		&cli.StringSliceFlag{Name: "param", Usage: "one parameter NAME=VALUE (repeatable; VALUE is read as YAML)"},
		&cli.StringFlag{Name: "timezone", Value: "UTC", Usage: "time zone of timestamps (IANA name, e.g. Europe/Berlin)"},
		&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
		cryptfileFlag(),
	}
}

// cryptfileFlag names the keyring that ${secrets.x} reads.
func cryptfileFlag() cli.Flag {
	return &cli.StringFlag{Name: "cryptfile", TakesFile: true,
		Usage: "keyring for ${secrets.x} (opened on first use with EVENTUM_KEYRING_PASSWORD; EVENTUM_SECRET_<NAME> variables override it)"}
}

// varsFromFlags is what ${...} in a generator file reads: --params/--param,
// secrets from the environment or the --cryptfile keyring, and any
// environment variable as ${env.NAME} (but the keyring password and
// EVENTUM_SECRET_*).
func varsFromFlags(c *cli.Context) (config.Vars, error) {
	params, err := paramsFromFlags(c)
	if err != nil {
		return config.Vars{}, err
	}
	vars := config.Vars{Params: params, Env: config.EnvAll()}
	if path := c.String("cryptfile"); path != "" {
		var kr *secrets.Keyring
		var openErr error
		vars.Secret = func(name string) (string, bool, error) {
			if kr == nil && openErr == nil { // open only when a secret is used
				kr, openErr = secrets.OpenEnv(path)
			}
			if openErr != nil {
				return "", false, fmt.Errorf("keyring %s: %w", path, openErr)
			}
			return kr.Get(name)
		}
	}
	return vars, nil
}

func generateCommand() *cli.Command {
	d := pipeline.DefaultSettings()
	flags := append(generatorFlags(),
		&cli.BoolFlag{Name: "live-mode", Usage: "pace events to the wall clock (default)"},
		&cli.BoolFlag{Name: "no-live-mode", Usage: "sample mode: produce all events as fast as possible"},
		&cli.BoolFlag{Name: "skip-past", Usage: "live mode: drop timestamps before the start (default)"},
		&cli.BoolFlag{Name: "no-skip-past", Usage: "live mode: release past timestamps at once instead of dropping them"},
		&cli.Uint64Flag{Name: "seed", Usage: "seed the random source: a sample-mode run is then reproducible byte for byte"},
		&cli.IntFlag{Name: "batch.size", Value: d.BatchSize, Usage: "max timestamps per batch"},
		&cli.Float64Flag{Name: "batch.delay", Value: d.BatchDelay.Seconds(), Usage: "max seconds a partial batch waits"},
		&cli.IntFlag{Name: "queue.max-timestamp-batches", Value: d.MaxTimestampBatches, Usage: "depth of the input → event queue"},
		&cli.IntFlag{Name: "queue.max-event-batches", Value: d.MaxEventBatches, Usage: "depth of the event → output queue"},
		&cli.IntFlag{Name: "max-concurrency", Value: d.MaxConcurrency, Usage: "max concurrent output writes"},
		&cli.Float64Flag{Name: "write-timeout", Value: d.WriteTimeout.Seconds(), Usage: "seconds one output write attempt may take before it is cancelled and retried"},
		&cli.Float64Flag{Name: "stop-timeout", Value: d.StopTimeout.Seconds(), Usage: "seconds a graceful stop (Ctrl-C, SIGTERM) may spend delivering accepted events"},
		&cli.BoolFlag{Name: "keep-order", Usage: "every output finishes a batch before the next starts"},
		&cli.Int64Flag{Name: "max-events", Usage: "stop gracefully after this many events are produced (the first N in order; per process when sharded)"},
		&cli.StringFlag{Name: "max-duration", Usage: "stop gracefully after this much wall-clock time (seconds, or a duration such as 90s or 5m)"},
		progressCLIFlag(),
		&cli.StringFlag{Name: "summary-format", Value: "text", Usage: "the final summary on stderr: text (one line) or json (one document)"},
		&cli.BoolFlag{Name: "allow-subprocess", Value: true, Usage: "let templates run shell commands with subprocess.run (--allow-subprocess=false refuses templates that use it)"},
	)
	flags = append(flags, shardFlags()...)
	return &cli.Command{
		Name:  "generate",
		Usage: "run one generator",
		Flags: flags,
		Action: func(c *cli.Context) error {
			return runGenerate(c)
		},
	}
}

// loadGenerator reads the flags common to generate and validate and builds the generator.
func loadGenerator(c *cli.Context, s pipeline.Settings) (*pipeline.Generator, error) {
	loc, err := time.LoadLocation(c.String("timezone"))
	if err != nil {
		return nil, flagError{fmt.Errorf("--timezone %q: %w", c.String("timezone"), err)}
	}
	s.Location = loc
	vars, err := varsFromFlags(c)
	if err != nil {
		return nil, flagError{err}
	}
	params := vars.Params
	log, err := newLogger(c.App.ErrWriter, c.String("log-level"))
	if err != nil {
		return nil, flagError{err}
	}
	path := c.String("path")
	gc, err := config.LoadGenerator(path, vars)
	if err != nil {
		return nil, err
	}
	id := c.String("id")
	if id == "" {
		id = filepath.Base(gc.Dir)
	}
	noSubprocess := c.IsSet("allow-subprocess") && !c.Bool("allow-subprocess") // generate only
	return pipeline.Build(gc, pipeline.Options{ID: id, Settings: s, Params: params, Logger: log,
		Stdout: c.App.Writer, Stderr: c.App.ErrWriter, Configure: func(env *plugin.Env) { env.NoSubprocess = noSubprocess }})
}

func paramsFromFlags(c *cli.Context) (map[string]any, error) {
	params := map[string]any{}
	if raw := c.String("params"); raw != "" {
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&params); err != nil {
			return nil, fmt.Errorf("--params: expected a JSON object: %w", err)
		}
		params = jsonNumbers(params).(map[string]any)
	}
	for _, kv := range c.StringSlice("param") {
		k, v, err := config.ParseParam(kv)
		if err != nil {
			return nil, err
		}
		params[k] = v
	}
	return params, nil
}

// jsonNumbers turns the json.Numbers of decoded --params into int64 (a JSON
// integer, as Python's json.loads gives int) or float64.
func jsonNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = jsonNumbers(x)
		}
	case []any:
		for i, x := range v {
			v[i] = jsonNumbers(x)
		}
	}
	return v
}

func settingsFromFlags(c *cli.Context) (pipeline.Settings, error) {
	s := pipeline.DefaultSettings()
	if c.Bool("live-mode") && c.Bool("no-live-mode") {
		return s, errors.New("--live-mode and --no-live-mode exclude each other")
	}
	if c.Bool("skip-past") && c.Bool("no-skip-past") {
		return s, errors.New("--skip-past and --no-skip-past exclude each other")
	}
	s.Live = !c.Bool("no-live-mode")
	s.SkipPast = !c.Bool("no-skip-past")
	if c.IsSet("seed") {
		seed := c.Uint64("seed")
		s.Seed = &seed
	}
	s.BatchSize = c.Int("batch.size")
	s.BatchDelay = seconds(c.Float64("batch.delay"))
	s.MaxTimestampBatches = c.Int("queue.max-timestamp-batches")
	s.MaxEventBatches = c.Int("queue.max-event-batches")
	s.MaxConcurrency = c.Int("max-concurrency")
	s.WriteTimeout = seconds(c.Float64("write-timeout"))
	s.StopTimeout = seconds(c.Float64("stop-timeout"))
	s.KeepOrder = c.Bool("keep-order")
	s.Workers = c.Int("workers")
	s.MaxEvents = c.Int64("max-events")
	var err error
	if v := c.String("max-duration"); v != "" {
		if s.MaxDuration, err = parseDuration(v); err != nil {
			return s, fmt.Errorf("--max-duration %q: %w", v, err)
		}
	}
	if s.Shard, s.Shards, err = shardFromFlags(c, shardEnv); err != nil {
		return s, err
	}
	s.Location = time.UTC
	return s, s.Validate()
}

// abortGrace is how long a second Ctrl-C waits for the generator to stop.
const abortGrace = 3 * time.Second

// parseDuration reads seconds ("90", "0.5") or a Go duration ("5m").
func parseDuration(v string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f <= 0 {
			return 0, errors.New("must be positive")
		}
		return seconds(f), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("expected seconds or a duration such as 90s or 5m")
	}
	if d <= 0 {
		return 0, errors.New("must be positive")
	}
	return d, nil
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

func runGenerate(c *cli.Context) error {
	s, err := settingsFromFlags(c)
	if err != nil {
		return cli.Exit(err, 2)
	}
	summaryFormat := c.String("summary-format")
	if summaryFormat != "text" && summaryFormat != "json" {
		return usageError(c, fmt.Errorf("--summary-format %q: use text or json", summaryFormat))
	}
	gen, err := loadGenerator(c, s)
	if err != nil {
		code := exitCode(err, 1)
		if errors.Is(err, pipeline.ErrShardUsage) {
			code = 2
		}
		return cli.Exit(err, code)
	}
	stderr := c.App.ErrWriter

	ctx, stop := context.WithCancel(c.Context)
	defer stop()
	abort := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		n := 0
		for range sigs {
			n++
			if n == 1 {
				fmt.Fprintln(stderr, "eventum: stopping: delivering accepted events (press Ctrl-C again to abort)")
				stop()
			} else {
				close(abort)
				return
			}
		}
	}()

	plan := planProgress(c, s.Live, stderr)
	done := make(chan struct{})
	start := time.Now()
	progressStopped := make(chan struct{})
	if plan.on {
		go func() {
			defer close(progressStopped)
			printProgress(stderr, gen, plan, start, done)
		}()
	} else {
		close(progressStopped)
	}
	result := make(chan error, 1)
	go func() { result <- gen.Run(ctx, abort) }()
	var runErr error
	abandoned := false
	select {
	case runErr = <-result:
	case <-abort:
		// Aborted: wait a little for the stages to stop, but not for an
		// output whose write ignores cancellation (a full pipe).
		select {
		case runErr = <-result:
		case <-time.After(abortGrace):
			runErr = fmt.Errorf("%w (an output did not stop within %s)", pipeline.ErrAborted, abortGrace)
			abandoned = true
		}
	}
	close(done)
	<-progressStopped // no progress line after (or inside) the summary
	elapsed := time.Since(start)
	interrupted := ctx.Err() != nil
	if summaryFormat == "json" {
		if plan.terminal {
			fmt.Fprint(stderr, "\r\033[K")
		}
		st := gen.Stats()
		if abandoned {
			st.SettleInFlight()
		}
		if err := printSummaryJSON(stderr, gen.ID(), st, elapsed, runWarnings(st, s.Live, s.SkipPast, interrupted)); err != nil {
			return cli.Exit(err, 1)
		}
		return runOutcome(runErr, st)
	}
	st := printSummary(stderr, gen, elapsed, plan.terminal, abandoned)
	for _, w := range runWarnings(st, s.Live, s.SkipPast, interrupted) {
		fmt.Fprintln(stderr, "eventum: warning:", w)
	}
	return runOutcome(runErr, st)
}

// ExitUndelivered is the exit code of a run that ended but did not deliver
// every event (write_failed, format_failed, dropped, undelivered at stop).
const ExitUndelivered = 3

// runOutcome maps the end of a run to the process's exit: 1 for failures of
// the run itself (an output that could not be opened, event plugin
// failures), 3 when events were lost, 0 when every event arrived.
func runOutcome(runErr error, st pipeline.Snapshot) error {
	lost := st.Lost()
	var re *pipeline.RunError
	switch {
	case runErr == nil && lost == 0:
		return nil
	case runErr == nil:
		return cli.Exit(fmt.Sprintf("eventum: %d events were not delivered (see the summary above)", lost), ExitUndelivered)
	case errors.As(runErr, &re):
		return cli.Exit(fmt.Sprintf("eventum: %v", runErr), 1)
	case errors.Is(runErr, pipeline.ErrAborted) || errors.Is(runErr, pipeline.ErrStopTimeout):
		return cli.Exit(fmt.Sprintf("eventum: %v: %d events were not delivered", runErr, lost), ExitUndelivered)
	}
	return cli.Exit(fmt.Sprintf("eventum: %v", runErr), 1)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func humanRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2fM", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.1fk", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}

// printSummary always prints one final line: events produced, written per
// output, elapsed time and rate.
func printSummary(w io.Writer, gen *pipeline.Generator, elapsed time.Duration, clearLine, abandoned bool) pipeline.Snapshot {
	st := gen.Stats()
	if abandoned {
		st.SettleInFlight()
	}
	if clearLine {
		fmt.Fprint(w, "\r\033[K")
	}
	var b strings.Builder
	rate := float64(st.Produced) / max(elapsed.Seconds(), 1e-9)
	fmt.Fprintf(&b, "eventum: %s: produced %d events in %s (%s ev/s)", gen.ID(), st.Produced, elapsed.Round(time.Millisecond), humanRate(rate))
	if st.ProduceFailed > 0 {
		fmt.Fprintf(&b, ", %d failed in the event plugin", st.ProduceFailed)
	}
	if st.Dropped > 0 {
		fmt.Fprintf(&b, ", %d timestamps dropped by dispatch.drop()", st.Dropped)
	}
	if st.SkippedPast > 0 {
		fmt.Fprintf(&b, ", %d past timestamps skipped", st.SkippedPast)
	}
	if st.Unproduced > 0 {
		fmt.Fprintf(&b, ", %d timestamps not produced (aborted)", st.Unproduced)
	}
	for _, o := range st.Outputs {
		fmt.Fprintf(&b, "; %s: written %d, write_failed %d, format_failed %d", o.Name, o.Written, o.WriteFailed, o.FormatFailed)
		if o.Dropped > 0 {
			fmt.Fprintf(&b, ", dropped %d (queue full)", o.Dropped)
		}
		if o.Undelivered > 0 {
			fmt.Fprintf(&b, " (%d of them undelivered at stop)", o.Undelivered)
		}
		if o.Retries > 0 {
			fmt.Fprintf(&b, ", %d retries", o.Retries)
		}
	}
	if st.Lag.Count > 0 {
		fmt.Fprintf(&b, "; lag p50 %s p99 %s max %s", st.Lag.P50.Round(time.Microsecond), st.Lag.P99.Round(time.Microsecond), st.Lag.Max.Round(time.Microsecond))
	}
	if lost := st.Lost(); lost > 0 {
		fmt.Fprintf(&b, "; NOT DELIVERED: %d events", lost)
	}
	fmt.Fprintln(w, config.Redact(b.String()))
	return st
}
