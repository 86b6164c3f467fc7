package outputs

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// ClickHouseConfig configures the clickhouse output.
type ClickHouseConfig struct {
	Common
	// Host of the ClickHouse server (required, unless dsn names it).
	Host string `yaml:"host" doc:"server host (required unless 'dsn' names it)"`
	// Port of its HTTP interface (default 8123).
	Port int `yaml:"port" default:"8123" min:"1" max:"65535" doc:"HTTP(S) port"`
	// Protocol is http (default) or https.
	Protocol string `yaml:"protocol" default:"http" enum:"http,https" doc:"scheme"`
	// Database and Table receive the rows (database default "default"; table required).
	Database string `yaml:"database" default:"default" doc:"database"`
	Table    string `yaml:"table" required:"true" doc:"table"`
	// Username (default "default") and Password authenticate.
	Username string `yaml:"username" default:"default" doc:"user"`
	Password string `yaml:"password" doc:"password"`
	// ConnectTimeout and RequestTimeout in seconds (defaults 10 and 300).
	ConnectTimeout config.Duration `yaml:"connect_timeout" default:"10" gt:"0" doc:"connecting and the TLS handshake"`
	RequestTimeout config.Duration `yaml:"request_timeout" default:"300" gt:"0" doc:"one insert"`
	// ClientName is put in front of the User-Agent (shows in the query log).
	ClientName string `yaml:"client_name" doc:"put in front of the User-Agent (visible in 'system.query_log')"`
	// ServerHostName is the name expected in the server's certificate when it
	// differs from host (a proxy or tunnel).
	ServerHostName string `yaml:"server_host_name" doc:"name expected in the server certificate when it differs from 'host'"`
	// ProxyURL sends the requests through an HTTP(S) proxy.
	ProxyURL string `yaml:"proxy_url" type:"URL" absent:"'HTTP(S)_PROXY' environment" doc:"proxy"`
	// InputFormat is the ClickHouse input format of the body (default JSONEachRow).
	InputFormat string `yaml:"input_format" default:"JSONEachRow" doc:"[ClickHouse input format](https://clickhouse.com/docs/en/interfaces/formats) of the body"`
	// Header and Footer wrap the body; Separator goes between payloads (default "\n").
	Header    string `yaml:"header" doc:"written before the payloads"`
	Footer    string `yaml:"footer" doc:"written after the payloads"`
	Separator string `yaml:"separator" default:"\"\\n\"" doc:"between payloads"`
	// DeduplicationToken sends every insert with the query setting
	// insert_deduplication_token, the same on each re-send of a batch
	// (default true; dropped by itself for servers that do not know it).
	DeduplicationToken bool `yaml:"deduplication_token" default:"true" doc:"send 'insert_deduplication_token' with each insert (left out by itself for servers before 22.2)"`
	TLSConfig

	// DSN (the original's `dsn`), e.g. clickhouse://user:pw@host:8123/db,
	// fills host, port, protocol, database, username and password where
	// those are left at their defaults; its query parameters are sent as
	// ClickHouse settings. Only the HTTP interface is spoken: a
	// clickhouse+native DSN is refused.
	DSN string `yaml:"dsn" type:"URL" doc:"the original's DSN, 'clickhouse://user:password@host:8123/database?setting=value' ('clickhouses://' or 'https://' for HTTPS): fills 'host', 'port', 'protocol', 'database', 'username' and 'password' where those are left at their defaults (a key you set wins); query parameters are sent as ClickHouse settings. 'clickhouse+native://' is refused: this output speaks the HTTP interface"`
	// TLSMode is the original's tls_mode: with a client certificate,
	// mutual (the default) authenticates with the certificate
	// (X-ClickHouse-SSL-Certificate-Auth, no password); proxy and strict
	// send the certificate in TLS but authenticate with the password.
	TLSMode string `yaml:"tls_mode" enum:"mutual,proxy,strict" absent:"'mutual'" doc:"with a client certificate: 'mutual' authenticates with the certificate (no password); 'proxy' and 'strict' send it in TLS but authenticate with the password"`
	// PoolMaxsize is the number of connections kept open for reuse
	// (default 32, as the original's connection pool); how many inserts
	// run at once is max_concurrency.
	PoolMaxsize int `yaml:"pool_maxsize" default:"32" min:"1" doc:"connections kept open for reuse; how many inserts run at once is 'max_concurrency'"`
}

var formatNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)

// Validate checks the settings.
func (c *ClickHouseConfig) Validate() error {
	if c.Host == "" && c.DSN == "" {
		return errors.New("host: required (or give a dsn naming it)")
	}
	c, _, err := c.withDSN()
	if err != nil {
		return err
	}
	if err := checkHostPort(c.Host, c.Port); err != nil {
		return err
	}
	if c.Database == "" || c.Table == "" {
		return fmt.Errorf("database and table must not be empty")
	}
	if !formatNameRE.MatchString(c.InputFormat) {
		return fmt.Errorf("input_format: %q is not a ClickHouse format name", c.InputFormat)
	}
	return c.check()
}

// DefaultFormat implements DefaultFormatter: one JSON object per line.
func (c *ClickHouseConfig) DefaultFormat() string { return "json" }

func init() {
	plugin.Register(Registry, "clickhouse",
		func() *ClickHouseConfig { return &ClickHouseConfig{TLSConfig: TLSConfig{Verify: true}} },
		newClickHouse)
}

// quoteIdent quotes a ClickHouse identifier with backquotes.
func quoteIdent(s string) string {
	return "`" + strings.NewReplacer(`\`, `\\`, "`", "\\`").Replace(s) + "`"
}

// ClickHouse inserts each write as one `INSERT INTO db.table FORMAT X`
// through the HTTP interface, the body being header + payloads joined by
// separator + footer. An insert is all or nothing and a Write is one
// attempt: network errors, timeouts, the transient server exceptions
// (transientClickHouseCodes) and, without an exception code, 5xx, 408 and
// 429 leave the whole write to the pipeline's retry; anything else is
// Permanent.
//
// Each insert carries insert_deduplication_token = run id, batch number
// and offset, the same on every re-send of the batch, so that tables that
// deduplicate inserts (replicated ones, or with
// non_replicated_deduplication_window) keep one copy of a batch whose
// first insert landed but whose answer was lost. A server that does not
// know the setting (before 22.2) refuses it with exception 115
// (UNKNOWN_SETTING): the output then stops sending it, logs that once and
// sends the insert again without it.
type ClickHouse struct {
	cfg     *ClickHouseConfig
	url     string
	agent   string
	client  *http.Client
	bufs    sync.Pool
	runID   string
	noToken atomic.Bool // the server does not know insert_deduplication_token
	direct  atomic.Uint64
	log     *slog.Logger
}

// withDSN returns the settings with the DSN's values filling those left at
// their defaults, and the DSN's query parameters (ClickHouse settings).
// c itself is not changed.
func (c *ClickHouseConfig) withDSN() (*ClickHouseConfig, url.Values, error) {
	if c.DSN == "" {
		return c, nil, nil
	}
	u, err := url.Parse(c.DSN)
	if err != nil || u.Host == "" {
		return nil, nil, fmt.Errorf("dsn: expected a URL such as clickhouse://user:password@host:8123/database, got %q", redactURL(c.DSN))
	}
	out := *c
	switch u.Scheme {
	case "clickhouse", "clickhouse+http", "http":
	case "clickhouses", "clickhouse+https", "https":
		if out.Protocol == "http" {
			out.Protocol = "https"
		}
	case "clickhouse+native", "clickhouse+asynch":
		return nil, nil, fmt.Errorf("dsn: the scheme %s is ClickHouse's native protocol; this output speaks the HTTP interface: use clickhouse:// (http) or clickhouses:// (https) with the HTTP port", u.Scheme)
	default:
		return nil, nil, fmt.Errorf("dsn: unknown scheme %q (expected clickhouse, clickhouses, http or https)", u.Scheme)
	}
	if out.Host == "" {
		out.Host = u.Hostname()
	}
	if p := u.Port(); p != "" && out.Port == 8123 {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, nil, fmt.Errorf("dsn: bad port %q", p)
		}
		out.Port = n
	}
	if db := strings.Trim(u.Path, "/"); db != "" && out.Database == "default" {
		out.Database = strings.SplitN(db, "/", 2)[0]
	}
	if name := u.User.Username(); name != "" && out.Username == "default" {
		out.Username = name
	}
	if pw, ok := u.User.Password(); ok && out.Password == "" {
		out.Password = pw
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, nil, fmt.Errorf("dsn: bad query: %w", err)
	}
	return &out, q, nil
}

func newClickHouse(c *ClickHouseConfig, env *plugin.Env) (Output, error) {
	c, settings, err := c.withDSN()
	if err != nil {
		return nil, err
	}
	var tlsCfg *tls.Config
	if c.Protocol == "https" {
		t, err := c.tlsConfig(env)
		if err != nil {
			return nil, err
		}
		if c.ServerHostName != "" {
			t.ServerName = c.ServerHostName
		}
		tlsCfg = t
	}
	client, err := newHTTPClient(c.ConnectTimeout.D(), c.RequestTimeout.D(), tlsCfg, c.ProxyURL)
	if err != nil {
		return nil, err
	}
	if tr, ok := client.Transport.(*http.Transport); ok {
		tr.MaxIdleConnsPerHost = c.PoolMaxsize
	}
	q := url.Values{}
	for k, v := range settings {
		q[k] = v
	}
	q.Set("database", c.Database)
	q.Set("query", fmt.Sprintf("INSERT INTO %s.%s FORMAT %s", quoteIdent(c.Database), quoteIdent(c.Table), c.InputFormat))
	u := url.URL{Scheme: c.Protocol, Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), Path: "/", RawQuery: q.Encode()}
	agent := "eventum"
	if c.ClientName != "" {
		agent = c.ClientName + " " + agent
	}
	return &ClickHouse{cfg: c, url: u.String(), agent: agent, client: client, runID: newRunID(), log: envLog(env)}, nil
}

// Open implements Output. No connection is made until the first write.
func (o *ClickHouse) Open(context.Context) error { return nil }

// ConcurrentWrites implements Concurrent.
func (o *ClickHouse) ConcurrentWrites() bool { return true }

// Write implements Output.
func (o *ClickHouse) Write(ctx context.Context, payloads []string) (int, error) {
	if len(payloads) == 0 {
		return 0, nil
	}
	buf, _ := o.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() { buf.Reset(); o.bufs.Put(buf) }()
	buf.WriteString(o.cfg.Header)
	for i, p := range payloads {
		if i > 0 {
			buf.WriteString(o.cfg.Separator)
		}
		buf.WriteString(p)
	}
	buf.WriteString(o.cfg.Footer)
	body := buf.Bytes()
	token := ""
	if o.cfg.DeduplicationToken && !o.noToken.Load() {
		token = o.token(AttemptFrom(ctx), len(payloads))
	}
	err := o.insert(ctx, body, token)
	if token != "" && unknownTokenSetting(err) {
		if o.noToken.CompareAndSwap(false, true) {
			o.log.Warn("clickhouse output: the server does not know insert_deduplication_token (ClickHouse before 22.2): inserts go without it, a batch whose answer was lost may be inserted twice")
		}
		err = o.insert(ctx, body, "") // the refused insert inserted nothing
	}
	if err != nil {
		return 0, fmt.Errorf("clickhouse output: insert into %s.%s: %w", o.cfg.Database, o.cfg.Table, err)
	}
	return len(payloads), nil
}

// token is the insert_deduplication_token of a write of n payloads: the same
// for every attempt of the write, different for every other write.
func (o *ClickHouse) token(a Attempt, n int) string {
	batch := "b" + strconv.FormatUint(a.Batch, 10)
	if a.Batch == 0 { // a write outside the pipeline
		batch = "d" + strconv.FormatUint(o.direct.Add(1), 10)
	}
	return o.runID + "-" + batch + "-" + strconv.Itoa(a.Offset) + "-" + strconv.Itoa(n)
}

// unknownTokenSetting reports whether err is the server refusing the
// insert_deduplication_token setting (exception 115, UNKNOWN_SETTING).
func unknownTokenSetting(err error) bool {
	var ce *clickHouseError
	return errors.As(err, &ce) && ce.code == 115 && strings.Contains(ce.text, "insert_deduplication_token")
}

// clickHouseError is an exception the server answered with.
type clickHouseError struct {
	status, code int
	text         string
}

func (e *clickHouseError) Error() string { return fmt.Sprintf("status %d: %s", e.status, e.text) }

func (o *ClickHouse) insert(ctx context.Context, body []byte, token string) error {
	u := o.url
	if token != "" {
		u += "&insert_deduplication_token=" + token // base 36, digits and '-': nothing to escape
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("X-ClickHouse-User", o.cfg.Username)
	if o.certAuth() {
		req.Header.Set("X-ClickHouse-SSL-Certificate-Auth", "on")
	} else if o.cfg.Password != "" {
		req.Header.Set("X-ClickHouse-Key", o.cfg.Password)
	}
	req.Header.Set("User-Agent", o.agent)
	resp, err := o.client.Do(req)
	if err != nil {
		var ue *url.Error // it repeats the URL: the caller names the table
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return classify(err)
	}
	defer resp.Body.Close()
	text := readPrefix(resp.Body)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("status %d: %s", resp.StatusCode, strings.TrimSpace(text))
	if code, ok := clickHouseExceptionCode(resp.Header, text); ok {
		err = &clickHouseError{status: resp.StatusCode, code: code, text: strings.TrimSpace(text)}
		if transientClickHouseCodes[code] {
			return err
		}
		return Permanent(err)
	}
	if retryableStatus(resp.StatusCode) {
		return err
	}
	return Permanent(err)
}

// clickHouseExceptionCode is the server exception code of a failed request:
// from the X-ClickHouse-Exception-Code header, or, from servers that do not
// send it (before 19.x), from the body's leading "Code: N".
func clickHouseExceptionCode(h http.Header, body string) (int, bool) {
	if code := h.Get("X-ClickHouse-Exception-Code"); code != "" {
		n, err := strconv.Atoi(code)
		return n, err == nil
	}
	if m := exceptionCodeRE.FindStringSubmatch(body); m != nil {
		n, err := strconv.Atoi(m[1])
		return n, err == nil
	}
	return 0, false
}

var exceptionCodeRE = regexp.MustCompile(`^\s*Code: (\d+)[.,]`)

// transientClickHouseCodes are the server exception codes worth retrying
// (timeouts, overload, replication and keeper trouble); other exceptions
// (syntax, unknown table, unparsable row) fail at once even though
// ClickHouse answers many of them with a 500.
var transientClickHouseCodes = map[int]bool{
	159: true, // TIMEOUT_EXCEEDED
	202: true, // TOO_MANY_SIMULTANEOUS_QUERIES
	203: true, // NO_FREE_CONNECTION
	209: true, // SOCKET_TIMEOUT
	210: true, // NETWORK_ERROR
	241: true, // MEMORY_LIMIT_EXCEEDED
	242: true, // TABLE_IS_READ_ONLY
	252: true, // TOO_MANY_PARTS
	999: true, // KEEPER_EXCEPTION
}

// Close implements Output.
func (o *ClickHouse) Close(context.Context) error {
	o.client.CloseIdleConnections()
	return nil
}

// certAuth reports whether inserts authenticate with the client
// certificate (tls_mode mutual, the default when one is configured).
func (o *ClickHouse) certAuth() bool {
	c := o.cfg
	return c.Protocol == "https" && c.ClientCert != "" && (c.TLSMode == "" || c.TLSMode == "mutual")
}
