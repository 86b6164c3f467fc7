package jinja

import (
	"math/rand/v2"
	"testing"

	"go.starlark.net/starlark"
)

// renderString compiles src as the template name and renders it once with
// globals (their names are added to opts.Globals), timestamp None and no
// tags; compile and render errors are returned alike.
func renderString(t testing.TB, name, src string, opts Options, globals ...starlark.StringDict) (string, error) {
	t.Helper()
	g := starlark.StringDict{}
	for _, d := range globals {
		for k, v := range d {
			g[k] = v
			opts.Globals = append(opts.Globals, k)
		}
	}
	tm, err := Compile(name, src, opts)
	if err != nil {
		return "", err
	}
	th := &starlark.Thread{Name: "test"}
	th.SetLocal("rand", rand.New(rand.NewPCG(1, 2)))
	in, err := tm.NewInstance(th, g)
	if err != nil {
		return "", err
	}
	out, err := in.Render(th, nil, starlark.None, starlark.Tuple{})
	return string(out), err
}
