package pipeline

import (
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/formatters"
	"github.com/eventum-go/eventum/inputs"
	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts"
)

// Options are what a generator needs besides its config file.
type Options struct {
	ID       string
	Settings Settings
	Params   map[string]any
	Logger   *slog.Logger
	// Stdout and Stderr receive what the stdout output writes (nil: the process's).
	Stdout, Stderr io.Writer
	// Configure, when set, adjusts the plugin environment before plugins are
	// built (the application uses it to share state between generators).
	Configure func(*plugin.Env)
}

// Generator is one built generator, ready to Run once.
type Generator struct {
	id       string
	settings Settings
	env      *plugin.Env
	inputs   []inputs.Input
	// workers are the event stage's producers, one per worker goroutine;
	// workers[0] always exists once built.
	workers []*worker
	seed    uint64
	// nextIdx numbers the merged timestamps (the global timestamp index).
	nextIdx atomic.Uint64
	outs    []*outputSlot
	names   []string
	stats   Stats
	log     *slog.Logger
	// stopExpired is set when a graceful stop outlasted StopTimeout.
	stopExpired atomic.Bool
	// limitLogged: the MaxEvents message was logged (event stage only).
	limitLogged bool
}

type outputSlot struct {
	name       string
	out        outputs.Output
	format     formatters.Formatter
	counters   *OutputCounters
	concurrent bool
	maxWrites  int            // concurrent writes of this output at most (0: max_concurrency)
	selfTimed  bool           // Write is not bounded by write_timeout
	policy     outputs.Policy // retries of a failed batch
	dropFull   bool           // on_full: drop
	seq        uint64         // batches handed out (output worker only)
}

