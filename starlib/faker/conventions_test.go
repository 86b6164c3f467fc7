package faker

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eventum-go/eventum/starlib"
	_ "github.com/eventum-go/eventum/starlib/baseplate"
	"go.starlark.net/starlark"
)

// wrongType is an argument no builtin accepts.
type wrongType struct{}

func (wrongType) String() string        { return "<wrong>" }
func (wrongType) Type() string          { return "wrongtype" }
func (wrongType) Freeze()               {}
func (wrongType) Truth() starlark.Bool  { return true }
func (wrongType) Hash() (uint32, error) { return 0, nil }

// builtinPaths walks v's attributes and returns every builtin with its
// dotted access path (module.<path>).
func builtinPaths(path string, v starlark.Value, out map[string]*starlark.Builtin, depth int) {
	if fb, ok := v.(*fastBuiltin); ok {
		v = fb.Builtin
	}
	if b, ok := v.(*starlark.Builtin); ok {
		if b.Receiver() == nil { // methods of values (str, set, ...) are not module builtins
			out[path] = b
		}
		return
	}
	switch v.(type) {
	case starlark.String, *starlark.Set, *starlark.List, *starlark.Dict, starlark.Tuple, *enumMember:
		return // values, not namespaces
	}
	h, ok := v.(starlark.HasAttrs)
	if !ok || depth > 6 {
		return
	}
	for _, name := range h.AttrNames() {
		if path == "faker.locale" || path == "mimesis.locale" {
			if name != "en" { // every locale has the same methods
				continue
			}
		}
		a, err := h.Attr(name)
		if err != nil || a == nil {
			continue
		}
		builtinPaths(path+"."+name, a, out, depth+1)
	}
}

// acceptsAnything are builtins whose parameters take any value, so a
// wrong-typed argument cannot fail them.
var acceptsAnything = map[string]bool{
	"rand.number.clamp":     true, // compares its arguments; equal types are fine
	"mimesis.random.Random": true, // any seed is accepted (and ignored), as Python's Random(x)
	// Python's operator functions that take any object:
	"operator.eq": true, "operator.ne": true, "operator.not_": true, "operator.truth": true, "operator.itemgetter": true,
}

// TestBuiltinConventions: every module builtin is named by its full dotted
// path (its name is a suffix of the path it is reached by, with at least a
// namespace and a function), and every error it returns for wrong-typed
// arguments starts with that name.
func TestBuiltinConventions(t *testing.T) {
	t.Parallel()
	m := starlib.NewModule(rand.New(rand.NewPCG(5, 6)), time.UTC)
	all := map[string]*starlark.Builtin{}
	for _, ns := range m.AttrNames() {
		v, err := m.Attr(ns)
		if err != nil {
			t.Fatal(err)
		}
		builtinPaths(ns, v, all, 0)
	}
	paths := make([]string, 0, len(all))
	for p := range all {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	if len(paths) < 500 {
		t.Fatalf("walked only %d builtins", len(paths))
	}
	thread := &starlark.Thread{Name: "conventions"}
	for _, p := range paths {
		b := all[p]
		name := b.Name()
		if !strings.HasSuffix(p, name) || (len(name) < len(p) && p[len(p)-len(name)-1] != '.') || !strings.Contains(name, ".") {
			t.Errorf("module.%s is named %q, want a dotted suffix of its path", p, name)
			continue
		}
		if acceptsAnything[p] {
			continue
		}
		for n := 1; n <= 3; n++ {
			args := make(starlark.Tuple, n)
			for i := range args {
				args[i] = wrongType{}
			}
			_, err := starlark.Call(thread, b, args, nil)
			if err == nil {
				t.Errorf("module.%s with %d wrong-typed arguments: no error", p, n)
				continue
			}
			if !strings.HasPrefix(err.Error(), name+": ") {
				t.Errorf("module.%s with %d wrong-typed arguments: error %q does not start with %q", p, n, err, name+": ")
			}
		}
		_, err := starlark.Call(thread, b, nil, []starlark.Tuple{{starlark.String("no_such_parameter"), starlark.None}})
		if err == nil || !strings.HasPrefix(err.Error(), name+": ") {
			t.Errorf("module.%s(no_such_parameter=None): error %v, want one starting with %q", p, err, name+": ")
		}
	}
}
