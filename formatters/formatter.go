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
	// FailedAt[k] is len(Payloads) when the k-th failed event was skipped;
	// with the events' own order it tells which event each payload came
	// from (the pipeline uses it to give every payload its timestamp).
	FailedAt []int
	// Stamps[i] is the timestamp (Unix ns) of Payloads[i], for a payload
	// packing many events its first event's. The pipeline fills it after
	// Format (see SetStamps); formatters leave it alone.
	Stamps []int64
}

// Reset empties f, keeping its capacity.
func (f *Formatted) Reset() {
	f.Payloads, f.Counts, f.Failed, f.Errors = f.Payloads[:0], nil, 0, f.Errors[:0]
	f.FailedAt, f.Stamps = f.FailedAt[:0], f.Stamps[:0]
}

// Fail records one failed event and keeps err if there is room.
func (f *Formatted) Fail(err error) {
	f.Failed++
	f.FailedAt = append(f.FailedAt, len(f.Payloads))
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

// SetStamps fills f.Stamps from the timestamps of the events f was
// formatted from (stamps[i] is events[i]'s). A per-event payload gets its
// event's timestamp; a payload packing many events gets the timestamp of
// the first event of its range. stamps shorter than the events (a caller
// without timestamps) leaves f.Stamps empty.
func (f *Formatted) SetStamps(stamps []int64) {
	f.Stamps = f.Stamps[:0]
	if len(stamps) == 0 {
		return
	}
	if f.Counts != nil {
		first := 0
		for _, c := range f.Counts {
			f.Stamps = append(f.Stamps, stamps[min(first, len(stamps)-1)])
			first += c
		}
		return
	}
	ev, k := 0, 0 // ev: the event of payload p; k: failures skipped so far
	for p := range f.Payloads {
		for k < len(f.FailedAt) && f.FailedAt[k] <= p {
			k++
			ev++
		}
		if ev >= len(stamps) {
			f.Stamps = f.Stamps[:0]
			return
		}
		f.Stamps = append(f.Stamps, stamps[ev])
		ev++
	}
}

// Registry holds the formatters by their `format` name.
var Registry = plugin.NewRegistry[Formatter]("formatter")
