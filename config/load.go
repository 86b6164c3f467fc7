package config

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// Document is a parsed config file: dotted keys expanded, ${...} substituted.
type Document struct {
	File string // the path as given (used in messages)
	Dir  string // directory of the file; relative paths in it resolve against this
	Root *yaml.Node
}

// Load reads a YAML file (or TOML, by its .toml extension), expands dotted
// keys and substitutes ${...} expressions using vars.
func Load(path string, vars Vars) (*Document, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, vars)
}

// Parse is Load for data already read; file names the source in messages
// and picks the syntax (.toml → TOML, anything else YAML).
func Parse(file string, data []byte, vars Vars) (*Document, error) {
	var root *yaml.Node
	var err error
	isTOML := strings.EqualFold(filepath.Ext(file), ".toml")
	m := mask(string(data), isTOML) // ${...} found in the text, before parsing
	if isTOML {
		root, err = parseTOML(file, []byte(m.text))
	} else {
		root, err = parseYAML(file, []byte(m.text))
	}
	if err != nil {
		return nil, err
	}
	var errs []error
	expandDotted(file, root, "", &errs)
	if len(errs) == 0 {
		vars.substitute(file, root, "", m, &errs)
	}
	if len(errs) == 0 {
		mergeKeys(file, root, "", map[*yaml.Node]bool{}, &errs)
	}
	if len(errs) > 0 {
		return nil, join(errs)
	}
	dir, _ := filepath.Abs(filepath.Dir(file))
	return &Document{File: file, Dir: dir, Root: root}, nil
}

// Decode strictly decodes the whole document into out.
func (d *Document) Decode(out any) error { return Decode(d.File, "", d.Root, out) }

func parseYAML(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err.Error() == "EOF" {
			return nil, &Error{File: file, Msg: "the file is empty"}
		}
		return nil, yamlSyntaxError(file, err)
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: file, Msg: "the file is empty"}
	}
	return doc.Content[0], nil
}

// yamlSyntaxError turns "yaml: line 3: did not find expected key" into file:3: ...
func yamlSyntaxError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

func parseTOML(file string, data []byte) (*yaml.Node, error) {
	var m map[string]any
	if _, err := toml.Decode(string(data), &m); err != nil {
		var pe toml.ParseError
		if e, ok := err.(toml.ParseError); ok {
			pe = e
			return nil, &Error{File: file, Line: pe.Position.Line, Col: pe.Position.Col, Msg: "invalid TOML: " + pe.Message}
		}
		return nil, &Error{File: file, Msg: "invalid TOML: " + err.Error()}
	}
	return valueNode(m, 0, 0), nil
}

// valueNode builds a YAML node for a Go value (TOML data, substituted values).
func valueNode(v any, line, col int) *yaml.Node {
	n := &yaml.Node{Line: line, Column: col}
	switch x := v.(type) {
	case map[string]any:
		n.Kind, n.Tag = yaml.MappingNode, "!!map"
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.Content = append(n.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k, Style: yaml.DoubleQuotedStyle, Line: line, Column: col},
				valueNode(x[k], line, col))
		}
	case []map[string]any:
		n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		for _, e := range x {
			n.Content = append(n.Content, valueNode(e, line, col))
		}
	case []any:
		n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		for _, e := range x {
			n.Content = append(n.Content, valueNode(e, line, col))
		}
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	case string:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!str", x
	default:
		// Numbers, booleans, TOML datetimes: let YAML resolve their text.
		n.Kind, n.Value = yaml.ScalarNode, fmt.Sprint(x)
		if t, ok := v.(time.Time); ok {
			// TOML local date-times, dates and times have no zone (the
			// decoder marks them with these zone names): keep them zone-less.
			switch t.Location().String() {
			case "datetime-local":
				n.Value = t.Format("2006-01-02T15:04:05.999999999")
			case "date-local":
				n.Value = t.Format("2006-01-02")
			case "time-local":
				n.Value = t.Format("15:04:05.999999999")
			default:
				n.Value = t.Format("2006-01-02T15:04:05.999999999Z07:00")
			}
		}
		n.Tag = (&yaml.Node{Kind: yaml.ScalarNode, Value: n.Value}).ShortTag()
	}
	return n
}

