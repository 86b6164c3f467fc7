package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/xrash/smetrics"
	"gopkg.in/yaml.v3"
)

// Plugin is one `name: {settings}` entry of a config file.
type Plugin struct {
	Name string
	File string
	Path string     // key path of the entry, e.g. output[1].kafka
	Node *yaml.Node // the settings (a mapping, or nil/null for `name:` / `name: {}`)
	Key  *yaml.Node // the name's key node, for positions when Node is nil
}

// Errorf returns an *Error positioned at the plugin.
func (p Plugin) Errorf(format string, args ...any) error {
	n := p.Key
	if n == nil || n.Line == 0 {
		n = p.Node
	}
	e := &Error{File: p.File, Path: p.Path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	return e
}

// Decode strictly decodes the plugin's settings into out (a pointer to a struct
// pre-filled with defaults). Keys listed in skip are ignored.
func (p Plugin) Decode(out any, skip ...string) error {
	return Decode(p.File, p.Path, p.Node, out, skip...)
}

// Decode strictly decodes n into out, a pointer to a struct (or any decodable
// value). Struct fields are matched by their `yaml:"name"` tag; an anonymous
// embedded struct's fields are inlined; a field tagged `required:"true"` must
// be present. Unknown keys, wrong types and missing required keys are all
// reported, each with file, line and key path.
func Decode(file, path string, n *yaml.Node, out any, skip ...string) error {
	d := &decoder{file: file}
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("config.Decode: out must be a non-nil pointer, got %T", out)
	}
	d.value(v.Elem(), n, path, skip)
	return join(d.errs)
}

type decoder struct {
	file string
	errs []error
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	e := &Error{File: d.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

var (
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	rawType         = reflect.TypeFor[Raw]()
	pluginType      = reflect.TypeFor[Plugin]()
)

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func (d *decoder) value(v reflect.Value, n *yaml.Node, path string, skip []string) {
	if n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	switch {
	case v.Type() == rawType:
		v.Set(reflect.ValueOf(Raw{File: d.file, Path: path, Node: n}))
		return
	case v.Type() == pluginType:
		d.plugin(v, n, path)
		return
	case reflect.PointerTo(v.Type()).Implements(unmarshalerType):
		if isNull(n) {
			return
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			if hasSecret(n) { // the message may quote the value
				d.fail(n, path, "invalid value (substituted from a secret)")
			} else {
				d.fail(n, path, "%s", cleanYAMLError(err))
			}
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			if n != nil {
				v.SetZero()
			}
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(v.Elem(), n, path, skip)
	case reflect.Struct:
		d.structure(v, n, path, skip)
	case reflect.Slice:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.value(s.Index(i), item, fmt.Sprintf("%s[%d]", path, i), nil)
		}
		v.Set(s)
	case reflect.Map:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "expected a mapping, got %s", describe(n))
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			key := reflect.New(v.Type().Key()).Elem()
			if err := k.Decode(key.Addr().Interface()); err != nil {
				d.fail(k, path, "bad key %q: %s", k.Value, cleanYAMLError(err))
				continue
			}
			elem := reflect.New(v.Type().Elem()).Elem()
			d.value(elem, val, joinPath(path, k.Value), nil)
			v.SetMapIndex(key, elem)
		}
	default:
		if n == nil {
			return
		}
		if n.Kind != yaml.ScalarNode && v.Kind() != reflect.Interface {
			d.fail(n, path, "expected %s, got %s", kindName(v.Type()), describe(n))
			return
		}
		if isNull(n) && v.Kind() != reflect.Interface {
			d.fail(n, path, "expected %s, got null", kindName(v.Type()))
			return
		}
		if v.Kind() == reflect.String && n.ShortTag() != "!!str" && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
			// Numbers and booleans where a string is expected are taken as their text.
			v.SetString(n.Value)
			return
		}
		if n.ShortTag() == "!!str" && (v.CanInt() || v.CanUint() || v.CanFloat()) && numericText(v, n.Value) {
			// A quoted number ("${params.n}" after substitution): the
			// original's settings take it, so do we.
			return
		}
		if (v.CanInt() || v.CanUint()) && n.ShortTag() == "!!float" {
			// yaml.v3 would truncate 2.5 to 2.
			d.fail(n, path, "expected %s, got %s", kindName(v.Type()), describe(n))
			return
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.fail(n, path, "expected %s, got %s", kindName(v.Type()), describe(n))
		}
	}
}

// hasChecks reports a field with an enum or bounds to check after decoding.
func hasChecks(f reflect.StructField) bool {
	for _, t := range []string{"enum", "min", "max", "gt"} {
		if _, ok := f.Tag.Lookup(t); ok {
			return true
		}
	}
	return false
}

