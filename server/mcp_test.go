package server

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// authTransport adds an Authorization header to every request.
type authTransport struct{ header string }

func (a authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", a.header)
	return http.DefaultTransport.RoundTrip(r)
}

// /mcp under `eventum run`: only when enabled, behind the API's
// credentials, with write tools only when allowed; writes stay confined.
func TestMCPHTTP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, config string
		path         string
		writes       bool
	}{
		{"read only", "server.mcp: {enabled: true}\n", "/mcp", false},
		{"allow write", "server.mcp: {enabled: true, allow_write: true, path: /agents/mcp}\n", "/agents/mcp", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := startSecApp(t, "server.auth: {user: admin, password: s3cret}\n"+tc.config, nil)
			// Without credentials: refused like every API route.
			init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
			accept := "application/json, text/event-stream"
			expectError(t, "no credentials", a.do("POST", tc.path, init, "Accept", accept), 401)
			// The API's other checks: a foreign Origin, a body a browser sends cross-site.
			auth := basicAuth("admin", "s3cret")
			expectError(t, "foreign origin", a.do("POST", tc.path, init, "Accept", accept, "Authorization", auth, "Origin", "https://evil.example"), 403)
			expectError(t, "text/plain", a.do("POST", tc.path, init, "Accept", accept, "Authorization", auth, "Content-Type", "text/plain"), 415)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			client := mcp.NewClient(&mcp.Implementation{Name: "eventum-test", Version: "1"}, nil)
			cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: a.url + tc.path,
				HTTPClient: &http.Client{Transport: authTransport{basicAuth("admin", "s3cret")}}}, nil)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer cs.Close()
			tools, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tool := range tools.Tools {
				names = append(names, tool.Name)
			}
			if slices.Contains(names, "write_file") != tc.writes || slices.Contains(names, "start_generator") != tc.writes {
				t.Fatalf("tools %v (write tools expected: %v)", names, tc.writes)
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "list_generators", Arguments: map[string]any{}})
			if err != nil || res.IsError {
				t.Fatalf("list_generators: %v %+v", err, res)
			}
			if data, _ := json.Marshal(res.StructuredContent); !strings.Contains(string(data), `"id":"g1"`) {
				t.Fatalf("list_generators: %s", data)
			}
			if !tc.writes {
				return
			}
			call := func(name string, args map[string]any) *mcp.CallToolResult {
				t.Helper()
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return res
			}
			if r := call("write_file", map[string]any{"name": "gen", "path": "sub/new.jinja", "content": "hello"}); r.IsError {
				t.Fatalf("write_file: %+v", r.Content)
			}
			if data, err := os.ReadFile(filepath.Join(a.dir, "generators", "gen", "sub", "new.jinja")); err != nil || string(data) != "hello" {
				t.Fatalf("written file: %q %v", data, err)
			}
			for _, p := range []string{"../outside.txt", "escape/outside.txt", "/etc/passwd"} {
				if r := call("write_file", map[string]any{"name": "gen", "path": p, "content": "x"}); !r.IsError {
					t.Fatalf("write_file %s: not refused", p)
				}
			}
			if data, _ := os.ReadFile(filepath.Join(a.dir, "outside.txt")); string(data) != secret+"\n" {
				t.Fatalf("outside.txt changed: %q", data)
			}
			if r := call("start_generator", map[string]any{"id": "g1"}); r.IsError {
				t.Fatalf("start_generator: %+v", r.Content)
			}
			if r := call("stop_generator", map[string]any{"id": "g1"}); r.IsError {
				t.Fatalf("stop_generator: %+v", r.Content)
			}
		})
	}
}

// Disabled (the default), there is no /mcp.
func TestMCPHTTPDisabled(t *testing.T) {
	t.Parallel()
	a := startSecApp(t, "", nil)
	if r := a.do("POST", "/mcp", `{}`); r.code != 404 {
		t.Fatalf("/mcp while disabled: %d", r.code)
	}
}
