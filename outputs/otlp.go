package outputs

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	grpcgzip "google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// OTLPConfig configures the otlp output: events as OpenTelemetry log records.
type OTLPConfig struct {
	Common
	// Endpoint is the collector's base URL; /v1/logs is appended for the
	// HTTP protocols unless the URL already ends with it.
	Endpoint           string            `yaml:"endpoint" required:"true" type:"URL (grpc: also host:port)" doc:"the collector's base URL ('http://host:4318', grpc 'host:4317'); '/v1/logs' is appended for the HTTP protocols unless present. gRPC uses TLS with an 'https://' endpoint or when 'ca_cert'/'client_cert' is set"`
	Protocol           string            `yaml:"protocol" default:"http/protobuf" enum:"http/protobuf,http/json,grpc" doc:"the OTLP transport"`
	Headers            map[string]string `yaml:"headers" doc:"HTTP headers or gRPC metadata sent with every export ('${secrets.x}' for tokens)"`
	Compression        string            `yaml:"compression" default:"gzip" enum:"gzip,none" doc:"request compression"`
	ResourceAttributes map[string]any    `yaml:"resource_attributes" doc:"attributes of every record's resource (values keep their YAML types; nested mappings become dotted names, so 'service.name: web' and 'service: {name: web}' both give 'service.name')"`
	// ResourceAttributesFrom names top-level event fields that become
	// resource attributes (and not record attributes); records are grouped
	// by resource.
	ResourceAttributesFrom []string        `yaml:"resource_attributes_from" type:"list of field names" doc:"event fields that become resource attributes instead of record attributes; records are grouped per resource"`
	ScopeName              string          `yaml:"scope_name" default:"eventum" doc:"the instrumentation scope's name"`
	ScopeVersion           string          `yaml:"scope_version" doc:"the instrumentation scope's version"`
	BodyField              string          `yaml:"body_field" type:"field name" absent:"the event text" doc:"the field of a JSON event that becomes the body, with its JSON type"`
	Attributes             string          `yaml:"attributes" default:"fields" enum:"fields,none" doc:"'fields': every top-level field of a JSON event is an attribute with its JSON type; 'none': no attributes"`
	ExcludeAttributes      []string        `yaml:"exclude_attributes" type:"list of field names" doc:"fields not copied into attributes"`
	SeverityTextField      string          `yaml:"severity_text_field" type:"field name" doc:"the field holding the severity text; the number is derived from it (INFO → 9)"`
	SeverityNumberField    string          `yaml:"severity_number_field" type:"field name" doc:"the field holding the severity number (1–24)"`
	SeverityText           string          `yaml:"severity_text" type:"TRACE … FATAL" doc:"severity of records without a severity field"`
	TimestampField         string          `yaml:"timestamp_field" type:"field name" absent:"the event's timestamp" doc:"the field holding the record time (RFC 3339 text or Unix seconds)"`
	TraceIDField           string          `yaml:"trace_id_field" type:"field name" doc:"the field holding a hex trace id (32 digits)"`
	SpanIDField            string          `yaml:"span_id_field" type:"field name" doc:"the field holding a hex span id (16 digits)"`
	EventNameField         string          `yaml:"event_name_field" type:"field name" doc:"the field holding the record's event name"`
	ConnectTimeout         config.Duration `yaml:"connect_timeout" default:"10" gt:"0" doc:"connecting and the TLS handshake"`
	RequestTimeout         config.Duration `yaml:"request_timeout" default:"30" gt:"0" doc:"one export"`
	TLSConfig
}

// Validate checks the settings.
func (c *OTLPConfig) Validate() error {
	if c.Protocol == "grpc" {
		if _, _, err := grpcTarget(c.Endpoint); err != nil {
			return fmt.Errorf("endpoint: %w", err)
		}
	} else if err := checkURL("endpoint", c.Endpoint); err != nil {
		return err
	}
	if c.SeverityText != "" && severityNumber(c.SeverityText) == plog.SeverityNumberUnspecified {
		return fmt.Errorf("severity_text: %q is not an OpenTelemetry severity (TRACE, DEBUG, INFO, WARN, ERROR, FATAL)", c.SeverityText)
	}
	for k, v := range c.ResourceAttributes {
		if err := putAttr(plog.NewLogRecord().Attributes(), k, v); err != nil {
			return fmt.Errorf("resource_attributes.%s: %w", k, err)
		}
	}
	return c.check()
}

