package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"
)

// End-to-end benchmarks: a whole generator in sample mode — linspace input,
// the template event plugin rendering a six-field JSON event with module.rand
// and faker calls, and one real destination. Each iteration is one run of
// e2eEvents events; the figure is events/s through the whole pipeline.
//
//	go test ./pipeline -run '^$' -bench E2E -benchtime 3x

const e2eEvents = 500_000

const e2eTemplate = `{"id": {{ locals.incr("id") }}, "ts": "{{ timestamp.isoformat() }}", ` +
	`"host": "{{ module.rand.choice(vars.hosts) }}", ` +
	`"level": "{{ module.rand.weighted_choice({"info": 0.8, "warn": 0.15, "error": 0.05}) }}", ` +
	`"bytes": {{ module.rand.number.integer(100, 10000) }}, "msg": "{{ module.faker.locale.en.user_name() }} GET /item"}`

func runE2E(b *testing.B, output string) {
	b.Helper()
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "event.jinja"), []byte(e2eTemplate), 0o644); err != nil {
		b.Fatal(err)
	}
	src := fmt.Sprintf(`
input:
  - linspace: {start: '2024-01-01T00:00:00Z', end: '2024-01-02T00:00:00Z', count: %d}
event:
  template:
    templates:
      - event: {template: event.jinja, vars: {hosts: [web-1, web-2, web-3, db-1]}}
output:
  - %s
`, e2eEvents, output)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		doc, err := config.Parse(filepath.Join(dir, "generator.yml"), []byte(src), config.Vars{})
		if err != nil {
			b.Fatal(err)
		}
		gc, err := doc.Generator()
		if err != nil {
			b.Fatal(err)
		}
		seed := uint64(i + 1)
		s := fanoutSettings()
		s.Seed = &seed
		g, err := pipeline.Build(gc, pipeline.Options{ID: "e2e", Settings: s})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := g.Run(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		st := g.Stats()
		if o := st.Outputs[0]; o.Written != e2eEvents || o.WriteFailed+o.FormatFailed != 0 {
			b.Fatalf("output counters %+v", o)
		}
	}
	b.ReportMetric(float64(e2eEvents*b.N)/total.Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkE2EPostgresCopy(b *testing.B) {
	_, schema := fanoutSchema(b)
	runE2E(b, fmt.Sprintf(`postgres:
      dsn: %q
      table: %s.events
      create_table: {id: int8, ts: timestamptz, host: text, level: text, bytes: int4, msg: text}`, fanoutPGDSN, schema))
}

func BenchmarkE2EKafka(b *testing.B) {
	_, addr := startBroker(b)
	runE2E(b, fmt.Sprintf(`kafka: {bootstrap_servers: [%q], topic: events}`, addr))
}

func BenchmarkE2EHTTPJSONBatch(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	}))
	b.Cleanup(sink.Close)
	runE2E(b, fmt.Sprintf(`http: {url: %q, formatter: {format: json-batch}}`, sink.URL))
}

func BenchmarkE2EFile(b *testing.B) {
	runE2E(b, fmt.Sprintf(`file: {path: %q, write_mode: overwrite}`, filepath.Join(b.TempDir(), "events.jsonl")))
}
