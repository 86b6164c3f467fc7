// Package scripts holds the event plugins, which decide *what* events look
// like: Starlark scripts (script), Jinja-syntax templates compiled to Starlark
// (template, with the compiler in scripts/jinja) and log replay (replay).
package scripts

import (
	"errors"

	"github.com/eventum-go/eventum/plugin"
)

// Producer turns one timestamp into zero or more events.
// A producer is used from a single goroutine (the generator's event stage).
type Producer interface {
	// Produce appends the events for the timestamp ts (Unix ns) to out and
	// returns the extended slice. src indexes Env.InputTags: the tags of the
	// input that produced ts. Returning ErrExhausted (possibly with events
	// appended) ends the generator cleanly after those events are delivered.
	Produce(ts int64, src int, out []string) ([]string, error)
}

// Closer is implemented by producers holding resources (open files).
type Closer interface{ Close() error }

// Canceler is implemented by producers running user code (script, template):
// Cancel makes the running call (and later ones) fail with reason. It is
// safe to call from any goroutine; the pipeline calls it on abort.
type Canceler interface{ Cancel(reason string) }

// DropCounter is implemented by producers that can discard a timestamp's
// events on purpose (a template's dispatch.drop()): Dropped is how many
// timestamps they discarded so far. It is read from other goroutines.
type DropCounter interface{ Dropped() int64 }

// ErrExhausted tells the pipeline the producer has nothing more to say
// (replay reached the end of its file, a template called dispatch.exhaust()).
var ErrExhausted = errors.New("event plugin exhausted")

// Registry holds the event plugins by name.
var Registry = plugin.NewRegistry[Producer]("event")

// Stateful is implemented by producers that can tell whether several
// instances built from the same config may share a generator's timestamps
// (the event stage's parallel workers). StateReason is empty when each
// timestamp's events depend only on the timestamp, its global index and
// its random stream; otherwise it says what carries state across
// timestamps (locals, an fsm, ...) and the generator runs one instance.
// Producers that do not implement it run one instance.
type Stateful interface{ StateReason() string }

// Indexed is implemented by producers whose picking follows the global
// timestamp index (spin and chain modes pick by index mod length, so a
// shard or a worker picks what the unsharded run picks at that index).
// The pipeline calls SetIndex before every Produce; without it the
// producer counts its own calls.
type Indexed interface{ SetIndex(idx uint64) }

// TimedProducer is implemented by producers whose events may carry their
// own timestamps rather than the one they were produced for (a template's
// burst or sequence spreads its members after the trigger). ProduceTimed
// appends the events to out, as Produce does, and one timestamp (Unix ns)
// per appended event to stamps. The pipeline calls it instead of Produce
// when a producer implements it; other producers' events carry ts.
type TimedProducer interface {
	ProduceTimed(ts int64, src int, out []string, stamps []int64) ([]string, []int64, error)
}
