package faker

import (
	"math/rand/v2"
	"testing"

	"go.starlark.net/starlark"
)

// The append paths of Faker methods draw the same numbers and write the
// same text as calls, for locales with either name order.
func TestFakerFastPathsMatchCalls(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"en", "ru_RU", "ja_JP", "zh_CN"} {
		for name := range fakerAppenders {
			called := newFakerLocale(newGen(rand.New(rand.NewPCG(8, 9))), code).(starlark.HasAttrs)
			appended := newFakerLocale(newGen(rand.New(rand.NewPCG(8, 9))), code).(starlark.HasAttrs)
			fn, _ := called.Attr(name)
			fv, _ := appended.Attr(name)
			fast, ok := fv.(*fastBuiltin)
			if !ok {
				t.Fatalf("%s.%s: no fast path", code, name)
			}
			th := &starlark.Thread{}
			for i := range 200 {
				v, err := starlark.Call(th, fn, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				out, ok, err := fast.AppendCall(th, nil, nil, nil)
				if !ok || err != nil {
					t.Fatalf("%s.%s: AppendCall: %v, %v", code, name, ok, err)
				}
				if want := string(v.(starlark.String)); string(out) != want {
					t.Fatalf("%s.%s draw %d: appended %q, called %q", code, name, i, out, want)
				}
			}
		}
	}
}
