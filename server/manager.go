package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/starlib"
)

// State is where a generator is in its life.
type State string

// The states of a generator. A generator that ended by itself (finite input,
// sample mode) is finished; one stopped by request is stopped.
const (
	StateStopped  State = "stopped"
	StateStarting State = "starting"
	StateRunning  State = "running"
	StateStopping State = "stopping"
	StateFinished State = "finished"
	StateFailed   State = "failed"
)

var (
	// ErrNotFound: no generator with that id.
	ErrNotFound = errors.New("generator not found")
	// ErrExists: a generator with that id already exists.
	ErrExists = errors.New("generator already exists")
	// ErrActive: the operation needs the generator stopped.
	ErrActive = errors.New("generator must be stopped first")
)

// StartError is a generator that could not be built (bad config, unknown
// plugin, missing secret, a path outside the directories of a confined
// run); Err lists the problems.
type StartError struct {
	ID  string
	Err error
	// Outside lists the paths a confined run was refused (the API answers 403).
	Outside []*plugin.OutsideError
}

func (e *StartError) Error() string { return fmt.Sprintf("generator %s: %v", e.ID, e.Err) }
func (e *StartError) Unwrap() error { return e.Err }

// Manager runs generators: each has its own pipeline and goroutines, and
// all share one globals store.
type Manager struct {
	settings *Settings
	globals  *starlib.Globals
	secret   func(string) (string, bool, error)
	log      *slog.Logger
	// stopGrace is how long a graceful stop may take before the run is
	// aborted (events in flight dropped) so that a stuck output cannot hang
	// stop, remove, reload or shutdown.
	stopGrace time.Duration
	// Stdout is where stdout outputs write (nil: the process's); `eventum
	// mcp` sends them to stderr, its stdout being the protocol's.
	Stdout io.Writer

	mu    sync.RWMutex
	gens  map[string]*instance
	order []string // ids in insertion order
}

// Caller is who asks for a generator to run: the operator (the startup
// file when the application starts, SIGHUP) or the API. A run the API asks
// for is confined (see confinement), as is one whose entry says so.
type Caller int

// The callers of Start, Restart, BulkStart and Sync.
const (
	ByOperator Caller = iota
	ByAPI
)

type instance struct {
	op sync.Mutex // serialises start/stop/restart of this generator

	mu        sync.Mutex // guards the fields below
	entry     Entry
	state     State
	startedAt time.Time
	endedAt   time.Time
	lastErr   string
	confined  bool                // the current (or last) run is confined
	gen       *pipeline.Generator // the current run, nil when none
	cancel    context.CancelFunc
	abort     chan struct{}
	done      chan struct{}
	last      *pipeline.Snapshot // counters of the last finished run
	totals    totals             // counters of all finished runs (metrics)
	removed   bool               // Remove took it out: it must not run again
}

// totals accumulate counters over the runs of one generator, so the
// Prometheus counters never go down when a generator is restarted.
type totals struct {
	timestamps, skippedPast, produced, produceFailed, dropped, unproduced int64
	outputs                                                               map[string]*pipeline.OutputSnapshot
}

func (t *totals) add(s pipeline.Snapshot) {
	t.timestamps += s.Timestamps
	t.skippedPast += s.SkippedPast
	t.produced += s.Produced
	t.produceFailed += s.ProduceFailed
	t.dropped += s.Dropped
	t.unproduced += s.Unproduced
	if t.outputs == nil {
		t.outputs = map[string]*pipeline.OutputSnapshot{}
	}
	for _, o := range s.Outputs {
		acc := t.outputs[o.Name]
		if acc == nil {
			acc = &pipeline.OutputSnapshot{Name: o.Name}
			t.outputs[o.Name] = acc
		}
		acc.Written += o.Written
		acc.WriteFailed += o.WriteFailed
		acc.FormatFailed += o.FormatFailed
		acc.Dropped += o.Dropped
		acc.Undelivered += o.Undelivered
		acc.Retries += o.Retries
	}
}

// NewManager returns a manager with no generators. secret resolves
// ${secrets.x} (after environment variables); it may be nil.
func NewManager(s *Settings, globals *starlib.Globals, secret func(string) (string, bool, error), log *slog.Logger) *Manager {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if globals == nil {
		globals = starlib.NewGlobals()
	}
	return &Manager{settings: s, globals: globals, secret: secret, log: log, stopGrace: DefaultStopGrace, gens: map[string]*instance{}}
}

// DefaultStopGrace is the backstop beyond a generator's stop_timeout: the
// run ends itself once stop_timeout is spent, counting what it gave up;
// only an output that ignores cancellation outlasts that, and is aborted.
const DefaultStopGrace = 10 * time.Second

// Globals is the store shared by the generators.
func (m *Manager) Globals() *starlib.Globals { return m.globals }

// ConfigPath is the generator config file of e: its path resolved against
// the generators directory, plus the config file name when it is a directory.
func (m *Manager) ConfigPath(e Entry) string {
	p := e.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(m.settings.Path.GeneratorsDir, p)
	}
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		p = filepath.Join(p, m.settings.Path.GeneratorConfigFilename)
	}
	return p
}

func (m *Manager) get(id string) (*instance, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	inst, ok := m.gens[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return inst, nil
}

// IDs lists the generators in the order they were added.
func (m *Manager) IDs() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]string(nil), m.order...)
}

// Add registers a generator without starting it.
func (m *Manager) Add(e Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.gens[e.ID]; ok {
		return fmt.Errorf("%w: %q", ErrExists, e.ID)
	}
	m.gens[e.ID] = &instance{entry: e, state: StateStopped}
	m.order = append(m.order, e.ID)
	return nil
}

// Update replaces the entry of a stopped generator.
func (m *Manager) Update(e Entry) error {
	inst, err := m.get(e.ID)
	if err != nil {
		return err
	}
	inst.op.Lock()
	defer inst.op.Unlock()
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.gen != nil {
		return fmt.Errorf("%w: %q is %s", ErrActive, e.ID, inst.state)
	}
	inst.entry = e
	return nil
}

// Remove stops the generator (gracefully) and forgets it.
func (m *Manager) Remove(id string) error {
	inst, err := m.get(id)
	if err != nil {
		return err
	}
	inst.op.Lock()
	defer inst.op.Unlock()
	inst.stop(m.stopGrace, m.log)
	inst.mu.Lock()
	inst.removed = true // a Start that already holds inst must not run it
	inst.mu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gens[id] == inst {
		delete(m.gens, id)
		for i, x := range m.order {
			if x == id {
				m.order = append(m.order[:i], m.order[i+1:]...)
				break
			}
		}
	}
	return nil
}

// Start builds the generator and runs it in the background. Starting a
// running generator does nothing. A config problem is a *StartError.
func (m *Manager) Start(id string, by Caller) error {
	inst, err := m.get(id)
	if err != nil {
		return err
	}
	inst.op.Lock()
	defer inst.op.Unlock()
	return m.start(inst, by)
}

