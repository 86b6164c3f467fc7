package config

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xrash/smetrics"
	"gopkg.in/yaml.v3"
)

// A setting is declared once, on the field of its config struct, with tags
// that the decoder, the docs tables and the JSON Schema all read:
//
//	Count int `yaml:"count" default:"1" min:"1" doc:"timestamps per tick"`
//
//	yaml      the key (as for yaml.v3); `yaml:"-"` hides the field
//	required  "true": the key must be present
//	default   the value when the key is absent, written as YAML
//	enum      the allowed values, comma-separated
//	min, max  inclusive bounds of a number (seconds for a duration), or of a list's length
//	gt        exclusive lower bound of a number
//	type      the type as the docs name it, when the Go type says too little ("datetime", "path")
//	doc       one sentence or more for the docs and the schema; 'x' is written as code (`x`)
//	absent    what an absent key means, for the docs, when there is no default ("now")
//	schema    for a config.Raw or config.Plugin field: the name of the schema it takes
//
// Validate() methods keep the rules that involve more than one field; they
// never assign defaults.

// Setting is the declaration of one key, as read from its field's tags.
type Setting struct {
	Path     string // dotted key path from the config's root (e.g. oscillator.period)
	Key      string // the last element of Path
	Shared   bool   // from an embedded struct (settings every plugin of a kind takes)
	Required bool
	Default  string // YAML text; "" when none
	HasDef   bool
	Enum     []string
	Min, Max *float64
	Gt       *float64
	TypeName string // the docs' name of the type
	Doc      string
	Absent   string // what an absent key means, for the docs when there is no default ("now")
	Schema   string
	Type     reflect.Type
}

// tagSpec reads the spec tags of one struct field.
func tagSpec(f reflect.StructField) Setting {
	s := Setting{
		Required: f.Tag.Get("required") == "true",
		Doc:      f.Tag.Get("doc"),
		Schema:   f.Tag.Get("schema"),
		Absent:   f.Tag.Get("absent"),
		Type:     f.Type,
	}
	s.Default, s.HasDef = f.Tag.Lookup("default")
	if e := f.Tag.Get("enum"); e != "" {
		s.Enum = strings.Split(e, ",")
	}
	num := func(tag string) *float64 {
		v, ok := f.Tag.Lookup(tag)
		if !ok {
			return nil
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			panic(fmt.Sprintf("config: field %s: tag %s:%q is not a number", f.Name, tag, v))
		}
		return &x
	}
	s.Min, s.Max, s.Gt = num("min"), num("max"), num("gt")
	s.TypeName = f.Tag.Get("type")
	if s.TypeName == "" {
		s.TypeName = typeName(f.Type)
	}
	return s
}

// Schemer is implemented by value types that decode by their own rules
// (yaml.Unmarshaler) and can describe what they accept as a JSON Schema.
type Schemer interface{ JSONSchema() map[string]any }

// DocTyper is implemented by such types to name themselves in the docs tables.
type DocTyper interface{ DocType() string }

var (
	durationType = reflect.TypeFor[Duration]()
	schemerType  = reflect.TypeFor[Schemer]()
	docTyperType = reflect.TypeFor[DocTyper]()
)

func typeName(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		return typeName(t.Elem())
	}
	if t.Implements(docTyperType) {
		return reflect.Zero(t).Interface().(DocTyper).DocType()
	}
	if reflect.PointerTo(t).Implements(docTyperType) {
		return reflect.New(t).Interface().(DocTyper).DocType()
	}
	switch t {
	case rawType, pluginType:
		return "mapping"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		e := typeName(t.Elem())
		switch e {
		case "mapping":
			return "list of mappings"
		case "string", "integer", "number", "boolean":
			return "list of " + e + "s"
		}
		return "list of " + e
	case reflect.Map:
		return "mapping"
	case reflect.Struct:
		return "mapping"
	case reflect.Interface:
		return "any"
	}
	return t.String()
}

// DocType names a duration in the docs.
func (Duration) DocType() string { return "seconds" }

// JSONSchema: seconds as a number, or a Go duration string.
func (Duration) JSONSchema() map[string]any { return DurationSchema() }

// DurationSchema is the JSON Schema of a duration: seconds, or "500ms".
func DurationSchema() map[string]any {
	return map[string]any{"anyOf": []any{
		map[string]any{"type": "number", "minimum": 0},
		map[string]any{"type": "string", "pattern": `^([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$`},
	}}
}

