package outputs

import (
	"sync"
	"time"
)

// ticker runs a function periodically on its own goroutine until Stop; an
// output starts it in Open and stops it in Close, so the goroutine never
// outlives the output.
type ticker struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

// startTicker calls fn every period (period must be > 0).
func startTicker(period time.Duration, fn func()) *ticker {
	t := &ticker{stop: make(chan struct{})}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		tk := time.NewTicker(period)
		defer tk.Stop()
		for {
			select {
			case <-t.stop:
				return
			case <-tk.C:
				fn()
			}
		}
	}()
	return t
}

// Stop ends the goroutine and waits for a running fn to return. It is safe on
// a nil ticker and when called twice.
func (t *ticker) Stop() {
	if t == nil {
		return
	}
	select {
	case <-t.stop:
	default:
		close(t.stop)
	}
	t.wg.Wait()
}
