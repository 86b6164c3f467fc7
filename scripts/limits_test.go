package scripts

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventum-generator/eventum-go/config"
)

func writeScript(t *testing.T, src string) *Script {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.star"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	prod, err := buildScript(t, dir, "path: p.star", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	return prod.(*Script)
}

// What one call returns is capped (events and bytes); the call fails with
// an error naming the limit, and the next call is unaffected.
func TestPerCallCaps(t *testing.T) {
	t.Parallel()
	// Second 0 of each minute misbehaves; the other seconds return "ok".
	const script = "def produce(params):\n" +
		"    if params['timestamp'].second != 0:\n" +
		"        return 'ok'\n" +
		"    return %s\n"
	limits := Limits{MaxEvents: 10, MaxBytes: 1000}
	tests := []struct {
		name string
		prod Producer
		want string
	}{
		{"script: too many events", writeScript(t, strings.Replace(script, "%s", "['e'] * 11", 1)),
			"one call returned 11 events, more than the limit of 10"},
		{"script: one big string", writeScript(t, strings.Replace(script, "%s", "'x' * 1001", 1)),
			"the events of one call hold more than 1000 bytes"},
		{"script: a list too big together", writeScript(t, strings.Replace(script, "%s", "['x' * 101] * 10", 1)),
			"the events of one call hold more than 1000 bytes"},
		{"template: one render too big", mustTemplate(t, map[string]string{
			"t.jinja": "{% if timestamp.second == 0 %}{% for i in range(100000000) %}xxxxxxxxxx{% endfor %}{% endif %}ok"},
			"mode: all\ntemplates:\n  - t: {template: t.jinja}\n"),
			"template t: the events of one call hold more than 1000 bytes"},
		{"template: the renders of one call too big together", mustTemplate(t, map[string]string{
			"a.jinja": "{% if timestamp.second == 0 %}{{ 'a' * 600 }}{% endif %}ok",
			"b.jinja": "{% if timestamp.second == 0 %}{{ 'b' * 600 }}{% endif %}ok"},
			"mode: all\ntemplates:\n  - a: {template: a.jinja}\n  - b: {template: b.jinja}\n"),
			"template b: the events of one call hold more than 1000 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !SetLimits(tc.prod, limits) {
				t.Fatal("not a Limiter")
			}
			out, err := tc.prod.Produce(start.UnixNano(), 0, []string{"earlier"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if len(out) != 1 || out[0] != "earlier" {
				t.Fatalf("a failed call changed out: %d events", len(out))
			}
			for i := 1; i <= 2; i++ {
				out, err := tc.prod.Produce(start.UnixNano()+int64(i)*1e9, 0, nil)
				if err != nil || len(out) == 0 || out[0] != "ok" {
					t.Fatalf("call %d after the failed one: %q, %v", i, out, err)
				}
			}
		})
	}
}

// A file over the cap fails the build with an error naming the file.
func TestFileCapNamesTheFile(t *testing.T) {
	prev := config.SetMaxFileBytes(1 << 10)
	t.Cleanup(func() { config.SetMaxFileBytes(prev) })
	big := strings.Repeat("x", 2<<10)
	for _, tc := range []struct {
		name  string
		files map[string]string
		src   string
		want  string
	}{
		{"template", map[string]string{"t.jinja": big}, "templates:\n  - t: {template: t.jinja}\n", "t.jinja: the file is larger than 1 KiB"},
		{"include", map[string]string{"t.jinja": "{% include 'inc.jinja' %}", "inc.jinja": big},
			"templates:\n  - t: {template: t.jinja}\n", "inc.jinja: the file is larger than 1 KiB"},
		{"sample", map[string]string{"t.jinja": "x", "s.csv": big},
			"samples: {s: {type: csv, source: s.csv}}\ntemplates:\n  - t: {template: t.jinja}\n", "s.csv: the file is larger than 1 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := buildTemplate(t, tc.files, tc.src, 1)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), config.MaxFileBytesEnv) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.star"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := buildScript(t, dir, "path: p.star", 1, nil); err == nil || !strings.Contains(err.Error(), "p.star: the file is larger than 1 KiB") {
		t.Fatalf("script: %v", err)
	}
}

// testWatchdog is a watchdog reading a heap size the test sets.
func testWatchdog() (*watchdog, *atomic.Uint64) {
	var heap atomic.Uint64
	w := &watchdog{period: time.Millisecond, heap: heap.Load}
	return w, &heap
}

// watching reports whether w has seen the call g is running.
func (w *watchdog) watching(g *callGuard) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.guards[g]
	return ok && g.seen&1 == 1 && g.seen == g.state.Load()
}

func (w *watchdog) isRunning() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running
}

