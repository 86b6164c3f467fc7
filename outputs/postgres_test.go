package outputs

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// The postgres tests use the local server (127.0.0.1:5432, user postgres,
// trust auth). Under CI=true an unreachable server fails them.
const testPGDSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres sslmode=disable"

// pgSchema creates a fresh schema for one test and drops it afterwards.
func pgSchema(tb testing.TB) (*pgx.Conn, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testPGDSN)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL at 127.0.0.1:5432 is unreachable (run .ci/services.sh): %v", err)
		}
		tb.Skipf("PostgreSQL at 127.0.0.1:5432 is unreachable, skipping (run .ci/services.sh): %v", err)
	}
	schema := fmt.Sprintf("eventum_test_%d", rand.Uint64()%1e12)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
		conn.Close(ctx)
	})
	return conn, schema
}

func mustExec(tb testing.TB, conn *pgx.Conn, sql string) {
	tb.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

// buildOutput builds an output plugin from YAML settings.
func buildOutput(tb testing.TB, name, src string) (Output, error) {
	tb.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		tb.Fatal(err)
	}
	p := config.Plugin{Name: name, File: "t.yml", Path: "output[0]." + name, Node: n.Content[0]}
	out, _, err := Registry.Build(p, &plugin.Env{ID: "test"})
	return out, err
}

func openPostgres(tb testing.TB, src string) *Postgres {
	tb.Helper()
	out, err := buildOutput(tb, "postgres", src)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := out.Open(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { out.Close(context.Background()) })
	return out.(*Postgres)
}

func write(tb testing.TB, o Output, payloads []string) (int, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return o.Write(ctx, payloads)
}

// deliver hands payloads to o as the pipeline does with batch seq: attempts
// resume after the settled prefix; a transient failure is retried (an
// attempt that settles nothing at most 10 times), a permanent one ends it.
// It returns the payloads settled, of which rejected, and the attempts made.
func deliver(tb testing.TB, o Output, seq uint64, payloads []string) (settled, rejected, attempts int, err error) {
	tb.Helper()
	for idle := 0; settled < len(payloads) && idle < 10; {
		attempts++
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		ctx = WithAttempt(ctx, Attempt{Batch: seq, Offset: settled, N: attempts})
		var n int
		n, err = o.Write(ctx, payloads[settled:])
		cancel()
		if n < 0 || n > len(payloads)-settled {
			tb.Fatalf("attempt %d: n = %d of %d", attempts, n, len(payloads)-settled)
		}
		settled += n
		rejected += min(Rejected(err), n)
		if n == 0 {
			idle++
		}
		if err != nil && IsPermanent(err) {
			return
		}
		if err == nil && settled < len(payloads) {
			tb.Fatalf("attempt %d: %d of %d settled without an error", attempts, settled, len(payloads))
		}
	}
	return
}

func TestPostgresConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{`{}`, `missing required key "table"`},
		{`{table: "x y"}`, `table: "x y" is not a table name`},
		{`{table: t, mode: upsert}`, `mode: must be one of copy, insert`},
		{`{table: t, on_conflict: nothing}`, `on_conflict: needs mode: insert`},
		{`{table: t, mode: insert, on_conflict: update}`, `conflict_key: on_conflict: update needs`},
		{`{table: t, mode: insert, on_conflict: skip}`, `on_conflict: must be one of nothing, update`},
		{`{table: t, conflict_key: [id]}`, `conflict_key: needs on_conflict`},
		{`{table: t, columns: [a], mode: insert, on_conflict: nothing, conflict_key: [b]}`, `conflict_key: "b" is not in columns`},
		{`{table: t, columns: 5}`, `expected a list of column names or a mapping`},
		{`{table: t, create_table: [a]}`, `expected a mapping of column: SQL type`},
		{`{table: t, dsn: "host=x", sslmode: disable}`, `sslmode: with dsn`},
		{`{table: t, batch_size: -1}`, `batch_size: must be at least 0`},
		{`{table: t, max_connections: 0}`, `max_connections: must be at least 1`},
		{`{table: t, dsn: "postgres://%zz"}`, `dsn:`},
		{`{table: t, colums: [a]}`, `colums`},
		{`{table: t, delivery_table: "a b"}`, `delivery_table: "a b" is not a table name`},
	}
	for _, tt := range tests {
		_, err := buildOutput(t, "postgres", tt.src)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got error %v, want it to contain %q", tt.src, err, tt.want)
		}
	}
}

