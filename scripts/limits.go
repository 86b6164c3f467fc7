package scripts

import (
	"fmt"

	"github.com/eventum-go/eventum/starlib/guard"
)

// Limits bound one call of user code: a script's produce(), a template
// plugin's render of one timestamp (every template it picks), and the top
// level of a script or template run when it is built. Each limit ends the
// call with an error naming it; the producer stays usable for the next call.
type Limits struct {
	// MaxEvents is the most events one call may return.
	MaxEvents int
	// MaxBytes is the most bytes the events of one call may hold together
	// (a template's output is checked as it is written).
	MaxBytes int
	// MaxSteps is the most Starlark steps one call may run.
	MaxSteps uint64
	// MaxHeap is the heap watchdog's limit (see starlib/guard): a call that
	// has been running for a watchdog period (10 ms) while the process's Go
	// heap grew past MaxHeap is cancelled. Zero turns the watchdog off for
	// the producer.
	MaxHeap uint64
}

// Documented defaults of Limits (MaxHeap: guard.DefaultMaxHeap, or
// EVENTUM_MAX_HEAP_BYTES).
const (
	DefaultMaxEvents = 1_000_000
	DefaultMaxBytes  = 64 << 20
	DefaultMaxSteps  = 500_000_000
)

// DefaultLimits returns the documented defaults, with MaxHeap read from
// EVENTUM_MAX_HEAP_BYTES when it is set (0 there turns the watchdog off).
func DefaultLimits() (Limits, error) {
	heap, err := guard.MaxHeap()
	return Limits{MaxEvents: DefaultMaxEvents, MaxBytes: DefaultMaxBytes, MaxSteps: DefaultMaxSteps, MaxHeap: heap}, err
}

// PreviewLimits are DefaultLimits tightened for requests of the preview
// API, which render a handful of events for a person to look at.
func PreviewLimits() (Limits, error) {
	l, err := DefaultLimits()
	l.MaxEvents = 10_000
	l.MaxBytes = 8 << 20
	l.MaxSteps = 50_000_000
	return l, err
}

// Limiter is implemented by the producers running user code (script,
// template): SetLimits replaces the limits they were built with (the
// defaults). Call it between calls, from the producer's goroutine.
type Limiter interface{ SetLimits(Limits) }

// SetLimits sets l on p when p runs user code; it reports whether it did.
func SetLimits(p Producer, l Limits) bool {
	lim, ok := p.(Limiter)
	if ok {
		lim.SetLimits(l)
	}
	return ok
}

// withDefaults fills zero fields of l with the defaults (MaxHeap excepted:
// zero turns the watchdog off).
func (l Limits) withDefaults() Limits {
	if l.MaxEvents <= 0 {
		l.MaxEvents = DefaultMaxEvents
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxSteps == 0 {
		l.MaxSteps = DefaultMaxSteps
	}
	return l
}

// tooManyEvents and tooManyBytes are the errors of the per-call caps.
func tooManyEvents(kind, name string, n, limit int) error {
	return fmt.Errorf("%s %s: one call returned %d events, more than the limit of %d", kind, name, n, limit)
}

func tooManyBytes(kind, name string, limit int) error {
	return fmt.Errorf("%s %s: the events of one call hold more than %s, the limit", kind, name, guard.FormatSize(int64(limit)))
}
