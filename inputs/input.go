// Package inputs holds the input plugins: each decides *when* events happen by
// producing ascending timestamps (Unix nanoseconds). merge.go interleaves the
// timestamps of several inputs in time order.
package inputs

import (
	"context"

	"github.com/eventum-go/eventum/plugin"
)

// Input produces the timestamps of one input plugin.
type Input interface {
	// Generate calls emit with runs of ascending timestamps (Unix ns; each run
	// continues where the previous one ended) until the input is exhausted,
	// then returns nil. It returns ctx.Err() when ctx is cancelled and the
	// error of emit when emit fails. The slice passed to emit is only valid
	// during the call (the input may reuse it); emit may block (backpressure).
	Generate(ctx context.Context, emit func(times []int64) error) error
}

// Interactive is implemented by inputs whose timestamps are "now" at the
// moment something outside asks for them (the http input). The merge does not
// wait for such an input before releasing the timestamps of the others.
type Interactive interface {
	Input
	Interactive() bool
}

// Counted is implemented by inputs that know how many timestamps they will
// produce (for progress with a percentage); known is false when they cannot
// tell (an unbounded input, a cron schedule).
type Counted interface{ Total() (n int64, known bool) }

// Common holds the settings every input accepts; input configs embed it.
type Common struct {
	// Tags are attached to every timestamp of this input and reach the event plugin.
	Tags []string `yaml:"tags" doc:"attached to every timestamp of this input; visible to the event plugin"`
}

// TagList returns the input's tags.
func (c *Common) TagList() []string { return c.Tags }

// Tagged is implemented by every input config (through Common).
type Tagged interface{ TagList() []string }

// Registry holds the input plugins by name.
var Registry = plugin.NewRegistry[Input]("input")

// Batch is a run of merged timestamps: Times ascending, Src[i] the index of the
// input (in config order) that produced Times[i].
type Batch struct {
	Times []int64
	Src   []uint16
}

// Len is the number of timestamps in the batch.
func (b *Batch) Len() int { return len(b.Times) }

// Reset empties the batch, keeping its capacity.
func (b *Batch) Reset() { b.Times, b.Src = b.Times[:0], b.Src[:0] }
