package starlib

import (
	"fmt"
	"sort"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Store is a key-value state for one goroutine: `locals` (per template)
// and `shared` (per generator). Type "state". Methods: get(key, default=None),
// set(key, value), update(dict), incr(key, by=1) (returns the new value),
// pop(key, default=None), clear(), as_dict(); store[key] (None when missing)
// and `key in store`. Method values are built once per store.
type Store struct {
	d       *starlark.Dict
	methods map[string]*starlark.Builtin
	name    string // "locals", "shared", ...: starts its methods' names and errors
}

// NewStore returns an empty store; its methods are named state.get, ...
// until SetName gives the name templates know it by.
func NewStore() *Store { return &Store{d: starlark.NewDict(8), name: "state"} }

// NewNamedStore returns an empty store whose methods are named
// <name>.get, ... (locals, shared).
func NewNamedStore(name string) *Store { return &Store{d: starlark.NewDict(8), name: name} }

// SetName names the store (locals, shared): its methods become
// locals.get, ..., which start their errors. Call it before first use.
func (s *Store) SetName(name string) {
	s.name = name
	s.methods = nil
}

var (
	_ starlark.HasAttrs  = (*Store)(nil)
	_ starlark.Mapping   = (*Store)(nil)
	_ starlark.Container = (*Store)(nil)
)

func (s *Store) String() string        { return "<state " + s.d.String() + ">" }
func (s *Store) Type() string          { return "state" }
func (s *Store) Freeze()               {}
func (s *Store) Truth() starlark.Bool  { return true }
func (s *Store) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: state") }

// Get implements store[key]: a missing key gives None, like the original.
func (s *Store) Get(k starlark.Value) (starlark.Value, bool, error) {
	v, found, err := s.d.Get(k)
	if err != nil {
		return nil, false, err
	}
	if !found {
		return starlark.None, true, nil
	}
	return v, true, nil
}

// Has implements `key in store`.
func (s *Store) Has(k starlark.Value) (bool, error) {
	_, found, err := s.d.Get(k)
	return found, err
}

// Dict returns the underlying dict (for Go callers such as FSM conditions).
func (s *Store) Dict() *starlark.Dict { return s.d }

// Snapshot returns the contents as Go values (for the REST API). Not safe
// while a script uses the store.
func (s *Store) Snapshot() map[string]any {
	out := make(map[string]any, s.d.Len())
	for _, it := range s.d.Items() {
		k, ok := starlark.AsString(it[0])
		if !ok {
			k = it[0].String()
		}
		out[k] = FromStarlark(it[1])
	}
	return out
}

// Clear removes every key.
func (s *Store) Clear() error { return s.d.Clear() }

// Update stores the values of kv (plain Go data: JSON-decoded values).
func (s *Store) Update(kv map[string]any) error {
	for k, v := range kv {
		sv, err := ToStarlark(v)
		if err != nil {
			return fmt.Errorf("state: %s: %w", k, err)
		}
		if err := s.d.SetKey(starlark.String(k), sv); err != nil {
			return err
		}
	}
	return nil
}

var storeMethodNames = []string{"as_dict", "clear", "get", "incr", "pop", "set", "update"}

func (s *Store) AttrNames() []string { return storeMethodNames }

func (s *Store) Attr(name string) (starlark.Value, error) {
	if b, ok := s.methods[name]; ok {
		return b, nil
	}
	f := s.method(name)
	if f == nil {
		return nil, nil
	}
	b := starlark.NewBuiltin(s.name+"."+name, f)
	if s.methods == nil {
		s.methods = make(map[string]*starlark.Builtin, len(storeMethodNames))
	}
	s.methods[name] = b
	return b, nil
}

func (s *Store) method(name string) builtinFn {
	var f builtinFn
	switch name {
	case "incr":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			k, by, err := unpackIncr(b, args, kwargs)
			if err != nil {
				return nil, err
			}
			old, found, err := s.d.Get(k)
			if err != nil {
				return nil, err
			}
			n, err := incremented(b, old, found, by)
			if err != nil {
				return nil, err
			}
			return n, s.d.SetKey(k, n)
		}
	case "get":
		f = lookupOr(s.d.Get)
	case "set":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var k, v starlark.Value
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &k, &v); err != nil {
				return nil, err
			}
			return starlark.None, s.d.SetKey(k, v)
		}
	case "update":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var m *starlark.Dict
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &m); err != nil {
				return nil, err
			}
			for _, it := range m.Items() {
				if err := s.d.SetKey(it[0], it[1]); err != nil {
					return nil, err
				}
			}
			return starlark.None, nil
		}
	case "pop":
		f = lookupOr(s.d.Delete)
	case "clear":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
				return nil, err
			}
			return starlark.None, s.d.Clear()
		}
	case "as_dict":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
				return nil, err
			}
			out := starlark.NewDict(s.d.Len())
			for _, it := range s.d.Items() {
				_ = out.SetKey(it[0], it[1])
			}
			return out, nil
		}
	}
	return f
}

