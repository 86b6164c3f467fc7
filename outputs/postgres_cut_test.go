package outputs

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pgCutProxy forwards TCP connections to PostgreSQL. It hides the server's
// answer to the commit points that pick selects (by their number, from 1,
// over all connections) from the client: it forwards the message, lets the
// server finish (up to its ReadyForQuery), then closes both sides without
// passing the answer on. The client is left with an
// unknown outcome, the server with a committed transaction (or, when the
// commit point is a COPY inside a transaction block, an aborted one).
type pgCutProxy struct {
	ln     net.Listener
	target string
	// cutAt tells whether a client message (type, body) is a commit point.
	cutAt func(typ byte, body []byte) bool
	pick  func(n int32) bool
	seen  atomic.Int32 // commit points so far
	cuts  atomic.Int32 // answers hidden so far
	mu    sync.Mutex
	conns []net.Conn
}

// pgCopyDone matches the end of a COPY's data: the commit point of a COPY
// outside a transaction block.
func pgCopyDone(typ byte, _ []byte) bool { return typ == 'c' }

// pgSync matches the end of an extended-protocol statement: the commit
// point of one INSERT outside a transaction block.
func pgSync(typ byte, _ []byte) bool { return typ == 'S' }

// pgCommitQuery matches a simple query that commits.
func pgCommitQuery(typ byte, body []byte) bool {
	return typ == 'Q' && strings.Contains(string(body), "COMMIT")
}

func newPGCutProxy(t *testing.T, target string, cutAt func(byte, []byte) bool, pick func(n int32) bool) *pgCutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	x := &pgCutProxy{ln: ln, target: target, cutAt: cutAt, pick: pick}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); x.serve(c) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		x.mu.Lock()
		for _, c := range x.conns {
			c.Close()
		}
		x.mu.Unlock()
		wg.Wait()
	})
	return x
}

func (x *pgCutProxy) port() int { return x.ln.Addr().(*net.TCPAddr).Port }

func (x *pgCutProxy) track(c net.Conn) {
	x.mu.Lock()
	x.conns = append(x.conns, c)
	x.mu.Unlock()
}

func (x *pgCutProxy) serve(c net.Conn) {
	s, err := net.Dial("tcp", x.target)
	if err != nil {
		c.Close()
		return
	}
	x.track(c)
	x.track(s)
	closeBoth := sync.OnceFunc(func() { c.Close(); s.Close() })
	defer closeBoth()
	var hide atomic.Bool
	go func() { // server → client
		defer closeBoth()
		r := bufio.NewReader(s)
		for {
			typ, msg, err := readPGMessage(r, true)
			if err != nil {
				return
			}
			if hide.Load() {
				if typ == 'Z' { // the server is done with the commit point
					x.cuts.Add(1)
					return
				}
				continue
			}
			if _, err := c.Write(msg); err != nil {
				return
			}
		}
	}()
	r := bufio.NewReader(c)
	for typed := false; ; typed = true { // the startup message has no type byte
		typ, msg, err := readPGMessage(r, typed)
		if err != nil {
			return
		}
		if typed && x.cutAt(typ, msg[5:]) && x.pick(x.seen.Add(1)) {
			hide.Store(true)
		}
		if _, err := s.Write(msg); err != nil {
			return
		}
	}
}

// readPGMessage reads one protocol message: a type byte (when typed), a
// length that counts itself, the body. It returns the whole message.
func readPGMessage(r *bufio.Reader, typed bool) (byte, []byte, error) {
	head := 4
	if typed {
		head = 5
	}
	msg := make([]byte, head)
	if _, err := io.ReadFull(r, msg); err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint32(msg[head-4:]))
	if n < 4 || n > 1<<30 {
		return 0, nil, fmt.Errorf("bad message length %d", n)
	}
	msg = append(msg, make([]byte, n-4)...)
	if _, err := io.ReadFull(r, msg[head:]); err != nil {
		return 0, nil, err
	}
	if !typed {
		return 0, msg, nil
	}
	return msg[0], msg, nil
}