// Build constructs every plugin of the generator file g. It reports every
// problem it finds (each naming file, line and key), not just the first.
func Build(g *config.Generator, o Options) (*Generator, error) {
	s := o.Settings
	if err := s.Validate(); err != nil {
		return nil, err
	}
	seed := randomSeed()
	if s.Seed != nil {
		seed = *s.Seed
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("generator", o.ID)
	env := &plugin.Env{
		ID:       o.ID,
		Dir:      g.Dir,
		Location: s.Location,
		Now:      time.Now().In(s.Location),
		Live:     s.Live,
		// A shard must see the whole sequence to number it: it skips the
		// past downstream (after numbering), not inside the inputs.
		SkipPast:      s.Live && s.SkipPast && !s.sharded(),
		AbsoluteStart: s.Live && s.sharded(),
		Rand:          rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		Params:        o.Params,
		Memo:          &plugin.Memo{},
		ShardIndex:    s.Shard,
		ShardCount:    max(s.Shards, 1),
		Logger:        log,
		Stdout:        o.Stdout,
		Stderr:        o.Stderr,
	}
	if o.Configure != nil {
		o.Configure(env)
	}
	gen := &Generator{id: o.ID, settings: s, env: env, log: log, seed: seed}
	var errs []error
	if s.sharded() {
		errs = append(errs, checkShardable(g, s)...)
	}

	for _, p := range g.Input {
		in, cfg, err := inputs.Registry.Build(p, env)
		if err != nil {
			errs = append(errs, config.Flatten(err)...)
			continue
		}
		var tags []string
		if t, ok := cfg.(inputs.Tagged); ok {
			tags = t.TagList()
		}
		gen.inputs = append(gen.inputs, in)
		env.InputTags = append(env.InputTags, tags)
	}
	if len(g.Input) > 1<<16-1 {
		errs = append(errs, fmt.Errorf("%s: too many inputs (%d)", g.File, len(g.Input)))
	}

	if err := gen.buildWorkers(g, env); err != nil {
		errs = append(errs, config.Flatten(err)...)
	}

	seen := map[string]int{}
	for _, p := range g.Output {
		out, cfg, err := outputs.Registry.Build(p, env)
		if err != nil {
			errs = append(errs, config.Flatten(err)...)
			continue
		}
		fm, err := OutputFormatter(cfg, env)
		if err != nil {
			errs = append(errs, config.Flatten(err)...)
			continue
		}
		seen[p.Name]++
		name := p.Name
		if seen[p.Name] > 1 {
			name = fmt.Sprintf("%s#%d", p.Name, seen[p.Name])
		}
		c, _ := out.(outputs.Concurrent)
		st, _ := out.(outputs.SelfTimed)
		slot := &outputSlot{name: name, out: out, format: fm, counters: &OutputCounters{},
			concurrent: c != nil && c.ConcurrentWrites(), selfTimed: st != nil && st.SelfTimed()}
		if l, ok := out.(outputs.WriteLimiter); ok {
			slot.maxWrites = l.MaxConcurrentWrites()
		}
		if d, ok := cfg.(outputs.HasDelivery); ok {
			ds := d.Delivery()
			slot.policy = ds.Retry.Policy(s.Live)
			slot.dropFull = ds.OnFull == outputs.OnFullDrop
		} else {
			slot.policy = outputs.RetryConfig{}.Policy(s.Live)
		}
		gen.outs = append(gen.outs, slot)
		gen.names = append(gen.names, name)
		gen.stats.Outputs = append(gen.stats.Outputs, slot.counters)
	}
	if len(errs) > 0 {
		_ = gen.Close()
		return nil, config.Errors(errs)
	}
	return gen, nil
}

// ID is the generator's id.
func (g *Generator) ID() string { return g.id }

// Warnings are the non-fatal problems the event plugin found while it was
// built (template names that are never defined).
func (g *Generator) Warnings() []string {
	if w, ok := g.workers[0].prod.(interface{ Warnings() []string }); ok {
		return w.Warnings()
	}
	return nil
}

// TotalTimestamps is how many timestamps the inputs will produce, when
// every input knows it (inputs.Counted); ok is false otherwise.
func (g *Generator) TotalTimestamps() (total int64, ok bool) {
	for _, in := range g.inputs {
		c, isCounted := in.(inputs.Counted)
		if !isCounted {
			return 0, false
		}
		n, known := c.Total()
		if !known {
			return 0, false
		}
		total += n
	}
	return total, len(g.inputs) > 0
}

// Env is the environment the generator's plugins were built with.
func (g *Generator) Env() *plugin.Env { return g.env }

// OutputNames lists the outputs as they appear in stats (file, file#2, ...).
func (g *Generator) OutputNames() []string { return g.names }

// Stats returns a copy of the generator's counters.
func (g *Generator) Stats() Snapshot {
	snap := g.stats.Snapshot(g.names)
	for _, w := range g.workers {
		if dc, ok := w.prod.(scripts.DropCounter); ok {
			snap.Dropped += dc.Dropped()
		}
	}
	for i, o := range g.outs {
		if lf, ok := o.out.(outputs.LateFailer); ok {
			n := min(lf.LateFailed(), snap.Outputs[i].Written)
			snap.Outputs[i].Written -= n
			snap.Outputs[i].WriteFailed += n
			// The part of those given up because the run stopped (baseplate's queue at close).
			if lu, ok := o.out.(interface{ LateUndelivered() int64 }); ok {
				snap.Outputs[i].Undelivered += min(lu.LateUndelivered(), n)
			}
		}
	}
	return snap
}

func randomSeed() uint64 {
	var b [8]byte
	_, _ = crand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// Close releases what Build acquired, for a generator that will not Run
// (validate). Run releases it itself.
func (g *Generator) Close() error {
	var errs []error
	for _, w := range g.workers {
		if c, ok := w.prod.(scripts.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// OutputFormatter builds the formatter of an output from its decoded config:
// its `formatter` setting, or the output's default format (plain unless the
// output names another).
func OutputFormatter(cfg any, env *plugin.Env) (formatters.Formatter, error) {
	defFormat := "plain"
	if d, ok := cfg.(outputs.DefaultFormatter); ok {
		defFormat = d.DefaultFormat()
	}
	var raw *config.Raw
	if f, ok := cfg.(outputs.HasFormatter); ok {
		raw = f.FormatterSetting()
	}
	return formatters.Build(raw, defFormat, env)
}