// Settings lists the settings of the struct type t (or a pointer to one):
// its keys, and the keys of structs nested in its fields (as dotted paths).
func Settings(t reflect.Type) []Setting {
	var out []Setting
	var walk func(t reflect.Type, prefix string, shared bool, seen map[reflect.Type]bool)
	walk = func(t reflect.Type, prefix string, shared bool, seen map[reflect.Type]bool) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		defer delete(seen, t)
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, inline, ok := fieldKey(f)
			if !ok {
				continue
			}
			if inline {
				walk(f.Type, prefix, true, seen)
				continue
			}
			s := tagSpec(f)
			s.Key, s.Path, s.Shared = name, joinPath(prefix, name), shared
			out = append(out, s)
			if nested := structOf(f.Type); nested != nil {
				walk(nested, s.Path, shared, seen)
			}
		}
	}
	walk(t, "", false, map[reflect.Type]bool{})
	return out
}

// structOf is the struct a field's keys continue into (a struct or a
// pointer to one; the items of lists and maps are documented on their own),
// or nil for leaves and self-decoding types.
func structOf(t reflect.Type) reflect.Type {
	for {
		if t == rawType || t == pluginType || reflect.PointerTo(t).Implements(unmarshalerType) {
			return nil
		}
		switch t.Kind() {
		case reflect.Pointer:
			t = t.Elem()
			continue
		case reflect.Struct:
			return t
		}
		return nil
	}
}

// fieldKey is the yaml key of a struct field; inline reports an anonymous
// embedded struct whose keys are the parent's; ok is false for hidden fields.
func fieldKey(f reflect.StructField) (name string, inline, ok bool) {
	tag := f.Tag.Get("yaml")
	if tag == "-" {
		return "", false, false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" && (f.Anonymous || strings.Contains(opts, "inline")) {
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && (f.Anonymous && tag == "" || strings.Contains(opts, "inline")) {
			return "", true, true
		}
	}
	if !f.IsExported() {
		return "", false, false
	}
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name, false, true
}

// ApplyDefaults sets every zero-valued field of the struct pointed to by out
// that has a `default` tag (nested struct fields included).
func ApplyDefaults(out any) error {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("config.ApplyDefaults: need a non-nil pointer, got %T", out)
	}
	return applyDefaults(v.Elem())
}

func applyDefaults(v reflect.Value) error {
	if v.Kind() != reflect.Struct {
		return nil
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		_, inline, ok := fieldKey(f)
		if !ok {
			continue
		}
		fv := v.Field(i)
		if inline {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv = fv.Elem()
			}
			if err := applyDefaults(fv); err != nil {
				return err
			}
			continue
		}
		def, has := f.Tag.Lookup("default")
		if !has {
			if fv.Kind() == reflect.Struct && fv.Type() != rawType && fv.Type() != pluginType {
				if err := applyDefaults(fv); err != nil {
					return err
				}
			}
			continue
		}
		if !fv.IsZero() {
			continue
		}
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(def), &n); err != nil {
			return fmt.Errorf("config: field %s: default %q: %w", f.Name, def, err)
		}
		d := &decoder{}
		d.value(fv, &n, f.Name, nil)
		if len(d.errs) > 0 {
			return fmt.Errorf("config: field %s: default %q: %w", f.Name, def, d.errs[0])
		}
	}
	return nil
}

