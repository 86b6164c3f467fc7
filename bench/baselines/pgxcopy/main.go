// Command pgxcopy is the raw-client baseline of the postgres output: it
// writes the benchmark rows (bench/baselines/rows) with pgx's CopyFrom, in
// COPY statements of --batch rows (the pipeline's batch size), each its own
// transaction, as typed Go values built in memory: no file, no JSON. It is
// what a hand-written loader reaches with the client library alone.
//
//	go run ./bench/baselines/pgxcopy --dsn postgres://... --table t --n 500000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/eventum-go/eventum/bench/baselines/rows"
)

func main() {
	dsn := flag.String("dsn", "postgres://postgres@127.0.0.1:5432/postgres", "PostgreSQL connection string")
	table := flag.String("table", "", "target table (exists, columns as rows.Table)")
	n := flag.Int("n", 500_000, "rows to write")
	batch := flag.Int("batch", 10_000, "rows per COPY")
	flag.Parse()
	if err := run(*dsn, *table, *n, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "pgxcopy:", err)
		os.Exit(1)
	}
}

func run(dsn, table string, n, batch int) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier(strings.Split(table, "."))
	for start := 0; start < n; start += batch {
		i, end := start, min(start+batch, n)
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i >= end {
				return nil, nil
			}
			r := rows.At(i)
			i++
			return []any{r.ID, r.TS, r.Host, r.Status, r.Bytes, r.Message}, nil
		})
		got, err := conn.CopyFrom(ctx, ident, rows.Columns, src)
		if err != nil {
			return fmt.Errorf("copy rows %d..%d: %w", start, end, err)
		}
		if got != int64(end-start) {
			return fmt.Errorf("copy rows %d..%d: %d rows copied", start, end, got)
		}
	}
	return nil
}
