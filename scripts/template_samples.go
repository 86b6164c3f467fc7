package scripts

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	starjson "go.starlark.net/lib/json"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/starlib"
	"github.com/eventum-go/eventum/starlib/guard"
)

// SampleConfig is one entry of the template plugin's `samples:` mapping:
//
//	samples:
//	  users:     {type: csv, source: data/users.csv, header: true}
//	  endpoints: {type: json, source: data/endpoints.json}
//	  codes:     {type: items, source: [200, 201, 404]}
type SampleConfig struct {
	// Type is items, csv or json.
	Type string `yaml:"type" required:"true" enum:"items,csv,json" doc:"where the rows come from"`
	// Source is the inline list (items) or the file path (csv, json),
	// relative to the generator file's directory.
	Source config.Raw `yaml:"source" required:"true" type:"list ('items') or path ('csv', 'json')" doc:"the inline list, or the file relative to the generator file"`
	// Header: the first CSV row names the columns (default false: columns
	// are _0, _1, ...).
	Header bool `yaml:"header" default:"false" doc:"'csv' only: the first row names the columns (otherwise '_0', '_1', …)"`
	// Delimiter of CSV fields (default ",").
	Delimiter string `yaml:"delimiter" default:"\",\"" type:"one character" doc:"'csv' only: field separator"`
	// Quotechar quotes CSV fields holding the delimiter (default '"').
	Quotechar string `yaml:"quotechar" default:"'\"'" type:"one character" doc:"'csv' only: quotes fields holding the delimiter; must differ from 'delimiter'"`
}

// sampleColumns are the column names of a sample and their indexes.
type sampleColumns struct {
	names []string
	index map[string]int
}

func newColumns(names []string) *sampleColumns {
	c := &sampleColumns{names: names, index: make(map[string]int, len(names))}
	for i, n := range names {
		if _, dup := c.index[n]; !dup {
			c.index[n] = i
		}
	}
	return c
}

func positionalColumns(n int) *sampleColumns {
	names := make([]string, n)
	for i := range names {
		names[i] = "_" + strconv.Itoa(i)
	}
	return newColumns(names)
}

// Row is one immutable sample row (type "Row"): row.name, row[0],
// row["name"], len(row), iteration over the values.
type Row struct {
	cols *sampleColumns
	vals []starlark.Value
}

var (
	_ starlark.HasAttrs  = (*Row)(nil)
	_ starlark.Indexable = (*Row)(nil)
	_ starlark.Iterable  = (*Row)(nil)
	_ starlark.Mapping   = (*Row)(nil)
)

func (r *Row) String() string {
	var b strings.Builder
	b.WriteString("Row(")
	for i, v := range r.vals {
		if i > 0 {
			b.WriteString(", ")
		}
		if i < len(r.cols.names) {
			b.WriteString(r.cols.names[i])
			b.WriteByte('=')
		}
		writePyRepr(&b, v)
	}
	b.WriteByte(')')
	return b.String()
}

func (r *Row) Type() string         { return "Row" }
func (r *Row) Freeze()              {}
func (r *Row) Truth() starlark.Bool { return len(r.vals) > 0 }
func (r *Row) Hash() (uint32, error) {
	return starlark.Tuple(r.vals).Hash()
}
func (r *Row) Len() int                   { return len(r.vals) }
func (r *Row) Index(i int) starlark.Value { return r.vals[i] }
func (r *Row) Iterate() starlark.Iterator { return starlark.Tuple(r.vals).Iterate() }
func (r *Row) AttrNames() []string        { return slices.Clone(r.cols.names) }
func (r *Row) Attr(n string) (starlark.Value, error) {
	if i, ok := r.cols.index[n]; ok && i < len(r.vals) {
		return r.vals[i], nil
	}
	return nil, nil // Jinja: undefined
}

// Get implements row["name"] and row[i] (negative i counts from the end).
func (r *Row) Get(k starlark.Value) (starlark.Value, bool, error) {
	switch k := k.(type) {
	case starlark.String:
		v, _ := r.Attr(string(k))
		return v, v != nil, nil
	case starlark.Int:
		i, ok := k.Int64()
		if ok && i < 0 {
			i += int64(len(r.vals))
		}
		if !ok || i < 0 || i >= int64(len(r.vals)) {
			return nil, false, fmt.Errorf("row index %s out of range [0:%d]", k, len(r.vals))
		}
		return r.vals[i], true, nil
	}
	return nil, false, fmt.Errorf("row indices must be int or str, not %s", k.Type())
}

