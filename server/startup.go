package server

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
)

// Entry is one generator of the startup file: where its config is, how to
// run it, and overrides of the application's generation settings.
type Entry struct {
	// ID names the generator (API, logs, metrics); unique in the file.
	ID string `yaml:"id" json:"id" required:"true"`
	// Path is the generator config file, or its directory (the config file
	// name is then path.generator_config_filename); relative paths resolve
	// against path.generators_dir.
	Path string `yaml:"path" json:"path" required:"true"`
	// Autostart starts the generator with the application (default true).
	Autostart bool `yaml:"autostart" json:"autostart"`
	// LiveMode paces events to the wall clock (default true); false is sample mode.
	LiveMode bool `yaml:"live_mode" json:"live_mode"`
	// SkipPast drops, in live mode, timestamps before the start (default true).
	SkipPast bool `yaml:"skip_past" json:"skip_past"`
	// Params are the generator's ${params.x}.
	Params map[string]any `yaml:"params" json:"params"`
	// Confined runs the generator confined even when the operator starts it
	// (files read inside path.generators_dir, written inside
	// path.output_dir). Entries written through the API always get true.
	Confined bool `yaml:"confined" json:"confined"`
	// Scenarios name the groups the generator belongs to (/api/scenarios).
	Scenarios []string `yaml:"scenarios" json:"scenarios,omitempty"`
	// Generation overrides the application's generation.* settings.
	Generation `yaml:",inline"`
}

// clone copies g so that decoding into the copy leaves g alone.
func (g Generation) clone() Generation {
	c := g
	if g.Batch.Size != nil {
		v := *g.Batch.Size
		c.Batch.Size = &v
	}
	if g.Batch.Delay != nil {
		v := *g.Batch.Delay
		c.Batch.Delay = &v
	}
	if g.Queue.MaxEventBytes != nil {
		v := *g.Queue.MaxEventBytes
		c.Queue.MaxEventBytes = &v
	}
	return c
}

// newEntry is an entry holding the defaults: base generation settings,
// autostart, live mode and skip_past on.
func newEntry(base Generation) Entry {
	return Entry{Autostart: true, LiveMode: true, SkipPast: true, Params: map[string]any{}, Generation: base.clone()}
}