func (m *Manager) start(inst *instance, by Caller) error {
	inst.mu.Lock()
	if inst.removed {
		id := inst.entry.ID
		inst.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if inst.gen != nil {
		inst.mu.Unlock()
		return nil
	}
	inst.state = StateStarting
	inst.lastErr = ""
	e := inst.entry
	confined := by == ByAPI || e.Confined
	inst.confined = confined
	inst.mu.Unlock()

	gen, conf, err := m.build(e, confined)
	if err != nil {
		inst.mu.Lock()
		inst.state, inst.lastErr, inst.endedAt = StateFailed, err.Error(), time.Now()
		inst.mu.Unlock()
		m.log.Error("generator failed to start", "generator", e.ID, "confined", confined, "error", err)
		se := &StartError{ID: e.ID, Err: err}
		if conf != nil {
			se.Outside = conf.Refused()
		}
		return se
	}
	ctx, cancel := context.WithCancel(context.Background())
	abort, done := make(chan struct{}), make(chan struct{})
	inst.mu.Lock()
	inst.gen, inst.cancel, inst.abort, inst.done = gen, cancel, abort, done
	inst.state, inst.startedAt, inst.endedAt = StateRunning, time.Now(), time.Time{}
	inst.mu.Unlock()
	m.log.Info("generator started", "generator", e.ID, "live_mode", e.LiveMode, "confined", confined)

	go func() {
		defer close(done)
		defer cancel()
		runErr := gen.Run(ctx, abort)
		snap := gen.Stats()
		inst.mu.Lock()
		defer inst.mu.Unlock()
		inst.totals.add(snap)
		inst.last = &snap
		inst.gen, inst.cancel = nil, nil
		inst.endedAt = time.Now()
		stopped := ctx.Err() != nil
		switch {
		case runErr != nil:
			inst.state, inst.lastErr = StateFailed, runErr.Error()
			m.log.Error("generator ended with an error", "generator", e.ID, "error", runErr)
		case stopped:
			inst.state = StateStopped
			m.log.Info("generator stopped", "generator", e.ID, "produced", snap.Produced)
		default:
			inst.state = StateFinished
			m.log.Info("generator finished", "generator", e.ID, "produced", snap.Produced)
		}
	}()
	return nil
}

// confinement is the Confinement of one confined run: files read inside
// path.generators_dir, files written inside path.output_dir.
func (m *Manager) confinement() *plugin.Confinement {
	return &plugin.Confinement{Dir: m.settings.Path.GeneratorsDir, OutputDir: m.settings.Path.Output()}
}

// build loads and builds the generator of e. A confined build reads the
// config file, and lets its plugins open files, only through the returned
// Confinement (nil when not confined).
func (m *Manager) build(e Entry, confined bool) (*pipeline.Generator, *plugin.Confinement, error) {
	s, err := e.Generation.pipelineSettings()
	if err != nil {
		return nil, nil, err
	}
	s.Live, s.SkipPast = e.LiveMode, e.SkipPast
	path := m.ConfigPath(e)
	vars := config.Vars{Params: e.Params, Secret: m.secret, Env: m.settings.Generation.EnvPolicy()}
	var conf *plugin.Confinement
	var gc *config.Generator
	if confined {
		conf = m.confinement()
		data, err := conf.ReadFile("path", path)
		if err != nil {
			return nil, conf, fmt.Errorf("read config: %w", err)
		}
		return m.buildFrom(e, s, path, data, conf)
	}
	gc, err = config.LoadGenerator(path, vars)
	if err != nil {
		return nil, conf, err
	}
	return m.buildConfig(e, s, gc, conf)
}

// buildFrom builds, confined by conf, the generator of e from data, the
// text of its config file path (which need not hold it: validation of
// unsaved text).
func (m *Manager) buildFrom(e Entry, s pipeline.Settings, path string, data []byte, conf *plugin.Confinement) (*pipeline.Generator, *plugin.Confinement, error) {
	doc, err := config.Parse(path, data, config.Vars{Params: e.Params, Secret: m.secret, Env: m.settings.Generation.EnvPolicy()})
	if err != nil {
		return nil, conf, err
	}
	gc, err := doc.Generator()
	if err != nil {
		return nil, conf, err
	}
	return m.buildConfig(e, s, gc, conf)
}

func (m *Manager) buildConfig(e Entry, s pipeline.Settings, gc *config.Generator, conf *plugin.Confinement) (*pipeline.Generator, *plugin.Confinement, error) {
	gen, err := pipeline.Build(gc, pipeline.Options{
		ID: e.ID, Settings: s, Params: e.Params, Logger: m.log, Stdout: m.Stdout,
		Configure: func(env *plugin.Env) {
			env.Globals = m.globals
			env.Confine = conf
			env.NoSubprocess = !e.AllowSubprocess
		},
	})
	return gen, conf, err
}

// Stop stops the generator gracefully: inputs stop, events already accepted
// are written, outputs flushed and closed. It returns when that is done.
func (m *Manager) Stop(id string) error {
	inst, err := m.get(id)
	if err != nil {
		return err
	}
	inst.op.Lock()
	defer inst.op.Unlock()
	inst.stop(m.stopGrace, m.log)
	return nil
}

func (inst *instance) stop(backstop time.Duration, log *slog.Logger) {
	inst.mu.Lock()
	cancel, done, abort, id := inst.cancel, inst.done, inst.abort, inst.entry.ID
	grace := inst.entry.StopTimeout.D() + backstop
	if inst.gen != nil {
		inst.state = StateStopping
	}
	inst.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		log.Warn("generator did not stop in time: aborting it (events in flight are dropped)", "generator", id, "grace", grace)
		close(abort)
		<-done
	}
}