// expandDotted rewrites plain (unquoted) keys containing dots into nested
// mappings: `batch.size: 5` becomes `batch: {size: 5}`. Quoted keys stay as
// they are, so `"locals.page_views": 3` keeps its dot.
func expandDotted(file string, n *yaml.Node, path string, errs *[]error) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			expandDotted(file, c, p, errs)
		}
		return
	case yaml.MappingNode:
	default:
		return
	}
	var out []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		parts := []string{k.Value}
		if k.Style == 0 && k.ShortTag() == "!!str" && strings.Contains(k.Value, ".") &&
			!strings.HasPrefix(k.Value, ".") && !strings.HasSuffix(k.Value, ".") && !strings.Contains(k.Value, "..") {
			parts = strings.Split(k.Value, ".")
		}
		out = insertPath(file, out, parts, k, v, path, errs)
	}
	n.Content = out
	for i := 0; i+1 < len(n.Content); i += 2 {
		expandDotted(file, n.Content[i+1], joinPath(path, n.Content[i].Value), errs)
	}
}

func insertPath(file string, content []*yaml.Node, parts []string, k, v *yaml.Node, path string, errs *[]error) []*yaml.Node {
	for i := 0; i+1 < len(content); i += 2 {
		if content[i].Value != parts[0] {
			continue
		}
		existing := content[i+1]
		if len(parts) == 1 {
			if existing.Kind == yaml.MappingNode && v.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(v.Content); j += 2 {
					existing.Content = insertPath(file, existing.Content, []string{v.Content[j].Value}, v.Content[j], v.Content[j+1], joinPath(path, parts[0]), errs)
				}
				return content
			}
			*errs = append(*errs, &Error{File: file, Line: k.Line, Col: k.Column, Path: joinPath(path, parts[0]), Msg: fmt.Sprintf("key %q is set twice", parts[0])})
			return content
		}
		if existing.Kind != yaml.MappingNode {
			*errs = append(*errs, &Error{File: file, Line: k.Line, Col: k.Column, Path: joinPath(path, k.Value),
				Msg: fmt.Sprintf("dotted key %q conflicts with %q set at line %d", k.Value, parts[0], content[i].Line)})
			return content
		}
		existing.Content = insertPath(file, existing.Content, parts[1:], k, v, joinPath(path, parts[0]), errs)
		return content
	}
	if len(parts) == 1 {
		key := *k
		key.Value = parts[0]
		return append(content, &key, v)
	}
	child := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: k.Line, Column: k.Column}
	child.Content = insertPath(file, nil, parts[1:], k, v, joinPath(path, parts[0]), errs)
	key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: parts[0], Line: k.Line, Column: k.Column}
	return append(content, key, child)
}

// mergeKeys resolves YAML merge keys: `<<: *anchor` (or a list of them)
// copies the keys of the anchored mappings that the mapping does not set
// itself. It runs after substitution, so merged values are substituted once.
func mergeKeys(file string, n *yaml.Node, path string, done map[*yaml.Node]bool, errs *[]error) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			mergeKeys(file, c, p, done, errs)
		}
		return
	case yaml.MappingNode:
	default:
		return
	}
	if done[n] {
		return
	}
	done[n] = true
	var own, merged []*yaml.Node
	has := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		mergeKeys(file, v, joinPath(path, k.Value), done, errs)
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			continue
		}
		own = append(own, k, v)
		has[k.Value] = true
	}
	if len(own) == len(n.Content) {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!merge" {
			continue
		}
		sources := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			sources = v.Content
		}
		for _, src := range sources {
			if src.Kind == yaml.AliasNode {
				src = src.Alias
			}
			if src == nil || src.Kind != yaml.MappingNode {
				*errs = append(*errs, &Error{File: file, Line: v.Line, Col: v.Column, Path: joinPath(path, k.Value),
					Msg: "a merge key takes a mapping (an alias like *name) or a list of them"})
				continue
			}
			mergeKeys(file, src, path, done, errs)
			for j := 0; j+1 < len(src.Content); j += 2 {
				if sk := src.Content[j]; !has[sk.Value] { // the first source setting a key wins
					has[sk.Value] = true
					merged = append(merged, sk, src.Content[j+1])
				}
			}
		}
	}
	n.Content = append(own, merged...)
}
