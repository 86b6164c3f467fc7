package scripts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Which scripts may run on parallel workers: read-only module constants
// are fine, anything a function can change is state.
func TestScriptStateReason(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      string // substring of the reason; "" = parallel
	}{
		{"constants read", "SERVICES = ['a', 'b']\nLIMITS = {'a': 1}\nnumber = module.rand.number\ndef produce(p):\n    return [s + str(LIMITS[s]) for s in SERVICES]\n", ""},
		{"loop appends to a local", "SERVICES = ['a']\ndef produce(p):\n    ev = []\n    for s in SERVICES:\n        ev.append(s)\n    return ev\n", ""},
		{"append to a global", "seen = []\ndef produce(p):\n    seen.append(1)\n    return str(len(seen))\n", "seen"},
		{"index assignment", "state = {'n': 0}\ndef produce(p):\n    state['n'] += 1\n    return str(state['n'])\n", "state"},
		{"nested assignment", "state = {'a': {}}\ndef produce(p):\n    state['a']['b'] = 1\n    return 'x'\n", "state"},
		{"alias", "state = {}\ndef produce(p):\n    s = state\n    s['k'] = 1\n    return 'x'\n", "state"},
		{"passed to own function", "state = []\ndef bump(x):\n    x.append(1)\ndef produce(p):\n    bump(state)\n    return 'x'\n", "state"},
		{"elements changed in a loop", "users = [{'n': 0}]\ndef produce(p):\n    for u in users:\n        u['n'] += 1\n    return 'x'\n", "users"},
		{"locals store", "def produce(p):\n    locals.set('k', 1)\n    return 'x'\n", "locals"},
		{"shared store", "def produce(p):\n    return str(shared.get('k', 0))\n", "shared"},
		{"shard is read-only", "def produce(p):\n    return '%d/%d' % (shard.index, shard.count)\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "s.star"), []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			prod, err := buildScript(t, dir, "path: s.star", 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := prod.(Stateful).StateReason()
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("StateReason() = %q, want one naming %q", got, tt.want)
			}
		})
	}
}
