package outputs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// These tests talk to a real ClickHouse server (Debian's clickhouse-server
// 18.16, started by .ci/clickhouse.sh) through its HTTP interface at
// EVENTUM_CLICKHOUSE_URL (default http://127.0.0.1:18123, user default, no
// password). Under CI=true an unreachable server fails them.

func clickHouseURL() string {
	if u := os.Getenv("EVENTUM_CLICKHOUSE_URL"); u != "" {
		return u
	}
	return "http://127.0.0.1:18123"
}

// chQuery runs one statement over HTTP and returns the response body.
func chQuery(tb testing.TB, sql string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, clickHouseURL()+"/", strings.NewReader(sql))
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("%s: status %d, %v: %s", sql, resp.StatusCode, err, body)
	}
	return string(body)
}

// chDatabase checks the server answers and creates a database for one test,
// dropped afterwards. It returns the YAML connection settings for the output.
func chDatabase(tb testing.TB) (db, conn string) {
	tb.Helper()
	base := clickHouseURL()
	u, err := url.Parse(base)
	if err != nil || u.Hostname() == "" || u.Port() == "" {
		tb.Fatalf("EVENTUM_CLICKHOUSE_URL %q: want http://host:port", base)
	}
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(base + "/ping")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET /ping: status %d", resp.StatusCode)
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("ClickHouse at %s is unreachable (run .ci/services.sh): %v", base, err)
		}
		tb.Skipf("ClickHouse at %s is unreachable, skipping (run .ci/services.sh): %v", base, err)
	}
	db = fmt.Sprintf("eventum_test_%d", rand.Uint64()%1e12)
	chQuery(tb, "CREATE DATABASE "+db)
	tb.Cleanup(func() { chQuery(tb, "DROP DATABASE IF EXISTS "+db) })
	return db, fmt.Sprintf("host: %s, port: %s, protocol: %s, database: %s", u.Hostname(), u.Port(), u.Scheme, db)
}

// chJSON runs a SELECT with FORMAT JSON and returns its rows with every
// value printed (64-bit integers come quoted, others bare: both print alike).
func chJSON(tb testing.TB, sql string) []map[string]string {
	tb.Helper()
	var res struct {
		Data []map[string]any `json:"data"`
	}
	body := chQuery(tb, sql+" FORMAT JSON")
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		tb.Fatalf("%s: %v: %s", sql, err, body)
	}
	var rows []map[string]string
	for _, r := range res.Data {
		row := map[string]string{}
		for k, v := range r {
			if s, ok := v.(string); ok {
				row[k] = s
			} else {
				b, _ := json.Marshal(v)
				row[k] = string(b)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// chEvent is one generated row and its encodings in the tested formats.
type chEvent struct {
	id     int
	user   string
	amount int64
	ts     string
	tags   []string
}

func (e chEvent) json() string {
	b, _ := json.Marshal(map[string]any{"id": e.id, "user": e.user, "amount": e.amount, "ts": e.ts, "tags": e.tags})
	return string(b)
}

var tsvEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, `'`, `\'`)

// tagsLiteral is the tags as a ClickHouse array literal: ['a','b'].
func (e chEvent) tagsLiteral() string {
	var tags []string
	for _, t := range e.tags {
		tags = append(tags, "'"+tsvEscaper.Replace(t)+"'")
	}
	return "[" + strings.Join(tags, ",") + "]"
}

func (e chEvent) csv() string {
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	return fmt.Sprintf("%d,%s,%d,%s,%s", e.id, q(e.user), e.amount, q(e.ts), q(e.tagsLiteral()))
}

func (e chEvent) tsv() string {
	return fmt.Sprintf("%d\t%s\t%d\t%s\t%s", e.id, tsvEscaper.Replace(e.user), e.amount, e.ts, e.tagsLiteral())
}

// chEvents makes n rows whose users include quoting and non-ASCII cases.
func chEvents(n int) []chEvent {
	users := []string{"alice", `b"o"b`, "čarlie ☃", "tab\there", "new\nline", `back\slash`, "it's", "plain,comma"}
	evs := make([]chEvent, n)
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range evs {
		evs[i] = chEvent{
			id:     i + 1,
			user:   users[i%len(users)],
			amount: int64(i%1000) - 300,
			ts:     base.Add(time.Duration(i) * time.Second).Format("2006-01-02 15:04:05"),
			tags:   []string{fmt.Sprint("t", i%3), "x"},
		}
	}
	return evs
}

func TestClickHouseServerInsert(t *testing.T) {
	t.Parallel()
	db, conn := chDatabase(t)
	const n = 3000
	evs := chEvents(n)
	var wantIDs, wantAmount, wantUserLen int64
	for _, e := range evs {
		wantIDs += int64(e.id)
		wantAmount += e.amount
		wantUserLen += int64(len([]rune(e.user)))
	}
	tests := []struct {
		format   string
		settings string
		encode   func(chEvent) string
	}{
		{"JSONEachRow", "", chEvent.json},
		{"CSV", ", input_format: CSV", chEvent.csv},
		{"TabSeparated", ", input_format: TabSeparated, footer: \"\\n\"", chEvent.tsv},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			t.Parallel()
			table := strings.ToLower(tt.format)
			chQuery(t, fmt.Sprintf("CREATE TABLE %s.%s (id UInt64, user String, amount Int64, ts DateTime, tags Array(String)) ENGINE = MergeTree() ORDER BY id", db, table))
			o := mustBuild(t, "clickhouse", "{"+conn+", table: "+table+tt.settings+"}", "")
			mustOpen(t, o)
			payloads := make([]string, len(evs))
			for i, e := range evs {
				payloads[i] = tt.encode(e)
			}
			for i := 0; i < n; i += 1000 { // three inserts
				mustWrite(t, o, payloads[i:i+1000]...)
			}
			mustClose(t, o)

			got := chJSON(t, fmt.Sprintf("SELECT count() AS c, sum(id) AS ids, sum(amount) AS amount, sum(lengthUTF8(user)) AS ulen, uniqExact(user) AS users, min(ts) AS first, max(ts) AS last, sum(length(tags)) AS ntags FROM %s.%s", db, table))
			want := map[string]string{
				"c": fmt.Sprint(n), "ids": fmt.Sprint(wantIDs), "amount": fmt.Sprint(wantAmount), "ulen": fmt.Sprint(wantUserLen),
				"users": "8", "first": evs[0].ts, "last": evs[n-1].ts, "ntags": fmt.Sprint(2 * n),
			}
			if len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
				t.Fatalf("aggregates:\n got %v\nwant %v", got, want)
			}
			// Every distinct user string came back byte for byte.
			rows := chJSON(t, fmt.Sprintf("SELECT id, user, arrayStringConcat(tags, '|') AS tags FROM %s.%s WHERE id <= 8 ORDER BY id", db, table))
			for i, r := range rows {
				e := evs[i]
				if r["id"] != fmt.Sprint(e.id) || r["user"] != e.user || r["tags"] != strings.Join(e.tags, "|") {
					t.Errorf("row %d: got %q, want %+v", i, r, e)
				}
			}
			if len(rows) != 8 {
				t.Fatalf("%d rows with id <= 8", len(rows))
			}
		})
	}
}

