package scripts

import (
	"fmt"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"

	"github.com/eventum-generator/eventum-go/config"
)

// The heap watchdog stops a call of user code that builds too much memory
// (a list grown in a loop, a comprehension over range(1<<30)) before the
// process runs out of it. Go cannot tell which goroutine allocated what,
// so it watches the process's heap: every period it reads the heap size,
// and when that exceeds a call's MaxHeap it cancels each call that has been
// running since the previous period and during which the heap grew. Calls
// of ordinary templates take microseconds and are never caught running
// twice; a call that allocates hundreds of megabytes is.
//
// Per call the cost is two atomic increments and one atomic load (enter
// and leave); the watchdog's goroutine runs only while some producer made
// a call in the last second.

// watchPeriod is how often the watchdog reads the heap.
const watchPeriod = 10 * time.Millisecond

// idlePeriods is how many periods without a call a producer stays
// registered; then it is dropped until its next call.
const idlePeriods = 100

// callGuard is the watchdog's handle on one producer's thread.
type callGuard struct {
	w          *watchdog
	thread     *starlark.Thread
	state      atomic.Uint64 // odd while a call runs; +1 when it starts and when it ends
	maxHeap    atomic.Uint64 // 0: not watched
	registered atomic.Bool

	// Owned by the watchdog (under w.mu).
	seen     uint64 // state at the previous period
	idle     int    // periods without a call
	heapSeen uint64 // heap when this call was first seen running
}

func newCallGuard(w *watchdog, th *starlark.Thread, maxHeap uint64) *callGuard {
	g := &callGuard{w: w, thread: th}
	g.maxHeap.Store(maxHeap)
	return g
}

// enter marks the start of a call.
func (g *callGuard) enter() {
	g.state.Add(1)
	if !g.registered.Load() && g.maxHeap.Load() > 0 {
		g.w.add(g)
	}
}

// leave marks its end.
func (g *callGuard) leave() { g.state.Add(1) }

// watchdog watches the heap for the registered guards.
type watchdog struct {
	period time.Duration
	heap   func() uint64

	mu      sync.Mutex
	guards  map[*callGuard]struct{}
	running bool
	cancels atomic.Int64 // calls cancelled so far (tests)
	checks  atomic.Int64 // periods run so far (tests)
}

var heapWatch = &watchdog{period: watchPeriod, heap: heapBytes}

// heapBytes is the memory of the heap's objects, live or not yet swept.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

func (w *watchdog) add(g *callGuard) {
	w.mu.Lock()
	defer w.mu.Unlock()
	g.registered.Store(true)
	if w.guards == nil {
		w.guards = map[*callGuard]struct{}{}
	}
	if _, ok := w.guards[g]; !ok {
		w.guards[g] = struct{}{}
		g.seen, g.idle = g.state.Load()-1, 0 // not yet seen: a running call is caught one period later
	}
	if !w.running {
		w.running = true
		go w.loop()
	}
}

func (w *watchdog) loop() {
	t := time.NewTicker(w.period)
	defer t.Stop()
	for range t.C {
		if !w.check() {
			return
		}
	}
}

// check runs one period; it returns false (and the goroutine ends) when
// no guard is left.
func (w *watchdog) check() bool {
	heap := w.heap()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.checks.Add(1)
	for g := range w.guards {
		s := g.state.Load()
		switch {
		case s != g.seen: // a call started or ended since the last period
			g.idle = 0
			g.heapSeen = heap
		case s&1 == 1: // the same call is still running
			limit := g.maxHeap.Load()
			if limit > 0 && heap > limit && heap > g.heapSeen+limit/16 {
				g.thread.Cancel(fmt.Sprintf("memory limit: the process heap grew to %s while this call ran (the limit is %s; raise it with %s)",
					config.FormatByteSize(int64(heap>>20<<20)), config.FormatByteSize(int64(limit)), MaxHeapEnv))
				w.cancels.Add(1)
			}
		default: // idle
			if g.idle++; g.idle >= idlePeriods {
				// Drop g unless a call starts meanwhile: enter
				// increments state before it reads registered.
				g.registered.Store(false)
				if g.state.Load() == s {
					delete(w.guards, g)
				} else {
					g.registered.Store(true)
				}
			}
		}
		g.seen = s
	}
	if len(w.guards) == 0 {
		w.running = false
		return false
	}
	return true
}
