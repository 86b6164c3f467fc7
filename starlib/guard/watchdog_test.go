package guard

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

const mib = 1 << 20

// loopForever is a function looping until its thread is cancelled.
func loopForever(t *testing.T) starlark.Callable {
	t.Helper()
	opts := &syntax.FileOptions{While: true}
	g, err := starlark.ExecFileOptions(opts, &starlark.Thread{}, "loop.star", "def loop():\n    while True:\n        pass\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	return g["loop"].(starlark.Callable)
}

// waitUntil polls cond every millisecond for up to 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// watched runs fn on a fresh thread between Enter and Leave of its Call.
type watched struct {
	th   *starlark.Thread
	call *Call
	done chan error
}

func start(w *Watchdog, fn starlark.Callable, maxHeap uint64) *watched {
	th := &starlark.Thread{Name: "test"}
	c := &watched{th: th, call: w.Watch(th, maxHeap), done: make(chan error, 1)}
	go func() {
		c.call.Enter()
		_, err := starlark.Call(th, fn, nil, nil)
		c.call.Leave()
		c.done <- err
	}()
	return c
}

func TestWatchdog(t *testing.T) {
	t.Parallel()
	var heap atomic.Uint64
	heap.Store(100 * mib)
	w := NewWatchdog(time.Millisecond, heap.Load)
	loop := loopForever(t)

	t.Run("the heap growing past the limit cancels the running calls", func(t *testing.T) {
		a, b := start(w, loop, 512*mib), start(w, loop, 512*mib)
		waitUntil(t, "the watchdog to watch both calls", func() bool { return w.Watching(a.call) && w.Watching(b.call) })
		heap.Store(600 * mib)
		for _, c := range []*watched{a, b} {
			err := <-c.done
			if err == nil || !strings.Contains(err.Error(), "memory limit: the process heap grew to 600 MiB while this call ran (the limit is 512 MiB; raise it with EVENTUM_MAX_HEAP_BYTES)") {
				t.Fatalf("err = %v", err)
			}
		}
		heap.Store(100 * mib)
	})

	t.Run("a heap above the limit that does not grow cancels nothing", func(t *testing.T) {
		heap.Store(700 * mib)
		c := start(w, loop, 512*mib)
		waitUntil(t, "the watchdog to watch the call", func() bool { return w.Watching(c.call) })
		cancels, checks := w.Cancels(), w.Checks()
		waitUntil(t, "20 watchdog periods", func() bool {
			heap.Add(4096) // noise, not growth
			return w.Checks() > checks+20
		})
		c.th.Cancel("test over")
		if err := <-c.done; err == nil || !strings.Contains(err.Error(), "test over") {
			t.Fatalf("err = %v, want the test's own cancel", err)
		}
		if n := w.Cancels() - cancels; n != 0 {
			t.Fatalf("the watchdog cancelled %d calls", n)
		}
		heap.Store(100 * mib)
	})

	t.Run("a limit of 0 is not watched", func(t *testing.T) {
		c := start(w, loop, 0)
		checks := w.Checks()
		heap.Store(900 * mib)
		waitUntil(t, "a few watchdog periods", func() bool { return !w.Running() || w.Checks() > checks+5 })
		c.th.Cancel("test over")
		if err := <-c.done; err == nil || !strings.Contains(err.Error(), "test over") {
			t.Fatalf("err = %v, want the test's own cancel", err)
		}
		heap.Store(100 * mib)
	})

	t.Run("the goroutine runs only while calls are made", func(t *testing.T) {
		waitUntil(t, "the goroutine to end", func() bool { return !w.Running() })
		c := w.Watch(&starlark.Thread{}, 512*mib)
		c.Enter()
		c.Leave()
		if !w.Running() {
			t.Fatal("a call did not start the goroutine")
		}
		waitUntil(t, "the goroutine to end again", func() bool { return !w.Running() })
		c.Enter() // registered again after being dropped
		c.Leave()
		if !w.Running() {
			t.Fatal("a call after the drop did not start the goroutine")
		}
	})
}

// The process's watchdog reads the real heap.
func TestHeapBytes(t *testing.T) {
	t.Parallel()
	if n := heapBytes(); n == 0 {
		t.Fatal("the heap reads as 0")
	}
	if n, err := MaxHeap(); err == nil && n == 0 {
		t.Log("EVENTUM_MAX_HEAP_BYTES=0: the watchdog is off")
	}
}

// BenchmarkEnterLeave is the watchdog's cost per call of user code.
func BenchmarkEnterLeave(b *testing.B) {
	c := Watch(&starlark.Thread{}, DefaultMaxHeap)
	for b.Loop() {
		c.Enter()
		c.Leave()
	}
}