// check validates a decoded value against its field's enum and bounds.
func (d *decoder) check(v reflect.Value, s Setting, n *yaml.Node, path string) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if len(s.Enum) > 0 && v.Kind() == reflect.String {
		got := v.String()
		for _, e := range s.Enum {
			if got == e {
				return
			}
		}
		d.fail(n, path, "must be one of %s; got %q%s", strings.Join(s.Enum, ", "), got, closest(got, s.Enum))
		return
	}
	if s.Min == nil && s.Max == nil && s.Gt == nil {
		return
	}
	var x float64
	unit := ""
	switch {
	case v.Type() == durationType || v.Type().ConvertibleTo(durationType) && reflect.PointerTo(v.Type()).Implements(unmarshalerType):
		x = time.Duration(v.Int()).Seconds()
		unit = " seconds"
	case v.CanInt():
		x = float64(v.Int())
	case v.CanUint():
		x = float64(v.Uint())
	case v.CanFloat():
		x = v.Float()
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Map:
		l := float64(v.Len())
		if s.Min != nil && l < *s.Min {
			if *s.Min == 1 {
				d.fail(n, path, "at least one item is required, got none")
			} else {
				d.fail(n, path, "needs at least %s items, got %d", fmtNum(*s.Min), v.Len())
			}
		}
		if s.Max != nil && l > *s.Max {
			d.fail(n, path, "takes at most %s item(s), got %d", fmtNum(*s.Max), v.Len())
		}
		return
	default:
		return
	}
	got := ""
	if n != nil {
		got = n.Value
	}
	if got == "" {
		got = fmtNum(x)
	}
	switch {
	case s.Gt != nil && !(x > *s.Gt):
		d.fail(n, path, "must be greater than %s%s, got %s", fmtNum(*s.Gt), unit, got)
	case s.Min != nil && x < *s.Min:
		d.fail(n, path, "must be at least %s%s, got %s", fmtNum(*s.Min), unit, got)
	case s.Max != nil && x > *s.Max:
		d.fail(n, path, "must be at most %s%s, got %s", fmtNum(*s.Max), unit, got)
	}
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// closest is " (did you mean "x"?)" when a known value is near got.
func closest(got string, known []string) string {
	best, bestD := "", 1<<30
	for _, k := range known {
		if dist := smetrics.WagnerFischer(strings.ToLower(got), k, 1, 1, 1); dist < bestD {
			best, bestD = k, dist
		}
	}
	if bestD <= 2 || bestD <= len(got)/2 {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

var codeSpan = regexp.MustCompile(`(^|[\s(\[{,;:/"])'([^'\s][^']*?)'`)

// Markdown renders a doc tag: 'x' becomes `x`.
func Markdown(doc string) string { return codeSpan.ReplaceAllString(doc, "$1`$2`") }

// SchemaOptions tune JSON Schema generation.
type SchemaOptions struct {
	// Named gives the schema of a field tagged `schema:"name"`.
	Named map[string]map[string]any
	// Types gives the schema of a Go type (for types of other packages).
	Types map[reflect.Type]map[string]any
	// Defaults, when set, is a value of the schema's struct type holding
	// defaults for the fields without a `default` tag (a config whose
	// defaults come from a constructor); its non-zero leaves become the
	// schema's "default"s.
	Defaults any

	def reflect.Value // the defaults of the struct being described
}

// SubstitutionSchema accepts a string holding a ${...} expression, which the
// loader replaces before the value is decoded.
func SubstitutionSchema() map[string]any {
	return map[string]any{"type": "string", "pattern": `\$\{[^}]*\}`}
}

// Schema returns the JSON Schema of the struct type t: one property per key
// (additional keys refused, required keys listed), the default, allowed values,
// bounds and description of each; a nested struct's keys are also accepted
// as flat dotted keys (`server.port`); every field that is not a string also
// accepts a string holding a ${...} expression.
func Schema(t reflect.Type, o SchemaOptions) map[string]any {
	var def reflect.Value
	if o.Defaults != nil {
		def = reflect.ValueOf(o.Defaults)
		for def.Kind() == reflect.Pointer {
			def = def.Elem()
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if def.IsValid() && def.Type() != t {
		panic(fmt.Sprintf("config.Schema: defaults of type %s for %s", def.Type(), t))
	}
	o.def = def
	return o.typeSchema(t, Setting{}, map[reflect.Type]bool{})
}

func (o SchemaOptions) typeSchema(t reflect.Type, s Setting, seen map[reflect.Type]bool) map[string]any {
	if s.Schema != "" {
		if sc, ok := o.Named[s.Schema]; ok {
			return sc
		}
		panic(fmt.Sprintf("config.Schema: no schema named %q", s.Schema))
	}
	if t.Kind() == reflect.Pointer {
		return o.typeSchema(t.Elem(), s, seen)
	}
	if sc, ok := o.Types[t]; ok {
		return sc
	}
	if t.Implements(schemerType) {
		return reflect.Zero(t).Interface().(Schemer).JSONSchema()
	}
	if reflect.PointerTo(t).Implements(schemerType) {
		return reflect.New(t).Interface().(Schemer).JSONSchema()
	}
	if t == rawType || t == pluginType || reflect.PointerTo(t).Implements(unmarshalerType) {
		return map[string]any{}
	}
	var sc map[string]any
	switch t.Kind() {
	case reflect.Pointer:
		return o.typeSchema(t.Elem(), s, seen)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		sc = map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		sc = map[string]any{"type": "number"}
	case reflect.Bool:
		sc = map[string]any{"type": "boolean"}
	case reflect.String:
		sc = map[string]any{"type": "string"}
		if len(s.Enum) > 0 {
			sc["enum"] = s.Enum
		}
	case reflect.Slice, reflect.Array:
		sc = map[string]any{"type": "array", "items": o.at(reflect.Value{}).typeSchema(t.Elem(), Setting{}, seen)}
		if s.Min != nil {
			sc["minItems"] = int(*s.Min)
		}
		if s.Max != nil {
			sc["maxItems"] = int(*s.Max)
		}
		return sc
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": o.at(reflect.Value{}).typeSchema(t.Elem(), Setting{}, seen)}
	case reflect.Struct:
		return o.structSchema(t, seen, o.def)
	case reflect.Interface:
		return map[string]any{}
	default:
		return map[string]any{}
	}
	if sc["type"] == "integer" || sc["type"] == "number" {
		if s.Min != nil {
			sc["minimum"] = *s.Min
		}
		if s.Max != nil {
			sc["maximum"] = *s.Max
		}
		if s.Gt != nil {
			sc["exclusiveMinimum"] = *s.Gt
		}
	}
	return sc
}

func (o SchemaOptions) structSchema(t reflect.Type, seen map[reflect.Type]bool, def reflect.Value) map[string]any {
	if seen[t] {
		return map[string]any{"type": "object"}
	}
	seen[t] = true
	defer delete(seen, t)
	props := map[string]any{}
	var required []string
	var walk func(t reflect.Type, def reflect.Value)
	walk = func(t reflect.Type, def reflect.Value) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, inline, ok := fieldKey(f)
			if !ok {
				continue
			}
			var fdef reflect.Value
			if def.IsValid() {
				fdef = def.Field(i)
				for fdef.Kind() == reflect.Pointer && !fdef.IsNil() {
					fdef = fdef.Elem()
				}
				if fdef.Kind() == reflect.Pointer {
					fdef = reflect.Value{}
				}
			}
			if inline {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				walk(ft, fdef)
				continue
			}
			s := tagSpec(f)
			sc := o.at(fdef).typeSchema(f.Type, s, seen)

			if _, isString := sc["type"]; !isString || sc["type"] != "string" || sc["enum"] != nil {
				if sc["type"] != "object" && s.Schema == "" {
					sc = map[string]any{"anyOf": []any{sc, SubstitutionSchema()}}
				}
			}
			sc = withMeta(sc, s)
			if !s.HasDef && fdef.IsValid() && !fdef.IsZero() && fdef.Kind() != reflect.Struct {
				// A default from o.Defaults, as the program would print it.
				if b, err := json.Marshal(fdef.Interface()); err == nil {
					var v any
					if json.Unmarshal(b, &v) == nil {
						sc = withDefault(sc, v)
					}
				}
			}
			props[name] = sc
			if s.Required {
				required = append(required, name)
			}
		}
	}
	walk(t, def)
	// Nested mappings may also be written as flat dotted keys.
	for name, p := range props {
		for k, v := range dotted(name, p.(map[string]any)) {
			if _, taken := props[k]; !taken {
				props[k] = v
			}
		}
	}
	sc := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		sc["required"] = required
	}
	return sc
}

func dotted(prefix string, sc map[string]any) map[string]any {
	out := map[string]any{}
	props, ok := sc["properties"].(map[string]any)
	if !ok || sc["type"] != "object" {
		return out
	}
	for k, v := range props {
		if strings.Contains(k, ".") {
			continue
		}
		out[prefix+"."+k] = v
		for dk, dv := range dotted(prefix+"."+k, v.(map[string]any)) {
			out[dk] = dv
		}
	}
	return out
}

// at is o describing a value whose defaults are def (invalid: none).
func (o SchemaOptions) at(def reflect.Value) SchemaOptions {
	o.def = def
	return o
}

func withDefault(sc map[string]any, v any) map[string]any {
	out := make(map[string]any, len(sc)+1)
	for k, x := range sc {
		out[k] = x
	}
	out["default"] = v
	return out
}

func withMeta(sc map[string]any, s Setting) map[string]any {
	if s.Doc == "" && !s.HasDef {
		return sc
	}
	out := make(map[string]any, len(sc)+2)
	for k, v := range sc {
		out[k] = v
	}
	if s.Doc != "" {
		out["description"] = Markdown(s.Doc)
	}
	if s.HasDef {
		var v any
		if err := yaml.Unmarshal([]byte(s.Default), &v); err == nil {
			out["default"] = jsonable(v)
		}
	}
	return out
}

// jsonable turns YAML-decoded values into JSON-encodable ones.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
		return x
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Sprint(x)
		}
	}
	return v
}