// plugin decodes a `name: {settings}` mapping with exactly one key.
func (d *decoder) plugin(v reflect.Value, n *yaml.Node, path string) {
	if n != nil && n.Kind == yaml.MappingNode && len(n.Content) != 2 {
		d.fail(n, path, "expected one plugin as `name: {settings}`, got a mapping with %d keys", len(n.Content)/2)
		return
	}
	if n == nil || n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a plugin as `name: {settings}` (a mapping with one key), got %s", describe(n))
		return
	}
	k, s := n.Content[0], n.Content[1]
	if isNull(s) {
		s = nil
	} else if s.Kind != yaml.MappingNode {
		d.fail(s, joinPath(path, k.Value), "expected the plugin's settings as a mapping, got %s", describe(s))
		return
	}
	v.Set(reflect.ValueOf(Plugin{Name: k.Value, File: d.file, Path: joinPath(path, k.Value), Node: s, Key: k}))
}

type field struct {
	index    []int
	required bool
	sf       reflect.StructField
}

// fields maps the yaml keys of a struct type (embedded structs inlined).
func fields(t reflect.Type) (map[string]field, []string) {
	m := map[string]field{}
	var order []string
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			idx := append(append([]int(nil), prefix...), i)
			name, inline, ok := fieldKey(f)
			if !ok {
				continue
			}
			if inline {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				walk(ft, idx)
				continue
			}
			m[name] = field{index: idx, required: f.Tag.Get("required") == "true", sf: f}
			order = append(order, name)
		}
	}
	walk(t, nil)
	return m, order
}

func (d *decoder) structure(v reflect.Value, n *yaml.Node, path string, skip []string) {
	fs, order := fields(v.Type())
	seen := map[string]bool{}
	if err := applyDefaults(v); err != nil {
		d.fail(n, path, "%v", err)
	}
	if !isNull(n) {
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "expected a mapping, got %s", describe(n))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if contains(skip, k.Value) {
				continue
			}
			f, ok := fs[k.Value]
			if !ok {
				d.fail(k, joinPath(path, k.Value), "unknown key %q%s", k.Value, suggest(k.Value, order))
				continue
			}
			if seen[k.Value] {
				d.fail(k, joinPath(path, k.Value), "key %q is set twice", k.Value)
				continue
			}
			seen[k.Value] = true
			fv := fieldByIndex(v, f.index)
			before := len(d.errs)
			d.value(fv, val, joinPath(path, k.Value), nil)
			if len(d.errs) == before && hasChecks(f.sf) {
				d.check(fv, tagSpec(f.sf), val, joinPath(path, k.Value))
			}
		}
	}
	for _, name := range order {
		if fs[name].required && !seen[name] {
			d.fail(n, path, "missing required key %q", name)
		}
	}
}

// fieldByIndex is v.FieldByIndex allocating nil embedded pointers.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// suggest names the closest known key, or lists them.
func suggest(key string, known []string) string {
	if len(known) == 0 {
		return " (this plugin takes no settings)"
	}
	best, bestD := "", 1<<30
	for _, k := range known {
		if dist := smetrics.WagnerFischer(key, k, 1, 1, 1); dist < bestD {
			best, bestD = k, dist
		}
	}
	if bestD <= 2 || (bestD <= len(key)/2) {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return fmt.Sprintf(" (known keys: %s)", strings.Join(sorted, ", "))
}

func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isSecret(n) {
			return "a value substituted from a secret"
		}
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!int":
			return "integer " + n.Value
		case "!!float":
			return "number " + n.Value
		case "!!bool":
			return "boolean " + n.Value
		default:
			return fmt.Sprintf("string %q", n.Value)
		}
	}
	return "an unexpected node"
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean (true/false)"
	case reflect.String:
		return "a string"
	}
	return t.String()
}

func cleanYAMLError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: unmarshal errors:\n")
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "yaml: "))
}

// numericText sets v (an integer or float kind) from text holding a decimal
// number of that kind, reporting whether it did (overflow included: no).
func numericText(v reflect.Value, text string) bool {
	text = strings.TrimSpace(text)
	switch {
	case v.CanInt():
		i, err := strconv.ParseInt(text, 10, 64)
		if err != nil || v.OverflowInt(i) {
			return false
		}
		v.SetInt(i)
	case v.CanUint():
		u, err := strconv.ParseUint(text, 10, 64)
		if err != nil || v.OverflowUint(u) {
			return false
		}
		v.SetUint(u)
	default:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || v.OverflowFloat(f) {
			return false
		}
		v.SetFloat(f)
	}
	return true
}
