package config

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseSubstitution loads a generator-sized file with 20 ${...}
// expressions (the cost is per load, not per event).
func BenchmarkParseSubstitution(b *testing.B) {
	var src strings.Builder
	src.WriteString("input:\n  - static:\n      count: 5\noutput:\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&src, "  - http:\n      url: \"http://${params.host}:${params.get('port', 9200)}/%d\"\n", i)
	}
	vars := Vars{Params: map[string]any{"host": "db.local"}}
	data := []byte(src.String())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse("gen.yml", data, vars); err != nil {
			b.Fatal(err)
		}
	}
}
