// Package plugin holds what every plugin kind shares: the registry that maps a
// plugin name to its config and constructor, and the Env a constructor receives.
package plugin

import (
	"fmt"
	"sort"
	"sync"

	"github.com/eventum-go/eventum/config"
)

// Spec describes one plugin: how to make its config (pre-filled with the
// documented defaults) and how to build the plugin from a decoded config.
type Spec[T any] struct {
	Name string
	// NewConfig returns a pointer to a fresh config struct holding the defaults.
	NewConfig func() any
	// Build turns a decoded and validated config into the plugin.
	Build func(cfg any, env *Env) (T, error)
}

// Registry maps plugin names to specs for one plugin kind (input, event, output, formatter).
type Registry[T any] struct {
	kind string
	mu   sync.RWMutex
	m    map[string]Spec[T]
}

// NewRegistry returns an empty registry; kind names the plugin kind in errors.
func NewRegistry[T any](kind string) *Registry[T] {
	return &Registry[T]{kind: kind, m: map[string]Spec[T]{}}
}

// Kind is the plugin kind this registry holds ("input", "output", ...).
func (r *Registry[T]) Kind() string { return r.kind }

// Register adds a spec; registering a name twice panics (a programming error at init time).
func (r *Registry[T]) Register(s Spec[T]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.m[s.Name]; dup {
		panic(fmt.Sprintf("%s plugin %q registered twice", r.kind, s.Name))
	}
	r.m[s.Name] = s
}

// Lookup finds a spec by name.
func (r *Registry[T]) Lookup(name string) (Spec[T], bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.m[name]
	return s, ok
}

// Names lists the registered plugin names, sorted.
func (r *Registry[T]) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Validator is implemented by configs that check themselves after decoding.
// The returned error should name the offending key; it is reported at the
// plugin's position in the config file.
type Validator interface{ Validate() error }

// CommonValidator is implemented by configs that embed settings shared by
// every plugin of a kind (an output's delivery keys); it runs before Validate.
type CommonValidator interface{ ValidateCommon() error }

// Decode looks up p.Name, decodes its settings strictly into a fresh config and
// validates it. skip lists keys of p's mapping that the caller handles itself.
func (r *Registry[T]) Decode(p config.Plugin, skip ...string) (Spec[T], any, error) {
	spec, ok := r.Lookup(p.Name)
	if !ok {
		return spec, nil, p.Errorf("unknown %s plugin %q (known: %v)", r.kind, p.Name, r.Names())
	}
	cfg := spec.NewConfig()
	if err := p.Decode(cfg, skip...); err != nil {
		return spec, nil, err
	}
	if v, ok := cfg.(CommonValidator); ok {
		if err := v.ValidateCommon(); err != nil {
			return spec, nil, p.Errorf("%v", err)
		}
	}
	if v, ok := cfg.(Validator); ok {
		if err := v.Validate(); err != nil {
			return spec, nil, p.Errorf("%v", err)
		}
	}
	return spec, cfg, nil
}

// Build decodes p and builds the plugin. Errors carry the file, line and key path.
func (r *Registry[T]) Build(p config.Plugin, env *Env) (T, any, error) {
	var zero T
	spec, cfg, err := r.Decode(p)
	if err != nil {
		return zero, nil, err
	}
	v, err := spec.Build(cfg, env)
	if err != nil {
		return zero, cfg, p.Errorf("%v", err)
	}
	return v, cfg, nil
}

// Register is a typed convenience over Registry.Register. The config's
// defaults come from its fields' `default` tags (config.ApplyDefaults);
// defaults may be nil, or return a config pre-filled with values that a tag
// cannot express. build receives the decoded, validated config.
func Register[T any, C any](r *Registry[T], name string, defaults func() *C, build func(*C, *Env) (T, error)) {
	r.Register(Spec[T]{
		Name: name,
		NewConfig: func() any {
			c := new(C)
			if defaults != nil {
				c = defaults()
			}
			if err := config.ApplyDefaults(c); err != nil {
				panic(fmt.Sprintf("%s plugin %q: %v", r.kind, name, err))
			}
			return c
		},
		Build: func(cfg any, env *Env) (T, error) { return build(cfg.(*C), env) },
	})
}
