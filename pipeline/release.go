package pipeline

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// The release stage (live mode, producers with delayed events only).
//
// A template burst or sequence makes its members at the trigger's moment,
// each with its own timestamp up to `spread` (or the sum of the delays)
// later. In live mode an event should leave when its timestamp comes, so
// this stage, between the event stage and the outputs, passes the events
// that are due and holds the others in a time-ordered heap until their
// moment. Events held are already counted as produced; they are bounded by
// the production rate times the longest delay.
//
// At the natural end of the run (inputs done, --max-duration) the held
// events still wait for their moments. A graceful stop (Ctrl-C) releases
// them at once, since waiting could outlast stop_timeout; a hard stop
// counts them as undelivered for every output.

// delayedProducer is implemented by producers whose events may carry
// timestamps after the one they were produced for.
type delayedProducer interface{ Delays() bool }

// needsRelease reports whether the run holds events until their timestamps.
func (g *Generator) needsRelease() bool {
	if !g.settings.Live || len(g.workers) == 0 {
		return false
	}
	d, ok := g.workers[0].prod.(delayedProducer)
	return ok && d.Delays()
}

type heldEvent struct {
	ts  int64
	seq uint64 // arrival order: ties keep the event stage's order
	ev  string
}

type heldHeap []heldEvent

func (h heldHeap) Len() int { return len(h) }
func (h heldHeap) Less(i, j int) bool {
	return h[i].ts < h[j].ts || (h[i].ts == h[j].ts && h[i].seq < h[j].seq)
}
func (h heldHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *heldHeap) Push(x any)   { *h = append(*h, x.(heldEvent)) }
func (h *heldHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = heldEvent{}
	*h = old[:len(old)-1]
	return x
}

// releaseStage passes the due events of every batch on and holds the
// others until their timestamps. graceful is the run's stop request; hard
// its abort.
func (g *Generator) releaseStage(graceful, hard context.Context, in <-chan *eventBatch, out chan<- *eventBatch) {
	pool := &sync.Pool{}
	pool.New = func() any { return &eventBatch{pool: pool} }
	var held heldHeap
	var seq uint64
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()

	send := func(eb *eventBatch) {
		eb.refs.Store(int32(len(g.outs)))
		eb.done = make(chan struct{})
		out <- eb
	}
	// releaseDue sends the held events due by now (all with everything).
	releaseDue := func(everything bool) {
		now := time.Now().UnixNano()
		var eb *eventBatch
		for held.Len() > 0 && (everything || held[0].ts <= now) {
			e := heap.Pop(&held).(heldEvent)
			if eb == nil {
				eb = pool.Get().(*eventBatch)
			}
			eb.events = append(eb.events, e.ev)
			eb.stamps = append(eb.stamps, e.ts)
			if len(eb.events) >= g.settings.BatchSize {
				send(eb)
				eb = nil
			}
		}
		if eb != nil {
			send(eb)
		}
	}
	arm := func() {
		timer.Stop()
		if held.Len() > 0 {
			timer.Reset(max(time.Until(time.Unix(0, held[0].ts)), 0))
		}
	}
	giveUp := func() {
		n := int64(held.Len())
		for _, o := range g.outs {
			o.counters.WriteFailed.Add(n)
			o.counters.Undelivered.Add(n)
		}
		held = nil
	}

	stopping := false // a graceful stop: nothing waits any more
	gdone, hdone := graceful.Done(), hard.Done()
	for in != nil || held.Len() > 0 {
		var tick <-chan time.Time
		if held.Len() > 0 {
			tick = timer.C
		}
		select {
		case eb, ok := <-in:
			if !ok {
				in = nil
				continue
			}
			if stopping {
				out <- eb // due or not: a stop does not wait
				continue
			}
			now := time.Now().UnixNano()
			kept := 0
			for i, ts := range eb.stamps {
				if ts <= now {
					eb.events[kept], eb.stamps[kept] = eb.events[i], ts
					kept++
					continue
				}
				heap.Push(&held, heldEvent{ts, seq, eb.events[i]})
				seq++
			}
			if kept < len(eb.events) {
				clear(eb.events[kept:])
				eb.events, eb.stamps = eb.events[:kept], eb.stamps[:kept]
			}
			if kept > 0 {
				out <- eb // refs and done were set by the event stage
			} else {
				eb.pool.Put(eb)
			}
			arm()
		case <-tick:
			releaseDue(false)
			arm()
		case <-gdone:
			gdone, stopping = nil, true
			releaseDue(true)
		case <-hdone:
			hdone, stopping = nil, true
			giveUp()
		}
	}
}
