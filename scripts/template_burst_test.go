package scripts

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
)

// burstTemplate builds the template plugin on burstFiles with its random
// stream drawn from pcg (which the test reseeds per timestamp).
func burstTemplate(t *testing.T, src string, pcg *rand.PCG) *Template {
	t.Helper()
	dir := t.TempDir()
	for name, content := range burstFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	env := templateEnv(dir, 1, [][]string{{"web"}})
	env.Rand = rand.New(pcg)
	prod, _, err := Registry.Build(config.Plugin{Name: "template", File: "generator.yml", Path: "event.template", Node: n.Content[0]}, env)
	if err != nil {
		t.Fatal(err)
	}
	return prod.(*Template)
}

// member is what the burst test templates render.
type member struct {
	IP    string `json:"ip"`
	Sess  string `json:"sess"`
	Index int    `json:"index"`
	Size  int    `json:"size"`
	TS    string `json:"ts"`
	Step  string `json:"step"`
}

var burstFiles = map[string]string{
	"req.jinja":   `{"ip": "{{ burst.ip }}", "sess": "{{ burst.sess }}", "index": {{ burst.index }}, "size": {{ burst.size }}, "ts": "{{ timestamp.isoformat() }}"}`,
	"other.jinja": `{"step": "other", "size": {{ burst.size }}, "index": {{ burst.index }}, "ts": "{{ timestamp.isoformat() }}"}`,
	"a.jinja":     `{"step": "a", "sess": "{{ burst.sess }}", "index": {{ burst.index }}, "size": {{ burst.size }}, "ts": "{{ timestamp.isoformat() }}"}`,
	"b.jinja":     `{"step": "b", "sess": "{{ burst.sess }}", "index": {{ burst.index }}, "size": {{ burst.size }}, "ts": "{{ timestamp.isoformat() }}"}`,
}

const burstYAML = `
mode: %s
templates:
  - page:
      template: req.jinja
      burst:
        count: [10, 30]
        spread: 2.5
        context:
          ip: "{{ module.rand.network.ip_v4_public() }}"
          sess: "{{ module.rand.crypto.uuid4() }}"
  - other: {template: other.jinja%s}
`

func decodeMembers(t *testing.T, events []string) []member {
	t.Helper()
	out := make([]member, len(events))
	for i, e := range events {
		if err := json.Unmarshal([]byte(e), &out[i]); err != nil {
			t.Fatalf("event %q: %v", e, err)
		}
	}
	return out
}

