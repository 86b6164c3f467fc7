package formatters

import (
	"fmt"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// Build makes the formatter an output's `formatter:` setting asks for. raw is
// the mapping as written (`{format: json, indent: 2}`); a nil raw selects
// defaultFormat with its default settings. The `format` key picks the
// formatter from Registry; the other keys are its settings, decoded strictly.
func Build(raw *config.Raw, defaultFormat string, env *plugin.Env) (Formatter, error) {
	if raw == nil || raw.Node == nil {
		spec, ok := Registry.Lookup(defaultFormat)
		if !ok {
			return nil, fmt.Errorf("unknown default formatter %q (known: %v)", defaultFormat, Registry.Names())
		}
		f, err := spec.Build(spec.NewConfig(), env)
		if err != nil {
			return nil, fmt.Errorf("formatter %s: %w", defaultFormat, err)
		}
		return f, nil
	}
	p, err := raw.Plugin("format")
	if err != nil {
		return nil, err
	}
	spec, cfg, err := Registry.Decode(p, "format")
	if err != nil {
		return nil, err
	}
	f, err := spec.Build(cfg, env)
	if err != nil {
		return nil, p.Errorf("formatter %s: %v", p.Name, err)
	}
	return f, nil
}
