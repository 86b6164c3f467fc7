package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventum-go/eventum/formatters"
	"github.com/eventum-go/eventum/inputs"
	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/scripts"
)

// maxLoggedErrors bounds how many errors of one kind a run logs.
const maxLoggedErrors = 5

// eventBatch is one batch of events on its way to every output. It returns
// to the pool when the last output is done with it.
type eventBatch struct {
	events []string
	stamps []int64 // stamps[i] is events[i]'s timestamp (Unix ns)
	refs   atomic.Int32
	done   chan struct{} // closed when the last output is done
	pool   *sync.Pool
}

// release marks one output done with the batch; the last one recycles it.
func (eb *eventBatch) release() {
	if eb.refs.Add(-1) == 0 {
		close(eb.done)
		clear(eb.events)
		eb.events, eb.stamps = eb.events[:0], eb.stamps[:0]
		eb.pool.Put(eb)
	}
}

// Run runs the generator until its inputs are exhausted, the event plugin is
// exhausted, or ctx is cancelled. Cancelling ctx is a graceful stop: inputs
// stop, every timestamp already accepted is produced, every event produced is
// written, outputs are flushed and closed, and Run returns nil. abort, when it
// is closed, stops everything at once (a second Ctrl-C).
//
// Run returns an error when an output cannot be opened, and a *RunError when
// some events could not be produced (after everything else was delivered).
func (g *Generator) Run(ctx context.Context, abort <-chan struct{}) error {
	hard, cancelHard := context.WithCancel(context.Background())
	defer cancelHard()
	if abort != nil {
		go func() {
			select {
			case <-abort:
				cancelHard()
				// A call running away in the event plugin must not hold the abort up.
				for _, w := range g.workers {
					if c, ok := w.prod.(scripts.Canceler); ok {
						c.Cancel("generator aborted")
					}
				}
			case <-hard.Done():
			}
		}()
	}

	// A graceful stop (ctx) has StopTimeout to deliver what was accepted;
	// then the stop turns hard and what is left is counted as undelivered.
	go func() {
		select {
		case <-ctx.Done():
		case <-hard.Done():
			return
		}
		t := time.NewTimer(g.settings.StopTimeout)
		defer t.Stop()
		select {
		case <-t.C:
			g.stopExpired.Store(true)
			g.log.Warn("stop timeout reached: giving up on undelivered events", "stop_timeout", g.settings.StopTimeout)
			cancelHard()
		case <-hard.Done():
		}
	}()

	if err := g.openOutputs(hard); err != nil {
		_ = g.Close() // the event plugin's resources (replay's file)
		return err
	}

	inCtx, stopInput := context.WithCancel(ctx)
	defer stopInput()
	go func() { // an aborted run stops its input too
		select {
		case <-hard.Done():
			stopInput()
		case <-inCtx.Done():
		}
	}()

	if d := g.settings.MaxDuration; d > 0 {
		t := time.AfterFunc(d, func() {
			g.log.Info("max duration reached: stopping", "max_duration", d)
			stopInput()
		})
		defer t.Stop()
	}

	tsQueue := make(chan *tsBatch, g.settings.MaxTimestampBatches)
	evQueue := make(chan *eventBatch, g.settings.MaxEventBatches)
	tsPool := &sync.Pool{New: func() any { return &tsBatch{} }}

	var inErr, evErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(tsQueue)
		inErr = g.inputStage(inCtx, tsQueue, tsPool)
	}()
	go func() {
		defer wg.Done()
		defer close(evQueue)
		evErr = g.eventStage(hard, tsQueue, evQueue, tsPool, stopInput)
	}()
	toOutputs := evQueue
	if g.needsRelease() { // live bursts: members wait for their timestamps
		relQueue := make(chan *eventBatch, g.settings.MaxEventBatches)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(relQueue)
			g.releaseStage(ctx, hard, evQueue, relQueue)
		}()
		toOutputs = relQueue
	}
	g.outputStage(hard, toOutputs)
	wg.Wait()

	closeErr := g.closeOutputs(hard)
	if err := g.Close(); err != nil {
		closeErr = errors.Join(closeErr, fmt.Errorf("event plugin: close: %w", err))
	}
	if errors.Is(inErr, context.Canceled) {
		inErr = nil
	}
	if err := errors.Join(inErr, evErr, closeErr); err != nil {
		return err
	}
	if hard.Err() != nil && abort != nil {
		select {
		case <-abort:
			return ErrAborted
		default:
		}
	}
	if g.stopExpired.Load() {
		return ErrStopTimeout
	}
	if n := g.stats.ProduceFailed.Load(); n > 0 {
		return &RunError{ProduceFailed: n}
	}
	return nil
}

