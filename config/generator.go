package config

import "gopkg.in/yaml.v3"

// Generator is a generator file: when events happen (input), what they look
// like (event) and where they go (output).
type Generator struct {
	File string `yaml:"-"`
	Dir  string `yaml:"-"`
	// Input lists the input plugins; their timestamps are merged in time order.
	Input []Plugin `yaml:"input" required:"true" schema:"inputs" doc:"the input plugins; their timestamps are merged in time order"`
	// Event is the one event plugin.
	Event Plugin `yaml:"event" required:"true" schema:"event" doc:"the one event plugin"`
	// Output lists the output plugins; every event goes to all of them.
	Output []Plugin `yaml:"output" required:"true" schema:"outputs" doc:"the output plugins; every event goes to all of them"`
}

// LoadGenerator loads and structurally checks a generator file. Plugin
// settings stay undecoded: the registries decode them.
func LoadGenerator(path string, vars Vars) (*Generator, error) {
	doc, err := Load(path, vars)
	if err != nil {
		return nil, err
	}
	return doc.Generator()
}

// Generator decodes the document as a generator file.
func (d *Document) Generator() (*Generator, error) {
	g := &Generator{File: d.File, Dir: d.Dir}
	errs := Flatten(d.Decode(g))
	if len(g.Input) == 0 && hasKey(d.Root, "input") {
		errs = append(errs, &Error{File: d.File, Line: keyLine(d.Root, "input"), Path: "input", Msg: "at least one input plugin is required"})
	}
	if len(g.Output) == 0 && hasKey(d.Root, "output") {
		errs = append(errs, &Error{File: d.File, Line: keyLine(d.Root, "output"), Path: "output", Msg: "at least one output plugin is required"})
	}
	if len(errs) > 0 {
		return nil, join(errs)
	}
	return g, nil
}

func hasKey(n *yaml.Node, key string) bool { return keyLine(n, key) > 0 }

func keyLine(n *yaml.Node, key string) int {
	if n == nil || n.Kind != yaml.MappingNode {
		return 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return max(n.Content[i].Line, 1)
		}
	}
	return 0
}
