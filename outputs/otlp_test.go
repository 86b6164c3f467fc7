package outputs

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// otlpReceiver is a real OTLP/HTTP logs endpoint on a loopback listener:
// it decodes every export (protobuf or JSON, gzip or not) and keeps it.
// answer, when set, decides the response to each request (nil: 200).
type otlpReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	exports []plog.Logs
	headers []http.Header
	answer  func(n int, w http.ResponseWriter) bool // true: answered
	calls   int
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	r := &otlpReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *otlpReceiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/v1/logs" || req.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	r.mu.Lock()
	r.calls++
	n, answer := r.calls, r.answer
	r.mu.Unlock()
	if answer != nil && answer(n, w) {
		return
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	data, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	exp := plogotlp.NewExportRequest()
	if req.Header.Get("Content-Type") == "application/json" {
		err = exp.UnmarshalJSON(data)
	} else {
		err = exp.UnmarshalProto(data)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.exports = append(r.exports, exp.Logs())
	r.headers = append(r.headers, req.Header.Clone())
	r.mu.Unlock()
	resp, _ := plogotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

// records returns every record received, in order, with its resource.
func (r *otlpReceiver) records() (recs []plog.LogRecord, res []pcommon.Map) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return flatten(r.exports)
}

func flatten(exports []plog.Logs) (recs []plog.LogRecord, res []pcommon.Map) {
	for _, l := range exports {
		for i := 0; i < l.ResourceLogs().Len(); i++ {
			rl := l.ResourceLogs().At(i)
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				lr := rl.ScopeLogs().At(j).LogRecords()
				for k := 0; k < lr.Len(); k++ {
					recs = append(recs, lr.At(k))
					res = append(res, rl.Resource().Attributes())
				}
			}
		}
	}
	return recs, res
}

func TestOTLPRecordsOverHTTP(t *testing.T) {
	for _, proto := range []string{"http/protobuf", "http/json"} {
		for _, comp := range []string{"gzip", "none"} {
			t.Run(proto+"/"+comp, func(t *testing.T) {
				rcv := newOTLPReceiver(t)
				o := mustBuild(t, "otlp", fmt.Sprintf(`
endpoint: %s
protocol: %s
compression: %s
headers: {X-Tenant: acme}
resource_attributes: {service.name: web, deployment: {env: test}, replicas: 3}
resource_attributes_from: [host]
severity_text_field: level
trace_id_field: trace_id
span_id_field: span_id
`, rcv.URL, proto, comp), t.TempDir())
				mustOpen(t, o)
				payloads := []string{
					`{"host": "a", "level": "warn", "n": 42, "ratio": 0.5, "big": 1e3, "ok": true, "tags": ["x", 1], "user": {"id": 7, "name": "bo"}, "none": null, "trace_id": "0102030405060708090a0b0c0d0e0f10", "span_id": "0102030405060708"}`,
					`{"host": "b", "msg": "second"}`,
					`plain text line`,
					`{"host": "a", "msg": "third"}`,
				}
				stamps := []int64{1_700_000_000_123_456_789, 1_700_000_001e9, 1_700_000_002e9, 1_700_000_003e9}
				ctx := WithAttempt(context.Background(), Attempt{Batch: 1, N: 1, Timestamps: stamps})
				if n, err := o.Write(ctx, payloads); n != len(payloads) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
				mustClose(t, o)
				if len(rcv.exports) != 1 {
					t.Fatalf("%d export requests, want 1 per Write", len(rcv.exports))
				}
				if got := rcv.headers[0].Get("X-Tenant"); got != "acme" {
					t.Errorf("header X-Tenant = %q", got)
				}
				// Grouped per resource: host a (2 records), host b, and no host.
				if got := rcv.exports[0].ResourceLogs().Len(); got != 3 {
					t.Errorf("%d resources, want 3", got)
				}
				recs, res := rcv.records()
				if len(recs) != 4 {
					t.Fatalf("%d records, want 4", len(recs))
				}
				byBody := map[string]int{}
				for i, r := range recs {
					byBody[r.Body().AsString()] = i
					if svc, _ := res[i].Get("service.name"); svc.Str() != "web" {
						t.Errorf("record %d: resource service.name = %q", i, svc.AsString())
					}
				}
				first := recs[byBody[payloads[0]]]
				if first.Timestamp() != pcommon.Timestamp(stamps[0]) {
					t.Errorf("timestamp %d, want the event's %d", first.Timestamp(), stamps[0])
				}
				if first.ObservedTimestamp() == 0 {
					t.Error("no observed timestamp")
				}
				if first.SeverityText() != "warn" || first.SeverityNumber() != plog.SeverityNumberWarn {
					t.Errorf("severity %q/%v", first.SeverityText(), first.SeverityNumber())
				}
				if first.TraceID().String() != "0102030405060708090a0b0c0d0e0f10" || first.SpanID().String() != "0102030405060708" {
					t.Errorf("trace/span %s/%s", first.TraceID(), first.SpanID())
				}
				a := first.Attributes()
				for key, want := range map[string]pcommon.ValueType{
					"n": pcommon.ValueTypeInt, "ratio": pcommon.ValueTypeDouble, "big": pcommon.ValueTypeDouble,
					"ok": pcommon.ValueTypeBool, "tags": pcommon.ValueTypeSlice, "user": pcommon.ValueTypeMap,
					"none": pcommon.ValueTypeEmpty, "level": pcommon.ValueTypeStr,
				} {
					v, ok := a.Get(key)
					if !ok || v.Type() != want {
						t.Errorf("attribute %s: %v (present %v), want type %v", key, v.Type(), ok, want)
					}
				}
				if v, _ := a.Get("n"); v.Int() != 42 {
					t.Errorf("n = %v", v.AsRaw())
				}
				if _, ok := a.Get("host"); ok {
					t.Error("host is a resource attribute: it must not be a record attribute too")
				}
				if v, _ := a.Get("user"); v.Map().AsRaw()["name"] != "bo" {
					t.Errorf("user = %v", v.AsRaw())
				}
				plain := recs[byBody["plain text line"]]
				if plain.Attributes().Len() != 0 || plain.Timestamp() != pcommon.Timestamp(stamps[2]) {
					t.Errorf("plain line: %d attributes, time %d", plain.Attributes().Len(), plain.Timestamp())
				}
				if host, ok := res[byBody["plain text line"]].Get("host"); ok {
					t.Errorf("plain line got resource host %q", host.AsString())
				}
			})
		}
	}
}