// TestClickHouseServerRejects: an insert with one bad row lands nothing and
// fails at once (no retry), an unknown table too; the good insert after
// them lands.
func TestClickHouseServerRejects(t *testing.T) {
	t.Parallel()
	db, conn := chDatabase(t)
	chQuery(t, "CREATE TABLE "+db+".ev (id UInt64, user String) ENGINE = Memory")
	o := mustBuild(t, "clickhouse", "{"+conn+", table: ev}", "")
	mustOpen(t, o)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	n, err := o.Write(ctx, []string{`{"id": 1, "user": "a"}`, `{"id": "not a number", "user": "b"}`, `{"id": 3, "user": "c"}`})
	if n != 0 || !IsPermanent(err) || !strings.Contains(err.Error(), "Code: ") {
		t.Fatalf("bad row: written %d, err %v", n, err)
	}
	missing := mustBuild(t, "clickhouse", "{"+conn+", table: nosuch}", "")
	mustOpen(t, missing)
	if n, err := missing.Write(ctx, []string{`{"id": 1}`}); n != 0 || !IsPermanent(err) || !strings.Contains(err.Error(), "Code: 60") {
		t.Fatalf("unknown table: written %d, err %v", n, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("permanent errors took %v: retried?", d)
	}
	mustWrite(t, o, `{"id": 4, "user": "d"}`)
	mustClose(t, o)
	if got := chJSON(t, "SELECT count() AS c, sum(id) AS s FROM "+db+".ev"); fmt.Sprint(got) != "[map[c:1 s:4]]" {
		t.Fatalf("rows after the failed insert: %v", got)
	}
}

// TestClickHouseServerDeduplicationToken re-sends a batch as the pipeline
// does after an unknown outcome (same batch, same offset). A server that
// knows insert_deduplication_token (22.2 and later) keeps one copy in a
// table with a deduplication window; an older one (the 18.16 of .ci) refuses
// the setting, and the output goes on without it: both copies land.
func TestClickHouseServerDeduplicationToken(t *testing.T) {
	t.Parallel()
	db, conn := chDatabase(t)
	known := strings.TrimSpace(chQuery(t, "SELECT count() FROM system.settings WHERE name = 'insert_deduplication_token'")) == "1"
	engine := "MergeTree() ORDER BY id"
	if known {
		engine += " SETTINGS non_replicated_deduplication_window = 100"
	}
	chQuery(t, "CREATE TABLE "+db+".ev (id UInt64) ENGINE = "+engine)
	o := mustBuild(t, "clickhouse", "{"+conn+", table: ev}", "")
	mustOpen(t, o)
	batch := []string{`{"id": 1}`, `{"id": 2}`}
	for attempt := 1; attempt <= 2; attempt++ {
		ctx := WithAttempt(context.Background(), Attempt{Batch: 1, N: attempt})
		if n, err := o.Write(ctx, batch); n != 2 || err != nil {
			t.Fatalf("attempt %d: Write = %d, %v", attempt, n, err)
		}
	}
	mustClose(t, o)
	want := "[map[c:4]]"
	if known {
		want = "[map[c:2]]"
	}
	if got := chJSON(t, "SELECT count() AS c FROM "+db+".ev"); fmt.Sprint(got) != want {
		t.Fatalf("rows after a re-sent batch: %v, want %s (server knows the token: %v)", got, want, known)
	}
	if ch := o.(*ClickHouse); ch.noToken.Load() == known {
		t.Fatalf("server knows insert_deduplication_token: %v, output stopped sending it: %v", known, ch.noToken.Load())
	}
}