// DefaultFormat implements DefaultFormatter: one event per record.
func (c *OTLPConfig) DefaultFormat() string { return "plain" }

func init() {
	plugin.Register(Registry, "otlp", func() *OTLPConfig { return &OTLPConfig{} }, newOTLP)
}

// OTLP exports events as OpenTelemetry log records: one export request per
// Write (a batch), records grouped per resource.
//
// A Write is one attempt. An export refused with a retryable status (HTTP
// 429, 502, 503, 504; gRPC Unavailable, ResourceExhausted with retry info,
// Aborted, DeadlineExceeded…) or a network error is retried by the pipeline,
// no sooner than the server's Retry-After / RetryInfo; other refusals are
// Permanent. Records a partial-success answer reports as rejected count as
// write_failed and are not re-sent.
type OTLP struct {
	cfg      *OTLPConfig
	endpoint string // redacted, for messages
	url      string // HTTP export URL
	header   http.Header
	client   *http.Client
	conn     *grpc.ClientConn
	grpc     plogotlp.GRPCClient
	md       metadata.MD
	now      func() time.Time
	bufs     sync.Pool // *bytes.Buffer for request bodies
	// resource is resource_attributes with nested mappings flattened to
	// dotted names (see flattenAttrs).
	resource map[string]any
}

// flattenAttrs turns nested mappings into dotted attribute names:
// {service: {name: web}} becomes {service.name: web}. Resource attributes
// are standard OpenTelemetry attributes, whose values are primitives or
// arrays, never maps; and eventum's config loader nests a plain dotted key
// (`service.name: web` is read as `service: {name: web}`), so this gives
// back the name the user wrote.
func flattenAttrs(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
				walk(prefix+k+".", sub)
				continue
			}
			out[prefix+k] = v
		}
	}
	walk("", m)
	return out
}

func newOTLP(c *OTLPConfig, env *plugin.Env) (Output, error) {
	tlsCfg, err := c.tlsConfig(env)
	if err != nil {
		return nil, err
	}
	o := &OTLP{cfg: c, endpoint: redactURL(c.Endpoint), now: time.Now, resource: flattenAttrs(c.ResourceAttributes)}
	o.bufs.New = func() any { return new(bytes.Buffer) }
	if c.Protocol == "grpc" {
		target, secure, _ := grpcTarget(c.Endpoint)
		creds := insecure.NewCredentials()
		if secure || c.CACert != "" || c.ClientCert != "" {
			creds = credentials.NewTLS(tlsCfg)
		}
		opts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
		if c.Compression == "gzip" {
			opts = append(opts, grpc.WithDefaultCallOptions(grpc.UseCompressor(grpcgzip.Name)))
		}
		conn, err := grpc.NewClient(target, opts...)
		if err != nil {
			return nil, fmt.Errorf("otlp output: endpoint %s: %w", o.endpoint, err)
		}
		o.conn, o.grpc = conn, plogotlp.NewGRPCClient(conn)
		o.md = metadata.MD{}
		for k, v := range c.Headers {
			o.md.Set(k, v)
		}
		return o, nil
	}
	o.client, err = newHTTPClient(c.ConnectTimeout.D(), c.RequestTimeout.D(), tlsCfg, "")
	if err != nil {
		return nil, err
	}
	o.url = strings.TrimRight(c.Endpoint, "/")
	if !strings.HasSuffix(o.url, "/v1/logs") {
		o.url += "/v1/logs"
	}
	o.header = http.Header{}
	for k, v := range c.Headers {
		o.header.Set(k, v)
	}
	if c.Protocol == "http/json" {
		o.header.Set("Content-Type", "application/json")
	} else {
		o.header.Set("Content-Type", "application/x-protobuf")
	}
	if c.Compression == "gzip" {
		o.header.Set("Content-Encoding", "gzip")
	}
	return o, nil
}

// grpcTarget turns an endpoint (host:port, or a URL) into a gRPC target and
// whether it asks for TLS (https://).
func grpcTarget(endpoint string) (target string, secure bool, err error) {
	if strings.Contains(endpoint, "://") {
		u, err := url.Parse(endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return "", false, fmt.Errorf("expected host:port or an http(s):// URL, got %q", redactURL(endpoint))
		}
		return u.Host, u.Scheme == "https", nil
	}
	if _, _, ok := strings.Cut(endpoint, ":"); !ok || endpoint == "" {
		return "", false, fmt.Errorf("expected host:port or an http(s):// URL, got %q", endpoint)
	}
	return endpoint, false, nil
}

