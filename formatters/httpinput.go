package formatters

import (
	"strconv"

	"github.com/eventum-go/eventum/plugin"
)

// EventumHTTPInputConfig configures the eventum-http-input formatter; it has
// no settings.
type EventumHTTPInputConfig struct{}

// EventumHTTPInput turns a batch into the body the http input plugin of
// another eventum accepts: `{"count": N}`, where N is the number of events
// in the batch. The receiving generator then produces N events itself, so
// the event text is never sent.
type EventumHTTPInput struct{}

func init() {
	plugin.Register(Registry, "eventum-http-input",
		nil,
		func(*EventumHTTPInputConfig, *plugin.Env) (Formatter, error) { return EventumHTTPInput{}, nil })
}

// Format implements Formatter. An empty batch yields no payload.
func (EventumHTTPInput) Format(events []string, out *Formatted) {
	out.Reset()
	if len(events) == 0 {
		return
	}
	out.Payloads = append(out.Payloads, `{"count": `+strconv.Itoa(len(events))+`}`)
	out.Counts = append(out.Counts[:0], len(events))
}
