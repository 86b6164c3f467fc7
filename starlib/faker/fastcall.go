package faker

import "go.starlark.net/starlark"

// fastBuiltin is a Faker method with an append path for compiled
// templates (scripts/jinja CallAppender): printed by {{ }}, a call without
// arguments appends its text to the output instead of making a string.
// It draws the same random numbers and writes the same text as a call.
type fastBuiltin struct {
	*starlark.Builtin
	appendFn func(dst []byte) []byte
}

// GoCallable marks a callable that needs no call frame of its own.
func (b *fastBuiltin) GoCallable() {}

// AppendCall implements jinja.CallAppender.
func (b *fastBuiltin) AppendCall(_ *starlark.Thread, dst []byte, args starlark.Tuple, kwargs []starlark.Tuple) ([]byte, bool, error) {
	if len(args) > 0 || len(kwargs) > 0 {
		return dst, false, nil
	}
	return b.appendFn(dst), true, nil
}

// fakerAppenders are the append paths of Faker methods: each appends what
// the method returns, drawing the same numbers.
var fakerAppenders = map[string]func(g *gen, l *localeData, dst []byte) []byte{
	"user_name": func(g *gen, _ *localeData, dst []byte) []byte { return g.appendUserName(dst) },
	"name": func(g *gen, l *localeData, dst []byte) []byte {
		first, last := g.pickS(l.first), g.pickS(l.last)
		if l.familyFirst {
			return append(append(dst, last...), first...)
		}
		return append(append(append(dst, first...), ' '), last...)
	},
}
