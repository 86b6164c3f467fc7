package formatters

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/starlib/guard"
)

func TestTemplateFormatters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bulk.jinja"), []byte(`{% for e in events %}{"index": {}}
{{ e }}
{% endfor %}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, src string
		events    []string
		payloads  []string
		counts    []int
		failed    int
	}{
		{"template", `{format: template, template: '{"index": "{{ params.index }}", "msg": {{ event | tojson }}}'}`,
			[]string{"a", `say "hi"`}, []string{`{"index": "logs", "msg": "a"}`, `{"index": "logs", "msg": "say \"hi\""}`}, nil, 0},
		{"template failing event", `{format: template, template: '{{ module.json.loads(event).x }}'}`,
			[]string{`{"x": 1}`, `not json`, `{"x": 3}`}, []string{"1", "3"}, nil, 1},
		{"template-batch inline", `{format: template-batch, template: '{{ events | length }}:{{ events | join("|") }}'}`,
			[]string{"a", "b", "c"}, []string{"3:a|b|c"}, []int{3}, 0},
		{"template-batch file", `{format: template-batch, path: bulk.jinja}`,
			[]string{`{"a": 1}`, `{"b": 2}`}, []string{"{\"index\": {}}\n{\"a\": 1}\n{\"index\": {}}\n{\"b\": 2}\n"}, []int{2}, 0},
		{"template-batch failing", `{format: template-batch, template: '{{ events[5] }}'}`,
			[]string{"a", "b"}, nil, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Each subtest has its own env: Build draws a seed from env.Rand.
			env := &plugin.Env{Dir: dir, Rand: rand.New(rand.NewPCG(1, 2)), Params: map[string]any{"index": "logs"}}
			f, err := Build(raw(t, tt.src), "plain", env)
			if err != nil {
				t.Fatal(err)
			}
			var out Formatted
			for range 2 { // a reused Formatted gives the same result
				f.Format(tt.events, &out)
				if strings.Join(out.Payloads, "\x00") != strings.Join(tt.payloads, "\x00") || out.Failed != tt.failed {
					t.Fatalf("payloads %q failed %d, want %q failed %d (errors %v)", out.Payloads, out.Failed, tt.payloads, tt.failed, out.Errors)
				}
				if len(tt.counts) > 0 && (len(out.Counts) != 1 || out.Counts[0] != tt.counts[0]) {
					t.Fatalf("counts %v, want %v", out.Counts, tt.counts)
				}
			}
		})
	}
}

func TestTemplateFormatterErrors(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		`{format: template}`:                             "exactly one",
		`{format: template, template: x, path: y.jinja}`: "exactly one",
		`{format: template, template: '{{ x | nope }}'}`: "<template>:1:8: no filter named 'nope'",
		`{format: template-batch, path: missing.jinja}`:  "missing.jinja",
		`{format: template, template: x, tmpl: y}`:       "tmpl",
	} {
		_, err := Build(raw(t, src), "plain", nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", src, err, want)
		}
	}
}

// A render that runs out of steps fails its own event only: the next events
// render with a fresh budget on the same thread.
func TestTemplateFormatterRunawayFailsOneEvent(t *testing.T) {
	t.Parallel()
	f, err := Build(raw(t, `{format: template, template: '{% if event == "loop" %}{% for i in range(1000000) %}{% endfor %}{% endif %}{{ event }}'}`), "plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	tf := f.(*TemplateFormatter)
	tf.maxSteps = 10_000
	var out Formatted
	f.Format([]string{"a", "loop", "b"}, &out)
	if strings.Join(out.Payloads, ",") != "a,b" || out.Failed != 1 {
		t.Fatalf("payloads %q failed %d, want [a b] failed 1 (errors %v)", out.Payloads, out.Failed, out.Errors)
	}
	f.Format([]string{"c"}, &out)
	if strings.Join(out.Payloads, ",") != "c" || out.Failed != 0 {
		t.Fatalf("next batch: payloads %q failed %d, want [c] (errors %v)", out.Payloads, out.Failed, out.Errors)
	}
}

// A template formatter's render is watched by the heap watchdog (see
// starlib/guard): a render cancelled for memory fails its event only.
func TestTemplateFormatterHeapWatchdog(t *testing.T) {
	t.Parallel()
	var heap atomic.Uint64
	heap.Store(1 << 20)
	w := guard.NewWatchdog(time.Millisecond, heap.Load)
	env := &plugin.Env{Rand: rand.New(rand.NewPCG(1, 2))}
	f, err := Build(raw(t, `{format: template, template: '{% if event == "bomb" %}{% for i in range(1000000000) %}{% endfor %}{% endif %}{{ event }}'}`), "plain", env)
	if err != nil {
		t.Fatal(err)
	}
	tf := f.(*TemplateFormatter)
	tf.call = w.Watch(tf.thread, 64<<20)
	done := make(chan Formatted, 1)
	go func() {
		var out Formatted
		tf.Format([]string{"bomb", "ok"}, &out)
		done <- out
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !w.Watching(tf.call) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the watchdog to watch the render")
		}
		time.Sleep(time.Millisecond)
	}
	heap.Store(100 << 20)
	out := <-done
	if out.Failed != 1 || len(out.Payloads) != 1 || out.Payloads[0] != "ok" || len(out.Errors) == 0 ||
		!strings.Contains(out.Errors[0].Error(), "memory limit") {
		t.Fatalf("payloads %q failed %d errors %v", out.Payloads, out.Failed, out.Errors)
	}
}
