// Package outputs holds the output plugins, which deliver formatted events:
// stdout, file, http, kafka, postgres, clickhouse, opensearch, tcp, udp, ...
package outputs

import (
	"context"

	"github.com/eventum-generator/eventum-go/config"
	"github.com/eventum-generator/eventum-go/plugin"
)

// Output delivers payloads to one destination. Open and Close are called
// once; Write is called from one goroutine at a time unless the output
// implements Concurrent.
type Output interface {
	// Open connects, opens files, creates tables.
	Open(ctx context.Context) error
	// Write delivers payloads (in order) and returns how many were delivered.
	// An error means payloads[written:] failed; the pipeline counts them as
	// write_failed. ctx carries the write_timeout deadline. Implementations
	// retry transient failures themselves within ctx.
	Write(ctx context.Context, payloads []string) (written int, err error)
	// Close flushes what is buffered and releases resources.
	Close(ctx context.Context) error
}

// Concurrent is implemented by outputs whose Write is safe to call from
// several goroutines at once (network clients with pools). Others get their
// writes serialized.
type Concurrent interface{ ConcurrentWrites() bool }

// Common holds the settings every output accepts; output configs embed it.
type Common struct {
	// Formatter formats events before they are written; each output documents its default.
	Formatter *config.Raw `yaml:"formatter"`
}

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
