package scripts

import (
	"testing"
	"time"
)

// Regression benchmarks per template feature: one small template each,
// rendered through the template plugin one event per Produce call.
// allocs/op is allocations per event (compare with
// BenchmarkTemplateAccessLog, which combines them).
var featureTemplates = []struct{ name, src string }{
	{"Text", `127.0.0.1 - - "GET / HTTP/1.1" 200`},
	{"Strftime", `[{{ timestamp.strftime('%d/%b/%Y:%H:%M:%S %z') }}]`},
	{"TimestampAttr", `{{ timestamp.year }}-{{ timestamp.month }}`},
	{"RandChoice", `{{ module.rand.choice(['GET', 'POST', 'PUT']) }}`},
	{"RandWeightedChoice", `{{ module.rand.weighted_choice({200: 0.7, 301: 0.05, 404: 0.15, 500: 0.1}) }}`},
	{"RandInteger", `{{ module.rand.number.integer(200, 15000) }}`},
	{"RandIntegerVarArg", `{% set hi = 15000 %}{{ module.rand.number.integer(200, hi) }}`},
	{"Faker", `{{ module.faker.locale.en.user_name() }}`},
	{"Vars", `{{ vars.app }} {{ vars.users[1] }} {{ params.env }}`},
	{"Samples", `{{ samples.users.pick().name }}`},
	{"Loop", `{% for i in range(3) %}{{ i }},{% endfor %}`},
	{"Macro", `{% macro kv(k, v) %}{{ k }}={{ v }}{% endmacro %}{{ kv('a', 1) }} {{ kv('b', 2) }}`},
}

func BenchmarkTemplateFeature(b *testing.B) {
	files := map[string]string{"users.csv": "name,role\nalice,dev\nbob,ops\n"}
	for _, f := range featureTemplates {
		b.Run(f.name, func(b *testing.B) {
			files["t.jinja"] = f.src
			tm, err := buildTemplate(b, files, `
params: {env: prod}
samples: {users: {type: csv, source: users.csv, header: true}}
templates:
- t: {template: t.jinja, vars: {app: shop, users: [alice, bob]}}
`, 1)
			if err != nil {
				b.Fatal(err)
			}
			benchProducer(b, tm)
		})
	}
}

func benchProducer(b *testing.B, prod Producer) {
	ts := start.UnixNano()
	out := make([]string, 0, 16)
	var err error
	events := 0
	b.ReportAllocs()
	for b.Loop() {
		if out, err = prod.Produce(ts, 0, out[:0]); err != nil {
			b.Fatal(err)
		}
		events += len(out)
		ts += int64(time.Millisecond)
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
