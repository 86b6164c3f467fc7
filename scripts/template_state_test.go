package scripts

import (
	"strings"
	"testing"
)

// Which templates may run on parallel workers, and spin/chain picking by
// the global index a worker or shard is given.
func TestTemplateStateReason(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"plain.jinja":  "{{ module.rand.number.integer(1, 9) }} {{ shard.index }}/{{ shard.count }}",
		"locals.jinja": "{% do locals.set('n', locals.get('n', 0) + 1) %}{{ locals.get('n') }}",
		"shared.jinja": "{{ shared.get('n', 0) }}",
		"b.jinja":      "b",
	}
	tests := []struct{ name, src, want string }{
		{"all, stateless", "templates:\n- a: {template: plain.jinja}\n", ""},
		{"spin picks by index", "mode: spin\ntemplates:\n- a: {template: plain.jinja}\n- b: {template: b.jinja}\n", ""},
		{"chain picks by index", "mode: chain\nchain: [a, b, b]\ntemplates:\n- a: {template: plain.jinja}\n- b: {template: b.jinja}\n", ""},
		{"locals", "templates:\n- a: {template: locals.jinja}\n", "locals"},
		{"shared", "mode: any\ntemplates:\n- a: {template: plain.jinja}\n- s: {template: shared.jinja}\n", "shared"},
		{"fsm", "mode: fsm\ntemplates:\n- a: {template: plain.jinja, initial: true, transitions: [{to: b, when: {always: }}]}\n- b: {template: b.jinja}\n", "fsm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tm := mustTemplate(t, files, tt.src)
			got := tm.StateReason()
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("StateReason() = %q, want one naming %q", got, tt.want)
			}
		})
	}
}

func TestTemplateChainFollowsIndex(t *testing.T) {
	t.Parallel()
	files := map[string]string{"a.jinja": "a", "b.jinja": "b", "c.jinja": "c"}
	tm := mustTemplate(t, files, "mode: chain\nchain: [a, b, b, c]\ntemplates:\n- a: {template: a.jinja}\n- b: {template: b.jinja}\n- c: {template: c.jinja}\n")
	var got []string
	// Indices 2, 3, 4, 5 of a shard of stride 1 after a jump; then 9 (a shard's next).
	for _, idx := range []uint64{2, 3, 4, 5, 9} {
		tm.SetIndex(idx)
		ev, err := tm.Produce(0, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev...)
	}
	// Without SetIndex the template counts on from the last index.
	ev, err := tm.Produce(0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, ev...)
	if s := strings.Join(got, ""); s != "bcabbb" {
		t.Fatalf("chain by index gave %q, want bcabbb", s)
	}
}