func TestOTLPBodyFieldAndTimestampField(t *testing.T) {
	rcv := newOTLPReceiver(t)
	o := mustBuild(t, "otlp", fmt.Sprintf(`
endpoint: %s
body_field: message
timestamp_field: ts
attributes: fields
exclude_attributes: [secret]
severity_text: INFO
`, rcv.URL), t.TempDir())
	mustWrite(t, o, `{"message": {"k": [1, 2]}, "ts": "2026-11-27T10:00:00.5Z", "secret": "x", "a": 1}`)
	recs, _ := rcv.records()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r.Body().Type() != pcommon.ValueTypeMap || fmt.Sprint(r.Body().AsRaw()) != "map[k:[1 2]]" {
		t.Errorf("body %v (%v)", r.Body().AsRaw(), r.Body().Type())
	}
	if want := time.Date(2026, 11, 27, 10, 0, 0, 5e8, time.UTC); r.Timestamp().AsTime() != want {
		t.Errorf("timestamp %v, want %v", r.Timestamp().AsTime(), want)
	}
	if _, ok := r.Attributes().Get("secret"); ok {
		t.Error("excluded attribute sent")
	}
	if _, ok := r.Attributes().Get("message"); ok {
		t.Error("the body field is also an attribute")
	}
	if r.SeverityNumber() != plog.SeverityNumberInfo {
		t.Errorf("severity %v", r.SeverityNumber())
	}
}

func TestOTLPHTTPFailures(t *testing.T) {
	cases := []struct {
		name      string
		answer    func(w http.ResponseWriter)
		permanent bool
		delay     time.Duration
		rejected  int
	}{
		{"503 with Retry-After", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusServiceUnavailable)
		}, false, 7 * time.Second, 0},
		{"429", func(w http.ResponseWriter) { w.WriteHeader(http.StatusTooManyRequests) }, false, 0, 0},
		{"502", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, false, 0, 0},
		{"400 is permanent", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadRequest) }, true, 0, 0},
		{"500 is permanent (OTLP spec)", func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }, true, 0, 0},
		{"partial success", func(w http.ResponseWriter) {
			resp := plogotlp.NewExportResponse()
			resp.PartialSuccess().SetRejectedLogRecords(2)
			resp.PartialSuccess().SetErrorMessage("too old")
			b, _ := resp.MarshalProto()
			w.Header().Set("Content-Type", "application/x-protobuf")
			_, _ = w.Write(b)
		}, false, 0, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rcv := newOTLPReceiver(t)
			rcv.answer = func(_ int, w http.ResponseWriter) bool { tc.answer(w); return true }
			o := mustBuild(t, "otlp", "endpoint: "+rcv.URL, t.TempDir())
			n, err := o.Write(context.Background(), []string{"a", "b", "c"})
			if tc.rejected > 0 {
				if n != 3 || RefusedBySink(err) != tc.rejected || Rejected(err) != tc.rejected || !strings.Contains(err.Error(), "too old") {
					t.Fatalf("Write = %d, %v; want 3 settled, %d refused by the sink", n, err, tc.rejected)
				}
				return
			}
			if n != 0 || err == nil {
				t.Fatalf("Write = %d, %v; want 0 and an error", n, err)
			}
			if IsPermanent(err) != tc.permanent {
				t.Errorf("permanent = %v, want %v (%v)", IsPermanent(err), tc.permanent, err)
			}
			if got := RetryDelay(err); got != tc.delay {
				t.Errorf("retry delay %v, want %v", got, tc.delay)
			}
		})
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "3": 3 * time.Second, "-1": 0, "soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		if got := retryAfterHeader(in, now); got != want {
			t.Errorf("Retry-After %q: %v, want %v", in, got, want)
		}
	}
}

