package starlib

import (
	"math/rand/v2"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// evalExpr evaluates a Starlark expression with module, the stdlib names,
// the builtins and extra predeclared values.
func evalExpr(t testing.TB, seed uint64, expr string, extra starlark.StringDict) (starlark.Value, error) {
	t.Helper()
	mod := NewModule(rand.New(rand.NewPCG(seed, seed)), time.UTC)
	env := starlark.StringDict{"module": mod}
	for _, n := range StdlibNames {
		env[n] = mod.Namespace(n)
	}
	for k, v := range Builtins {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	thread := &starlark.Thread{Name: "test"}
	return starlark.EvalOptions(&syntax.FileOptions{}, thread, "expr", expr, env)
}

func mustEval(t testing.TB, expr string, extra starlark.StringDict) starlark.Value {
	t.Helper()
	v, err := evalExpr(t, 1, expr, extra)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// str returns a Starlark value as Go text: strings unquoted, others by String().
func str(v starlark.Value) string {
	if s, ok := v.(starlark.String); ok {
		return string(s)
	}
	return v.String()
}

func newTestRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }
