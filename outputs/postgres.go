package outputs

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

func init() {
	plugin.Register(Registry, "postgres", nil, newPostgres)
}

// PostgresConfig configures the postgres output: every payload is a JSON
// object whose top-level members become the columns of one row.
type PostgresConfig struct {
	Common

	// DSN is a libpq connection string or URL; host, port, database, user and
	// password (when set) override its parts.
	DSN      string `yaml:"dsn" doc:"libpq connection string ('host=… user=…') or URL ('postgres://user@host:5432/db?sslmode=disable'). 'host', 'port', 'database', 'user', 'password' override its parts when set. Under 'eventum run', a generator run through the API may name files in it ('sslrootcert', 'sslcert', 'sslkey', 'passfile', 'servicefile') only by absolute paths inside 'path.generators_dir' ([confinement](server.md#confinement))."`
	Host     string `yaml:"host" doc:"server host name or address; several comma-separated hosts are tried in turn"`
	Port     int    `yaml:"port" min:"0" max:"65535" doc:"server port"`
	Database string `yaml:"database" doc:"database name"`
	User     string `yaml:"user" doc:"role to connect as"`
	Password string `yaml:"password" doc:"password; put it in a secret: '${secrets.pg_password}'"`
	// SSLMode is libpq's sslmode (disable, allow, prefer, require, verify-ca,
	// verify-full); with dsn, put it in the dsn.
	SSLMode string `yaml:"sslmode" enum:"disable,allow,prefer,require,verify-ca,verify-full" absent:"'prefer'" doc:"'disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'. With 'dsn', write it in the dsn instead."`

	// Table is the target table in SQL syntax, optionally schema-qualified.
	Table string `yaml:"table" required:"true" doc:"target table in SQL syntax, optionally schema-qualified: 'events', 'logs.events', '\"Mixed Case\"'. Unquoted names fold to lower case as in SQL."`
	// Columns maps columns to top-level keys of the event; default: every
	// column of the table, each from the key of the same name.
	Columns PostgresColumns `yaml:"columns" doc:"the written columns: a list of names ('[ts, host]', column = key) or a mapping 'column: key' ('{ts: \"@timestamp\", src_ip: source_ip}'). Column names are exact (case-sensitive)."`
	// Mode is copy (COPY protocol) or insert (INSERT statements).
	Mode string `yaml:"mode" default:"copy" enum:"copy,insert" doc:"'copy': the binary COPY protocol (fastest); 'insert': multi-row 'INSERT' statements (needed for 'on_conflict')"`
	// OnConflict (insert mode) is nothing or update.
	OnConflict string `yaml:"on_conflict" enum:"nothing,update" doc:"insert mode only. 'nothing': rows whose key already exists are skipped ('ON CONFLICT DO NOTHING'), so a seeding run can be repeated without duplicates. 'update': existing rows get the new values ('ON CONFLICT (conflict_key) DO UPDATE'); when one batch holds the same key twice, the last event wins."`
	// ConflictKey lists the columns of the unique key on_conflict refers to.
	ConflictKey []string `yaml:"conflict_key" doc:"columns of the unique key 'on_conflict' refers to; required for 'update', optional for 'nothing' (without it any unique violation is skipped). With 'create_table', a 'UNIQUE (conflict_key)' constraint is added to the created table."`
	// CreateTable declares the table's columns (name: SQL type); the table is
	// created at start when it does not exist.
	CreateTable PostgresColumnTypes `yaml:"create_table" doc:"mapping 'column: SQL type' (order kept), e.g. '{id: int8 PRIMARY KEY, ts: timestamptz}'. The table is created at start when it does not exist; an existing table is left as it is."`
	// BatchSize caps the rows per transaction; 0 writes every batch of the
	// pipeline in one transaction.
	BatchSize int `yaml:"batch_size" min:"0" doc:"most rows per transaction. '0': every batch the pipeline hands over is one transaction."`
	// MaxConnections is the size of the connection pool.
	MaxConnections int `yaml:"max_connections" default:"4" min:"1" doc:"size of the connection pool; outputs with 'max_concurrency' > 1 write over several connections at once"`
	// ConnectTimeout bounds each connection attempt.
	ConnectTimeout config.Duration `yaml:"connect_timeout" default:"10" doc:"seconds (or '500ms', '1m') allowed for each connection attempt (an attempt to write is bounded by 'write_timeout' too)"`
	// DeliveryTable names a table (created when missing) where every
	// transaction also records its run id and batch number, so that a
	// transaction whose commit was not confirmed is not written twice.
	DeliveryTable string `yaml:"delivery_table" doc:"a table name ('eventum_deliveries', 'audit.deliveries'), created when missing: every transaction also inserts a row naming it there, which makes delivery **exactly once** even when the answer to a 'COMMIT' is lost. See [Exactly once](#exactly-once-delivery_table)."`
}

// DefaultFormat passes events unchanged unless a formatter is configured:
// the output scans every payload as a JSON object itself (strictly: a
// payload that is not one is rejected and counted as format_failed, as the
// json formatter would count it), so the json formatter's check would parse
// every event a second time.
func (c *PostgresConfig) DefaultFormat() string { return "plain" }

// PostgresColumn is one column and the event key its value comes from.
type PostgresColumn struct{ Column, Key string }

// PostgresColumns is written as a list of names (column = key) or as a
// mapping column: key; the order is kept.
type PostgresColumns []PostgresColumn

// UnmarshalYAML accepts a list of names or a column: key mapping.
func (c *PostgresColumns) UnmarshalYAML(n *yaml.Node) error {
	var out PostgresColumns
	switch n.Kind {
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode || item.Value == "" {
				return fmt.Errorf("line %d: expected a column name", item.Line)
			}
			out = append(out, PostgresColumn{item.Value, item.Value})
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode || k.Value == "" || v.Value == "" {
				return fmt.Errorf("line %d: expected column: key", k.Line)
			}
			out = append(out, PostgresColumn{k.Value, v.Value})
		}
	default:
		return fmt.Errorf("expected a list of column names or a mapping of column: key")
	}
	*c = out
	return nil
}

// PostgresColumnType is one declared column of create_table.
type PostgresColumnType struct{ Name, Type string }

// PostgresColumnTypes is a mapping column: SQL type, in declaration order.
type PostgresColumnTypes []PostgresColumnType

// UnmarshalYAML accepts a mapping of column: SQL type.
func (c *PostgresColumnTypes) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("expected a mapping of column: SQL type")
	}
	var out PostgresColumnTypes
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode || k.Value == "" || strings.TrimSpace(v.Value) == "" {
			return fmt.Errorf("line %d: expected column: SQL type", k.Line)
		}
		out = append(out, PostgresColumnType{k.Value, v.Value})
	}
	*c = out
	return nil
}

// tableNameRE accepts [schema.]table, each part a plain or double-quoted identifier.
var tableNameRE = regexp.MustCompile(`^(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)(?:\.(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))?$`)

// Validate checks the settings that do not need the server.
func (c *PostgresConfig) Validate() error {
	if !tableNameRE.MatchString(c.Table) {
		return fmt.Errorf("table: %q is not a table name ([schema.]table, parts may be double-quoted)", c.Table)
	}
	if c.DeliveryTable != "" && !tableNameRE.MatchString(c.DeliveryTable) {
		return fmt.Errorf("delivery_table: %q is not a table name ([schema.]table, parts may be double-quoted)", c.DeliveryTable)
	}
	if c.DSN != "" && c.SSLMode != "" {
		return fmt.Errorf("sslmode: with dsn, put sslmode in the dsn")
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("port: %d is out of range", c.Port)
	}
	switch c.Mode {
	case "copy", "insert":
	default:
		return fmt.Errorf("mode: expected copy or insert, got %q", c.Mode)
	}
	switch c.OnConflict {
	case "":
		if len(c.ConflictKey) > 0 {
			return fmt.Errorf("conflict_key: needs on_conflict")
		}
	case "nothing", "update":
		if c.Mode != "insert" {
			return fmt.Errorf("on_conflict: needs mode: insert (COPY cannot skip or update rows)")
		}
		if c.OnConflict == "update" && len(c.ConflictKey) == 0 {
			return fmt.Errorf("conflict_key: on_conflict: update needs the key columns")
		}
	default:
		return fmt.Errorf("on_conflict: expected nothing or update, got %q", c.OnConflict)
	}
	if c.BatchSize < 0 {
		return fmt.Errorf("batch_size: must not be negative")
	}
	if c.MaxConnections < 1 {
		return fmt.Errorf("max_connections: must be at least 1")
	}
	seen := map[string]bool{}
	for _, col := range c.Columns {
		if seen[col.Column] {
			return fmt.Errorf("columns: %q listed twice", col.Column)
		}
		seen[col.Column] = true
	}
	for _, k := range c.ConflictKey {
		if len(c.Columns) > 0 && !seen[k] {
			return fmt.Errorf("conflict_key: %q is not in columns", k)
		}
	}
	return nil
}

// connString builds the pool configuration from dsn and the separate keys.
func (c *PostgresConfig) poolConfig() (*pgxpool.Config, error) {
	dsn := c.DSN
	if dsn == "" {
		var b strings.Builder
		add := func(k, v string) {
			if v == "" {
				return
			}
			v = strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v)
			fmt.Fprintf(&b, "%s='%s' ", k, v)
		}
		add("host", c.Host)
		if c.Port != 0 {
			add("port", strconv.Itoa(c.Port))
		}
		add("dbname", c.Database)
		add("user", c.User)
		add("password", c.Password)
		add("sslmode", c.SSLMode)
		dsn = b.String()
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("dsn: %w", err)
	}
	cc := pc.ConnConfig
	if c.DSN != "" {
		if c.Host != "" {
			cc.Host, cc.Fallbacks = c.Host, nil
		}
		if c.Port != 0 {
			cc.Port = uint16(c.Port)
			for _, f := range cc.Fallbacks {
				f.Port = uint16(c.Port)
			}
		}
		if c.Database != "" {
			cc.Database = c.Database
		}
		if c.User != "" {
			cc.User = c.User
		}
		if c.Password != "" {
			cc.Password = c.Password
		}
	}
	if c.ConnectTimeout > 0 {
		cc.ConnectTimeout = c.ConnectTimeout.D()
	}
	pc.MaxConns = int32(c.MaxConnections)
	return pc, nil
}

// Postgres writes JSON events as rows of one table.
type Postgres struct {
	cfg     *PostgresConfig
	rejects rejectLog
	log     *slog.Logger
	runID   string // names this output's transactions in delivery_table

	// delivery_table as the server spells it; empty without one
	deliveryTable string
	directSeq     atomic.Int64 // keys of writes from outside the pipeline

	pool    *pgxpool.Pool
	table   string // as the server spells it (quoted where needed)
	cols    []pgColumn
	slots   map[string]int // event key → index into a row's values
	nslots  int
	copySQL string
	// insert mode
	insertRows int    // rows per INSERT statement
	insertHead string // INSERT INTO t (cols) VALUES
	insertTail string // ON CONFLICT ...
	keyCols    []int  // indexes into cols of conflict_key (update mode)

	states sync.Pool // *pgState
}

// pgState is what one Write needs for itself: it is never shared.
type pgState struct {
	vals    []jsonValue
	hint    jsonKeyHint // the key order of the events seen last
	typeMap *pgtype.Map
	buf     []byte
}

func newPostgres(cfg *PostgresConfig, env *plugin.Env) (Output, error) {
	if err := confinePostgresDSN(env, cfg.DSN); err != nil { // before the driver opens what it names
		return nil, err
	}
	if _, err := cfg.poolConfig(); err != nil {
		return nil, err
	}
	var id [8]byte
	_, _ = rand.Read(id[:]) // never fails
	return &Postgres{
		cfg:     cfg,
		rejects: rejectLog{output: "postgres output", log: env.Log()},
		log:     env.Log(),
		runID:   hex.EncodeToString(id[:]),
	}, nil
}

// ConcurrentWrites is true: every Write takes its own pooled connection.
func (p *Postgres) ConcurrentWrites() bool { return true }

// MaxConcurrentWrites is max_connections: a write more would only wait for a
// connection, holding its batch.
func (p *Postgres) MaxConcurrentWrites() int { return p.cfg.MaxConnections }

// Open connects, creates the table when create_table is set, and reads the
// column types.
func (p *Postgres) Open(ctx context.Context) error {
	pc, err := p.cfg.poolConfig()
	if err != nil {
		return fmt.Errorf("postgres output: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return fmt.Errorf("postgres output: connect: %w", err)
	}
	if err := p.open(ctx, pool); err != nil {
		pool.Close()
		return fmt.Errorf("postgres output: %w", err)
	}
	p.pool = pool
	return nil
}

func (p *Postgres) open(ctx context.Context, pool *pgxpool.Pool) error {
	if err := pool.Ping(ctx); err != nil {
		return fmt.Errorf("connect %s:%d: %w", pool.Config().ConnConfig.Host, pool.Config().ConnConfig.Port, err)
	}
	if len(p.cfg.CreateTable) > 0 {
		if _, err := pool.Exec(ctx, p.createTableSQL()); err != nil {
			return fmt.Errorf("create table %s: %w", p.cfg.Table, err)
		}
	}
	table, cols, err := describeTable(ctx, pool, p.cfg.Table)
	if err != nil {
		return err
	}
	p.table = table
	byName := map[string]pgColumn{}
	for _, c := range cols {
		byName[c.name] = c
	}
	want := p.cfg.Columns
	if len(want) == 0 {
		for _, c := range cols {
			if !c.generated {
				want = append(want, PostgresColumn{c.name, c.name})
			}
		}
	}
	p.slots = map[string]int{}
	p.cols = p.cols[:0]
	for _, w := range want {
		c, ok := byName[w.Column]
		if !ok {
			return fmt.Errorf("table %s has no column %q", table, w.Column)
		}
		if c.generated {
			return fmt.Errorf("column %q of %s is generated and cannot be written", w.Column, table)
		}
		if err := c.plan(); err != nil {
			return fmt.Errorf("column %q: %w", w.Column, err)
		}
		c.key = w.Key
		slot, ok := p.slots[w.Key]
		if !ok {
			slot = len(p.slots)
			p.slots[w.Key] = slot
		}
		c.slot = slot
		p.cols = append(p.cols, c)
	}
	p.nslots = len(p.slots)
	names := make([]string, len(p.cols))
	for i, c := range p.cols {
		names[i] = pgx.Identifier{c.name}.Sanitize()
	}
	list := strings.Join(names, ", ")
	p.copySQL = fmt.Sprintf("COPY %s (%s) FROM STDIN (FORMAT binary)", table, list)
	p.insertHead = fmt.Sprintf("INSERT INTO %s (%s) VALUES ", table, list)
	p.insertRows = 65535 / len(p.cols)
	if p.cfg.BatchSize > 0 && p.cfg.BatchSize < p.insertRows {
		p.insertRows = p.cfg.BatchSize
	}
	p.keyCols = nil
	for _, k := range p.cfg.ConflictKey {
		i := indexColumn(p.cols, k)
		if i < 0 {
			return fmt.Errorf("conflict_key: %q is not a written column", k)
		}
		p.keyCols = append(p.keyCols, i)
	}
	switch p.cfg.OnConflict {
	case "nothing":
		p.insertTail = " ON CONFLICT DO NOTHING"
		if len(p.keyCols) > 0 {
			p.insertTail = fmt.Sprintf(" ON CONFLICT (%s) DO NOTHING", quoteNames(p.cfg.ConflictKey))
		}
	case "update":
		var set []string
		for i, c := range p.cols {
			if !containsInt(p.keyCols, i) {
				q := pgx.Identifier{c.name}.Sanitize()
				set = append(set, q+" = EXCLUDED."+q)
			}
		}
		if len(set) == 0 {
			p.insertTail = fmt.Sprintf(" ON CONFLICT (%s) DO NOTHING", quoteNames(p.cfg.ConflictKey))
		} else {
			p.insertTail = fmt.Sprintf(" ON CONFLICT (%s) DO UPDATE SET %s", quoteNames(p.cfg.ConflictKey), strings.Join(set, ", "))
		}
	}
	if p.cfg.DeliveryTable != "" {
		return p.openDeliveryTable(ctx, pool)
	}
	return nil
}

// deliveryTableColumns is how delivery_table is created.
const deliveryTableColumns = `(run_id text NOT NULL, batch_seq int8 NOT NULL, batch_offset int8 NOT NULL, rows int8,
	committed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run_id, batch_seq, batch_offset))`

// openDeliveryTable creates delivery_table when it does not exist and checks
// that the statements of a transaction fit it.
func (p *Postgres) openDeliveryTable(ctx context.Context, pool *pgxpool.Pool) error {
	create := "CREATE TABLE IF NOT EXISTS " + p.cfg.DeliveryTable + " " + deliveryTableColumns
	_, err := pool.Exec(ctx, create)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "23505" || pe.Code == "42P07") {
		_, err = pool.Exec(ctx, create) // another output created it at the same moment
	}
	if err != nil {
		return fmt.Errorf("delivery_table %s: create: %w", p.cfg.DeliveryTable, err)
	}
	var name string
	if err := pool.QueryRow(ctx, `SELECT to_regclass($1)::text`, p.cfg.DeliveryTable).Scan(&name); err != nil {
		return fmt.Errorf("delivery_table %s: %w", p.cfg.DeliveryTable, err)
	}
	p.deliveryTable = name
	// EXPLAIN plans the statements without running them: the claim needs
	// the primary key (or a unique index) on the first three columns.
	for _, sql := range []string{p.claimSQL(pgKey{}), strings.TrimSuffix(p.commitSQL(pgKey{}, 0), "; COMMIT")} {
		if _, err := pool.Exec(ctx, "EXPLAIN "+sql); err != nil {
			return fmt.Errorf("delivery_table %s does not fit (it needs run_id text, batch_seq int8, batch_offset int8, rows int8, and a unique key on the first three): %w", name, err)
		}
	}
	p.log.Info("postgres output: recording transactions", "delivery_table", name, "run_id", p.runID)
	return nil
}

func (p *Postgres) createTableSQL() string {
	defs := make([]string, 0, len(p.cfg.CreateTable)+1)
	for _, c := range p.cfg.CreateTable {
		defs = append(defs, pgx.Identifier{c.Name}.Sanitize()+" "+c.Type)
	}
	if len(p.cfg.ConflictKey) > 0 {
		defs = append(defs, "UNIQUE ("+quoteNames(p.cfg.ConflictKey)+")")
	}
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s)", p.cfg.Table, strings.Join(defs, ", "))
}

func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = pgx.Identifier{n}.Sanitize()
	}
	return strings.Join(q, ", ")
}

func indexColumn(cols []pgColumn, name string) int {
	for i, c := range cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// describeTable reads the table's columns and their types.
func describeTable(ctx context.Context, pool *pgxpool.Pool, table string) (string, []pgColumn, error) {
	const q = `
SELECT c.oid::regclass::text, a.attname, a.atttypid, a.atttypmod, a.attnotnull,
       a.attgenerated <> '' OR a.attidentity = 'a',
       format_type(a.atttypid, a.atttypmod), t.typtype, t.typname, t.typbasetype, t.typtypmod
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
WHERE c.oid = to_regclass($1)
ORDER BY a.attnum`
	rows, err := pool.Query(ctx, q, table)
	if err != nil {
		return "", nil, fmt.Errorf("describe table %s: %w", table, err)
	}
	var name string
	var cols []pgColumn
	for rows.Next() {
		var c pgColumn
		var typtype string
		var baseOID uint32
		var baseMod int32
		if err := rows.Scan(&name, &c.name, &c.oid, &c.typmod, &c.notNull, &c.generated, &c.typeName, &typtype, &c.typname, &baseOID, &baseMod); err != nil {
			rows.Close()
			return "", nil, fmt.Errorf("describe table %s: %w", table, err)
		}
		c.baseOID = c.oid
		c.enum = typtype == "e"
		if typtype == "d" {
			c.baseOID, c.typmod = baseOID, baseMod
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return "", nil, fmt.Errorf("describe table %s: %w", table, err)
	}
	if len(cols) == 0 {
		return "", nil, fmt.Errorf("table %s does not exist (set create_table to create it)", table)
	}
	// Resolve domains over domains down to their base types.
	for i := range cols {
		for d := 0; d < 8; d++ {
			var typtype, typname string
			var base uint32
			if err := pool.QueryRow(ctx, `SELECT typtype, typname, typbasetype FROM pg_type WHERE oid = $1`, cols[i].baseOID).Scan(&typtype, &typname, &base); err != nil {
				return "", nil, fmt.Errorf("describe type of %q: %w", cols[i].name, err)
			}
			cols[i].typname = typname
			cols[i].enum = typtype == "e"
			if typtype != "d" {
				break
			}
			cols[i].baseOID = base
		}
	}
	return name, cols, nil
}

// Write stores payloads as rows, in one attempt. Each transaction (the whole
// call, or batch_size rows) lands whole or not at all; n counts the payloads
// of the transactions whose COMMIT was confirmed (or, with delivery_table,
// found committed by an earlier attempt). Payloads that cannot become a row
// are rejected (a *RejectedError counting those of payloads[:n]) without
// failing the others. A failure is returned as it is when another attempt
// may succeed (a lost or refused connection, a restart, a timeout: when the
// COMMIT was sent, the transaction may have landed all the same, which
// delivery_table recognises on the next attempt), and Permanent when the
// server refused the data (a constraint, a value) or the statement.
func (p *Postgres) Write(ctx context.Context, payloads []string) (int, error) {
	if p.pool == nil {
		return 0, errors.New("postgres output: write before open")
	}
	chunk := len(payloads)
	if p.cfg.BatchSize > 0 && p.cfg.BatchSize < chunk {
		chunk = p.cfg.BatchSize
	}
	key := p.deliveryKey(ctx)
	done := 0
	var rejected pgRejects
	for start := 0; start < len(payloads); start += chunk {
		part := payloads[start:min(start+chunk, len(payloads))]
		key.offset = key.base + int64(start)
		var r pgRejects
		var err error
		if p.cfg.Mode == "insert" {
			r, err = p.insert(ctx, part, key)
		} else {
			r, err = p.copy(ctx, part, key)
		}
		if err != nil {
			err = pgFailure(fmt.Errorf("postgres output: write %d events to %s: %w", len(part), p.table, err))
			if rejected.n > 0 {
				err = errors.Join(err, &RejectedError{N: rejected.n, First: rejected.first})
			}
			return done, err
		}
		done += len(part)
		r.log(&p.rejects)
		rejected.n += r.n
		if rejected.first == nil {
			rejected.first = r.first
		}
	}
	if rejected.n > 0 {
		return done, &RejectedError{N: rejected.n, First: rejected.first}
	}
	return done, nil
}

// pgRejects are the payloads of one transaction that cannot become rows.
// They are logged once the transaction is settled, so that the attempts of a
// retried batch do not log them again.
type pgRejects struct {
	n     int
	first error
	notes []pgReject // the first few, to log
}

type pgReject struct {
	payload string
	err     error
}

func (r *pgRejects) add(payload string, err error) {
	r.n++
	if r.first == nil {
		r.first = err
	}
	if len(r.notes) < maxLoggedRejects {
		r.notes = append(r.notes, pgReject{payload, err})
	}
}

func (r *pgRejects) log(l *rejectLog) {
	for _, x := range r.notes {
		l.reject(x.payload, x.err)
	}
}

// pgKey names one transaction in delivery_table, the same on every attempt:
// the pipeline's batch number and the offset of its first payload.
type pgKey struct{ seq, base, offset int64 }

func (p *Postgres) deliveryKey(ctx context.Context) pgKey {
	if p.deliveryTable == "" {
		return pgKey{}
	}
	a := AttemptFrom(ctx)
	if a.Batch == 0 {
		// A call from outside the pipeline is never retried as such: give it
		// a key of its own, below the pipeline's.
		return pgKey{seq: -p.directSeq.Add(1)}
	}
	return pgKey{seq: int64(a.Batch), base: int64(a.Offset)}
}

// Close closes the pool.
func (p *Postgres) Close(ctx context.Context) error {
	if p.pool != nil {
		p.pool.Close()
		p.pool = nil
	}
	return nil
}

func (p *Postgres) getState() *pgState {
	if st, ok := p.states.Get().(*pgState); ok {
		return st
	}
	return &pgState{vals: make([]jsonValue, p.nslots), typeMap: pgtype.NewMap()}
}

// encodeRow appends payload as one tuple of binary COPY (field count, then
// each field as length + bytes, -1 for NULL). On error buf is returned as it
// was given.
func (p *Postgres) encodeRow(st *pgState, payload string, buf []byte) ([]byte, error) {
	if !utf8.ValidString(payload) {
		return buf, errors.New("not valid UTF-8")
	}
	clear(st.vals)
	if err := scanJSONObjectHinted(payload, p.slots, &st.hint, st.vals); err != nil {
		return buf, err
	}
	start := len(buf)
	buf = append(buf, byte(len(p.cols)>>8), byte(len(p.cols)))
	for i := range p.cols {
		c := &p.cols[i]
		v := st.vals[c.slot]
		if v.kind == jsonAbsent || v.kind == jsonNull {
			if c.notNull {
				return buf[:start], fmt.Errorf("column %q is NOT NULL but key %q is %s", c.name, c.key, v.kind)
			}
			buf = append(buf, 0xff, 0xff, 0xff, 0xff)
			continue
		}
		lenAt := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		var err error
		buf, err = c.encode(st.typeMap, buf, v)
		if err != nil {
			return buf[:start], fmt.Errorf("key %q does not fit column %q (%s): %w", c.key, c.name, c.typeName, err)
		}
		n := len(buf) - lenAt - 4
		buf[lenAt], buf[lenAt+1], buf[lenAt+2], buf[lenAt+3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	}
	return buf, nil
}

// pgFailure marks err Permanent when another attempt cannot help: the
// server refused the data or the statement (a constraint or data error, a
// missing table or privilege, bad credentials) or its certificate was
// rejected. Everything else is transient: a lost, reset or refused
// connection, a server shutting down (57P01) or starting up (57P03), a
// serialization failure or deadlock, too many connections, a timeout, no
// connection to be had from the pool.
func pgFailure(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if pgTransientCode(pe.Code) {
			return err
		}
		return Permanent(err)
	}
	var (
		verify    *tls.CertificateVerificationError
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
	)
	if errors.As(err, &verify) || errors.As(err, &authority) || errors.As(err, &hostname) || errors.As(err, &invalid) {
		return Permanent(err)
	}
	return err
}

// pgTransientCode tells the SQLSTATEs worth another attempt: connection
// exceptions (08), transaction state (25: e.g. a standby's read-only
// transaction during a failover), transaction rollback (40: serialization
// failure, deadlock), insufficient resources (53: too many connections, disk
// full), a lock not available (55P03) or object in use (55006), operator
// intervention (57: shutdown, cannot connect now, query cancelled), system
// errors (58) and snapshot too old (72).
func pgTransientCode(code string) bool {
	if len(code) != 5 {
		return false
	}
	switch code[:2] {
	case "08", "25", "40", "53", "57", "58", "72":
		return true
	}
	return code == "55P03" || code == "55006"
}

// copy writes part with one COPY: its own transaction, or, with
// delivery_table, one that also records the delivery.
func (p *Postgres) copy(ctx context.Context, part []string, key pgKey) (pgRejects, error) {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return pgRejects{}, err
	}
	defer conn.Release() // destroyed, not pooled, when left closed or inside a transaction
	pc := conn.Conn().PgConn()
	if p.deliveryTable != "" {
		claimed, err := p.claim(ctx, pc, key)
		if err != nil {
			return pgRejects{}, err
		}
		if !claimed {
			return p.rejectsOf(part), nil
		}
	}
	src := &copySource{p: p, st: p.getState(), payloads: part}
	tag, err := pc.CopyFrom(ctx, src, p.copySQL)
	if err != nil {
		// The copy goroutine may still hold src: let it keep its state.
		return pgRejects{}, err
	}
	if p.deliveryTable != "" {
		if err := p.commit(ctx, pc, key, tag.RowsAffected()); err != nil {
			return pgRejects{}, err
		}
	}
	p.putState(src.st, src.buf)
	return src.rej, nil
}

// claim opens a transaction and inserts its row into delivery_table. It
// reports false, and rolls back, when the row is there already: an earlier
// attempt whose outcome was unknown did commit. When that attempt's
// transaction is still open on the server, the insert waits for its end.
func (p *Postgres) claim(ctx context.Context, pc *pgconn.PgConn, key pgKey) (bool, error) {
	res, err := pc.Exec(ctx, "BEGIN; "+p.claimSQL(key)).ReadAll()
	if err != nil {
		return false, err
	}
	if len(res) != 2 {
		return false, fmt.Errorf("delivery_table: %d results to BEGIN and INSERT", len(res))
	}
	if res[1].CommandTag.RowsAffected() == 1 {
		return true, nil
	}
	// Delivered already; a failed ROLLBACK leaves the connection inside the
	// transaction, which Release then closes.
	_, _ = pc.Exec(ctx, "ROLLBACK").ReadAll()
	p.log.Info("postgres output: an earlier attempt committed this transaction; not writing it again",
		"delivery_table", p.deliveryTable, "run_id", p.runID, "batch_seq", key.seq, "batch_offset", key.offset)
	return false, nil
}

func (p *Postgres) claimSQL(key pgKey) string {
	return fmt.Sprintf("INSERT INTO %s (run_id, batch_seq, batch_offset) VALUES ('%s', %d, %d) ON CONFLICT (run_id, batch_seq, batch_offset) DO NOTHING",
		p.deliveryTable, p.runID, key.seq, key.offset)
}

// commit records the rows of the claimed transaction and commits it.
func (p *Postgres) commit(ctx context.Context, pc *pgconn.PgConn, key pgKey, rows int64) error {
	res, err := pc.Exec(ctx, p.commitSQL(key, rows)).ReadAll()
	if err != nil {
		return err
	}
	if len(res) != 2 || res[0].CommandTag.RowsAffected() != 1 || res[1].CommandTag.String() != "COMMIT" {
		return fmt.Errorf("commit: unexpected answer to %q", p.commitSQL(key, rows))
	}
	return nil
}

func (p *Postgres) commitSQL(key pgKey, rows int64) string {
	return fmt.Sprintf("UPDATE %s SET rows = %d WHERE run_id = '%s' AND batch_seq = %d AND batch_offset = %d; COMMIT",
		p.deliveryTable, rows, p.runID, key.seq, key.offset)
}

// rejectsOf encodes part without sending it: the payloads an earlier,
// committed attempt rejected.
func (p *Postgres) rejectsOf(part []string) pgRejects {
	st := p.getState()
	var r pgRejects
	buf := st.buf[:0]
	for _, payload := range part {
		var err error
		if buf, err = p.encodeRow(st, payload, buf[:0]); err != nil {
			r.add(payload, err)
		}
	}
	p.putState(st, buf)
	return r
}

func (p *Postgres) putState(st *pgState, buf []byte) {
	if cap(buf) <= 4<<20 {
		st.buf = buf[:0]
	}
	p.states.Put(st)
}

// copySource streams binary COPY data, encoding rows as the connection asks
// for them.
type copySource struct {
	p        *Postgres
	st       *pgState
	payloads []string
	next     int
	started  bool
	done     bool
	buf      []byte
	off      int
	rej      pgRejects
}

var pgCopyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

func (s *copySource) Read(out []byte) (int, error) {
	if s.off >= len(s.buf) {
		if s.done {
			return 0, io.EOF
		}
		s.fill(len(out))
	}
	n := copy(out, s.buf[s.off:])
	s.off += n
	return n, nil
}

// fill encodes rows until about want bytes are buffered.
func (s *copySource) fill(want int) {
	if s.buf == nil {
		s.buf = s.st.buf
	}
	buf := s.buf[:0]
	s.off = 0
	if !s.started {
		buf = append(buf, pgCopyHeader...)
		s.started = true
	}
	for len(buf) < want && s.next < len(s.payloads) {
		payload := s.payloads[s.next]
		s.next++
		var err error
		buf, err = s.p.encodeRow(s.st, payload, buf)
		if err != nil {
			s.rej.add(payload, err)
		}
	}
	if s.next >= len(s.payloads) {
		buf = append(buf, 0xff, 0xff)
		s.done = true
	}
	s.buf = buf
}

// insert writes part with multi-row INSERT statements in one transaction
// (with delivery_table, one that also records the delivery).
func (p *Postgres) insert(ctx context.Context, part []string, key pgKey) (pgRejects, error) {
	st := p.getState()
	// Encode every row once; rows are kept as tuples in st.buf.
	var rej pgRejects
	buf := st.buf[:0]
	starts := make([]int, 0, len(part)+1)
	for _, payload := range part {
		at := len(buf)
		var rerr error
		buf, rerr = p.encodeRow(st, payload, buf)
		if rerr != nil {
			rej.add(payload, rerr)
			continue
		}
		starts = append(starts, at)
	}
	starts = append(starts, len(buf))
	rows := len(starts) - 1
	if rows == 0 {
		p.putState(st, buf)
		return rej, nil
	}
	ncol := len(p.cols)
	oids := make([]uint32, 0, p.insertRows*ncol)
	formats := make([]int16, 0, p.insertRows*ncol)
	for i := 0; i < p.insertRows; i++ {
		for _, c := range p.cols {
			oids = append(oids, c.oid)
			formats = append(formats, 1)
		}
	}
	params := make([][]byte, 0, p.insertRows*ncol)
	var sql strings.Builder

	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return pgRejects{}, err
	}
	defer conn.Release() // destroyed, not pooled, when left closed or inside a transaction
	pc := conn.Conn().PgConn()
	// One statement needs no transaction block of its own.
	tx := rows > p.insertRows
	switch {
	case p.deliveryTable != "":
		claimed, err := p.claim(ctx, pc, key)
		if err != nil {
			return pgRejects{}, err
		}
		if !claimed {
			p.putState(st, buf)
			return rej, nil
		}
	case tx:
		if _, err := pc.Exec(ctx, "BEGIN").ReadAll(); err != nil {
			return pgRejects{}, err
		}
	}
	for r := 0; r < rows; r += p.insertRows {
		end := min(r+p.insertRows, rows)
		params = params[:0]
		var seen map[string]int
		if len(p.keyCols) > 0 && p.cfg.OnConflict == "update" {
			seen = map[string]int{}
		}
		n := 0
		for i := r; i < end; i++ {
			tuple := buf[starts[i]:starts[i+1]]
			at := len(params)
			params = appendTupleFields(params, tuple)
			if seen != nil {
				// DO UPDATE cannot touch a row twice in one statement: keep
				// the last row of each key, like sequential upserts would.
				if k, ok := p.conflictKey(params[at:]); ok {
					if j, dup := seen[k]; dup {
						copy(params[j*ncol:], params[at:])
						params = params[:at]
						continue
					}
					seen[k] = n
				}
			}
			n++
		}
		sql.Reset()
		sql.WriteString(p.insertHead)
		for i := 0; i < n; i++ {
			if i > 0 {
				sql.WriteByte(',')
			}
			sql.WriteByte('(')
			for j := 0; j < ncol; j++ {
				if j > 0 {
					sql.WriteByte(',')
				}
				sql.WriteByte('$')
				sql.WriteString(strconv.Itoa(i*ncol + j + 1))
			}
			sql.WriteByte(')')
		}
		sql.WriteString(p.insertTail)
		k := n * ncol
		if _, err := pc.ExecParams(ctx, sql.String(), params, oids[:k], formats[:k], nil).Close(); err != nil {
			return pgRejects{}, err
		}
	}
	switch {
	case p.deliveryTable != "":
		if err := p.commit(ctx, pc, key, int64(rows)); err != nil {
			return pgRejects{}, err
		}
	case tx:
		tag, err := pc.Exec(ctx, "COMMIT").ReadAll()
		if err != nil {
			return pgRejects{}, err
		}
		if len(tag) != 1 || tag[0].CommandTag.String() != "COMMIT" {
			return pgRejects{}, errors.New("commit: the transaction was rolled back")
		}
	}
	p.putState(st, buf)
	return rej, nil
}

// conflictKey joins the encoded key fields of one row; ok is false when a key
// field is NULL (NULLs never conflict).
func (p *Postgres) conflictKey(row [][]byte) (key string, ok bool) {
	var b []byte
	for _, i := range p.keyCols {
		f := row[i]
		if f == nil {
			return "", false
		}
		b = append(b, byte(len(f)>>24), byte(len(f)>>16), byte(len(f)>>8), byte(len(f)))
		b = append(b, f...)
	}
	return string(b), true
}

// appendTupleFields splits one binary COPY tuple into its fields (nil = NULL).
func appendTupleFields(params [][]byte, t []byte) [][]byte {
	n := int(t[0])<<8 | int(t[1])
	t = t[2:]
	for i := 0; i < n; i++ {
		l := int(int32(uint32(t[0])<<24 | uint32(t[1])<<16 | uint32(t[2])<<8 | uint32(t[3])))
		t = t[4:]
		if l < 0 {
			params = append(params, nil)
			continue
		}
		params = append(params, t[:l:l])
		t = t[l:]
	}
	return params
}