// CompareSameType compares rows like tuples (== and ordering).
func (r *Row) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	return starlark.CompareDepth(op, starlark.Tuple(r.vals), starlark.Tuple(y.(*Row).vals), depth)
}

// writePyRepr writes Python's repr of v: strings in single quotes.
func writePyRepr(b *strings.Builder, v starlark.Value) {
	s, ok := v.(starlark.String)
	if !ok {
		b.WriteString(v.String())
		return
	}
	quote := byte('\'')
	if strings.IndexByte(string(s), '\'') >= 0 && strings.IndexByte(string(s), '"') < 0 {
		quote = '"'
	}
	b.WriteByte(quote)
	for _, c := range string(s) {
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(b, `\x%02x`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte(quote)
}

// Sample is a loaded, read-only sample (type "sample"). Its rows are Row
// values, or plain values for an `items` sample of scalars. Methods:
// columns, where(**eq), pick(default), pick_n(n), weighted_pick(column,
// default), weighted_pick_n(column, n); len(s), s[i], s["column"] (the
// column's values), iteration, `s | random`, module.rand.choice(s).
type Sample struct {
	name string
	cols *sampleColumns // nil for a sample of scalars
	rows []starlark.Value

	mu      sync.Mutex
	weights map[string][]float64 // cumulative weights per column
}

var (
	_ starlark.HasAttrs  = (*Sample)(nil)
	_ starlark.Indexable = (*Sample)(nil)
	_ starlark.Iterable  = (*Sample)(nil)
	_ starlark.Mapping   = (*Sample)(nil)
)

func (s *Sample) String() string        { return fmt.Sprintf("<sample %s: %d rows>", s.name, len(s.rows)) }
func (s *Sample) Type() string          { return "sample" }
func (s *Sample) Freeze()               {}
func (s *Sample) Truth() starlark.Bool  { return len(s.rows) > 0 }
func (s *Sample) Hash() (uint32, error) { return 0, errors.New("unhashable type: sample") }
func (s *Sample) Len() int              { return len(s.rows) }
func (s *Sample) Index(i int) starlark.Value {
	return s.rows[i]
}
func (s *Sample) Iterate() starlark.Iterator { return starlark.Tuple(s.rows).Iterate() }

// Get implements s[i] (a row) and s["column"] (the list of its values).
func (s *Sample) Get(k starlark.Value) (starlark.Value, bool, error) {
	switch k := k.(type) {
	case starlark.Int:
		i, ok := k.Int64()
		if ok && i < 0 {
			i += int64(len(s.rows))
		}
		if !ok || i < 0 || i >= int64(len(s.rows)) {
			return nil, false, fmt.Errorf("sample %s: index %s out of range [0:%d]", s.name, k, len(s.rows))
		}
		return s.rows[i], true, nil
	case starlark.String:
		col, err := s.column(string(k))
		if err != nil {
			return nil, false, err
		}
		out := make([]starlark.Value, len(s.rows))
		for i, r := range s.rows {
			out[i] = r.(*Row).vals[col]
		}
		return starlark.NewList(out), true, nil
	}
	return nil, false, fmt.Errorf("sample %s: indices must be int or str, not %s", s.name, k.Type())
}

func (s *Sample) column(name string) (int, error) {
	if s.cols != nil {
		if i, ok := s.cols.index[name]; ok {
			return i, nil
		}
	}
	return 0, fmt.Errorf("sample %s has no column %q (columns: %s)", s.name, name, strings.Join(s.columnNames(), ", "))
}

func (s *Sample) columnNames() []string {
	if s.cols == nil {
		return nil
	}
	return s.cols.names
}

var sampleAttrNames = []string{"columns", "pick", "pick_n", "weighted_pick", "weighted_pick_n", "where"}

func (s *Sample) AttrNames() []string { return sampleAttrNames }

func (s *Sample) Attr(name string) (starlark.Value, error) {
	switch name {
	case "columns":
		names := s.columnNames()
		out := make([]starlark.Value, len(names))
		for i, n := range names {
			out[i] = starlark.String(n)
		}
		return starlark.NewList(out), nil
	case "where", "pick", "pick_n", "weighted_pick", "weighted_pick_n":
		return starlark.NewBuiltin(name, s.method).BindReceiver(s), nil
	}
	return nil, starlark.NoSuchAttrError(fmt.Sprintf("sample has no .%s (known: %s)", name, strings.Join(sampleAttrNames, ", ")))
}

func threadRand(th *starlark.Thread) *rand.Rand {
	if r, ok := th.Local("rand").(*rand.Rand); ok && r != nil {
		return r
	}
	return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
}

func (s *Sample) method(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	name := "sample." + b.Name()
	switch b.Name() {
	case "where":
		if len(args) > 0 {
			return nil, fmt.Errorf("%s: takes keyword arguments only (column=value)", name)
		}
		return s.where(name, kwargs)
	case "pick":
		var def starlark.Value
		if err := starlark.UnpackArgs(name, args, kwargs, "default?", &def); err != nil {
			return nil, err
		}
		if len(s.rows) == 0 {
			if def == nil {
				return nil, fmt.Errorf("%s: cannot pick from the empty sample %s", name, s.name)
			}
			return def, nil
		}
		return s.rows[threadRand(th).IntN(len(s.rows))], nil
	case "pick_n":
		var n int
		if err := starlark.UnpackArgs(name, args, kwargs, "n", &n); err != nil {
			return nil, err
		}
		if len(s.rows) == 0 || n <= 0 {
			return starlark.NewList(nil), nil
		}
		if err := guard.CheckCount(name, "n", int64(n), 16); err != nil {
			return nil, err
		}
		r := threadRand(th)
		out := make([]starlark.Value, n)
		for i := range out {
			out[i] = s.rows[r.IntN(len(s.rows))]
		}
		return starlark.NewList(out), nil
	case "weighted_pick":
		var col string
		var def starlark.Value
		if err := starlark.UnpackArgs(name, args, kwargs, "weight", &col, "default?", &def); err != nil {
			return nil, err
		}
		if len(s.rows) == 0 {
			if def == nil {
				return nil, fmt.Errorf("%s: cannot pick from the empty sample %s", name, s.name)
			}
			return def, nil
		}
		cum, err := s.cumWeights(col)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return s.rows[pickCum(threadRand(th), cum)], nil
	case "weighted_pick_n":
		var col string
		var n int
		if err := starlark.UnpackArgs(name, args, kwargs, "weight", &col, "n", &n); err != nil {
			return nil, err
		}
		if len(s.rows) == 0 || n <= 0 {
			return starlark.NewList(nil), nil
		}
		if err := guard.CheckCount(name, "n", int64(n), 16); err != nil {
			return nil, err
		}
		cum, err := s.cumWeights(col)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		r := threadRand(th)
		out := make([]starlark.Value, n)
		for i := range out {
			out[i] = s.rows[pickCum(r, cum)]
		}
		return starlark.NewList(out), nil
	}
	return nil, fmt.Errorf("%s: unknown method", name)
}

// pickCum draws an index with probability proportional to its weight
// (cum holds the running sums, the last one positive).
func pickCum(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	for i < len(cum)-1 && cum[i] <= x { // skip zero-weight rows at x
		i++
	}
	return min(i, len(cum)-1)
}

func (s *Sample) where(name string, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) == 0 {
		return s, nil
	}
	type check struct {
		col int
		v   starlark.Value
	}
	checks := make([]check, len(kwargs))
	for i, kv := range kwargs {
		col, err := s.column(string(kv[0].(starlark.String)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		checks[i] = check{col, kv[1]}
	}
	var rows []starlark.Value
	for _, r := range s.rows {
		vals := r.(*Row).vals
		ok := true
		for _, c := range checks {
			if eq, err := starlark.Equal(vals[c.col], c.v); err != nil || !eq {
				ok = false
				break
			}
		}
		if ok {
			rows = append(rows, r)
		}
	}
	return &Sample{name: s.name, cols: s.cols, rows: rows}, nil
}

func (s *Sample) cumWeights(col string) ([]float64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cum, ok := s.weights[col]; ok {
		return cum, nil
	}
	i, err := s.column(col)
	if err != nil {
		return nil, err
	}
	cum := make([]float64, len(s.rows))
	total := 0.0
	for j, r := range s.rows {
		v := r.(*Row).vals[i]
		var w float64
		switch v := v.(type) {
		case starlark.Int, starlark.Float:
			w, _ = starlark.AsFloat(v)
		case starlark.String:
			f, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64)
			if err != nil {
				return nil, fmt.Errorf("sample %s: column %q, row %d: weight %s is not a number", s.name, col, j, v)
			}
			w = f
		default:
			return nil, fmt.Errorf("sample %s: column %q, row %d: weight %s is not a number", s.name, col, j, v)
		}
		if w < 0 {
			return nil, fmt.Errorf("sample %s: column %q, row %d: negative weight %v", s.name, col, j, w)
		}
		total += w
		cum[j] = total
	}
	if total == 0 {
		return nil, fmt.Errorf("sample %s: column %q: all weights are zero", s.name, col)
	}
	if s.weights == nil {
		s.weights = map[string][]float64{}
	}
	s.weights[col] = cum
	return cum, nil
}

// Samples is the `samples` value: samples.users, samples["users"].
type Samples struct {
	m     map[string]*Sample
	names []string
}

var (
	_ starlark.HasAttrs = (*Samples)(nil)
	_ starlark.Mapping  = (*Samples)(nil)
)

func (s *Samples) String() string        { return "<samples>" }
func (s *Samples) Type() string          { return "samples" }
func (s *Samples) Freeze()               {}
func (s *Samples) Truth() starlark.Bool  { return len(s.m) > 0 }
func (s *Samples) Hash() (uint32, error) { return 0, errors.New("unhashable type: samples") }
func (s *Samples) AttrNames() []string   { return slices.Clone(s.names) }

func (s *Samples) Attr(name string) (starlark.Value, error) {
	if v, ok := s.m[name]; ok {
		return v, nil
	}
	return nil, starlark.NoSuchAttrError(fmt.Sprintf("no sample named %q (samples: %s)", name, strings.Join(s.names, ", ")))
}

func (s *Samples) Get(k starlark.Value) (starlark.Value, bool, error) {
	name, ok := starlark.AsString(k)
	if !ok {
		return nil, false, fmt.Errorf("samples: keys must be str, not %s", k.Type())
	}
	v, err := s.Attr(name)
	return v, err == nil, err
}

// LoadSamples loads the samples of a template plugin config; relative
// sources resolve against env.Dir. Errors name the sample's key.
func LoadSamples(cfgs map[string]SampleConfig, env *plugin.Env) (*Samples, error) {
	s := &Samples{m: make(map[string]*Sample, len(cfgs))}
	for name := range cfgs {
		s.names = append(s.names, name)
	}
	slices.Sort(s.names)
	var errs []error
	for _, name := range s.names {
		sm, err := loadSample(name, cfgs[name], env)
		if err != nil {
			errs = append(errs, fmt.Errorf("samples.%s: %w", name, err))
			continue
		}
		s.m[name] = sm
	}
	return s, errors.Join(errs...)
}

func loadSample(name string, c SampleConfig, env *plugin.Env) (*Sample, error) {
	n := c.Source.Node
	if n == nil {
		return nil, errors.New("source: missing")
	}
	if c.Type != "items" && (n.Kind != yaml.ScalarNode || n.Value == "") {
		return nil, fmt.Errorf("source (line %d): expected a file path", n.Line)
	}
	switch c.Type {
	case "items":
		var items []any
		if err := n.Decode(&items); err != nil {
			return nil, fmt.Errorf("source (line %d): expected a list of items", n.Line)
		}
		return itemsSample(name, items)
	case "csv":
		data, err := env.ReadFile("source", n.Value)
		if err != nil {
			return nil, err
		}
		return csvSample(name, n.Value, data, c)
	case "json":
		data, err := env.ReadFile("source", n.Value)
		if err != nil {
			return nil, err
		}
		return jsonSample(name, n.Value, data)
	}
	return nil, fmt.Errorf("type: unknown sample type %q (use items, csv or json)", c.Type)
}

func itemsSample(name string, items []any) (*Sample, error) {
	s := &Sample{name: name, rows: make([]starlark.Value, len(items))}
	tabular := len(items) > 0
	width := 0
	for _, it := range items {
		l, ok := it.([]any)
		if !ok {
			tabular = false
			break
		}
		width = max(width, len(l))
	}
	if tabular {
		s.cols = positionalColumns(width)
	}
	for i, it := range items {
		if tabular {
			l := it.([]any)
			vals := make([]starlark.Value, width)
			for j := range vals {
				vals[j] = starlark.None
				if j < len(l) {
					v, err := frozenValue(l[j])
					if err != nil {
						return nil, fmt.Errorf("source[%d][%d]: %w", i, j, err)
					}
					vals[j] = v
				}
			}
			s.rows[i] = &Row{cols: s.cols, vals: vals}
			continue
		}
		v, err := frozenValue(it)
		if err != nil {
			return nil, fmt.Errorf("source[%d]: %w", i, err)
		}
		s.rows[i] = v
	}
	return s, nil
}

func frozenValue(x any) (starlark.Value, error) {
	v, err := starlib.ToStarlark(x)
	if err != nil {
		return nil, err
	}
	v.Freeze()
	return v, nil
}

func csvSample(name, path string, data []byte, c SampleConfig) (*Sample, error) {
	delim, quote := ',', '"'
	if c.Delimiter != "" {
		r, size := utf8.DecodeRuneInString(c.Delimiter)
		if size != len(c.Delimiter) {
			return nil, fmt.Errorf("delimiter: must be one character, got %q", c.Delimiter)
		}
		delim = r
	}
	if c.Quotechar != "" {
		r, size := utf8.DecodeRuneInString(c.Quotechar)
		if size != len(c.Quotechar) {
			return nil, fmt.Errorf("quotechar: must be one character, got %q", c.Quotechar)
		}
		quote = r
	}
	if delim == quote {
		return nil, errors.New("delimiter and quotechar must differ")
	}
	// encoding/csv only quotes with '"': swap the two characters in the
	// input and back in every field.
	swap := quote != '"'
	if swap {
		data = swapRunes(data, quote, '"')
		if delim == '"' {
			delim = quote
		}
	}
	rd := csv.NewReader(bytes.NewReader(data))
	rd.Comma = delim
	rd.FieldsPerRecord = 0
	records, err := rd.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			return nil, fmt.Errorf("%s: line %d: rows have different numbers of fields (quote values that contain the delimiter)", path, pe.Line)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if swap {
		for _, rec := range records {
			for i, f := range rec {
				rec[i] = string(swapRunes([]byte(f), quote, '"'))
			}
		}
	}
	s := &Sample{name: name}
	if c.Header {
		if len(records) == 0 {
			return nil, fmt.Errorf("%s: header: true but the file is empty", path)
		}
		s.cols = newColumns(records[0])
		records = records[1:]
	} else {
		width := 0
		if len(records) > 0 {
			width = len(records[0])
		}
		s.cols = positionalColumns(width)
	}
	s.rows = make([]starlark.Value, len(records))
	for i, rec := range records {
		vals := make([]starlark.Value, len(rec))
		for j, f := range rec {
			vals[j] = starlark.String(f)
		}
		s.rows[i] = &Row{cols: s.cols, vals: vals}
	}
	return s, nil
}

func swapRunes(b []byte, a, c rune) []byte {
	out := make([]byte, 0, len(b))
	for _, r := range string(b) {
		switch r {
		case a:
			r = c
		case c:
			r = a
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

var jsonDecode = starjson.Module.Members["decode"].(*starlark.Builtin)

func jsonSample(name, path string, data []byte) (*Sample, error) {
	v, err := starlark.Call(&starlark.Thread{}, jsonDecode, starlark.Tuple{starlark.String(data)}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	list, ok := v.(*starlark.List)
	if !ok {
		return nil, fmt.Errorf("%s: expected a JSON array of objects or values, got %s", path, v.Type())
	}
	v.Freeze()
	s := &Sample{name: name, rows: make([]starlark.Value, list.Len())}
	objects := list.Len() > 0
	for i := range list.Len() {
		if _, ok := list.Index(i).(*starlark.Dict); !ok {
			objects = false
			break
		}
	}
	if !objects {
		for i := range list.Len() {
			s.rows[i] = list.Index(i)
		}
		return s, nil
	}
	first := list.Index(0).(*starlark.Dict)
	names := make([]string, 0, first.Len())
	for _, k := range first.Keys() {
		names = append(names, string(k.(starlark.String)))
	}
	s.cols = newColumns(names)
	for i := range list.Len() {
		d := list.Index(i).(*starlark.Dict)
		if d.Len() != len(names) {
			return nil, fmt.Errorf("%s: object %d has keys different from the first object's (%s)", path, i, strings.Join(names, ", "))
		}
		vals := make([]starlark.Value, len(names))
		for j, n := range names {
			x, found, _ := d.Get(starlark.String(n))
			if !found {
				return nil, fmt.Errorf("%s: object %d has no key %q (every object needs the first object's keys)", path, i, n)
			}
			vals[j] = x
		}
		s.rows[i] = &Row{cols: s.cols, vals: vals}
	}
	return s, nil
}