// Restart stops the generator if it runs and starts it again.
func (m *Manager) Restart(id string, by Caller) error {
	inst, err := m.get(id)
	if err != nil {
		return err
	}
	inst.op.Lock()
	defer inst.op.Unlock()
	inst.stop(m.stopGrace, m.log)
	return m.start(inst, by)
}

// BulkStart starts the listed generators concurrently; it returns the ids
// running afterwards and the others (unknown ids included).
func (m *Manager) BulkStart(ids []string, by Caller) (running, notRunning []string) {
	errs := m.each(ids, func(id string) error { return m.Start(id, by) })
	for i, id := range ids {
		if errs[i] == nil && m.isRunning(id) {
			running = append(running, id)
		} else {
			notRunning = append(notRunning, id)
		}
	}
	return running, notRunning
}

// BulkStop stops the listed generators concurrently; unknown ids are ignored.
func (m *Manager) BulkStop(ids []string) { m.each(ids, m.Stop) }

// BulkRemove removes the listed generators; unknown ids are ignored.
func (m *Manager) BulkRemove(ids []string) { m.each(ids, m.Remove) }

// StopAll stops every generator concurrently and waits for all of them.
func (m *Manager) StopAll() { m.BulkStop(m.IDs()) }

func (m *Manager) each(ids []string, f func(string) error) []error {
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(id)
		}()
	}
	wg.Wait()
	return errs
}

