package scripts

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/starlib/guard"
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

// Script and template calls are watched by the heap watchdog (behaviour
// tested in starlib/guard): a call cancelled for memory fails with the
// watchdog's reason, and the next call runs.
func TestHeapWatchdogWiring(t *testing.T) {
	t.Parallel()
	var heap atomic.Uint64
	w := guard.NewWatchdog(time.Millisecond, heap.Load)
	sc := writeScript(t, "def produce(params):\n"+
		"    if params['timestamp'].second == 0:\n"+
		"        while True:\n"+
		"            pass\n"+
		"    return 'ok'\n")
	sc.call = w.Watch(sc.thread, 0)
	tm := mustTemplate(t, map[string]string{"t.jinja": "{% if timestamp.second == 0 %}{% for i in range(1000000000) %}{% endfor %}{% endif %}ok"},
		"mode: all\ntemplates:\n  - t: {template: t.jinja}\n")
	tm.call = w.Watch(tm.thread, 0)
	for _, p := range []struct {
		name string
		prod interface {
			Producer
			Limiter
		}
		call *guard.Call
		want string
	}{
		{"script", sc, sc.call, "in produce\nError: Starlark computation cancelled: memory limit"},
		{"template", tm, tm.call, "t.jinja:1: Starlark computation cancelled: memory limit"},
	} {
		heap.Store(1 << 20)
		p.prod.SetLimits(Limits{MaxHeap: 64 << 20})
		done := make(chan error, 1)
		go func() {
			_, err := p.prod.Produce(start.UnixNano(), 0, nil)
			done <- err
		}()
		waitUntil(t, p.name+" to be watched", func() bool { return w.Watching(p.call) })
		heap.Store(100 << 20)
		if err := <-done; err == nil || !strings.Contains(err.Error(), p.want) {
			t.Fatalf("%s: err = %v, want %q", p.name, err, p.want)
		}
		heap.Store(1 << 20)
		if out, err := p.prod.Produce(start.UnixNano()+1e9, 0, nil); err != nil || len(out) != 1 || out[0] != "ok" {
			t.Fatalf("%s: the next call: %q, %v", p.name, out, err)
		}
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
	if _, set := os.LookupEnv(guard.MaxHeapEnv); !set && l.MaxHeap != 384<<20 {
		t.Fatalf("default MaxHeap %d", l.MaxHeap)
	}
	p, _ := PreviewLimits()
	if p.MaxEvents >= l.MaxEvents || p.MaxBytes >= l.MaxBytes || p.MaxSteps >= l.MaxSteps {
		t.Fatalf("preview limits %+v are not tighter than %+v", p, l)
	}
}