// waitUntil polls cond (every millisecond) for up to 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// The heap watchdog cancels a call that runs while the heap grows past
// the limit, only that call (the next one runs), and not a long call
// while the heap stays put above the limit.
func TestHeapWatchdog(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	// Second 0 loops until cancelled; other seconds return at once.
	const script = "def produce(params):\n" +
		"    if params['timestamp'].second == 0:\n" +
		"        while True:\n" +
		"            pass\n" +
		"    return 'ok'\n"
	w, heap := testWatchdog()
	heap.Store(100 * mib)
	newProd := func() *Script {
		sc := writeScript(t, script)
		sc.guard = newCallGuard(w, sc.thread, 0)
		sc.SetLimits(Limits{MaxHeap: 512 * mib})
		return sc
	}
	type result struct {
		err error
	}
	runLong := func(sc *Script) <-chan result {
		done := make(chan result, 1)
		go func() {
			_, err := sc.Produce(start.UnixNano(), 0, nil)
			done <- result{err}
		}()
		return done
	}

	t.Run("growth past the limit cancels the running calls", func(t *testing.T) {
		a, b := newProd(), newProd()
		da, db := runLong(a), runLong(b)
		waitUntil(t, "the watchdog to watch both calls", func() bool { return w.watching(a.guard) && w.watching(b.guard) })
		heap.Store(600 * mib)
		for name, d := range map[string]<-chan result{"a": da, "b": db} {
			r := <-d
			if r.err == nil || !strings.Contains(r.err.Error(), "memory limit: the process heap grew to 600 MiB while this call ran (the limit is 512 MiB; raise it with EVENTUM_MAX_HEAP_BYTES)") {
				t.Fatalf("%s: err = %v, want the memory limit", name, r.err)
			}
		}
		heap.Store(100 * mib)
		for _, sc := range []*Script{a, b} {
			if out, err := sc.Produce(start.UnixNano()+1e9, 0, nil); err != nil || len(out) != 1 {
				t.Fatalf("the call after the cancelled one: %q, %v", out, err)
			}
		}
	})

	t.Run("a heap above the limit that does not grow cancels nothing", func(t *testing.T) {
		sc := newProd()
		heap.Store(700 * mib)
		d := runLong(sc)
		waitUntil(t, "the watchdog to watch the call", func() bool { return w.watching(sc.guard) })
		before, checks := w.cancels.Load(), w.checks.Load()
		waitUntil(t, "20 watchdog periods", func() bool {
			heap.Add(4096) // noise, no real growth
			return w.checks.Load() > checks+20
		})
		sc.Cancel("test over")
		if r := <-d; r.err == nil || !strings.Contains(r.err.Error(), "test over") {
			t.Fatalf("err = %v, want the test's own cancel", r.err)
		}
		if n := w.cancels.Load() - before; n != 0 {
			t.Fatalf("the watchdog cancelled %d calls", n)
		}
		heap.Store(100 * mib)
	})

	t.Run("MaxHeap 0 turns the watchdog off", func(t *testing.T) {
		sc := newProd()
		sc.SetLimits(Limits{MaxHeap: 0, MaxSteps: 1_000_000})
		heap.Store(100 * mib)
		d := runLong(sc)
		heap.Store(900 * mib)
		if r := <-d; r.err == nil || !strings.Contains(r.err.Error(), "steps") {
			t.Fatalf("err = %v, want the step limit", r.err)
		}
		heap.Store(100 * mib)
	})

	t.Run("the watchdog stops when no call runs", func(t *testing.T) {
		waitUntil(t, "the watchdog's goroutine to end", func() bool { return !w.isRunning() })
		sc := newProd()
		if out, err := sc.Produce(start.UnixNano()+1e9, 0, nil); err != nil || len(out) != 1 {
			t.Fatalf("%q, %v", out, err)
		}
		if !w.isRunning() {
			t.Fatal("a call did not start the watchdog")
		}
		waitUntil(t, "the watchdog's goroutine to end again", func() bool { return !w.isRunning() })
	})
}

// The template plugin is watched the same way, its build (top level) too.
func TestHeapWatchdogTemplate(t *testing.T) {
	t.Parallel()
	w, heap := testWatchdog()
	heap.Store(1)
	tm := mustTemplate(t, map[string]string{"t.jinja": "{% if timestamp.second == 0 %}{% for i in range(1000000000) %}{% endfor %}{% endif %}ok"},
		"mode: all\ntemplates:\n  - t: {template: t.jinja}\n")
	tm.guard = newCallGuard(w, tm.thread, 0)
	tm.SetLimits(Limits{MaxHeap: 1000})
	done := make(chan error, 1)
	go func() {
		_, err := tm.Produce(start.UnixNano(), 0, nil)
		done <- err
	}()
	waitUntil(t, "the watchdog to watch the call", func() bool { return w.watching(tm.guard) })
	heap.Store(5000)
	if err := <-done; err == nil || !strings.Contains(err.Error(), "t.jinja:1: Starlark computation cancelled: memory limit") {
		t.Fatalf("err = %v", err)
	}
	heap.Store(1)
	if out, err := tm.Produce(start.UnixNano()+1e9, 0, nil); err != nil || len(out) != 1 || out[0] != "ok" {
		t.Fatalf("next call: %q, %v", out, err)
	}
}

func TestLimitsFromEnvironment(t *testing.T) {
	t.Parallel()
	l, err := DefaultLimits()
	if err != nil {
		t.Skip("EVENTUM_MAX_HEAP_BYTES is set wrongly in this environment:", err)
	}
	if l.MaxEvents != 1_000_000 || l.MaxBytes != 64<<20 || l.MaxSteps != 500_000_000 {
		t.Fatalf("defaults %+v", l)
	}
	if _, set := os.LookupEnv(MaxHeapEnv); !set && l.MaxHeap != 384<<20 {
		t.Fatalf("default MaxHeap %d", l.MaxHeap)
	}
	p, _ := PreviewLimits()
	if p.MaxEvents >= l.MaxEvents || p.MaxBytes >= l.MaxBytes || p.MaxSteps >= l.MaxSteps {
		t.Fatalf("preview limits %+v are not tighter than %+v", p, l)
	}
}
