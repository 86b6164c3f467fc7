// Package formatters turns produced events into the payloads an output writes
// (plain, json, json-batch, template, ...). Every output accepts every formatter
// through its `formatter: {format: NAME, ...}` setting.
package formatters

import (
	"github.com/eventum-go/eventum/plugin"
)

// Formatter formats one batch of events. A formatter is used from one
// goroutine at a time (the output's writer).
type Formatter interface {
	// Format fills out (after out.Reset()) from events. A failing event is
	// counted in out.Failed and skipped; it never fails the whole batch.
	Format(events []string, out *Formatted)
}

// MaxErrors is how many format errors a Formatted keeps for logging.
const MaxErrors = 5

// Formatted is the result of formatting a batch; reuse it between batches.
type Formatted struct {
	// Payloads are what the output writes, in order.
	Payloads []string
	// Counts[i] is the number of events in Payloads[i]; nil means one each
	// (batch formatters such as json-batch pack many events in one payload).
	Counts []int
	// Failed counts events that could not be formatted.
	Failed int
	// Errors keeps the first MaxErrors format errors.
	Errors []error
}

// Reset empties f, keeping its capacity.
func (f *Formatted) Reset() {
	f.Payloads, f.Counts, f.Failed, f.Errors = f.Payloads[:0], nil, 0, f.Errors[:0]
}

// Fail records one failed event and keeps err if there is room.
func (f *Formatted) Fail(err error) {
	f.Failed++
	if len(f.Errors) < MaxErrors {
		f.Errors = append(f.Errors, err)
	}
}

// Events returns how many events the first n payloads carry.
func (f *Formatted) Events(n int) int {
	if f.Counts == nil {
		return n
	}
	total := 0
	for _, c := range f.Counts[:n] {
		total += c
	}
	return total
}

// Registry holds the formatters by their `format` name.
var Registry = plugin.NewRegistry[Formatter]("formatter")