// lookupOr makes get(key, default=None) / pop(key, default=None) from the
// dict operation that finds (and for pop removes) the key.
func lookupOr(op func(k starlark.Value) (starlark.Value, bool, error)) builtinFn {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var k starlark.Value
		var def starlark.Value = starlark.None
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &k, &def); err != nil {
			return nil, err
		}
		v, found, err := op(k)
		if err != nil {
			return nil, err
		}
		if !found {
			return def, nil
		}
		return v, nil
	}
}

// unpackIncr reads the arguments of incr(key, by=1); by must be a number.
func unpackIncr(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (k, by starlark.Value, err error) {
	by = starlark.MakeInt(1)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "key", &k, "by?", &by); err != nil {
		return nil, nil, err
	}
	switch by.(type) {
	case starlark.Int, starlark.Float:
		return k, by, nil
	}
	return nil, nil, fmt.Errorf("%s: by must be a number, not %s", b.Name(), by.Type())
}

// incremented is old + by, a missing value counting as 0.
func incremented(b *starlark.Builtin, old starlark.Value, found bool, by starlark.Value) (starlark.Value, error) {
	if !found {
		old = starlark.MakeInt(0)
	}
	n, err := starlark.Binary(syntax.PLUS, old, by)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return n, nil
}

// Globals is the state shared by every generator of a process. Values are
// deep-copied when stored and when read, so no mutable Starlark value is
// reachable from two goroutines; only plain data (None, bool, int, float,
// str, bytes, datetime, timedelta, list, tuple, dict, set) can be stored.
// Each producer uses its own View.
type Globals struct {
	mu sync.Mutex
	m  map[string]starlark.Value // keys are str(key); values are private copies
}

// NewGlobals returns an empty shared store.
func NewGlobals() *Globals { return &Globals{m: map[string]starlark.Value{}} }

// Snapshot returns a copy of the contents as Go values (for the REST API and tests).
func (g *Globals) Snapshot() map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]any, len(g.m))
	for k, v := range g.m {
		out[k] = FromStarlark(v)
	}
	return out
}

