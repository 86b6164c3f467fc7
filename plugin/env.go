package plugin

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/eventum-go/eventum/starlib"
)

// Env is what a plugin constructor gets from the generator it belongs to.
type Env struct {
	// ID names the generator (logs, metrics).
	ID string
	// Dir is the directory of the generator file; relative paths resolve against it.
	Dir string
	// Location is the generator's time zone (--timezone, default UTC).
	Location *time.Location
	// Now is the generator's start time; "now" in configs means this moment.
	Now time.Time
	// Live is true in live mode (paced to the wall clock), false in sample mode.
	Live bool
	// SkipPast is true in live mode with skip_past: timestamps before Now are
	// dropped downstream, so inputs may begin at Now instead of producing
	// them (a cron started a year back then starts at once).
	SkipPast bool
	// Rand is the generator's one source of randomness, seeded by --seed.
	// It belongs to the event stage's goroutine; other stages must not use it.
	Rand *rand.Rand
	// Params are the generator's parameters (--params / --param / startup file).
	Params map[string]any
	// InputTags holds the tags of each input, indexed like the generator's inputs;
	// event plugins receive an index into it with every timestamp.
	InputTags [][]string
	// Stdout and Stderr are where the stdout output writes; nil means the
	// process's own (tests and embedders redirect them).
	Stdout, Stderr io.Writer
	// Logger is the generator's logger.
	Logger *slog.Logger
	// Globals is the state shared by all generators of the process
	// (`globals` in scripts and templates); nil means a private one.
	Globals *starlib.Globals
	// Confine, when set, keeps the files the plugins read and write inside
	// its directories (generators and previews run through the API). Plugins
	// open files through Open, ReadFile and OutputFile, which apply it.
	Confine *Confinement
	// ShardIndex and ShardCount describe a sharded run (--shard i/n):
	// scripts and templates see them as shard.index and shard.count, replay
	// takes lines i, i+n, ... An unsharded run has 0 and 1 (or 0 and 0).
	ShardIndex, ShardCount int
	// AbsoluteStart makes inputs refuse a start that depends on Now (now,
	// an offset, a time of day): live-mode shards started at different
	// moments must agree on the timestamp sequence.
	AbsoluteStart bool
	// Memo is shared by the copies of Env the event-stage workers get;
	// nil when the plugins are built once.
	Memo *Memo
	// NoSubprocess disables `subprocess` in templates
	// (generation.allow_subprocess: false, generate --allow-subprocess=false).
	NoSubprocess bool
}

// Path resolves p against the generator directory unless it is absolute.
// It does not apply Confine: plugins open files through Open, ReadFile and
// OutputFile.
func (e *Env) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(e.Dir, p)
}

// StdoutWriter returns Stdout, or os.Stdout when it is nil.
func (e *Env) StdoutWriter() io.Writer {
	if e.Stdout == nil {
		return os.Stdout
	}
	return e.Stdout
}

// StderrWriter returns Stderr, or os.Stderr when it is nil.
func (e *Env) StderrWriter() io.Writer {
	if e.Stderr == nil {
		return os.Stderr
	}
	return e.Stderr
}

// Log returns the logger, or a discarding one when none is set.
func (e *Env) Log() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// Memo holds values built once per generator and shared by the instances
// of its event plugin (one per event-stage worker): immutable data only,
// such as loaded samples. Safe for concurrent use.
type Memo struct {
	mu sync.Mutex
	m  map[string]any
}

// Get returns the value stored under key, building it with build the first
// time. A failed build is not stored. A nil Memo builds every time.
func (m *Memo) Get(key string, build func() (any, error)) (any, error) {
	if m == nil {
		return build()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.m[key]; ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return nil, err
	}
	if m.m == nil {
		m.m = map[string]any{}
	}
	m.m[key] = v
	return v, nil
}
