package main

import (
	"bytes"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// heapPeak samples the heap every interval and keeps the heap profile taken
// at the highest HeapAlloc seen: what was live when memory peaked
// (`go tool pprof -sample_index=inuse_space PATH`; alloc_space gives the
// allocations of the whole run).
type heapPeak struct {
	mu   sync.Mutex
	peak uint64
	prof bytes.Buffer
	stop chan struct{}
	done chan struct{}
}

func startHeapPeak(interval time.Duration) *heapPeak {
	h := &heapPeak{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				h.sample()
			}
		}
	}()
	return h
}

func (h *heapPeak) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.mu.Lock()
	defer h.mu.Unlock()
	if ms.HeapAlloc <= h.peak {
		return
	}
	h.peak = ms.HeapAlloc
	h.prof.Reset()
	_ = pprof.Lookup("heap").WriteTo(&h.prof, 0)
}

// write stops sampling and writes the peak's profile to path.
func (h *heapPeak) write(path string) error {
	close(h.stop)
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	return os.WriteFile(path, h.prof.Bytes(), 0o644)
}