// Update stores the values of kv (plain Go data: JSON-decoded values),
// all or none (the REST API's PATCH).
func (g *Globals) Update(kv map[string]any) error {
	vals := make(map[string]starlark.Value, len(kv))
	for k, v := range kv {
		sv, err := ToStarlark(v)
		if err != nil {
			return fmt.Errorf("globals: %s: %w", k, err)
		}
		if sv, err = deepCopy(sv, 0); err != nil {
			return fmt.Errorf("globals: %s: %w", k, err)
		}
		vals[k] = sv
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for k, v := range vals {
		g.m[k] = v
	}
	return nil
}

// Delete removes key and reports whether it was there.
func (g *Globals) Delete(key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.m[key]
	delete(g.m, key)
	return ok
}

// Clear removes every key.
func (g *Globals) Clear() {
	g.mu.Lock()
	defer g.mu.Unlock()
	clear(g.m)
}

// View returns the Starlark value (type "globals") through which one
// producer's goroutine uses g. A view is not safe for concurrent use; make
// one per producer.
func (g *Globals) View() *GlobalsView { return &GlobalsView{g: g} }

// GlobalsView is one goroutine's handle on Globals. Methods: get(key,
// default=None), set(key, value), incr(key, by=1) → new value, update(key, fn)
// (stores fn(old value or None)) or update(dict), pop(key, default=None),
// clear(), as_dict(), acquire()/release(); view[key] and `key in view`.
type GlobalsView struct {
	g     *Globals
	holds int // acquire() depth; while > 0 this view owns g.mu
	inFn  int // of holds, those taken by update(key, fn) around fn
}

var (
	_ starlark.HasAttrs  = (*GlobalsView)(nil)
	_ starlark.Mapping   = (*GlobalsView)(nil)
	_ starlark.Container = (*GlobalsView)(nil)
)

func (v *GlobalsView) String() string        { return "<globals>" }
func (v *GlobalsView) Type() string          { return "globals" }
func (v *GlobalsView) Freeze()               {}
func (v *GlobalsView) Truth() starlark.Bool  { return true }
func (v *GlobalsView) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: globals") }

func (v *GlobalsView) lock() {
	if v.holds == 0 {
		v.g.mu.Lock()
	}
}

func (v *GlobalsView) unlock() {
	if v.holds == 0 {
		v.g.mu.Unlock()
	}
}

// ReleaseAll drops every hold left by acquire() without release() and
// returns how many there were; the script plugin calls it after each call.
func (v *GlobalsView) ReleaseAll() int {
	n := v.holds
	if n > 0 {
		v.holds = 0
		v.g.mu.Unlock()
	}
	return n
}

func globalsKey(k starlark.Value) (string, error) {
	if s, ok := k.(starlark.String); ok {
		return string(s), nil
	}
	return "", fmt.Errorf("globals: keys must be str, not %s", k.Type())
}

func (v *GlobalsView) Get(k starlark.Value) (starlark.Value, bool, error) {
	key, err := globalsKey(k)
	if err != nil {
		return nil, false, err
	}
	v.lock()
	defer v.unlock()
	x, ok := v.g.m[key]
	if !ok {
		return starlark.None, true, nil
	}
	c, err := deepCopy(x, 0)
	return c, true, err
}

func (v *GlobalsView) Has(k starlark.Value) (bool, error) {
	key, err := globalsKey(k)
	if err != nil {
		return false, err
	}
	v.lock()
	defer v.unlock()
	_, ok := v.g.m[key]
	return ok, nil
}

var globalsMethodNames = []string{"acquire", "as_dict", "clear", "get", "incr", "pop", "release", "set", "update"}

func (v *GlobalsView) AttrNames() []string { return globalsMethodNames }

func (v *GlobalsView) Attr(name string) (starlark.Value, error) {
	var f builtinFn
	switch name {
	case "get", "pop":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var k starlark.Value
			var def starlark.Value = starlark.None
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &k, &def); err != nil {
				return nil, err
			}
			key, err := globalsKey(k)
			if err != nil {
				return nil, err
			}
			v.lock()
			defer v.unlock()
			x, ok := v.g.m[key]
			if !ok {
				return def, nil
			}
			if name == "pop" {
				delete(v.g.m, key)
				return x, nil // no longer shared: no copy needed
			}
			return deepCopy(x, 0)
		}
	case "set":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var k, x starlark.Value
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &k, &x); err != nil {
				return nil, err
			}
			key, err := globalsKey(k)
			if err != nil {
				return nil, err
			}
			c, err := deepCopy(x, 0)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			v.lock()
			v.g.m[key] = c
			v.unlock()
			return starlark.None, nil
		}
	case "incr":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			k, by, err := unpackIncr(b, args, kwargs)
			if err != nil {
				return nil, err
			}
			key, err := globalsKey(k)
			if err != nil {
				return nil, err
			}
			v.lock()
			defer v.unlock()
			old, found := v.g.m[key]
			n, err := incremented(b, old, found, by)
			if err != nil {
				return nil, err
			}
			v.g.m[key] = n
			return n, nil
		}
	case "update":
		f = func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(args) == 1 && len(kwargs) == 0 {
				d, ok := args[0].(*starlark.Dict)
				if !ok {
					return nil, fmt.Errorf("%s: want update(dict) or update(key, fn), got %s", b.Name(), args[0].Type())
				}
				return starlark.None, v.updateDict(d)
			}
			var k starlark.Value
			var fn starlark.Callable
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &k, &fn); err != nil {
				return nil, err
			}
			key, err := globalsKey(k)
			if err != nil {
				return nil, err
			}
			v.lock()
			v.holds++ // nested globals calls in fn must not lock again
			v.inFn++  // and fn's release() must not drop this hold
			defer func() {
				v.inFn--
				v.holds--
				v.unlock()
			}()
			var old starlark.Value = starlark.None
			if x, ok := v.g.m[key]; ok {
				if old, err = deepCopy(x, 0); err != nil {
					return nil, err
				}
			}
			n, err := starlark.Call(thread, fn, starlark.Tuple{old}, nil)
			if err != nil {
				return nil, err
			}
			c, err := deepCopy(n, 0)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			v.g.m[key] = c
			return n, nil
		}
	case "clear":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
				return nil, err
			}
			v.lock()
			clear(v.g.m)
			v.unlock()
			return starlark.None, nil
		}
	case "as_dict":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
				return nil, err
			}
			v.lock()
			defer v.unlock()
			keys := make([]string, 0, len(v.g.m))
			for k := range v.g.m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			d := starlark.NewDict(len(keys))
			for _, k := range keys {
				c, err := deepCopy(v.g.m[k], 0)
				if err != nil {
					return nil, err
				}
				_ = d.SetKey(starlark.String(k), c)
			}
			return d, nil
		}
	case "acquire":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
				return nil, err
			}
			v.lock()
			v.holds++
			return starlark.None, nil
		}
	case "release":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
				return nil, err
			}
			if v.holds <= v.inFn {
				return nil, fmt.Errorf("%s: cannot release globals lock that is not acquired", b.Name())
			}
			v.holds--
			v.unlock()
			return starlark.None, nil
		}
	default:
		return nil, nil
	}
	return starlark.NewBuiltin("globals."+name, f), nil
}

