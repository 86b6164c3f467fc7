// Package starlib holds the Go-implemented Starlark library available to
// scripts and templates: the `module` gateway (module.rand, module.json,
// module.datetime, ... and namespaces other packages register, such as
// module.faker), the datetime/timedelta values, and the locals/shared/globals
// state stores.
//
// Randomness comes only from the *rand.Rand given to NewModule, so a seeded
// generator is reproducible. Values built by a Module belong to the goroutine
// that uses that Module; only Globals is safe to share.
package starlib

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"go.starlark.net/starlark"
)

var (
	nsMu       sync.RWMutex
	namespaces = map[string]func(r *rand.Rand) starlark.Value{}
)

// RegisterNamespace adds module.<name>, built by build on first use in each
// Module (so once per generator) with that generator's RNG. Packages call it
// from init(); registering a name twice, or a built-in name, panics.
func RegisterNamespace(name string, build func(r *rand.Rand) starlark.Value) {
	nsMu.Lock()
	defer nsMu.Unlock()
	if _, dup := namespaces[name]; dup || isBuiltinNamespace(name) {
		panic(fmt.Sprintf("starlib: namespace %q registered twice", name))
	}
	namespaces[name] = build
}

func lookupNamespace(name string) (func(r *rand.Rand) starlark.Value, bool) {
	nsMu.RLock()
	defer nsMu.RUnlock()
	b, ok := namespaces[name]
	return b, ok
}

// builtinNamespaces lists the namespaces this package provides.
var builtinNamespaces = []string{"base64", "calendar", "datetime", "hashlib", "json", "math", "rand", "re", "time", "uuid"}

func isBuiltinNamespace(name string) bool {
	for _, n := range builtinNamespaces {
		if n == name {
			return true
		}
	}
	return false
}

// Module is the `module` gateway value (type "module"): module.rand,
// module.json, ... Namespaces are built on first access and kept.
// A Module is used by one goroutine.
type Module struct {
	r     *rand.Rand
	loc   *time.Location
	cache map[string]starlark.Value
}

var _ starlark.HasAttrs = (*Module)(nil)

// NewModule returns the gateway bound to the generator's RNG r and time
// zone loc (used where a datetime is made without one). A nil loc means UTC.
func NewModule(r *rand.Rand, loc *time.Location) *Module {
	if loc == nil {
		loc = time.UTC
	}
	return &Module{r: r, loc: loc, cache: make(map[string]starlark.Value, 4)}
}

// Rand returns the RNG the module draws from.
func (m *Module) Rand() *rand.Rand { return m.r }

// Location returns the module's time zone.
func (m *Module) Location() *time.Location { return m.loc }

func (m *Module) String() string        { return "<module>" }
func (m *Module) Type() string          { return "module" }
func (m *Module) Freeze()               {}
func (m *Module) Truth() starlark.Bool  { return true }
func (m *Module) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: module") }

// Attr returns module.<name>, building the namespace on first use.
func (m *Module) Attr(name string) (starlark.Value, error) {
	if v, ok := m.cache[name]; ok {
		return v, nil
	}
	v := m.build(name)
	if v == nil {
		return nil, starlark.NoSuchAttrError(fmt.Sprintf("module has no namespace %q (known: %v)", name, m.AttrNames()))
	}
	m.cache[name] = v
	return v, nil
}

// Namespace is Attr for Go callers (the script plugin predeclares the
// stdlib namespaces under their own names). It returns nil for unknown names.
func (m *Module) Namespace(name string) starlark.Value {
	v, _ := m.Attr(name)
	return v
}

func (m *Module) build(name string) starlark.Value {
	switch name {
	case "rand":
		return newRandNamespace(m.r, m.loc)
	case "json":
		return jsonModule()
	case "math":
		return mathModule()
	case "time":
		return timeModule()
	case "hashlib":
		return hashlibModule()
	case "base64":
		return base64Module()
	case "re":
		return reModule()
	case "calendar":
		return calendarModule()
	case "uuid":
		return newUUIDModule(m.r)
	case "datetime":
		return newDatetimeModule(m.loc)
	}
	if b, ok := lookupNamespace(name); ok {
		return b(m.r)
	}
	return nil
}

func (m *Module) AttrNames() []string {
	names := append([]string(nil), builtinNamespaces...)
	nsMu.RLock()
	for n := range namespaces {
		names = append(names, n)
	}
	nsMu.RUnlock()
	return sortedStrings(names)
}

// StdlibNames are the namespaces scripts also see as top-level names
// (json, math, ...), as if imported.
var StdlibNames = []string{"base64", "calendar", "datetime", "hashlib", "json", "math", "re", "time", "uuid"}

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}
