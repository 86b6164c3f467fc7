package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"
)

// TestPostgresDefaultFormatCountsNonObjects: the postgres output's default
// formatter passes events unchanged and the output parses them itself, so an
// event that is not a JSON object must still end in format_failed (once) and
// the others as rows, as with the json formatter.
func TestPostgresDefaultFormatCountsNonObjects(t *testing.T) {
	conn, schema := fanoutSchema(t)
	dir := t.TempDir()
	lines := []string{
		`{"id": 1, "msg": "a"}`,
		`not json`,
		`{"id": 2, "msg": "b\u00e9"}`,
		`[1, 2]`,
		`{"id": 3, "msg": "c"} trailing`,
		`{"msg": "d", "id": 4}`,
		`{"id": "x"}`,
	}
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`
input:
  - linspace: {start: '2024-01-01T00:00:00Z', end: '2024-01-01T00:01:00Z', count: %d}
event:
  replay: {path: events.jsonl}
output:
  - postgres: {dsn: %q, table: %s.events, create_table: {id: int8, msg: text}}
`, len(lines), fanoutPGDSN, schema)
	doc, err := config.Parse(filepath.Join(dir, "generator.yml"), []byte(src), config.Vars{})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := doc.Generator()
	if err != nil {
		t.Fatal(err)
	}
	g, err := pipeline.Build(gc, pipeline.Options{ID: "pgfmt", Settings: fanoutSettings()})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	o := g.Stats().Outputs[0]
	if o.Written != 3 || o.FormatFailed != 4 || o.WriteFailed != 0 {
		t.Fatalf("counters %+v; want 3 written, 4 format_failed", o)
	}
	var ids string
	if err := conn.QueryRow(context.Background(), `SELECT string_agg(id || ':' || msg, ',' ORDER BY id) FROM `+schema+`.events`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	if ids != "1:a,2:bé,4:d" {
		t.Fatalf("rows %q", ids)
	}
}
