// Package outputs holds the output plugins, which deliver formatted events:
// stdout, file, http, kafka, postgres, clickhouse, opensearch, tcp, udp, ...
package outputs

import (
	"context"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// Output delivers payloads to one destination. Open and Close are called
// once; Write is called from one goroutine at a time unless the output
// implements Concurrent.
type Output interface {
	// Open connects, opens files, creates tables.
	Open(ctx context.Context) error
	// Write makes one attempt to deliver payloads, in order. It returns n,
	// the length of the prefix payloads[:n] that is settled: acknowledged by
	// the sink, or refused as unusable (reported by a *RejectedError in err,
	// counting only payloads of that prefix). With n < len(payloads) err
	// says why the rest was not delivered; the pipeline retries
	// payloads[n:] with the output's retry policy unless err is Permanent.
	// A payload whose fate is unknown (a timeout after it was sent) must not
	// be in the prefix. ctx carries the attempt's deadline (write_timeout,
	// unless the output is SelfTimed) and an Attempt; it is cancelled at a
	// hard stop. Write must not retry on its own beyond what one attempt
	// means for its client.
	Write(ctx context.Context, payloads []string) (n int, err error)
	// Close flushes what is buffered and releases resources.
	Close(ctx context.Context) error
}

// Concurrent is implemented by outputs whose Write is safe to call from
// several goroutines at once (network clients with pools). Others get their
// writes serialized.
type Concurrent interface{ ConcurrentWrites() bool }

// WriteLimiter is implemented by concurrent outputs that can only make
// progress on a few writes at once (a connection pool, a client's in-flight
// limit). The pipeline starts at most MaxConcurrentWrites writes of the
// output at a time, within max_concurrency: more would only wait inside the
// output, each holding its batch, so memory would grow with max_concurrency
// without any gain in speed.
type WriteLimiter interface{ MaxConcurrentWrites() int }

// Common holds the settings every output accepts; output configs embed it.
type Common struct {
	// Formatter formats events before they are written; each output documents its default.
	Formatter *config.Raw `yaml:"formatter" schema:"formatter" absent:"per output (table below)" doc:"how events become payloads, e.g. '{format: json}'"`
	// Retry is how a batch whose delivery failed for a transient reason is retried.
	Retry RetryConfig `yaml:"retry" doc:"how a failed batch is retried: 'initial' (seconds, default '0.5'), 'max' (default '30'), 'budget' (default unlimited in sample mode, '300' in live mode; '0' = unlimited) — see [delivery](delivery.md#retries)"`
	// OnFull is what happens to a batch when this output's queue is full:
	// "block" (default: production waits) or "drop" (counted as dropped).
	OnFull string `yaml:"on_full" default:"block" enum:"block,drop" doc:"when this output's queue is full: wait, or drop the batch for this output (counted as 'dropped')"`
}

// ValidateCommon implements plugin.CommonValidator.
func (c *Common) ValidateCommon() error { return c.checkDelivery() }

// LateFailer is implemented by outputs that accept payloads into a queue of
// their own and deliver them later (baseplate): LateFailed is how many
// payloads they reported as written but then failed to deliver. The pipeline
// moves that many from written to write_failed.
type LateFailer interface{ LateFailed() int64 }

// FormatterSetting returns the formatter setting (nil when absent).
func (c *Common) FormatterSetting() *config.Raw { return c.Formatter }

// HasFormatter is implemented by every output config (through Common).
type HasFormatter interface{ FormatterSetting() *config.Raw }

// DefaultFormatter is implemented by output configs whose default formatter is
// not "plain".
type DefaultFormatter interface{ DefaultFormat() string }

// Registry holds the output plugins by name.
var Registry = plugin.NewRegistry[Output]("output")
