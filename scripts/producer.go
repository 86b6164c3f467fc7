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
