package jinja

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

func TestCompileExpression(t *testing.T) {
	t.Parallel()
	globals := starlark.StringDict{
		"n":    starlark.MakeInt(5),
		"host": starlark.String("db.local"),
		"d":    dictOf("port", starlark.MakeInt(9)),
	}
	for _, tc := range []struct {
		src, wantText, wantType string
	}{
		{"n + 1", "6", "int"},
		{"host | upper", "DB.LOCAL", "string"},
		{`host | replace(".", "-")`, "db-local", "string"},
		{"d.port", "9", "int"},
		{"[n, host]", "[5, 'db.local']", "list"},
		{"n is odd", "True", "bool"},
		{"missing | default('x')", "x", "string"},
		{"None", "None", "NoneType"},
		{"missing", "", "undefined"},
		{"'%05d' % n", "00005", "string"},
	} {
		e, err := CompileExpression("cfg.yml", 3, 10, tc.src, Options{Globals: []string{"n", "host", "d"}})
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		v, err := e.Eval(&starlark.Thread{}, globals)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if got := Text(v); got != tc.wantText || v.Type() != tc.wantType {
			t.Errorf("%s = %s (%s), want %s (%s)", tc.src, got, v.Type(), tc.wantText, tc.wantType)
		}
	}
}

// Errors are located at the expression's own line and column in the file
// that holds it.
func TestCompileExpressionErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"n +", "cfg.yml:3:"},
		{"n | nosuchfilter", "cfg.yml:3:"},
		{"", "cfg.yml:3:10: empty expression"},
		{"(n", "cfg.yml:3:"},
	} {
		_, err := CompileExpression("cfg.yml", 3, 10, tc.src, Options{Globals: []string{"n"}})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want prefix %q", tc.src, err, tc.want)
		}
	}
	e, err := CompileExpression("cfg.yml", 7, 4, "1 // n", Options{Globals: []string{"n"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Eval(&starlark.Thread{}, starlark.StringDict{"n": starlark.MakeInt(0)})
	if err == nil || !strings.HasPrefix(err.Error(), "cfg.yml:7:") {
		t.Errorf("runtime error %v, want it at cfg.yml:7", err)
	}
}

func dictOf(k string, v starlark.Value) *starlark.Dict {
	d := starlark.NewDict(1)
	_ = d.SetKey(starlark.String(k), v)
	return d
}
