package pystd

import (
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/eventum-go/eventum/starlib"
)

// module.builtins: Python's built-in functions as Starlark has them (int,
// str, len, sorted, …, plus round and sum). Templates of the original use
// it mostly to stop with a message: module.builtins.int('reason') fails
// with the reason in the error.
func newBuiltinsModule() starlark.Value {
	m := starlark.StringDict{}
	for _, name := range []string{"abs", "all", "any", "bool", "bytes", "chr", "dict", "enumerate", "float",
		"getattr", "hasattr", "hash", "int", "len", "list", "max", "min", "ord", "range", "repr",
		"reversed", "set", "sorted", "str", "tuple", "type", "zip"} {
		if v, ok := starlark.Universe[name]; ok {
			m[name] = v
		}
	}
	for k, v := range starlib.Builtins {
		m[k] = v
	}
	m["True"], m["False"], m["None"] = starlark.True, starlark.False, starlark.None
	return &starlarkstruct.Module{Name: "builtins", Members: m}
}