// ErrAborted is returned by Run when abort was closed before it finished.
var ErrAborted = errors.New("generator aborted: events in flight were dropped")

// ErrStopTimeout is returned by Run when a graceful stop outlasted
// StopTimeout and undelivered events were given up.
var ErrStopTimeout = errors.New("stop timeout reached: undelivered events were given up")

// RunError reports events that could not be produced.
type RunError struct{ ProduceFailed int64 }

func (e *RunError) Error() string {
	return fmt.Sprintf("%d timestamps failed in the event plugin (the first errors are logged above)", e.ProduceFailed)
}

// inputStage merges the inputs and sends batches of at most BatchSize
// timestamps. In live mode it holds each timestamp until its wall-clock
// moment and releases a partial batch once its first timestamp has waited
// BatchDelay (or the merge has nothing more for now).
//
// Interactive inputs (http) are merged on their own, beside the scheduled
// ones: their timestamps are due when they arrive, so they must not wait
// while the scheduled merge sleeps until a timestamp far ahead.
func (g *Generator) inputStage(ctx context.Context, out chan<- *tsBatch, pool *sync.Pool) error {
	var sched, inter []inputs.Input
	var schedSrc, interSrc []uint16
	for i, in := range g.inputs {
		if it, ok := in.(inputs.Interactive); ok && it.Interactive() {
			inter, interSrc = append(inter, in), append(interSrc, uint16(i))
		} else {
			sched, schedSrc = append(sched, in), append(schedSrc, uint16(i))
		}
	}
	if len(inter) == 0 || len(sched) == 0 {
		return g.mergeStage(ctx, g.inputs, nil, len(sched) == 0, out, pool)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	interErr := make(chan error, 1)
	go func() {
		err := g.mergeStage(ctx, inter, interSrc, true, out, pool)
		if err != nil {
			cancel()
		}
		interErr <- err
	}()
	err := g.mergeStage(ctx, sched, schedSrc, false, out, pool)
	if err != nil {
		cancel()
	}
	// A real failure beats the cancellation it caused in the other merge.
	if ierr := <-interErr; ierr != nil && (err == nil || (errors.Is(err, context.Canceled) && !errors.Is(ierr, context.Canceled))) {
		err = ierr
	}
	return err
}

// mergeStage runs inputs.Merge over ins and batches what it hands over;
// src maps the merge's input indices to the generator's (nil: identity).
// eager sends a partial batch at the end of every merge batch, as live mode
// does (interactive timestamps are due when they arrive).
func (g *Generator) mergeStage(ctx context.Context, ins []inputs.Input, src []uint16, eager bool, out chan<- *tsBatch, pool *sync.Pool) error {
	s := g.settings
	cur := pool.Get().(*tsBatch)
	var first time.Time // wall time the first timestamp of cur was accepted
	startNs := g.env.Now.UnixNano()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()

	flush := func() error {
		if cur.Len() == 0 {
			return nil
		}
		select {
		case out <- cur:
		case <-ctx.Done():
			// Graceful stop: what was accepted still goes downstream.
			out <- cur
		}
		cur = pool.Get().(*tsBatch)
		cur.reset()
		return nil
	}
	sleepUntil := func(t int64) error {
		d := time.Until(time.Unix(0, t))
		if d <= 0 {
			return nil
		}
		timer.Reset(d)
		select {
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	shards := uint64(max(s.Shards, 1))
	shard := uint64(s.Shard)
	emit := func(b *inputs.Batch) error {
		// The global index of b's first timestamp: every merged timestamp
		// is numbered, whatever shard or skip_past does with it next.
		base := g.nextIdx.Add(uint64(b.Len())) - uint64(b.Len())
		for i, t := range b.Times {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			idx := base + uint64(i)
			if shards > 1 && idx%shards != shard {
				continue
			}
			if s.Live {
				if s.SkipPast && t < startNs {
					g.stats.SkippedPast.Add(1)
					continue
				}
				if now := time.Now().UnixNano(); t > now {
					// Release what waited long enough before sleeping.
					if cur.Len() > 0 && t-first.UnixNano() >= int64(s.BatchDelay) {
						if err := flush(); err != nil {
							return err
						}
					}
					if err := sleepUntil(t); err != nil {
						return err
					}
				}
				g.stats.lag.record(time.Since(time.Unix(0, t)))
			}
			if cur.Len() == 0 {
				first = time.Now()
			}
			cur.Times = append(cur.Times, t)
			cur.Idx = append(cur.Idx, idx)
			if src != nil {
				cur.Src = append(cur.Src, src[b.Src[i]])
			} else {
				cur.Src = append(cur.Src, b.Src[i])
			}
			g.stats.Timestamps.Add(1)
			if cur.Len() >= s.BatchSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		// In live mode what was released is due now; in sample mode a
		// partial batch goes once it is BatchDelay old.
		if s.Live || eager || (cur.Len() > 0 && time.Since(first) >= s.BatchDelay) {
			return flush()
		}
		return nil
	}

	err := inputs.Merge(ctx, ins, emit)
	_ = flush()
	return err
}

// outputStage fans every event batch out to all outputs. Each output has a
// worker with its own queue so a fast output runs ahead of a slow one (up to
// its queue depth); KeepOrder makes every output finish a batch before the
// next is handed out. MaxConcurrency bounds writes in flight across outputs.
// An output whose queue is full holds the stage up (on_full: block, so
// production waits) or loses the batch (on_full: drop, counted).
func (g *Generator) outputStage(ctx context.Context, in <-chan *eventBatch) {
	sem := make(chan struct{}, g.settings.MaxConcurrency)
	queues := make([]chan *eventBatch, len(g.outs))
	var wg sync.WaitGroup
	for i, o := range g.outs {
		depth := g.settings.MaxEventBatches
		if len(g.outs) == 1 && !o.dropFull {
			// A lone blocking output has no other output to run ahead of:
			// the event queue in front of this stage already holds
			// MaxEventBatches batches, and a second full queue here would
			// only double the events held in memory while the sink is slow.
			depth = 1
		}
		queues[i] = make(chan *eventBatch, depth)
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.outputWorker(ctx, o, queues[i], sem)
		}()
	}
	dropLogged := make([]bool, len(g.outs))
	for eb := range in {
		done := eb.done // read before the batch can be recycled
		for i, q := range queues {
			if !g.outs[i].dropFull {
				q <- eb
				continue
			}
			select {
			case q <- eb:
			default:
				g.outs[i].counters.Dropped.Add(int64(len(eb.events)))
				if !dropLogged[i] {
					dropLogged[i] = true
					g.log.Warn("output queue full: dropping batches (on_full: drop); counted as dropped", "output", g.outs[i].name)
				}
				eb.release()
			}
		}
		if g.settings.KeepOrder {
			<-done
		}
	}
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
}

// outputWorker formats the batches of one output and delivers them, one at
// a time or (concurrent outputs) several at once within MaxConcurrency.
// After a hard stop the batches still queued are counted as undelivered
// without being formatted.
func (g *Generator) outputWorker(ctx context.Context, o *outputSlot, in <-chan *eventBatch, sem chan struct{}) {
	var inflight sync.WaitGroup
	var own chan struct{} // the output's own bound on concurrent writes
	if o.maxWrites > 0 {
		own = make(chan struct{}, o.maxWrites)
	}
	fpool := sync.Pool{New: func() any { return &formatters.Formatted{} }}
	lg := &outputLog{g: g, name: o.name}
	for eb := range in {
		if ctx.Err() != nil {
			n := int64(len(eb.events))
			o.counters.WriteFailed.Add(n)
			o.counters.Undelivered.Add(n)
			eb.release()
			continue
		}
		if own != nil {
			own <- struct{}{} // before formatting: a waiting batch holds no payloads
		}
		f := fpool.Get().(*formatters.Formatted)
		f.Reset()
		o.format.Format(eb.events, f)
		f.SetStamps(eb.stamps)
		if f.Failed > 0 {
			o.counters.FormatFailed.Add(int64(f.Failed))
			for _, err := range f.Errors {
				lg.fail("format failed", "error", err)
			}
		}
		o.seq++
		seq := o.seq
		write := func() {
			if own != nil {
				defer func() { <-own }()
			}
			defer func() { <-sem }()
			defer fpool.Put(f)
			defer eb.release()
			if len(f.Payloads) > 0 {
				g.deliver(ctx, o, f, seq, lg)
			}
		}
		sem <- struct{}{}
		if o.concurrent && !g.settings.KeepOrder {
			inflight.Add(1)
			go func() { defer inflight.Done(); write() }()
		} else {
			write()
		}
	}
	inflight.Wait()
}

// deliver writes one formatted batch: attempt after attempt, each bounded
// by write_timeout (unless the output is SelfTimed), with the output's
// retry policy between them, until every payload is settled, the failure
// is permanent, the retry budget is spent or the run stops hard. Every
// event ends in exactly one counter.
func (g *Generator) deliver(ctx context.Context, o *outputSlot, f *formatters.Formatted, seq uint64, lg *outputLog) {
	payloads := f.Payloads
	done := 0 // payloads[:done] are settled
	start := time.Now()
	var timer *time.Timer
	for attempt := 1; ; attempt++ {
		a := outputs.Attempt{Batch: seq, Offset: done, N: attempt}
		if len(f.Stamps) == len(payloads) {
			a.Timestamps = f.Stamps[done:]
		}
		actx := outputs.WithAttempt(ctx, a)
		cancel := context.CancelFunc(func() {})
		if !o.selfTimed {
			actx, cancel = context.WithTimeout(actx, g.settings.WriteTimeout)
		}
		n, err := o.out.Write(actx, payloads[done:])
		cancel()
		n = min(max(n, 0), len(payloads)-done)
		settled := f.Events(done+n) - f.Events(done)
		rejected := min(outputs.Rejected(err), settled)
		o.counters.Written.Add(int64(settled - rejected))
		if outputs.RefusedBySink(err) > 0 {
			o.counters.WriteFailed.Add(int64(rejected))
			lg.fail("events refused by the destination", "events", rejected, "error", err)
		} else {
			o.counters.FormatFailed.Add(int64(rejected))
		}
		done += n
		if done == len(payloads) {
			if attempt > 1 {
				lg.recovered(attempt)
			}
			return
		}
		if err == nil {
			err = fmt.Errorf("output wrote %d of %d payloads without an error", n, len(payloads)-done+n)
		}
		rest := int64(f.Events(len(payloads)) - f.Events(done))
		if ctx.Err() != nil {
			o.counters.WriteFailed.Add(rest)
			o.counters.Undelivered.Add(rest)
			lg.fail("write abandoned: the run stopped", "events", rest, "error", err)
			return
		}
		if outputs.IsPermanent(err) {
			o.counters.WriteFailed.Add(rest)
			lg.fail("write failed", "events", rest, "error", err)
			return
		}
		wait := max(o.policy.Backoff(attempt), outputs.RetryDelay(err))
		if b := o.policy.Budget; b > 0 && time.Since(start)+wait > b {
			o.counters.WriteFailed.Add(rest)
			lg.fail("write failed: retry budget spent", "events", rest, "attempts", attempt, "budget", b, "error", err)
			return
		}
		lg.retrying(attempt, wait, err)
		o.counters.Retries.Add(1)
		if timer == nil {
			timer = time.NewTimer(wait)
			defer timer.Stop()
		} else {
			timer.Reset(wait)
		}
		select {
		case <-timer.C:
		case <-ctx.Done():
			o.counters.WriteFailed.Add(rest)
			o.counters.Undelivered.Add(rest)
			lg.fail("write abandoned: the run stopped", "events", rest, "error", err)
			return
		}
	}
}

// outputLog rate-limits one output's failure messages: the first few
// failures, and at most one retry message per retryLogEvery.
type outputLog struct {
	g         *Generator
	name      string
	mu        sync.Mutex
	failed    int
	lastRetry time.Time
	inRetry   bool
}

// retryLogEvery spaces the "retrying" messages of one output.
const retryLogEvery = 5 * time.Second

func (l *outputLog) fail(msg string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed < maxLoggedErrors {
		l.failed++
		l.g.log.Error(msg, append([]any{"output", l.name}, args...)...)
		if l.failed == maxLoggedErrors {
			l.g.log.Error("further failures of this output are counted, not logged", "output", l.name)
		}
	}
}

func (l *outputLog) retrying(attempt int, wait time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inRetry = true
	if time.Since(l.lastRetry) < retryLogEvery {
		return
	}
	l.lastRetry = time.Now()
	l.g.log.Warn("write failed, retrying", "output", l.name, "attempt", attempt, "in", wait.Round(time.Millisecond), "error", err)
}

func (l *outputLog) recovered(attempts int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inRetry {
		l.inRetry = false
		l.lastRetry = time.Time{}
		l.g.log.Info("write succeeded after retrying", "output", l.name, "attempts", attempts)
	}
}

func (g *Generator) openOutputs(ctx context.Context) error {
	octx, cancel := context.WithTimeout(ctx, g.settings.WriteTimeout+g.settings.StopTimeout)
	defer cancel()
	for i, o := range g.outs {
		if err := o.out.Open(octx); err != nil {
			// octx may be what expired: close the opened ones with a fresh one.
			cctx, ccancel := context.WithTimeout(context.Background(), g.settings.StopTimeout)
			for _, prev := range g.outs[:i] {
				_ = prev.out.Close(cctx)
			}
			ccancel()
			return fmt.Errorf("output %s: open: %w", o.name, err)
		}
	}
	return nil
}

// abortCloseTimeout bounds closing the outputs after a hard stop.
const abortCloseTimeout = time.Second

// closeOutputs flushes and closes every output, within StopTimeout (a short
// while after a hard stop, whose ctx is hard).
func (g *Generator) closeOutputs(hard context.Context) error {
	d := g.settings.StopTimeout
	if hard.Err() != nil {
		d = abortCloseTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var errs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, o := range g.outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := o.out.Close(ctx); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("output %s: close: %w", o.name, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