func TestPostgresCopyTypesAndRejects(t *testing.T) {
	t.Parallel()
	conn, schema := pgSchema(t)
	mustExec(t, conn, `CREATE TYPE `+schema+`.level AS ENUM ('info', 'warn')`)
	mustExec(t, conn, `CREATE TABLE `+schema+`.ev (
		id int8 NOT NULL, small int2, n int4, f4 real, f8 double precision, ok boolean,
		name varchar(5), note text, doc jsonb, raw json, ts timestamptz, lts timestamp, day date,
		uid uuid, bin bytea, amount numeric(10,2), ip inet, tags text[], lvl `+schema+`.level,
		gen int8 GENERATED ALWAYS AS (id * 2) STORED)`)
	for _, mode := range []string{"copy", "insert"} {
		t.Run(mode, func(t *testing.T) {
			mustExec(t, conn, `TRUNCATE `+schema+`.ev`)
			o := openPostgres(t, fmt.Sprintf(`{dsn: %q, table: %s.ev, mode: %s}`, testPGDSN, schema, mode))
			payloads := []string{
				`{"id": 1, "small": 7, "n": 1e3, "f4": 1.5, "f8": -2.25e-3, "ok": true, "name": "héllo",
				  "note": "tab\there \u00e9 \ud83d\ude00", "doc": {"a": [1, "x"]}, "raw": "s\"q", "ts": "2024-03-01T10:20:30.123456789+02:00",
				  "lts": "2024-03-01 10:20:30", "day": "2024-02-29", "uid": "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
				  "bin": "\\x0aff", "amount": "12.345", "ip": "10.0.0.1/8", "tags": ["a", "b,c"], "lvl": "warn", "unknown": 1}`,
				`{"id": 2, "ts": 1700000000.5, "day": "2024-01-02T23:00:00Z", "note": 42, "doc": "just a string", "ok": "false", "tags": "{x,y}", "lts": "infinity", "amount": 1e3}`,
				`{"id": 3}`,
				`not json`,                      // rejected: syntax
				`[1, 2]`,                        // rejected: not an object
				`{"id": 4, "small": 40000}`,     // rejected: int2 range
				`{"id": 5, "name": "toolong"}`,  // rejected: varchar(5)
				`{"id": 6, "uid": "nope"}`,      // rejected: uuid
				`{"small": 1}`,                  // rejected: id is NOT NULL
				`{"id": 7, "note": "a\u0000b"}`, // rejected: NUL in text
				`{"id": 8, "lvl": "debug"}`,     // accepted by us, but ...
			}
			// ... an invalid enum label is a server-side error that fails the
			// whole batch: keep it out and check that separately below.
			good := payloads[:len(payloads)-1]
			n, err := write(t, o, good)
			if n != len(good) { // settled: 3 rows written, 7 rejected
				t.Fatalf("settled = %d, want %d (err %v)", n, len(good), err)
			}
			if got := Rejected(err); got != 7 {
				t.Fatalf("rejected = %d, want 7 (err %v)", got, err)
			}
			var (
				id                                int64
				small                             *int16
				nn                                *int32
				f4                                *float32
				f8                                *float64
				ok                                *bool
				name, note, doc, raw, uid, amount *string
				ip, tags, lvl                     *string
				ts, lts, day                      *time.Time
				bin                               []byte
				gen                               int64
			)
			row := conn.QueryRow(context.Background(), `SELECT id, small, n, f4, f8, ok, name, note, doc::text, raw::text,
				ts, lts, day, uid::text, bin, amount::text, ip::text, tags::text, lvl::text, gen FROM `+schema+`.ev WHERE id = 1`)
			if err := row.Scan(&id, &small, &nn, &f4, &f8, &ok, &name, &note, &doc, &raw, &ts, &lts, &day, &uid, &bin, &amount, &ip, &tags, &lvl, &gen); err != nil {
				t.Fatal(err)
			}
			check := func(what string, got, want any) {
				t.Helper()
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("small", *small, 7)
			check("n", *nn, 1000)
			check("f4", *f4, 1.5)
			check("f8", *f8, -0.00225)
			check("ok", *ok, true)
			check("name", *name, "héllo")
			check("note", *note, "tab\there é 😀")
			check("doc", *doc, `{"a": [1, "x"]}`)
			check("raw", *raw, `"s\"q"`)
			check("ts", ts.UTC().Format(time.RFC3339Nano), "2024-03-01T08:20:30.123457Z")
			check("lts", lts.Format(time.DateTime), "2024-03-01 10:20:30")
			check("day", day.Format(time.DateOnly), "2024-02-29")
			check("uid", *uid, "6ba7b810-9dad-11d1-80b4-00c04fd430c8")
			check("bin", fmt.Sprintf("%x", bin), "0aff")
			check("amount", *amount, "12.35")
			check("ip", *ip, "10.0.0.1/8")
			check("tags", *tags, `{a,"b,c"}`)
			check("lvl", *lvl, "warn")
			check("gen", gen, 2)

			row = conn.QueryRow(context.Background(), `SELECT ts, day, note, doc::text, ok, tags::text FROM `+schema+`.ev WHERE id = 2`)
			if err := row.Scan(&ts, &day, &note, &doc, &ok, &tags); err != nil {
				t.Fatal(err)
			}
			check("ts", ts.UTC().Format(time.RFC3339Nano), "2023-11-14T22:13:20.5Z")
			check("day", day.Format(time.DateOnly), "2024-01-02")
			check("note", *note, "42")
			check("doc", *doc, `"just a string"`)
			check("ok", *ok, false)
			check("tags", *tags, "{x,y}")
			var ltsText string
			if err := conn.QueryRow(context.Background(), `SELECT lts::text || ' ' || amount::text FROM `+schema+`.ev WHERE id = 2`).Scan(&ltsText); err != nil {
				t.Fatal(err)
			}
			check("lts amount", ltsText, "infinity 1000.00")

			// A server-side error fails the whole batch for good: nothing lands.
			n, err = write(t, o, []string{`{"id": 9}`, payloads[len(payloads)-1]})
			if n != 0 || !IsPermanent(err) || Rejected(err) != 0 {
				t.Fatalf("bad enum: written %d, err %v; want 0 and a permanent write error", n, err)
			}
			var count int
			if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM `+schema+`.ev`).Scan(&count); err != nil {
				t.Fatal(err)
			}
			if count != 3 {
				t.Fatalf("rows = %d, want 3", count)
			}
		})
	}
}

func TestPostgresInsertOnConflict(t *testing.T) {
	t.Parallel()
	conn, schema := pgSchema(t)
	src := fmt.Sprintf(`{host: 127.0.0.1, port: 5432, user: postgres, database: postgres, sslmode: disable,
		table: %s.kv, mode: insert, on_conflict: %%s, conflict_key: [k], columns: {k: key, v: value},
		create_table: {k: text NOT NULL, v: int8, created: timestamptz DEFAULT now()}}`, schema)
	o := openPostgres(t, fmt.Sprintf(src, "nothing"))
	batch := []string{`{"key": "a", "value": 1}`, `{"key": "b", "value": 2}`, `{"key": "a", "value": 3}`}
	for run := 0; run < 2; run++ {
		if n, err := write(t, o, batch); n != 3 || err != nil {
			t.Fatalf("run %d: written %d, err %v", run, n, err)
		}
	}
	rows := func() string {
		t.Helper()
		var s string
		err := conn.QueryRow(context.Background(), `SELECT string_agg(k || '=' || v, ',' ORDER BY k) FROM `+schema+`.kv`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := rows(); got != "a=1,b=2" {
		t.Fatalf("after nothing: %s, want a=1,b=2", got)
	}
	u := openPostgres(t, fmt.Sprintf(src, "update"))
	if n, err := write(t, u, []string{`{"key": "a", "value": 10}`, `{"key": "c", "value": 30}`, `{"key": "a", "value": 11}`, `{"key": null, "value": 0}`}); n != 4 || Rejected(err) != 1 {
		t.Fatalf("update: written %d, err %v; want 3 written, 1 rejected", n, err)
	}
	if got := rows(); got != "a=11,b=2,c=30" {
		t.Fatalf("after update: %s, want a=11,b=2,c=30", got)
	}
}

func TestPostgresBatchSizeAndRetry(t *testing.T) {
	t.Parallel()
	conn, schema := pgSchema(t)
	mustExec(t, conn, `CREATE TABLE `+schema+`."Mixed Case" (id int8 PRIMARY KEY, "Msg" text)`)
	app := schema + "_app"
	o := openPostgres(t, fmt.Sprintf(`{dsn: "%s application_name=%s", table: '%s."Mixed Case"', batch_size: 2}`, testPGDSN, app, schema))
	if n, err := write(t, o, []string{`{"id": 1, "Msg": "x"}`, `{"id": 2}`, `{"id": 3}`}); n != 3 || err != nil {
		t.Fatalf("written %d, err %v", n, err)
	}
	// Kill the pool's connections: an attempt may fail on a dead connection
	// (transient, nothing settled); the next ones reconnect and succeed.
	mustExec(t, conn, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '`+app+`'`)
	n, _, attempts, err := deliver(t, o, 1, []string{`{"id": 4}`, `{"id": 5}`})
	if n != 2 || err != nil {
		t.Fatalf("after terminate: written %d after %d attempts, err %v", n, attempts, err)
	}
	t.Logf("after terminate: delivered in %d attempt(s)", attempts)
	// batch_size 2: the first transaction (ids 6, 7) commits, the second
	// (ids 1, 8) violates the primary key and fails as a whole, for good.
	n, err = write(t, o, []string{`{"id": 6}`, `{"id": 7}`, `{"id": 1}`, `{"id": 8}`})
	if n != 2 || !IsPermanent(err) {
		t.Fatalf("duplicate: written %d, err %v; want 2 and a permanent error", n, err)
	}
	var ids string
	if err := conn.QueryRow(context.Background(), `SELECT string_agg(id::text, ',' ORDER BY id) FROM `+schema+`."Mixed Case"`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	if ids != "1,2,3,4,5,6,7" {
		t.Fatalf("ids = %s", ids)
	}
}

func TestPostgresOpenErrors(t *testing.T) {
	t.Parallel()
	conn, schema := pgSchema(t)
	// A delivery table without the unique key that recognises a transaction.
	mustExec(t, conn, `CREATE TABLE `+schema+`.nokey (run_id text, batch_seq int8, batch_offset int8, rows int8)`)
	tests := []struct{ src, want string }{
		{`{table: ` + schema + `.missing}`, "does not exist (set create_table"},
		{`{table: ` + schema + `.t, create_table: {a: int8}, columns: [b]}`, `has no column "b"`},
		{`{table: ` + schema + `.p, create_table: {a: money}}`, `type money is not supported`},
		{`{table: ` + schema + `.g, create_table: {a: int8, b: int8 GENERATED ALWAYS AS (a) STORED}, columns: [a, b]}`, `is generated`},
		{`{table: ` + schema + `.d, create_table: {a: int8}, delivery_table: ` + schema + `.nokey}`, `delivery_table ` + schema + `.nokey does not fit`},
	}
	for _, tt := range tests {
		out, err := buildOutput(t, "postgres", strings.Replace(tt.src, "{", fmt.Sprintf("{dsn: %q, ", testPGDSN), 1))
		if err != nil {
			t.Fatal(err)
		}
		err = out.Open(context.Background())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Open error %v, want %q", tt.src, err, tt.want)
		}
	}
}

// sixColumnEvents returns n JSON events for the 6-column benchmark table.
func sixColumnEvents(n, from int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`{"id": %d, "ts": "2024-05-01T12:%02d:%02d.%06dZ", "host": "web-%02d", "status": %d, "bytes": %d, "message": "GET /api/v1/items/%d HTTP/1.1"}`,
			from+i, i/60%60, i%60, i%1000000, i%16, 200+i%5, 1000+i*7%5000, i)
	}
	return out
}

const sixColumnTable = `(id int8 PRIMARY KEY, ts timestamptz NOT NULL, host text, status int4, bytes int8, message text)`

// TestPostgresMillion writes 1,000,000 events through COPY, then writes them
// again through insert + on_conflict: nothing, and checks nothing doubled.
func TestPostgresMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	conn, schema := pgSchema(t)
	mustExec(t, conn, `CREATE TABLE `+schema+`.ev `+sixColumnTable)
	const total, batch = 1_000_000, 10_000
	events := sixColumnEvents(total, 0)
	run := func(o Output) time.Duration {
		start := time.Now()
		for i := 0; i < total; i += batch {
			if n, err := write(t, o, events[i:i+batch]); n != batch || err != nil {
				t.Fatalf("batch at %d: written %d, err %v", i, n, err)
			}
		}
		return time.Since(start)
	}
	count := func() (n, distinct int) {
		err := conn.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT id) FROM `+schema+`.ev`).Scan(&n, &distinct)
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	d := run(openPostgres(t, fmt.Sprintf(`{dsn: %q, table: %s.ev}`, testPGDSN, schema)))
	t.Logf("copy: %d rows in %v (%.0f rows/s)", total, d, total/d.Seconds())
	if n, distinct := count(); n != total || distinct != total {
		t.Fatalf("after copy: %d rows, %d distinct ids; want %d", n, distinct, total)
	}
	var sum int64
	if err := conn.QueryRow(context.Background(), `SELECT sum(id) FROM `+schema+`.ev`).Scan(&sum); err != nil || sum != total*(total-1)/2 {
		t.Fatalf("sum(id) = %d (err %v)", sum, err)
	}
	d = run(openPostgres(t, fmt.Sprintf(`{dsn: %q, table: %s.ev, mode: insert, on_conflict: nothing, conflict_key: [id]}`, testPGDSN, schema)))
	t.Logf("insert on conflict nothing: %d rows in %v (%.0f rows/s)", total, d, total/d.Seconds())
	if n, distinct := count(); n != total || distinct != total {
		t.Fatalf("after insert: %d rows, %d distinct ids; want %d", n, distinct, total)
	}
}

func benchmarkPostgres(b *testing.B, mode, extra string) {
	conn, schema := pgSchema(b)
	mustExec(b, conn, `CREATE TABLE `+schema+`.ev `+sixColumnTable)
	o := openPostgres(b, fmt.Sprintf(`{dsn: %q, table: %s.ev, mode: %s%s}`, testPGDSN, schema, mode, strings.ReplaceAll(extra, "{schema}", schema)))
	const batch = 10_000
	events := sixColumnEvents(batch*10, 0)
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		if i%10 == 0 && i > 0 {
			mustExec(b, conn, `TRUNCATE `+schema+`.ev`)
		}
		part := events[i%10*batch : (i%10+1)*batch]
		b.StartTimer()
		if n, err := o.Write(context.Background(), part); n != batch || err != nil {
			b.Fatalf("written %d, err %v", n, err)
		}
		rows += batch
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkPostgresCopy(b *testing.B)   { benchmarkPostgres(b, "copy", "") }
func BenchmarkPostgresInsert(b *testing.B) { benchmarkPostgres(b, "insert", "") }

// BenchmarkPostgresCopyDeliveryTable: COPY inside a transaction that also
// records it in delivery_table.
func BenchmarkPostgresCopyDeliveryTable(b *testing.B) {
	benchmarkPostgres(b, "copy", ", delivery_table: {schema}.delivered")
}

func TestPostgresFailureClasses(t *testing.T) {
	t.Parallel()
	pgErr := func(code string) error { return fmt.Errorf("write: %w", &pgconn.PgError{Code: code}) }
	tests := []struct {
		err       error
		permanent bool
	}{
		{pgErr("23505"), true},  // unique violation
		{pgErr("23503"), true},  // foreign key
		{pgErr("22P02"), true},  // invalid text representation (an enum label)
		{pgErr("42P01"), true},  // table dropped
		{pgErr("42501"), true},  // permission denied
		{pgErr("28P01"), true},  // password authentication failed
		{pgErr("57P01"), false}, // admin shutdown
		{pgErr("57P03"), false}, // cannot connect now (starting up, shutting down)
		{pgErr("40001"), false}, // serialization failure
		{pgErr("40P01"), false}, // deadlock
		{pgErr("08006"), false}, // connection failure
		{pgErr("53300"), false}, // too many connections
		{pgErr("25006"), false}, // read-only transaction (a standby after a failover)
		{pgErr("55P03"), false}, // lock not available
		{context.DeadlineExceeded, false},
		{io.ErrUnexpectedEOF, false},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, false},
		{fmt.Errorf("tls: %w", x509.UnknownAuthorityError{}), true},
	}
	for _, tt := range tests {
		if got := IsPermanent(pgFailure(tt.err)); got != tt.permanent {
			t.Errorf("%v: permanent = %v, want %v", tt.err, got, tt.permanent)
		}
	}
}

// TestPostgresDeliveryTableDirectWrites: writes from outside the pipeline
// (no batch number) get keys of their own, and repeating one writes it again.
func TestPostgresDeliveryTableDirectWrites(t *testing.T) {
	t.Parallel()
	conn, schema := pgSchema(t)
	o := openPostgres(t, fmt.Sprintf(`{dsn: %q, table: %s.ev, create_table: {id: int8}, delivery_table: %s.delivered}`, testPGDSN, schema, schema))
	for i := 0; i < 2; i++ {
		if n, err := write(t, o, []string{`{"id": 1}`, `{"id": 2}`}); n != 2 || err != nil {
			t.Fatalf("write %d: %d, %v", i, n, err)
		}
	}
	var rows, keys string
	if err := conn.QueryRow(context.Background(), `SELECT string_agg(id::text, ',' ORDER BY id) FROM `+schema+`.ev`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	err := conn.QueryRow(context.Background(), `SELECT string_agg(batch_seq || ':' || batch_offset || ':' || rows, ' ' ORDER BY batch_seq DESC) FROM `+schema+`.delivered`).Scan(&keys)
	if err != nil || rows != "1,1,2,2" || keys != "-1:0:2 -2:0:2" {
		t.Fatalf("rows %q, deliveries %q (err %v)", rows, keys, err)
	}
}
