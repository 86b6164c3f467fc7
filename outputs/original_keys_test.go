package outputs

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// The original's clickhouse keys: dsn fills the connection settings left
// at their defaults and its query parameters become ClickHouse settings;
// tls_mode and pool_maxsize are checked.
func TestClickHouseOriginalKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, cfg, want string
	}{
		{"dsn scheme native", "{dsn: 'clickhouse+native://h:9000/db', table: t}", "native protocol"},
		{"dsn scheme unknown", "{dsn: 'ftp://h/db', table: t}", `unknown scheme "ftp"`},
		{"dsn not a URL", "{dsn: 'just words', table: t}", "dsn: expected a URL"},
		{"tls_mode", "{host: h, table: t, tls_mode: loose}", "tls_mode: must be one of mutual, proxy, strict"},
		{"pool_maxsize", "{host: h, table: t, pool_maxsize: 0}", "pool_maxsize: must be at least 1"},
		{"no host", "{table: t}", "host: required"},
		{"password not shown", "{dsn: 'clickhouse://u:hunter22@h:port/db', table: t}", `"clickhouse://u:xxxxx@h:port/db"`},
	} {
		_, err := build(t, "clickhouse", tc.cfg, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter22") {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestClickHouseDSN(t *testing.T) {
	t.Parallel()
	f, conn := startClickHouse(t)
	u, _ := url.Parse("http://" + strings.NewReplacer("host: ", "", ", port: ", ":").Replace(strings.Split(conn, ", username")[0]))
	for _, tc := range []struct {
		name, cfg string
	}{
		{"everything from the dsn", fmt.Sprintf("{dsn: 'clickhouse://writer:s3cret@%s/logs?max_insert_threads=2', table: events}", u.Host)},
		{"explicit settings win", fmt.Sprintf("{dsn: 'clickhouse://other:s3cret@%s/logs?max_insert_threads=2', host: %s, username: writer, table: events}", u.Host, u.Hostname())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := mustBuild(t, "clickhouse", tc.cfg, "")
			mustOpen(t, o)
			mustWrite(t, o, `{"a":1}`)
			mustClose(t, o)
		})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) != 2 || f.queries[0] != "INSERT INTO `logs`.`events` FORMAT JSONEachRow" {
		t.Fatalf("queries %q", f.queries)
	}
	ch := mustBuild(t, "clickhouse", fmt.Sprintf("{dsn: 'clickhouse://writer:s3cret@%s/logs?max_insert_threads=2', table: events, pool_maxsize: 5}", u.Host), "").(*ClickHouse)
	if !strings.Contains(ch.url, "max_insert_threads=2") || !strings.Contains(ch.url, "database=logs") {
		t.Errorf("url %s", ch.url)
	}
}

// The original's kafka keys: accepted at their defaults; what kafka-go
// cannot do is refused with the reason.
func TestKafkaOriginalKeys(t *testing.T) {
	t.Parallel()
	base := "bootstrap_servers: ['127.0.0.1:9092'], topic: t"
	for _, tc := range []struct {
		name, cfg, want string
	}{
		{"defaults accepted", "{" + base + ", enable_idempotence: false, transaction_timeout_ms: 60000, sasl_kerberos_service_name: kafka, sasl_kerberos_domain_name: example.org}", ""},
		{"idempotence", "{" + base + ", enable_idempotence: true}", "enable_idempotence: true is not supported: the Kafka client (kafka-go) has no idempotent producer"},
		{"transactions", "{" + base + ", transactional_id: tx-1}", "transactional_id: not supported: the Kafka client (kafka-go) has no transactional producer"},
		{"transaction timeout", "{" + base + ", transaction_timeout_ms: 0}", "transaction_timeout_ms: must be at least 1"},
	} {
		o, err := build(t, "kafka", tc.cfg, "")
		if o != nil {
			mustClose(t, o)
		}
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// With a client certificate over https, tls_mode mutual (the default)
// authenticates with the certificate; proxy and strict with the password.
func TestClickHouseTLSModeCertAuth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		protocol, cert, mode string
		want                 bool
	}{
		{"https", "c.pem", "", true},
		{"https", "c.pem", "mutual", true},
		{"https", "c.pem", "proxy", false},
		{"https", "c.pem", "strict", false},
		{"https", "", "mutual", false},
		{"http", "c.pem", "mutual", false},
	} {
		o := &ClickHouse{cfg: &ClickHouseConfig{Protocol: tc.protocol, TLSMode: tc.mode, TLSConfig: TLSConfig{ClientCert: tc.cert}}}
		if got := o.certAuth(); got != tc.want {
			t.Errorf("%+v: certAuth = %v", tc, got)
		}
	}
}