// grpcLogs is a real OTLP/gRPC logs service on a loopback listener.
type grpcLogs struct {
	plogotlp.UnimplementedGRPCServer
	mu      sync.Mutex
	exports []plog.Logs
	md      []metadata.MD
	fail    error // returned (once) instead of accepting
}

func (s *grpcLogs) Export(ctx context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail; err != nil {
		s.fail = nil
		return plogotlp.NewExportResponse(), err
	}
	logs := plog.NewLogs()
	req.Logs().CopyTo(logs)
	s.exports = append(s.exports, logs)
	md, _ := metadata.FromIncomingContext(ctx)
	s.md = append(s.md, md)
	return plogotlp.NewExportResponse(), nil
}

func TestOTLPGRPC(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	svc := &grpcLogs{}
	plogotlp.RegisterGRPCServer(srv, svc)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)

	for _, endpoint := range []string{ln.Addr().String(), "http://" + ln.Addr().String()} {
		o := mustBuild(t, "otlp", fmt.Sprintf("endpoint: %s\nprotocol: grpc\nheaders: {x-tenant: acme}", endpoint), t.TempDir())
		mustOpen(t, o)
		mustWrite(t, o, `{"a": 1}`, `{"a": 2}`)

		retry := status.New(codes.Unavailable, "overloaded")
		retry, _ = retry.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(3 * time.Second)})
		for _, tc := range []struct {
			err       error
			permanent bool
			delay     time.Duration
		}{
			{retry.Err(), false, 3 * time.Second},
			{status.Error(codes.Unavailable, "down"), false, 0},
			{status.Error(codes.ResourceExhausted, "no retry info"), true, 0},
			{status.Error(codes.InvalidArgument, "bad"), true, 0},
		} {
			svc.mu.Lock()
			svc.fail = tc.err
			svc.mu.Unlock()
			n, err := o.Write(context.Background(), []string{"x"})
			if n != 0 || err == nil || IsPermanent(err) != tc.permanent || RetryDelay(err) != tc.delay {
				t.Errorf("%v: Write = %d, %v (permanent %v, delay %v); want permanent %v, delay %v",
					tc.err, n, err, IsPermanent(err), RetryDelay(err), tc.permanent, tc.delay)
			}
		}
		mustClose(t, o)
	}
	svc.mu.Lock()
	defer svc.mu.Unlock()
	recs, _ := flatten(svc.exports)
	if len(recs) != 4 {
		t.Fatalf("%d records over gRPC, want 4", len(recs))
	}
	if v, _ := recs[1].Attributes().Get("a"); v.Int() != 2 {
		t.Errorf("record 2: a = %v", v.AsRaw())
	}
	if got := svc.md[0].Get("x-tenant"); len(got) != 1 || got[0] != "acme" {
		t.Errorf("metadata x-tenant = %q", got)
	}
}

func TestOTLPConfig(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"endpoint: http://127.0.0.1:4318\nprotocol: thrift", "protocol: must be one of"},
		{"endpoint: 127.0.0.1:4318", "endpoint: expected an http:// or https:// URL"},
		{"endpoint: localhost\nprotocol: grpc", "endpoint: expected host:port"},
		{"endpoint: http://x:1\ncompression: zstd", "compression: must be one of gzip, none"},
		{"endpoint: http://x:1\nseverity_text: loud", "not an OpenTelemetry severity"},
		{"endpoint: http://x:1\nattributes: some", "attributes: must be one of fields, none"},
		{"protocol: grpc", "endpoint"},
	} {
		_, err := build(t, "otlp", tc.src, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to mention %q", tc.src, err, tc.want)
		}
	}
	o, err := build(t, "otlp", "endpoint: https://user:hunter2@127.0.0.1:1/v1/logs", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if u := o.(*OTLP).url; u != "https://user:hunter2@127.0.0.1:1/v1/logs" {
		t.Errorf("export URL %q: /v1/logs must not be appended twice", u)
	}
	_, err = o.Write(context.Background(), []string{"x"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v: must fail and hide the password", err)
	}
}

func TestFlattenResourceAttributes(t *testing.T) {
	tests := []struct {
		in   map[string]any
		want map[string]any
	}{
		{map[string]any{"service": map[string]any{"name": "web", "version": "1"}, "replicas": 3},
			map[string]any{"service.name": "web", "service.version": "1", "replicas": 3}},
		{map[string]any{"service.name": "web", "k8s": map[string]any{"pod": map[string]any{"name": "p"}}},
			map[string]any{"service.name": "web", "k8s.pod.name": "p"}},
		{map[string]any{"tags": []any{"a", 1}, "empty": map[string]any{}},
			map[string]any{"tags": []any{"a", 1}, "empty": map[string]any{}}},
		{nil, map[string]any{}},
	}
	for _, tc := range tests {
		if got := flattenAttrs(tc.in); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("flattenAttrs(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
