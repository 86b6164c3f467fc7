package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/inputs"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts"
)

// The event stage with K workers.
//
// Every worker owns one producer instance (its own Starlark thread,
// compiled template instances, stores and arena), built from the generator
// file like the first one, and one Stream. A dispatcher numbers the
// timestamp batches and hands them to whichever worker is free; the stage's
// goroutine puts the results back in sequence before anything is counted,
// logged or sent to the outputs. Since every timestamp reseeds its worker's
// stream from (seed, global index), the output is the same for any K.
//
// Producers that keep state across timestamps (see scripts.Stateful) get
// one worker, found when the generator is built.

// ErrShardUsage marks a sharding request the generator cannot honour
// (the CLI exits 2 on it).
var ErrShardUsage = errors.New("sharding")

// shardUsageError is a sharding problem of the generator file; it is
// ErrShardUsage for errors.Is.
type shardUsageError struct{ error }

func (e shardUsageError) Is(target error) bool { return target == ErrShardUsage }
func (e shardUsageError) Unwrap() error        { return e.error }

// tsBatch is a batch of merged timestamps with their global indices.
type tsBatch struct {
	inputs.Batch
	Idx []uint64
}

func (b *tsBatch) reset() { b.Batch.Reset(); b.Idx = b.Idx[:0] }

// worker is one producer instance of the event stage.
type worker struct {
	prod    scripts.Producer
	timed   scripts.TimedProducer // prod, when its events carry their own timestamps
	stream  *Stream
	indexed scripts.Indexed // prod, when its picking follows the global index
}

// buildWorkers builds the first producer, asks it whether instances may
// run side by side, and builds the others.
func (g *Generator) buildWorkers(gc *config.Generator, env *plugin.Env) error {
	w, err := newWorker(gc, env, g.seed)
	if err != nil {
		return err
	}
	g.workers = append(g.workers, w)
	k := g.settings.workerCount()
	if k <= 1 {
		return nil
	}
	reason := fmt.Sprintf("the %s event plugin reads its input in order", gc.Event.Name)
	if st, ok := w.prod.(scripts.Stateful); ok {
		reason = st.StateReason()
	}
	if reason != "" {
		g.log.Info("event stage runs on one worker", "reason", reason)
		return nil
	}
	for range k - 1 {
		w, err := newWorker(gc, env, g.seed)
		if err != nil {
			return err
		}
		g.workers = append(g.workers, w)
	}
	g.log.Debug("event stage workers", "workers", k)
	return nil
}

// newWorker builds one producer on a copy of env whose Rand is the
// worker's own stream.
func newWorker(gc *config.Generator, env *plugin.Env, seed uint64) (*worker, error) {
	st := NewStream(seed)
	wenv := *env
	wenv.Rand = st.Rand
	prod, _, err := scripts.Registry.Build(gc.Event, &wenv)
	if err != nil {
		return nil, err
	}
	w := &worker{prod: prod, stream: st}
	w.indexed, _ = prod.(scripts.Indexed)
	w.timed, _ = prod.(scripts.TimedProducer)
	return w, nil
}

// Workers is the number of event-stage workers the generator runs.
func (g *Generator) Workers() int { return len(g.workers) }

// checkShardable refuses what a shard cannot do: interactive inputs have
// no sequence to split, and random timestamps (time_patterns) agree
// between shards only with a seed.
func checkShardable(gc *config.Generator, s Settings) []error {
	var errs []error
	for _, p := range gc.Input {
		switch p.Name {
		case "http":
			errs = append(errs, shardUsageError{p.Errorf("the http input has no timestamp sequence to split between shards; run it unsharded")})
		case "time_patterns":
			if s.Seed == nil {
				errs = append(errs, shardUsageError{p.Errorf("time_patterns draws its timestamps at random: give every shard the same --seed so they agree on the sequence")})
			}
		}
	}
	return errs
}

// produced is what a worker made of one timestamp batch.
type produced struct {
	eb         *eventBatch // nil: no events
	failed     int64       // timestamps whose produce call failed
	errs       []produceErr
	unproduced int64 // timestamps not produced because the run was aborted
	exhausted  bool
}

type produceErr struct {
	ts  int64
	err error
}