// Open implements Output. Connections are made at the first export.
func (o *OTLP) Open(context.Context) error { return nil }

// ConcurrentWrites implements Concurrent: exports are independent requests.
func (o *OTLP) ConcurrentWrites() bool { return true }

// Write implements Output: the payloads become one export request.
func (o *OTLP) Write(ctx context.Context, payloads []string) (int, error) {
	if len(payloads) == 0 {
		return 0, nil
	}
	logs := o.records(payloads, AttemptFrom(ctx).Timestamps)
	req := plogotlp.NewExportRequestFromLogs(logs)
	var rejected int64
	var msg string
	var err error
	if o.grpc != nil {
		rejected, msg, err = o.exportGRPC(ctx, req)
	} else {
		rejected, msg, err = o.exportHTTP(ctx, req)
	}
	if err != nil {
		return 0, fmt.Errorf("otlp output: export to %s: %w", o.endpoint, err)
	}
	if rejected > 0 {
		n := int(min(rejected, int64(len(payloads))))
		if msg == "" {
			msg = "no reason given"
		}
		return len(payloads), &RejectedError{N: n, Sink: true,
			First: fmt.Errorf("otlp output: the collector rejected %d of %d log records: %s", rejected, len(payloads), msg)}
	}
	return len(payloads), nil
}

func (o *OTLP) exportHTTP(ctx context.Context, req plogotlp.ExportRequest) (rejected int64, msg string, err error) {
	var body []byte
	if o.cfg.Protocol == "http/json" {
		body, err = req.MarshalJSON()
	} else {
		body, err = req.MarshalProto()
	}
	if err != nil {
		return 0, "", Permanent(err)
	}
	buf := o.bufs.Get().(*bytes.Buffer)
	defer o.bufs.Put(buf)
	buf.Reset()
	if o.cfg.Compression == "gzip" {
		zw := gzip.NewWriter(buf)
		_, _ = zw.Write(body)
		if err := zw.Close(); err != nil {
			return 0, "", Permanent(err)
		}
	} else {
		buf.Write(body)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url, bytes.NewReader(buf.Bytes()))
	if err != nil {
		return 0, "", Permanent(err)
	}
	copyHeader(hreq.Header, o.header)
	resp, err := o.client.Do(hreq)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, "", classify(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		answer := plogotlp.NewExportResponse()
		if len(data) > 0 {
			if strings.Contains(resp.Header.Get("Content-Type"), "json") {
				_ = answer.UnmarshalJSON(data)
			} else {
				_ = answer.UnmarshalProto(data)
			}
		}
		ps := answer.PartialSuccess()
		return ps.RejectedLogRecords(), ps.ErrorMessage(), nil
	}
	text := readPrefix(resp.Body)
	err = fmt.Errorf("status %d: %s", resp.StatusCode, text)
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return 0, "", RetryAfter(err, retryAfterHeader(resp.Header.Get("Retry-After"), o.now()))
	}
	return 0, "", Permanent(err)
}

// retryAfterHeader parses a Retry-After value (seconds or an HTTP date).
func retryAfterHeader(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func (o *OTLP) exportGRPC(ctx context.Context, req plogotlp.ExportRequest) (rejected int64, msg string, err error) {
	if len(o.md) > 0 {
		ctx = metadata.NewOutgoingContext(ctx, o.md)
	}
	resp, err := o.grpc.Export(ctx, req)
	if err == nil {
		ps := resp.PartialSuccess()
		return ps.RejectedLogRecords(), ps.ErrorMessage(), nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return 0, "", err
	}
	var delay time.Duration
	hasInfo := false
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.RetryDelay != nil {
			delay, hasInfo = ri.RetryDelay.AsDuration(), true
		}
	}
	err = fmt.Errorf("%s: %s", st.Code(), st.Message())
	switch st.Code() {
	case codes.Canceled, codes.DeadlineExceeded, codes.Aborted, codes.OutOfRange, codes.Unavailable, codes.DataLoss:
		return 0, "", RetryAfter(err, delay)
	case codes.ResourceExhausted:
		// The spec: retryable only when the server says when.
		if hasInfo {
			return 0, "", RetryAfter(err, delay)
		}
	}
	return 0, "", Permanent(err)
}

// Close implements Output.
func (o *OTLP) Close(context.Context) error {
	if o.conn != nil {
		return o.conn.Close()
	}
	o.client.CloseIdleConnections()
	return nil
}
