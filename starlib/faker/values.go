package faker

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/xrash/smetrics"
	"go.starlark.net/starlark"
)

// object is an immutable Starlark value with a fixed set of attributes: a
// provider whose attributes are builtins, or a namespace of providers.
type object struct {
	typ   string // Starlark type name, e.g. "faker.provider"
	label string // shown by str(), e.g. `faker.locale.en`
	attrs map[string]starlark.Value
	names []string // sorted attribute names
	// unknown builds the error for an attribute that does not exist.
	unknown func(name string) error
}

var _ starlark.HasAttrs = (*object)(nil)

func newObject(typ, label string, attrs map[string]starlark.Value, unknown func(string) error) *object {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	return &object{typ: typ, label: label, attrs: attrs, names: names, unknown: unknown}
}

func (o *object) String() string        { return "<" + o.label + ">" }
func (o *object) Type() string          { return o.typ }
func (o *object) Freeze()               {}
func (o *object) Truth() starlark.Bool  { return starlark.True }
func (o *object) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: %s", o.typ) }
func (o *object) AttrNames() []string   { return o.names }

func (o *object) Attr(name string) (starlark.Value, error) {
	if v, ok := o.attrs[name]; ok {
		return v, nil
	}
	return nil, o.unknown(name)
}

// localeSpace is `faker.locale` / `mimesis.locale`: any attribute (or index)
// is a locale code, answered by a provider built once per code and cached.
type localeSpace struct {
	kind  string // "faker" or "mimesis"
	build func(code string) starlark.Value
	cache map[string]starlark.Value
}

var (
	_ starlark.HasAttrs = (*localeSpace)(nil)
	_ starlark.Mapping  = (*localeSpace)(nil)
)

func newLocaleSpace(kind string, build func(code string) starlark.Value) *localeSpace {
	return &localeSpace{kind: kind, build: build, cache: make(map[string]starlark.Value)}
}

func (s *localeSpace) String() string        { return "<" + s.kind + ".locale>" }
func (s *localeSpace) Type() string          { return s.kind + ".locale" }
func (s *localeSpace) Freeze()               {}
func (s *localeSpace) Truth() starlark.Bool  { return starlark.True }
func (s *localeSpace) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: %s", s.Type()) }

// AttrNames lists the locales that have their own data; any other code is
// accepted too and falls back (see resolveLocale).
func (s *localeSpace) AttrNames() []string {
	names := make([]string, 0, len(loadTables().locales))
	for c := range loadTables().locales {
		names = append(names, c)
	}
	sort.Strings(names)
	return names
}

func (s *localeSpace) Attr(code string) (starlark.Value, error) {
	if v, ok := s.cache[code]; ok {
		return v, nil
	}
	if code == "" {
		return nil, fmt.Errorf("%s.locale: empty locale code", s.kind)
	}
	v := s.build(code)
	s.cache[code] = v
	return v, nil
}

// Get supports `locale["en-US"]` for codes that are not identifiers.
func (s *localeSpace) Get(k starlark.Value) (starlark.Value, bool, error) {
	code, ok := starlark.AsString(k)
	if !ok {
		return nil, false, fmt.Errorf("%s.locale: locale code must be a string, got %s", s.kind, k.Type())
	}
	v, err := s.Attr(code)
	return v, err == nil, err
}

// suggest returns up to three names from candidates close to name: names
// within a small edit distance first, then names sharing a word with it.
func suggest(name string, candidates []string) []string {
	type scored struct {
		n string
		d int
	}
	var out []scored
	limit := max(2, len(name)/3)
	for _, c := range candidates {
		d := smetrics.WagnerFischer(name, c, 1, 1, 1)
		if d <= limit {
			out = append(out, scored{c, d})
			continue
		}
		if strings.Contains(c, name) || (len(c) > 2 && strings.Contains(name, c)) {
			out = append(out, scored{c, limit + 1})
			continue
		}
		for w := range strings.SplitSeq(name, "_") {
			if len(w) > 2 && slices.Contains(strings.Split(c, "_"), w) {
				out = append(out, scored{c, limit + 2})
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].d < out[j].d })
	var names []string
	for i := 0; i < len(out) && i < 3; i++ {
		names = append(names, out[i].n)
	}
	return names
}

// unknownError formats "what has no method name (did you mean a, b?)".
func unknownError(what, kind, name string, candidates []string) error {
	msg := fmt.Sprintf("%s has no %s %q", what, kind, name)
	if s := suggest(name, candidates); len(s) > 0 {
		msg += " (did you mean " + strings.Join(s, ", ") + "?)"
	}
	// A plain error, not starlark.NoSuchAttrError: the interpreter would
	// append its own single "did you mean" hint to the one above.
	return errors.New(msg)
}
