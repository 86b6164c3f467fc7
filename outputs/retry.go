package outputs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/eventum-go/eventum/config"
)

// RetryConfig is the `retry:` setting every output accepts: how the
// pipeline retries a batch whose delivery failed for a transient reason.
type RetryConfig struct {
	// Initial is the first wait before a retry, in seconds (default 0.5).
	Initial config.Duration `yaml:"initial" absent:"'0.5'" doc:"seconds before the first retry; doubled after each failed attempt"`
	// Max caps the wait between two attempts, in seconds (default 30).
	Max config.Duration `yaml:"max" absent:"'30'" doc:"the longest wait between two attempts"`
	// Budget is the longest one batch may spend being retried, in seconds;
	// 0 retries without end. Unset: unlimited in sample mode, 300 in live mode.
	Budget *config.Duration `yaml:"budget" absent:"unlimited in sample mode, '300' in live mode" doc:"the longest one batch may spend being retried; then its events count as 'write_failed'. '0' means unlimited"`
}

// Retry defaults (docs/delivery.md).
const (
	DefaultRetryInitial    = 500 * time.Millisecond
	DefaultRetryMax        = 30 * time.Second
	DefaultLiveRetryBudget = 300 * time.Second
)

// Policy is a resolved retry policy: jittered exponential backoff from
// Initial up to Max, for at most Budget per batch (0: without end).
type Policy struct {
	Initial, Max, Budget time.Duration
}

// Policy resolves the setting for a run in live (true) or sample mode.
func (c RetryConfig) Policy(live bool) Policy {
	p := Policy{Initial: c.Initial.D(), Max: c.Max.D()}
	if p.Initial <= 0 {
		p.Initial = DefaultRetryInitial
	}
	if p.Max <= 0 {
		p.Max = DefaultRetryMax
	}
	p.Max = max(p.Max, p.Initial)
	switch {
	case c.Budget != nil:
		p.Budget = c.Budget.D()
	case live:
		p.Budget = DefaultLiveRetryBudget
	}
	return p
}

// Backoff is the wait before retry number n (1 for the first retry): the
// initial wait doubled n-1 times, capped at Max, with "equal jitter" (a
// random point in its upper half) so that many writers do not retry in step.
func (p Policy) Backoff(n int) time.Duration {
	d := p.Initial
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// OnFull values: what the pipeline does with a batch for an output whose
// queue is full.
const (
	OnFullBlock = "block" // wait: production slows to the output's pace (default)
	OnFullDrop  = "drop"  // drop the batch for this output and count it
)

// DeliverySettings are the delivery keys every output accepts (through Common).
type DeliverySettings struct {
	Retry  RetryConfig
	OnFull string
}

// Delivery implements HasDelivery.
func (c *Common) Delivery() DeliverySettings {
	on := c.OnFull
	if on == "" {
		on = OnFullBlock
	}
	return DeliverySettings{Retry: c.Retry, OnFull: on}
}

// HasDelivery is implemented by every output config (through Common).
type HasDelivery interface{ Delivery() DeliverySettings }

// checkDelivery validates the keys of Common.
func (c *Common) checkDelivery() error {
	if c.Retry.Initial < 0 || c.Retry.Max < 0 {
		return fmt.Errorf("retry: initial and max must not be negative")
	}
	return nil
}

// permanentError marks a failure that retrying cannot fix (4xx, a rejected
// certificate, a constraint violation).
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: the pipeline counts the
// payloads it failed as write_failed at once. Nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err (or an error it wraps) was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// Attempt identifies one delivery attempt of a batch. The pipeline puts it
// in the context of every Write; outputs whose sink deduplicates (an HTTP
// Idempotency-Key, ClickHouse's insert_deduplication_token) derive a key
// from Batch and Offset that is the same on every attempt of a payload.
type Attempt struct {
	// Batch numbers the batches of one output in the order the pipeline hands them out, from 1.
	Batch uint64
	// Offset is the index, in the batch as first formatted, of payloads[0] of this Write.
	Offset int
	// N counts the attempts of this batch, from 1.
	N int
	// Timestamps are the times (Unix ns) of payloads[i] of this Write, one
	// per payload (for a payload packing many events, its first event's);
	// nil outside the pipeline.
	Timestamps []int64
}

type attemptKey struct{}

// WithAttempt returns ctx carrying a.
func WithAttempt(ctx context.Context, a Attempt) context.Context {
	return context.WithValue(ctx, attemptKey{}, a)
}

// AttemptFrom returns the attempt in ctx (the zero Attempt when there is none:
// a direct call outside the pipeline).
func AttemptFrom(ctx context.Context) Attempt {
	a, _ := ctx.Value(attemptKey{}).(Attempt)
	return a
}

// SelfTimed is implemented by outputs whose Write must not be cut short by
// the generator's write_timeout, because their client keeps what a
// cancelled write handed it and would deliver it later (kafka-go), or
// because Write only waits for room in a queue of their own (baseplate).
// Their Write still returns when the context passed in is cancelled (a hard
// stop), and bounds its own attempts.
type SelfTimed interface{ SelfTimed() bool }

// retryAfterError carries the earliest time the sink wants to be asked again
// (HTTP Retry-After, gRPC RetryInfo).
type retryAfterError struct {
	error
	after time.Duration
}

func (e retryAfterError) Unwrap() error { return e.error }

// RetryAfter marks err as transient with a server-given minimum wait before
// the next attempt; the pipeline waits at least that long (and at least its
// own backoff). A zero or negative wait returns err unchanged.
func RetryAfter(err error, wait time.Duration) error {
	if err == nil || wait <= 0 {
		return err
	}
	return retryAfterError{err, wait}
}

// RetryDelay returns the wait err asks for (0 when none).
func RetryDelay(err error) time.Duration {
	var r retryAfterError
	if errors.As(err, &r) {
		return r.after
	}
	return 0
}