func (v *GlobalsView) updateDict(d *starlark.Dict) error {
	items := d.Items()
	keys := make([]string, len(items))
	vals := make([]starlark.Value, len(items))
	for i, it := range items {
		k, err := globalsKey(it[0])
		if err != nil {
			return err
		}
		c, err := deepCopy(it[1], 0)
		if err != nil {
			return err
		}
		keys[i], vals[i] = k, c
	}
	v.lock()
	defer v.unlock()
	for i, k := range keys {
		v.g.m[k] = vals[i]
	}
	return nil
}

// deepCopy copies plain data; immutable scalars are returned as they are.
func deepCopy(x starlark.Value, depth int) (starlark.Value, error) {
	if depth > 64 {
		return nil, fmt.Errorf("value nested too deeply (cycle?)")
	}
	switch x := x.(type) {
	case starlark.NoneType, starlark.Bool, starlark.Int, starlark.Float, starlark.String,
		starlark.Bytes, *Timestamp, Timedelta, Date, UUID, *TZInfo:
		return x, nil
	case *starlark.List:
		out := make([]starlark.Value, x.Len())
		for i := range out {
			c, err := deepCopy(x.Index(i), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return starlark.NewList(out), nil
	case starlark.Tuple:
		out := make(starlark.Tuple, len(x))
		for i, e := range x {
			c, err := deepCopy(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case *starlark.Dict:
		out := starlark.NewDict(x.Len())
		for _, it := range x.Items() {
			k, err := deepCopy(it[0], depth+1)
			if err != nil {
				return nil, err
			}
			c, err := deepCopy(it[1], depth+1)
			if err != nil {
				return nil, err
			}
			if err := out.SetKey(k, c); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *starlark.Set:
		out := starlark.NewSet(x.Len())
		iter := x.Iterate()
		defer iter.Done()
		var e starlark.Value
		for iter.Next(&e) {
			if err := out.Insert(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot share a value of type %s across generators (only plain data)", x.Type())
}
