package formatters

import "github.com/eventum-go/eventum/plugin"

// PlainConfig configures the plain formatter; it has no settings.
type PlainConfig struct{}

// Plain passes events through unchanged: the payloads share the events'
// memory, nothing is copied.
type Plain struct{}

func init() {
	plugin.Register(Registry, "plain",
		nil,
		func(*PlainConfig, *plugin.Env) (Formatter, error) { return Plain{}, nil })
}

// Format implements Formatter.
func (Plain) Format(events []string, out *Formatted) {
	out.Reset()
	out.Payloads = append(out.Payloads, events...)
}