// TestBurstGroups: a picked burst entry emits [min, max] members sharing
// the context rendered once per burst, with index/size, timestamps in
// [trigger, trigger+spread] sorted, carried by ProduceTimed; in every
// picking mode, and the same for the same per-timestamp random stream.
func TestBurstGroups(t *testing.T) {
	modes := []struct{ mode, extra, tail string }{
		{"all", "", ""}, {"any", "", ""}, {"chance", ", chance: 1", ""}, {"spin", "", ""},
		{"chain", "", "chain: [other, page, other]\n"},
		{"fsm", ", transitions: [{to: page, when: {always: }}]", ""},
	}
	for _, m := range modes {
		t.Run(m.mode, func(t *testing.T) {
			src := strings.Replace(strings.Replace(burstYAML, "%s", m.mode, 1), "%s", m.extra, 1)
			src += m.tail
			if m.mode == "fsm" {
				src = strings.Replace(src, "      burst:", "      initial: true\n      transitions: [{to: other, when: {always: }}]\n      burst:", 1)
			}
			if m.mode == "chance" {
				src = strings.Replace(src, "      burst:", "      chance: 3\n      burst:", 1)
			}
			pcg := rand.NewPCG(1, 1)
			tm := burstTemplate(t, src, pcg)
			trig := start.UnixNano()
			bursts := 0
			var seenIPs []string
			for tick := range 40 {
				ts := trig + int64(tick)*int64(time.Minute)
				pcg.Seed(uint64(tick), 7) // the pipeline reseeds per timestamp like this
				events, stamps, err := tm.ProduceTimed(ts, 0, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(stamps) != len(events) {
					t.Fatalf("%d stamps for %d events", len(stamps), len(events))
				}
				ms := decodeMembers(t, events)
				var group []int
				for i, mb := range ms {
					if mb.Step == "other" {
						if mb.Size != 1 || mb.Index != 0 || stamps[i] != ts {
							t.Fatalf("a plain entry sees burst %+v at %d", mb, stamps[i])
						}
						if want := time.Unix(0, ts).UTC().Format("2006-01-02T15:04:05+00:00"); mb.TS != want {
							t.Fatalf("a plain entry after a burst renders timestamp %s, want the trigger %s", mb.TS, want)
						}
						continue
					}
					group = append(group, i)
				}
				if len(group) == 0 {
					continue
				}
				bursts++
				first := ms[group[0]]
				if first.Size < 10 || first.Size > 30 || len(group) != first.Size {
					t.Fatalf("burst of %d members says size %d", len(group), first.Size)
				}
				if first.IP == "" || first.Sess == "" {
					t.Fatalf("empty context: %+v", first)
				}
				seenIPs = append(seenIPs, first.IP)
				for k, i := range group {
					mb := ms[i]
					if mb.IP != first.IP || mb.Sess != first.Sess || mb.Index != k || mb.Size != first.Size {
						t.Fatalf("member %d: %+v, first %+v", k, mb, first)
					}
					if stamps[i] < ts || stamps[i] > ts+2_500_000_000 || (k > 0 && stamps[i] < stamps[group[k-1]]) {
						t.Fatalf("member %d at %d: outside [trigger, +spread] or unsorted", k, stamps[i]-ts)
					}
					if want := time.Unix(0, stamps[i]).UTC(); !strings.HasPrefix(mb.TS, want.Format("2006-01-02T15:04:05")) {
						t.Fatalf("member %d renders timestamp %s, carries %s", k, mb.TS, want)
					}
				}
				// Same stream, same burst.
				pcg.Seed(uint64(tick), 7)
				again, stamps2, _ := tm.ProduceTimed(ts, 0, nil, nil)
				if m.mode != "spin" && m.mode != "chain" && m.mode != "fsm" && (!slices.Equal(again, events) || !slices.Equal(stamps2, stamps)) {
					t.Fatal("the same random stream gave another burst")
				}
			}
			if bursts == 0 {
				t.Fatal("no burst in 40 timestamps")
			}
			slices.Sort(seenIPs)
			if len(slices.Compact(seenIPs)) < 2 && bursts > 2 {
				t.Fatal("every burst has the same context")
			}
		})
	}
}

// TestSequenceSteps: a sequence emits its steps in order for one trigger,
// step k at the trigger plus the earlier steps' delays, sharing a context.
func TestSequenceSteps(t *testing.T) {
	tm := mustTemplate(t, burstFiles, `
mode: all
templates:
  - login:
      context: {sess: "{{ module.rand.crypto.uuid4() }}"}
      sequence:
        - {template: a.jinja, delay: 0.25}
        - {template: b.jinja, delay: 1}
        - {template: a.jinja}
`)
	ts := start.UnixNano()
	for range 3 {
		events, stamps, err := tm.ProduceTimed(ts, 0, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ms := decodeMembers(t, events)
		if len(ms) != 3 || ms[0].Step != "a" || ms[1].Step != "b" || ms[2].Step != "a" {
			t.Fatalf("steps %+v", ms)
		}
		want := []int64{ts, ts + 250_000_000, ts + 1_250_000_000}
		if !slices.Equal(stamps, want) {
			t.Fatalf("stamps %v, want %v", stamps, want)
		}
		for k, mb := range ms {
			if mb.Sess != ms[0].Sess || mb.Sess == "" || mb.Index != k || mb.Size != 3 {
				t.Fatalf("step %d: %+v", k, mb)
			}
		}
		ts += int64(time.Minute)
	}
}

func TestBurstConfigErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"count order", "templates: [{x: {template: req.jinja, burst: {count: [5, 2]}}}]", "templates[0].x.burst.count: [5, 2]: need 1 ≤ min ≤ max"},
		{"count zero", "templates: [{x: {template: req.jinja, burst: {count: [0, 2]}}}]", "need 1 ≤ min"},
		{"count length", "templates: [{x: {template: req.jinja, burst: {count: [2]}}}]", "count"},
		{"negative spread", "templates: [{x: {template: req.jinja, burst: {count: [1, 2], spread: -1}}}]", "spread"},
		{"template and sequence", "templates: [{x: {template: req.jinja, sequence: [{template: a.jinja}]}}]", "template and sequence exclude each other"},
		{"neither", "templates: [{x: {vars: {a: 1}}}]", "templates[0].x.template: give the path"},
		{"context without sequence", "templates: [{x: {template: req.jinja, context: {a: b}}}]", "templates[0].x.context: only used with sequence"},
		{"negative delay", "templates: [{x: {sequence: [{template: a.jinja, delay: -2}]}}]", "templates[0].x.sequence[0].delay"},
		{"bad context expr", "templates: [{x: {template: req.jinja, burst: {count: [1, 2], context: {a: '{{ 1 +  }}'}}}}]", "templates[0].x.burst.context.a"},
		{"missing step file", "templates: [{x: {sequence: [{template: nope.jinja}]}}]", "templates[0].x.sequence[0].template"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := buildTemplate(t, burstFiles, tc.src, 1)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// BenchmarkTemplateBurst renders the page-load example: bursts of 10–30
// requests sharing a rendered context, and health checks between them.
func BenchmarkTemplateBurst(b *testing.B) {
	benchProduce(b, "template-burst")
}
