package jinja

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestResolveName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		includer, name string
		want           []string // nil: an error
	}{
		{"t.jinja", "x.jinja", []string{"x.jinja"}},
		{"templates/a.jinja", "templates/_base.json.jinja", []string{"templates/_base.json.jinja", "templates/templates/_base.json.jinja"}},
		{"templates/a.jinja", "b.jinja", []string{"b.jinja", "templates/b.jinja"}},
		{"templates/a.jinja", "/b.jinja", []string{"b.jinja"}},
		{"templates/a.jinja", "./templates//b.jinja", []string{"templates/b.jinja", "templates/templates/b.jinja"}},
		{"templates/a.jinja", "../common/c.jinja", []string{"common/c.jinja"}},
		{"templates/sub/a.jinja", "../c.jinja", []string{"templates/c.jinja"}},
		{"t.jinja", "../x.jinja", nil},
		{"templates/a.jinja", "../../x.jinja", nil},
		{"templates/a.jinja", "a/../../../x", nil},
		{"/abs/t.jinja", "x.jinja", []string{"x.jinja"}},
		{"t.jinja", "/", nil},
		{"t.jinja", "", nil},
	}
	for _, tc := range tests {
		got, err := ResolveName(tc.includer, tc.name)
		if tc.want == nil {
			if err == nil {
				t.Errorf("ResolveName(%q, %q) = %q, want an error", tc.includer, tc.name, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ResolveName(%q, %q) = %q, %v; want %q", tc.includer, tc.name, got, err, tc.want)
		}
	}
}

// TestLoaderNames checks what the loader is asked for and how its errors
// are reported: not-found moves on, other errors stop the lookup.
func TestLoaderNames(t *testing.T) {
	t.Parallel()
	denied := errors.New("permission denied")
	files := map[string]string{"templates/b.jinja": "B", "templates/t.jinja": "T"}
	tests := []struct {
		src, want, wantErr string
		asked              []string
	}{
		{src: `{% include "b.jinja" %}`, want: "B", asked: []string{"b.jinja", "templates/b.jinja"}},
		{src: `{% include "t.jinja" %}{% include "t.jinja" %}`, want: "TT", asked: []string{"t.jinja", "templates/t.jinja"}},
		{src: `{% include "no.jinja" ignore missing %}.`, want: ".", asked: []string{"no.jinja", "templates/no.jinja"}},
		{src: `{% include "no.jinja" %}`, asked: []string{"no.jinja", "templates/no.jinja"},
			wantErr: `templates/main.jinja:1:12: cannot load template "no.jinja": file does not exist (looked for no.jinja and templates/no.jinja)`},
		{src: `{% include "locked.jinja" ignore missing %}`, asked: []string{"locked.jinja", "templates/locked.jinja"},
			wantErr: `templates/main.jinja:1:12: cannot load template "locked.jinja": permission denied (looked for locked.jinja and templates/locked.jinja)`},
		{src: "\n{% import '../../etc/passwd' as p %}",
			wantErr: `templates/main.jinja:2:11: template name "../../etc/passwd" leads outside the generator's folder`},
	}
	for _, tc := range tests {
		var asked []string
		loader := func(name string) (string, error) {
			asked = append(asked, name)
			if s, ok := files[name]; ok {
				return s, nil
			}
			if strings.Contains(name, "locked") {
				return "", denied
			}
			return "", fs.ErrNotExist
		}
		out, err := renderString(t, "templates/main.jinja", tc.src, Options{Loader: loader})
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%q: error %v, want %s", tc.src, err, tc.wantErr)
			}
		} else if err != nil || out != tc.want {
			t.Errorf("%q: %q, %v; want %q", tc.src, out, err, tc.want)
		}
		if !slices.Equal(asked, tc.asked) {
			t.Errorf("%q: loader asked for %q, want %q", tc.src, asked, tc.asked)
		}
	}
}
