// Package rows defines the six-column rows of the sink benchmarks, the same
// for eventum (which replays them from a JSON Lines file) and for the raw
// client programs (which build them in memory, as typed values for pgx or as
// the same JSON bytes for kafka-go).
package rows

import (
	"fmt"
	"time"
)

// Table is the column list of the PostgreSQL table the rows go to.
const Table = `(id int8, ts timestamptz NOT NULL, host text, status int4, bytes int8, message text)`

// Columns are the table's columns in order.
var Columns = []string{"id", "ts", "host", "status", "bytes", "message"}

var base = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// Row is row i as typed values.
type Row struct {
	ID      int64
	TS      time.Time
	Host    string
	Status  int32
	Bytes   int64
	Message string
}

// At returns row i.
func At(i int) Row {
	return Row{
		ID:      int64(i),
		TS:      base.Add(time.Duration(i) * time.Millisecond),
		Host:    fmt.Sprintf("web-%02d", i%16),
		Status:  int32(200 + i%5),
		Bytes:   int64(1000 + i*7%5000),
		Message: fmt.Sprintf("GET /api/v1/items/%d HTTP/1.1", i),
	}
}

// AppendJSON appends row i as one JSON object (no newline).
func AppendJSON(b []byte, i int) []byte {
	r := At(i)
	return fmt.Appendf(b, `{"id": %d, "ts": %q, "host": %q, "status": %d, "bytes": %d, "message": %q}`,
		r.ID, r.TS.Format(time.RFC3339Nano), r.Host, r.Status, r.Bytes, r.Message)
}
