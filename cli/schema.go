package cli

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/formatters"
	"github.com/eventum-go/eventum/inputs"
	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/scripts"
	"github.com/eventum-go/eventum/server"
)

// schemaKinds are the config files `eventum schema` describes.
var schemaKinds = []string{"generator", "app", "startup"}

func schemaCommand() *cli.Command {
	return &cli.Command{
		Name:      "schema",
		Usage:     "print the JSON Schema of generator.yml, eventum.yml (app) or startup.yml",
		ArgsUsage: "generator|app|startup",
		Description: "The schemas come from the same declarations as the decoder and the docs. Point an editor\n" +
			"at them, e.g. with yaml-language-server: `# yaml-language-server: $schema=generator.json`.\n" +
			"The committed copies live in schema/*.json.",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError(c, fmt.Errorf("need one of %v, got %d arguments", schemaKinds, c.NArg()))
			}
			b, err := SchemaJSON(c.Args().First())
			if err != nil {
				return usageError(c, err)
			}
			_, err = c.App.Writer.Write(b)
			return err
		},
	}
}

// SchemaJSON returns the JSON Schema of a config file kind (generator, app,
// startup), indented, with a final newline.
func SchemaJSON(kind string) ([]byte, error) {
	var sc map[string]any
	switch kind {
	case "generator":
		sc = GeneratorSchema()
	case "app":
		sc = AppSchema()
	case "startup":
		sc = StartupSchema()
	default:
		return nil, fmt.Errorf("unknown schema %q (known: generator, app, startup)", kind)
	}
	b, err := json.MarshalIndent(sc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", kind, err)
	}
	return append(b, '\n'), nil
}

const schemaDialect = "https://json-schema.org/draft/2020-12/schema"

func schemaID(kind string) string {
	return "https://github.com/eventum-go/eventum/schema/" + kind + ".json"
}

// lookupConfig is a registry's name → fresh config, for the schema.
type lookupConfig func(name string) any

// pluginDefs adds one $defs entry per plugin of a kind and returns the
// schema of a `name: {settings}` mapping naming one of them.
func pluginDefs(defs map[string]any, kind string, names []string, newConfig lookupConfig, o config.SchemaOptions) map[string]any {
	props := map[string]any{}
	for _, n := range names {
		if strings.HasPrefix(n, "test-") { // registered by tests only
			continue
		}
		cfg := newConfig(n)
		sc := config.Schema(reflect.TypeOf(cfg), o)
		id := kind + "." + n
		defs[id] = sc
		ref := map[string]any{"$ref": "#/$defs/" + id}
		if _, required := sc["required"]; !required {
			// `name:` without settings is `name: {}`.
			ref = map[string]any{"anyOf": []any{ref, map[string]any{"type": "null"}}}
		}
		props[n] = ref
	}
	return map[string]any{
		"type": "object", "minProperties": 1, "maxProperties": 1,
		"properties": props, "additionalProperties": false,
		"description": fmt.Sprintf("one %s plugin as `name: {settings}`", kind),
	}
}

// formatterSchema is the `formatter:` mapping of an output: `format` names
// the formatter, the other keys are its settings.
func formatterSchema(defs map[string]any) map[string]any {
	names := formatters.Registry.Names()
	var alts []any
	for _, n := range names {
		spec, _ := formatters.Registry.Lookup(n)
		sc := config.Schema(reflect.TypeOf(spec.NewConfig()), config.SchemaOptions{})
		props := map[string]any{"format": map[string]any{"const": n}}
		for k, v := range sc["properties"].(map[string]any) {
			props[k] = v
		}
		id := "formatter." + n
		defs[id] = map[string]any{"type": "object", "properties": props, "required": []string{"format"}, "additionalProperties": false}
		alts = append(alts, map[string]any{"$ref": "#/$defs/" + id})
	}
	return map[string]any{
		"type":        "object",
		"description": "how events become payloads: `format` names the formatter, the other keys are its settings",
		"properties":  map[string]any{"format": map[string]any{"enum": names}},
		"required":    []string{"format"},
		"oneOf":       alts,
	}
}

// GeneratorSchema is the JSON Schema of a generator file.
func GeneratorSchema() map[string]any {
	defs := map[string]any{}
	defs["formatter"] = formatterSchema(defs)
	o := config.SchemaOptions{Named: map[string]map[string]any{"formatter": {"$ref": "#/$defs/formatter"}}}
	defs["input"] = pluginDefs(defs, "input", inputs.Registry.Names(), func(n string) any {
		s, _ := inputs.Registry.Lookup(n)
		return s.NewConfig()
	}, o)
	defs["event"] = pluginDefs(defs, "event", scripts.Registry.Names(), func(n string) any {
		s, _ := scripts.Registry.Lookup(n)
		return s.NewConfig()
	}, o)
	defs["output"] = pluginDefs(defs, "output", outputs.Registry.Names(), func(n string) any {
		s, _ := outputs.Registry.Lookup(n)
		return s.NewConfig()
	}, o)
	o.Named = map[string]map[string]any{
		"inputs":  {"type": "array", "minItems": 1, "items": map[string]any{"$ref": "#/$defs/input"}},
		"event":   {"$ref": "#/$defs/event"},
		"outputs": {"type": "array", "minItems": 1, "items": map[string]any{"$ref": "#/$defs/output"}},
	}
	sc := config.Schema(reflect.TypeFor[config.Generator](), o)
	sc["$schema"] = schemaDialect
	sc["$id"] = schemaID("generator")
	sc["title"] = "eventum generator"
	sc["$defs"] = defs
	return sc
}

func serverSchemaOptions() config.SchemaOptions {
	return config.SchemaOptions{Types: map[reflect.Type]map[string]any{
		reflect.TypeFor[server.Seconds](): config.DurationSchema(),
	}}
}

// AppSchema is the JSON Schema of the application config, eventum.yml.
// Nested mappings and flat dotted keys (`server.port: 9474`) are both accepted.
func AppSchema() map[string]any {
	o := serverSchemaOptions()
	o.Defaults = server.DefaultSettings()
	sc := config.Schema(reflect.TypeFor[server.Settings](), o)
	sc["$schema"] = schemaDialect
	sc["$id"] = schemaID("app")
	sc["title"] = "eventum application config (eventum.yml)"
	return sc
}

// StartupSchema is the JSON Schema of the startup file: a list of
// generators (or, as TOML writes it, a `generators` list).
func StartupSchema() map[string]any {
	entry := config.Schema(reflect.TypeFor[server.Entry](), serverSchemaOptions())
	list := map[string]any{"type": "array", "items": map[string]any{"$ref": "#/$defs/entry"}}
	return map[string]any{
		"$schema": schemaDialect,
		"$id":     schemaID("startup"),
		"title":   "eventum startup file",
		"$defs":   map[string]any{"entry": entry},
		"anyOf": []any{
			list,
			map[string]any{"type": "null"},
			map[string]any{"type": "object", "properties": map[string]any{"generators": list}, "required": []string{"generators"}, "additionalProperties": false},
		},
	}
}