// produceBatch calls w's producer for every timestamp of b, reseeding its
// stream first. It returns b to tsPool.
func (g *Generator) produceBatch(ctx context.Context, w *worker, b *tsBatch, pool *sync.Pool, tsPool *sync.Pool) produced {
	var r produced
	defer tsPool.Put(b)
	if ctx.Err() != nil {
		r.unproduced = int64(b.Len())
		return r
	}
	eb := pool.Get().(*eventBatch)
	events, stamps := eb.events[:0], eb.stamps[:0]
	for i, t := range b.Times {
		idx := b.Idx[i]
		w.stream.At(idx)
		if w.indexed != nil {
			w.indexed.SetIndex(idx)
		}
		n := len(events)
		var err error
		if w.timed != nil {
			events, stamps, err = w.timed.ProduceTimed(t, int(b.Src[i]), events, stamps)
		} else {
			events, err = w.prod.Produce(t, int(b.Src[i]), events)
		}
		for len(stamps) < len(events) {
			stamps = append(stamps, t)
		}
		if err != nil {
			if errors.Is(err, scripts.ErrExhausted) {
				r.exhausted = true
				break
			}
			events, stamps = events[:n], stamps[:n]
			if ctx.Err() != nil { // cancelled by an abort: not the plugin's fault
				r.unproduced += int64(len(b.Times) - i)
				break
			}
			r.failed++
			if len(r.errs) < maxLoggedErrors {
				r.errs = append(r.errs, produceErr{t, err})
			}
		}
	}
	eb.events, eb.stamps = events, stamps[:len(events)]
	if len(events) == 0 {
		pool.Put(eb)
	} else {
		r.eb = eb
	}
	return r
}

// settle counts, logs and sends one batch's result, in sequence. It
// reports whether the event stage is done: the producer is exhausted or
// the run's MaxEvents are produced (the batch is then cut at the limit, in
// the middle of a timestamp's events if need be).
func (g *Generator) settle(r produced, out chan<- *eventBatch, logged *int) (stop bool) {
	g.stats.Unproduced.Add(r.unproduced)
	g.stats.ProduceFailed.Add(r.failed)
	for _, e := range r.errs {
		if *logged >= maxLoggedErrors {
			break
		}
		*logged++
		g.log.Error("event plugin failed", "timestamp", time.Unix(0, e.ts).In(g.settings.Location).Format(time.RFC3339Nano), "error", e.err)
		if *logged == maxLoggedErrors {
			g.log.Error("further event plugin errors are counted, not logged")
		}
	}
	stop = r.exhausted
	if r.eb == nil {
		return stop
	}
	if limit := g.settings.MaxEvents; limit > 0 {
		left := limit - g.stats.Produced.Load()
		if int64(len(r.eb.events)) >= left {
			clear(r.eb.events[left:])
			r.eb.events, r.eb.stamps = r.eb.events[:left], r.eb.stamps[:left]
			stop = true
			if !g.limitLogged {
				g.limitLogged = true
				g.log.Info("max events produced: stopping", "max_events", limit)
			}
			if left == 0 {
				discard(r)
				return stop
			}
		}
	}
	g.stats.Produced.Add(int64(len(r.eb.events)))
	r.eb.refs.Store(int32(len(g.outs)))
	r.eb.done = make(chan struct{})
	out <- r.eb
	return stop
}

// discard returns an unsent result's events to the pool.
func discard(r produced) {
	if r.eb != nil {
		clear(r.eb.events)
		r.eb.events, r.eb.stamps = r.eb.events[:0], r.eb.stamps[:0]
		r.eb.pool.Put(r.eb)
	}
}

// eventStage calls the event plugin for every timestamp: on this goroutine
// with one worker, through the dispatcher and the re-sequencer with more.
func (g *Generator) eventStage(ctx context.Context, in <-chan *tsBatch, out chan<- *eventBatch, tsPool *sync.Pool, stopInput context.CancelFunc) error {
	pool := &sync.Pool{}
	pool.New = func() any { return &eventBatch{pool: pool} }
	logged := 0
	if len(g.workers) == 1 {
		exhausted := false
		for b := range in {
			if exhausted {
				tsPool.Put(b)
				continue // drain so the input stage can finish
			}
			r := g.produceBatch(ctx, g.workers[0], b, pool, tsPool)
			if g.settle(r, out, &logged) {
				exhausted = true
				stopInput()
			}
		}
		return nil
	}

	k := len(g.workers)
	type job struct {
		seq uint64
		b   *tsBatch
	}
	type result struct {
		seq uint64
		r   produced
	}
	// At most window batches are between the dispatcher and the outputs;
	// the re-sequencer's ring holds them.
	window := 2 * k
	slots := make(chan struct{}, window)
	jobs := make(chan job)
	results := make(chan result, k)
	var stopped atomic.Bool // exhausted: later batches are not produced

	go func() {
		defer close(jobs)
		var seq uint64
		for b := range in {
			slots <- struct{}{}
			jobs <- job{seq, b}
			seq++
		}
	}()
	var wg sync.WaitGroup
	for _, w := range g.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if stopped.Load() {
					tsPool.Put(j.b)
					results <- result{seq: j.seq}
					continue
				}
				results <- result{j.seq, g.produceBatch(ctx, w, j.b, pool, tsPool)}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	ring := make([]*produced, window)
	var next uint64
	exhausted := false
	for res := range results {
		r := res.r
		ring[res.seq%uint64(window)] = &r
		for {
			p := ring[next%uint64(window)]
			if p == nil {
				break
			}
			ring[next%uint64(window)] = nil
			next++
			if exhausted {
				discard(*p)
			} else {
				if g.settle(*p, out, &logged) {
					exhausted = true
					stopped.Store(true)
					stopInput()
				}
			}
			<-slots
		}
	}
	return nil
}