// decodeEntry strictly decodes one startup entry over the defaults.
func decodeEntry(file, path string, n *yaml.Node, base Generation) (Entry, error) {
	e := newEntry(base)
	if err := config.Decode(file, path, n, &e); err != nil {
		return e, err
	}
	if e.Params == nil {
		e.Params = map[string]any{}
	}
	var errs []error
	if e.ID == "" {
		errs = append(errs, &config.Error{File: file, Line: n.Line, Path: joinKey(path, "id"), Msg: "must not be empty"})
	}
	if e.Path == "" {
		errs = append(errs, &config.Error{File: file, Line: n.Line, Path: joinKey(path, "path"), Msg: "must not be empty"})
	}
	if _, err := e.Generation.pipelineSettings(); err != nil {
		errs = append(errs, &config.Error{File: file, Line: n.Line, Path: path, Msg: err.Error()})
	}
	if e.AllowSubprocess && !base.AllowSubprocess {
		errs = append(errs, &config.Error{File: file, Line: n.Line, Path: joinKey(path, "allow_subprocess"),
			Msg: "cannot be true when the application config sets generation.allow_subprocess: false"})
	}
	return e, errors.Join(errs...)
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// LoadStartup reads the startup file: a list of entries (or, in TOML, a
// `generators` array of tables). A bad entry, or one repeating an earlier
// id, is reported in problems and left out; err is set only when the file
// as a whole cannot be used. A missing file is an empty list.
func LoadStartup(path string, base Generation, vars config.Vars) (entries []Entry, problems []error, err error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	doc, err := config.Load(path, vars)
	if err != nil {
		return nil, nil, err
	}
	list := doc.Root
	if list.Kind == yaml.MappingNode && len(list.Content) == 2 && list.Content[0].Value == "generators" {
		list = list.Content[1]
	}
	if list.Kind == yaml.ScalarNode && list.ShortTag() == "!!null" {
		return nil, nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, nil, &config.Error{File: path, Line: list.Line, Msg: "the startup file must be a list of generators"}
	}
	seen := map[string]int{}
	for i, n := range list.Content {
		p := fmt.Sprintf("[%d]", i)
		e, err := decodeEntry(path, p, n, base)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		if line, dup := seen[e.ID]; dup {
			problems = append(problems, &config.Error{File: path, Line: n.Line, Path: p + ".id",
				Msg: fmt.Sprintf("generator id %q is already used at line %d", e.ID, line)})
			continue
		}
		seen[e.ID] = max(n.Line, 1)
		entries = append(entries, e)
	}
	return entries, problems, nil
}

// startupFile edits the startup file for the API. It works on the YAML
// tree as written (comments and other entries are kept) and replaces the
// file atomically.
type startupFile struct {
	path string
	mu   sync.Mutex
}

var (
	errEntryExists   = errors.New("a generator with this id is already defined in the startup file")
	errEntryNotFound = errors.New("no generator with this id is defined in the startup file")
)

// read returns the document node and its list of entries.
func (f *startupFile) read() (doc *yaml.Node, list *yaml.Node, err error) {
	data, err := config.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		data = nil
	} else if err != nil {
		return nil, nil, fmt.Errorf("read startup file: %w", err)
	}
	doc = &yaml.Node{}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := yaml.Unmarshal(data, doc); err != nil {
			return nil, nil, fmt.Errorf("startup file %s: %w", f.path, err)
		}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		doc.Kind = yaml.DocumentNode
		doc.Content = []*yaml.Node{{Kind: yaml.SequenceNode, Tag: "!!seq"}}
	}
	list = doc.Content[0]
	if list.Kind == yaml.ScalarNode && list.ShortTag() == "!!null" {
		*list = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	}
	if list.Kind != yaml.SequenceNode {
		return nil, nil, fmt.Errorf("startup file %s: must be a list of generators", f.path)
	}
	return doc, list, nil
}

func entryID(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "id" {
			return n.Content[i+1].Value
		}
	}
	return ""
}

func indexOf(list *yaml.Node, id string) int {
	for i, n := range list.Content {
		if entryID(n) == id {
			return i
		}
	}
	return -1
}

func (f *startupFile) write(doc *yaml.Node) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode startup file: %w", err)
	}
	_ = enc.Close()
	return writeFileAtomic(f.path, buf.Bytes(), 0o644)
}

// edit applies change to the list of entries and saves the file.
func (f *startupFile) edit(change func(list *yaml.Node) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	doc, list, err := f.read()
	if err != nil {
		return err
	}
	if err := change(list); err != nil {
		return err
	}
	return f.write(doc)
}

// writeFileAtomic replaces path with data through a temporary file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Chmod(perm)
	}
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(name, path)
	}
	if werr != nil {
		_ = os.Remove(name)
		return fmt.Errorf("write %s: %w", path, werr)
	}
	return nil
}

// blockStyle clears flow and quoting styles (nodes built from JSON) so the
// file keeps the usual block layout.
func blockStyle(n *yaml.Node) {
	if n.Kind != yaml.ScalarNode {
		n.Style = 0
	} else if n.Style == yaml.DoubleQuotedStyle && n.Tag == "!!str" {
		// Keep quotes only where the plain text would read as another type.
		probe := &yaml.Node{Kind: yaml.ScalarNode, Value: n.Value}
		if probe.ShortTag() == "!!str" && !bytes.ContainsAny([]byte(n.Value), ":#{}[],&*!|>'\"%@`\n") && n.Value != "" {
			n.Style = 0
		}
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}
