package jinja

import (
	"slices"
	"testing"
)

// Names only a loop assigns are loop-local, not undefined; a name read
// after the loop that only the loop assigns is.
func TestScopedRegionUndefined(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string
	}{
		{"loop-local", "{% for i in range(2) %}{% set t = i %}{{ t }}{% endfor %}", nil},
		{"read after the loop", "{% for i in range(2) %}{% set t = i %}{% endfor %}{{ t }}", []string{"t"}},
		{"with-local", "{% with a = 1 %}{% set b = a %}{{ b }}{% endwith %}", nil},
		// A macro's parameter, or a keyword argument, of the same name is
		// another variable: it does not make the loop-local name a read.
		{"loop-local beside a macro parameter", "{% macro m(w) %}{{ w }}{% endmacro %}{% for i in range(2) %}{% set w = i %}{{ m(w) }}{% endfor %}", nil},
		{"loop-local beside a keyword", "{% for i in range(2) %}{% set t = i %}{{ namespace(t=t).t }}{% endfor %}", nil},
		{"read after the loop, beside a macro parameter", "{% macro m(t) %}{{ t }}{% endmacro %}{% for i in range(2) %}{% set t = i %}{% endfor %}{{ t }}", []string{"t"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tm, err := Compile("t.jinja", tc.src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := tm.Undefined(); !slices.Equal(got, tc.want) {
				t.Errorf("Undefined() = %q, want %q", got, tc.want)
			}
		})
	}
}

// Names bound inside a block (macro parameters, comprehension variables)
// are no undefined names; names a block reads and nothing defines are.
func TestBlockUndefined(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string
	}{
		{"macro in a block", "{% block a %}{% macro m(v, w=1) %}{{ v }}{{ w }}{% endmacro %}{{ m(2) }}{% endblock %}", nil},
		{"comprehension in a block", "{% block a %}{{ [x * 2 for x in [1, 2]] }}{% endblock %}", nil},
		{"undefined in a block", "{% block a %}{{ nope }}{% endblock %}", []string{"nope"}},
		{"loop in a scoped block", "{% for i in range(2) %}{% block a scoped %}{{ i }}{{ loop.index }}{% endblock %}{% endfor %}", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tm, err := Compile("t.jinja", tc.src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := tm.Undefined(); !slices.Equal(got, tc.want) {
				t.Errorf("Undefined() = %q, want %q", got, tc.want)
			}
		})
	}
}
