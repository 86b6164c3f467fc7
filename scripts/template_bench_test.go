package scripts

import (
	"testing"
	"time"
)

// BenchmarkTemplateAccessLog renders the reference access-log template
// (rand + faker + strftime) through the template plugin, one event per
// Produce call, the way the pipeline's event stage does.
func BenchmarkTemplateAccessLog(b *testing.B) {
	benchProduce(b, "template-access-log")
}

// BenchmarkTemplateFSM runs the login → browse → checkout machine.
func BenchmarkTemplateFSM(b *testing.B) {
	benchProduce(b, "template-fsm")
}

// BenchmarkTemplateSamples renders the samples example (CSV/JSON rows by
// name and index, weighted picks, where()).
func BenchmarkTemplateSamples(b *testing.B) {
	benchProduce(b, "template-samples")
}

func benchProduce(b *testing.B, example string) {
	prod := buildExample(b, example, 1)
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
