package starlib

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// release() inside an update(key, fn) callback must not give up the lock
// update holds: fn would go on, and update store, without it, and the
// view's hold count would go negative, so later calls skip the lock.
func TestGlobalsReleaseInsideUpdate(t *testing.T) {
	t.Parallel()
	g := NewGlobals()
	v := g.View()
	src := `
def f(old):
    globals.release()
    return 1
globals.update("k", f)
`
	_, err := run(t, src, starlark.StringDict{"globals": v})
	if err == nil || !strings.Contains(err.Error(), "not acquired") {
		t.Fatalf("release inside update: err = %v, want a release error", err)
	}
	if v.holds != 0 {
		t.Fatalf("holds = %d after update, want 0", v.holds)
	}
	if !g.mu.TryLock() {
		t.Fatal("globals lock still held after update")
	}
	g.mu.Unlock()
}
