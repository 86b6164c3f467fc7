package scripts

import (
	"strings"
	"testing"
)

// TestTemplateTimestampReuse: the timestamp value is reused across
// renders only when no template can keep it, and a kept timestamp keeps
// its time.
func TestTemplateTimestampReuse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, tmpl string
		reused     bool
		want       []string
	}{
		{"printed only", `{{ timestamp.strftime('%S') }}|{{ timestamp.second }}`, true, []string{"00|0", "01|1", "02|2"}},
		{"kept in locals", `{% if locals.get('first') is none %}{% do locals.set('first', timestamp) %}{% endif %}{{ locals.get('first').second }}-{{ timestamp.second }}`,
			false, []string{"0-0", "0-1", "0-2"}},
		{"method kept in locals", `{% if locals.get('f') is none %}{% do locals.set('f', timestamp.isoformat) %}{% endif %}{{ locals.get('f')()[17:19] }}-{{ timestamp.second }}`,
			true, []string{"00-0", "00-1", "00-2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tm := mustTemplate(t, map[string]string{"t.jinja": tc.tmpl}, "templates:\n- t: {template: t.jinja}\n")
			if got := tm.reusedTS != nil; got != tc.reused {
				t.Errorf("timestamp reused: %v, want %v", got, tc.reused)
			}
			got := flat(produceN(t, tm, 3))
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
