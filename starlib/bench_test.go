package starlib

import (
	"testing"
	"time"

	"go.starlark.net/starlark"
)

func BenchmarkAppendStrftime(b *testing.B) {
	t := time.Date(2026, 2, 20, 10, 0, 0, 123456000, time.UTC)
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendStrftime(buf[:0], t, "%d/%b/%Y:%H:%M:%S %z", false)
	}
}

func BenchmarkStarlarkStrftime(b *testing.B) {
	extra := starlark.StringDict{"ts": NewTimestamp(time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC))}
	for _, expr := range []string{`ts.strftime("%d/%b/%Y:%H:%M:%S %z")`, `ts.isoformat()`} {
		b.Run(expr, func(b *testing.B) {
			fn := mustEval(b, "lambda: "+expr, extra).(starlark.Callable)
			thread := &starlark.Thread{}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := starlark.Call(thread, fn, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