// TestPostgresUnknownCommit makes the answer to a commit go missing and
// retries the write as the pipeline does: without delivery_table the batch
// lands twice (at least once); with it, the retry finds the transaction
// committed and counts it once (exactly once), rejects included.
func TestPostgresUnknownCommit(t *testing.T) {
	t.Parallel()
	conn, schema := pgSchema(t)
	tests := []struct {
		name     string
		settings string // added to the output's
		cutAt    func(byte, []byte) bool
		skip     int32 // commit points let through before the cut
		// after the first attempt: payloads settled and rows in the table;
		// after the retries: rows in the table
		settled1, rows1, rows int
	}{
		// COPY commits on its own: the answer to CopyDone is the commit's.
		{"copy", "", pgCopyDone, 0, 0, 100, 200},
		{"copy delivery_table", "delivery_table: {dt}", pgCommitQuery, 0, 0, 100, 100},
		// The answer to COPY inside the transaction is lost: nothing committed.
		{"copy delivery_table lost before commit", "delivery_table: {dt}", pgCopyDone, 0, 0, 0, 100},
		// batch_size 40: 3 transactions of 40, 39 (+1 rejected) and 21 rows;
		// the second one's commit answer is lost.
		{"insert batch_size delivery_table", "mode: insert, batch_size: 40, delivery_table: {dt}", pgCommitQuery, 1, 40, 79, 100},
		// Without delivery_table one INSERT needs no transaction block.
		{"insert batch_size", "mode: insert, batch_size: 40", pgSync, 1, 40, 79, 139},
	}
	payloads := make([]string, 0, 101)
	for i := 1; i <= 100; i++ {
		payloads = append(payloads, fmt.Sprintf(`{"id": %d, "msg": "event %d"}`, i, i))
	}
	payloads = append(payloads[:50], append([]string{`not json`}, payloads[50:]...)...) // 101 payloads, 1 rejected
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := fmt.Sprintf("%s.ev%d", schema, i)
			key := "" // with delivery_table the retry must not hit the primary key
			if strings.Contains(tt.settings, "{dt}") {
				key = " PRIMARY KEY"
			}
			mustExec(t, conn, `CREATE TABLE `+table+` (id int8`+key+`, msg text)`)
			// Commit points count once armed, after Open's own queries.
			var armed atomic.Bool
			var from atomic.Int32
			x := newPGCutProxy(t, "127.0.0.1:5432", tt.cutAt, func(n int32) bool { return armed.Load() && n == from.Load()+tt.skip+1 })
			dt := fmt.Sprintf("%s.delivered%d", schema, i)
			settings := strings.ReplaceAll(tt.settings, "{dt}", dt)
			o := openPostgres(t, fmt.Sprintf(`{host: 127.0.0.1, port: %d, user: postgres, database: postgres, sslmode: disable, table: %s, %s}`,
				x.port(), table, settings))
			var logged strings.Builder // written by Write's goroutine only
			o.rejects.log = slog.New(slog.NewTextHandler(&logged, nil))
			rejectsLogged := func() int { return strings.Count(logged.String(), "payload rejected") }
			from.Store(x.seen.Load())
			armed.Store(true)
			count := func() int {
				t.Helper()
				var n int
				if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			n, err := o.Write(WithAttempt(ctx, Attempt{Batch: 7, Offset: 0, N: 1}), payloads)
			if x.cuts.Load() != 1 {
				t.Fatalf("the proxy cut %d answers, want 1 (write: %d, %v)", x.cuts.Load(), n, err)
			}
			if n != tt.settled1 || err == nil || IsPermanent(err) || Rejected(err) != 0 {
				t.Fatalf("first attempt: settled %d, err %v; want %d and a transient error without rejects", n, err, tt.settled1)
			}
			if got := count(); got != tt.rows1 {
				t.Fatalf("after the first attempt: %d rows, want %d", got, tt.rows1)
			}
			if rejectsLogged() != 0 { // the rejected payload is in the unsettled part
				t.Fatalf("the first attempt logged a reject:\n%s", logged.String())
			}

			// The pipeline's retry: the rest of the batch, same batch number.
			ctx2 := WithAttempt(ctx, Attempt{Batch: 7, Offset: n, N: 2})
			n2, err := o.Write(ctx2, payloads[n:])
			if _, only := err.(*RejectedError); n+n2 != len(payloads) || !only || Rejected(err) != 1 {
				t.Fatalf("retry: settled %d+%d of %d, err %v; want all, 1 rejected", n, n2, len(payloads), err)
			}
			if got := count(); got != tt.rows {
				t.Fatalf("after the retry: %d rows, want %d", got, tt.rows)
			}
			if rejectsLogged() != 1 {
				t.Fatalf("%d rejects logged, want 1:\n%s", rejectsLogged(), logged.String())
			}
			if dt == "" || !strings.Contains(settings, dt) {
				return
			}
			var distinct, sum int
			if err := conn.QueryRow(context.Background(), `SELECT count(DISTINCT id), sum(id) FROM `+table).Scan(&distinct, &sum); err != nil || distinct != 100 || sum != 5050 {
				t.Fatalf("ids: %d distinct, sum %d (err %v)", distinct, sum, err)
			}
			// One row per transaction, of this output, with its rows.
			var got string
			err = conn.QueryRow(context.Background(), fmt.Sprintf(`SELECT string_agg(batch_seq || ':' || batch_offset || ':' || rows, ' ' ORDER BY batch_offset)
				FROM %s WHERE run_id = $1`, dt), o.runID).Scan(&got)
			want := "7:0:100"
			if strings.Contains(settings, "batch_size: 40") {
				want = "7:0:40 7:40:39 7:80:21"
			}
			if err != nil || got != want {
				t.Fatalf("delivery table: %q (err %v), want %q", got, err, want)
			}
		})
	}
}
