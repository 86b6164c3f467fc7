package guard

import (
	"fmt"
	"os"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"
)

// The heap watchdog stops a call of user code that builds too much memory
// (a list grown in a loop, a comprehension over range(1<<30)) before the
// process runs out of it. Go cannot tell which goroutine allocated what,
// so it watches the process's heap: every period it reads the heap size,
// and when that exceeds a call's limit it cancels (thread.Cancel) each
// call that has been running since the previous period and during which
// the heap grew. Calls of ordinary templates take microseconds and are
// never caught running twice; a call that allocates hundreds of megabytes
// is. The next call on the thread runs normally (its owner lifts the
// cancellation when a call starts, as for the step limit).
//
// Per call the cost is two atomic increments and one atomic load (Enter
// and Leave); the watchdog's goroutine runs only while some thread made a
// call in the last second.

// DefaultMaxHeap is the documented default limit: 384 MiB of Go heap.
const DefaultMaxHeap = 384 << 20

// MaxHeapEnv overrides DefaultMaxHeap for the process, e.g.
// EVENTUM_MAX_HEAP_BYTES=2GiB; 0 turns the watchdog off.
const MaxHeapEnv = "EVENTUM_MAX_HEAP_BYTES"

var (
	maxHeapOnce sync.Once
	maxHeap     uint64
	maxHeapErr  error
)

// MaxHeap returns the process's limit: EVENTUM_MAX_HEAP_BYTES, else
// DefaultMaxHeap.
func MaxHeap() (uint64, error) {
	maxHeapOnce.Do(func() {
		maxHeap = DefaultMaxHeap
		if s, ok := os.LookupEnv(MaxHeapEnv); ok {
			n, err := ParseSize(s)
			if err != nil {
				maxHeapErr = fmt.Errorf("%s=%q: expected a size such as 1073741824 or 1GiB (0 turns the watchdog off)", MaxHeapEnv, s)
				return
			}
			maxHeap = uint64(n)
		}
	})
	return maxHeap, maxHeapErr
}

// watchPeriod is how often the process's watchdog reads the heap.
const watchPeriod = 10 * time.Millisecond

// idlePeriods is how many periods without a call a thread stays
// registered; then it is dropped until its next call.
const idlePeriods = 100

// Watchdog watches the heap for the calls of the threads registered with
// it. The process has one (Watch); tests make their own with a fake heap.
type Watchdog struct {
	period time.Duration
	heap   func() uint64

	mu      sync.Mutex
	calls   map[*Call]struct{}
	running bool
	cancels atomic.Int64
	checks  atomic.Int64
}

// NewWatchdog returns a watchdog reading heap every period.
func NewWatchdog(period time.Duration, heap func() uint64) *Watchdog {
	return &Watchdog{period: period, heap: heap}
}

var processWatchdog = NewWatchdog(watchPeriod, heapBytes)

// heapBytes is the memory of the heap's objects, live or not yet swept.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// Call is the watchdog's handle on one thread: its owner brackets every
// call of user code on the thread with Enter and Leave.
type Call struct {
	w          *Watchdog
	thread     *starlark.Thread
	state      atomic.Uint64 // odd while a call runs; +1 when it starts and when it ends
	maxHeap    atomic.Uint64 // 0: not watched
	registered atomic.Bool

	// Owned by the watchdog (under w.mu).
	seen     uint64 // state at the previous period
	idle     int    // periods without a call
	heapSeen uint64 // heap when the running call was first seen
}

// Watch returns the handle of th for the process's watchdog, with the
// limit maxHeap (0: not watched).
func Watch(th *starlark.Thread, maxHeap uint64) *Call { return processWatchdog.Watch(th, maxHeap) }

// Watch returns the handle of th for w.
func (w *Watchdog) Watch(th *starlark.Thread, maxHeap uint64) *Call {
	c := &Call{w: w, thread: th}
	c.maxHeap.Store(maxHeap)
	return c
}

// SetMaxHeap changes the limit (0: not watched).
func (c *Call) SetMaxHeap(n uint64) { c.maxHeap.Store(n) }

// Enter marks the start of a call.
func (c *Call) Enter() {
	c.state.Add(1)
	if !c.registered.Load() && c.maxHeap.Load() > 0 {
		c.w.add(c)
	}
}

// Leave marks its end.
func (c *Call) Leave() { c.state.Add(1) }

func (w *Watchdog) add(c *Call) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c.registered.Store(true)
	if w.calls == nil {
		w.calls = map[*Call]struct{}{}
	}
	if _, ok := w.calls[c]; !ok {
		w.calls[c] = struct{}{}
		c.seen, c.idle = c.state.Load()-1, 0 // not yet seen: a running call is caught one period later
	}
	if !w.running {
		w.running = true
		go w.loop()
	}
}

func (w *Watchdog) loop() {
	t := time.NewTicker(w.period)
	defer t.Stop()
	for range t.C {
		if !w.check() {
			return
		}
	}
}

// check runs one period; it returns false (and the goroutine ends) when
// no thread is left.
func (w *Watchdog) check() bool {
	heap := w.heap()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.checks.Add(1)
	for c := range w.calls {
		s := c.state.Load()
		switch {
		case s != c.seen: // a call started or ended since the last period
			c.idle = 0
			c.heapSeen = heap
		case s&1 == 1: // the same call is still running
			limit := c.maxHeap.Load()
			if limit > 0 && heap > limit && heap > c.heapSeen+limit/16 {
				c.thread.Cancel(fmt.Sprintf("memory limit: the process heap grew to %s while this call ran (the limit is %s; raise it with %s)",
					FormatSize(int64(heap>>20<<20)), FormatSize(int64(limit)), MaxHeapEnv))
				w.cancels.Add(1)
			}
		default: // idle
			if c.idle++; c.idle >= idlePeriods {
				// Drop c unless a call starts meanwhile: Enter
				// increments state before it reads registered.
				c.registered.Store(false)
				if c.state.Load() == s {
					delete(w.calls, c)
				} else {
					c.registered.Store(true)
				}
			}
		}
		c.seen = s
	}
	if len(w.calls) == 0 {
		w.running = false
		return false
	}
	return true
}

// Watching reports whether w has seen the call c is running (tests wait
// for it before they make the heap grow).
func (w *Watchdog) Watching(c *Call) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.calls[c]
	return ok && c.seen&1 == 1 && c.seen == c.state.Load()
}

// Running reports whether w's goroutine runs.
func (w *Watchdog) Running() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running
}

// Cancels and Checks count the calls cancelled and the periods run.
func (w *Watchdog) Cancels() int64 { return w.cancels.Load() }

// Checks counts the periods run.
func (w *Watchdog) Checks() int64 { return w.checks.Load() }
