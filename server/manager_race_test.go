package server

import (
	"errors"
	"testing"
)

// A Start (or Restart) that looked the generator up before a concurrent
// Remove took it out must not run it: nothing could stop it afterwards.
func TestStartAfterRemoveDoesNotRunOrphan(t *testing.T) {
	t.Parallel()
	files := merge(genFiles("a", timerInput, ""), map[string]string{"startup.yml": "- {id: gen-a, path: a, autostart: false}\n"})
	a := startApp(t, files, nil)
	m := a.app.Manager

	inst, err := m.get("gen-a") // Start's lookup, just before Remove
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Remove("gen-a"); err != nil {
		t.Fatal(err)
	}
	inst.op.Lock()
	err = m.start(inst, ByAPI) // what Start does once Remove lets go of the instance
	inst.op.Unlock()
	inst.mu.Lock()
	orphan := inst.gen != nil
	inst.mu.Unlock()
	if orphan {
		inst.stop(m.stopGrace, m.log)
		t.Fatal("a removed generator was started: nothing can stop it any more")
	}
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("start of a removed generator: err = %v, want ErrNotFound", err)
	}
}