func (m *Manager) isRunning(id string) bool {
	inst, err := m.get(id)
	if err != nil {
		return false
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return inst.state == StateRunning
}

// Status describes a generator's state. The boolean fields are the
// original's; State says the same in one word.
type Status struct {
	State                 State `json:"state"`
	IsInitializing        bool  `json:"is_initializing"`
	IsRunning             bool  `json:"is_running"`
	IsEndedUp             bool  `json:"is_ended_up"`
	IsEndedUpSuccessfully bool  `json:"is_ended_up_successfully"`
	IsStopping            bool  `json:"is_stopping"`
	// Confined: the current (or last) run is confined (see docs/server.md).
	Confined  bool       `json:"confined"`
	StartedAt *time.Time `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	Error     string     `json:"error,omitempty"`
}

// Info is a generator as listed by the API.
type Info struct {
	ID     string             `json:"id"`
	Path   string             `json:"path"`
	Status Status             `json:"status"`
	Start  *time.Time         `json:"start_time"`
	Stats  *pipeline.Snapshot `json:"stats"`
	Entry  Entry              `json:"-"`
}

// Info returns the status and counters of one generator: those of the
// current run, or of the last one when it is not running.
func (m *Manager) Info(id string) (Info, error) {
	inst, err := m.get(id)
	if err != nil {
		return Info{}, err
	}
	return inst.info(), nil
}

// List returns every generator's Info, in insertion order.
func (m *Manager) List() []Info {
	ids := m.IDs()
	out := make([]Info, 0, len(ids))
	for _, id := range ids {
		if info, err := m.Info(id); err == nil {
			out = append(out, info)
		}
	}
	return out
}

func (inst *instance) info() Info {
	inst.mu.Lock()
	st := inst.status()
	e, gen, last := inst.entry, inst.gen, inst.last
	inst.mu.Unlock()
	info := Info{ID: e.ID, Path: e.Path, Status: st, Start: st.StartedAt, Entry: e}
	if gen != nil {
		snap := gen.Stats()
		info.Stats = &snap
	} else if last != nil {
		snap := *last
		info.Stats = &snap
	}
	return info
}

// status needs inst.mu.
func (inst *instance) status() Status {
	s := Status{State: inst.state, Error: config.Redact(inst.lastErr), Confined: inst.confined}
	s.IsInitializing = inst.state == StateStarting
	s.IsRunning = inst.state == StateRunning || inst.state == StateStopping
	s.IsStopping = inst.state == StateStopping
	s.IsEndedUp = inst.state == StateFinished || inst.state == StateFailed || inst.state == StateStopped && !inst.endedAt.IsZero()
	s.IsEndedUpSuccessfully = s.IsEndedUp && inst.state != StateFailed
	if !inst.startedAt.IsZero() {
		t := inst.startedAt
		s.StartedAt = &t
	}
	if !inst.endedAt.IsZero() {
		t := inst.endedAt
		s.EndedAt = &t
	}
	return s
}

// metricsSample is one generator's cumulative counters for /metrics.
type metricsSample struct {
	id      string
	state   State
	totals  totals
	lag     pipeline.LagSnapshot
	outputs []string // sorted output names
}

func (m *Manager) metrics() []metricsSample {
	ids := m.IDs()
	sort.Strings(ids)
	out := make([]metricsSample, 0, len(ids))
	for _, id := range ids {
		inst, err := m.get(id)
		if err != nil {
			continue
		}
		inst.mu.Lock()
		s := metricsSample{id: id, state: inst.state}
		s.totals = inst.totals
		s.totals.outputs = make(map[string]*pipeline.OutputSnapshot, len(inst.totals.outputs))
		for k, v := range inst.totals.outputs {
			c := *v
			s.totals.outputs[k] = &c
		}
		if inst.gen != nil { // the current run is not in totals yet
			snap := inst.gen.Stats()
			s.lag = snap.Lag
			s.totals.add(snap)
		} else if inst.last != nil {
			s.lag = inst.last.Lag
		}
		inst.mu.Unlock()
		for name := range s.totals.outputs {
			s.outputs = append(s.outputs, name)
		}
		sort.Strings(s.outputs)
		out = append(out, s)
	}
	return out
}

// Sync makes the manager match the startup entries (SIGHUP, instance
// restart): generators no longer listed are stopped and removed; new ones
// are added and started when autostart is set; changed ones are updated
// and, when they were running, restarted. It returns the start errors.
func (m *Manager) Sync(entries []Entry, by Caller) []error {
	want := map[string]Entry{}
	for _, e := range entries {
		want[e.ID] = e
	}
	var gone []string
	for _, id := range m.IDs() {
		if _, ok := want[id]; !ok {
			gone = append(gone, id)
		}
	}
	m.BulkRemove(gone)

	// New generators are added in file order (the API lists them so), then
	// everything is started or updated concurrently.
	isNew := make([]bool, len(entries))
	for i, e := range entries {
		isNew[i] = m.Add(e) == nil
	}
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for i, e := range entries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch {
			case isNew[i] && e.Autostart:
				err = m.Start(e.ID, by)
			case !isNew[i]:
				err = m.syncEntry(e, by)
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

// syncEntry replaces a generator's entry from the startup file; a running one
// is restarted with it (Update, for the API, refuses a running generator).
func (m *Manager) syncEntry(e Entry, by Caller) error {
	inst, err := m.get(e.ID)
	if err != nil {
		return err
	}
	inst.op.Lock()
	defer inst.op.Unlock()
	inst.mu.Lock()
	same := equalEntries(inst.entry, e)
	running := inst.gen != nil
	inst.mu.Unlock()
	if same {
		return nil
	}
	inst.stop(m.stopGrace, m.log)
	inst.mu.Lock()
	inst.entry = e
	inst.mu.Unlock()
	if running {
		return m.start(inst, by)
	}
	return nil
}

func equalEntries(a, b Entry) bool { return reflect.DeepEqual(a, b) }
