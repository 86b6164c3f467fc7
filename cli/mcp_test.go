package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpFolder is a generators directory with one generator folder, gen.
func mcpFolder(t *testing.T) string {
	dir := t.TempDir()
	write(t, dir, "gen/generator.yml", "input:\n  - timer:\n      seconds: 1\n      count: 1\nevent:\n  template:\n    mode: all\n    templates:\n      - line: {template: line.jinja}\noutput:\n  - stdout: {}\n")
	write(t, dir, "gen/line.jinja", "event at {{ timestamp.isoformat() }}")
	return dir
}

func mcpCommandFor(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"mcp", "--generators-dir", dir}, args...)...)
	cmd.Env = append(os.Environ(), "EVENTUM_TEST_MAIN=1")
	return cmd
}

// `eventum mcp` as an MCP client sees it on stdio: initialize, the tool
// list (no write tools without --allow-write), validate with a misspelt
// key reported at its line, a preview, confined file reads, docs resources.
func TestMCPStdio(t *testing.T) {
	dir := mcpFolder(t)
	// A bound for the session, not a synchronisation.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "eventum-test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: mcpCommandFor(dir)}, nil)
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	defer cs.Close()
	if info := cs.InitializeResult().ServerInfo; info.Name != "eventum" {
		t.Fatalf("server info %+v", info)
	}
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	for _, want := range []string{"list_generators", "list_generator_folders", "validate", "render_preview", "list_files", "read_file"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools %v lack %s", names, want)
		}
	}
	for _, write := range []string{"write_file", "start_generator", "stop_generator"} {
		if slices.Contains(names, write) {
			t.Errorf("write tool %s without --allow-write", write)
		}
	}

	call := func(name string, args map[string]any) (map[string]any, bool) {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var out map[string]any
		if res.StructuredContent != nil {
			data, _ := json.Marshal(res.StructuredContent)
			_ = json.Unmarshal(data, &out)
		}
		if res.IsError {
			var text []string
			for _, c := range res.Content {
				if tc, ok := c.(*mcp.TextContent); ok {
					text = append(text, tc.Text)
				}
			}
			return map[string]any{"error": strings.Join(text, "\n")}, true
		}
		return out, false
	}

	tests := []struct {
		name    string
		tool    string
		args    map[string]any
		isError bool
		want    []string // substrings of the JSON answer
	}{
		{"saved config is valid", "validate", map[string]any{"name": "gen"}, false, []string{`"ok":true`}},
		{"misspelt key at its line", "validate", map[string]any{"name": "gen", "content": "input:\n  - timer:\n      seconds: 1\n      cuont: 1\nevent:\n  template: {mode: all, templates: [{line: {template: line.jinja}}]}\noutput:\n  - stdout: {}\n"},
			false, []string{`"ok":false`, `"line":4`, `"key":"input[0].timer.cuont"`, `did you mean \"count\"`, `"file":"generator.yml"`}},
		{"template error", "validate", map[string]any{"name": "gen", "content": "input:\n  - timer: {seconds: 1}\nevent:\n  template: {mode: all, templates: [{line: {template: missing.jinja}}]}\noutput:\n  - stdout: {}\n"},
			false, []string{`"ok":false`, "missing.jinja"}},
		{"preview", "render_preview", map[string]any{"name": "gen", "count": 3, "start": "2024-05-01T10:00:00Z"}, false,
			[]string{"event at 2024-05-01T10:00:00", "event at 2024-05-01T10:00:02"}},
		{"read a file", "read_file", map[string]any{"name": "gen", "path": "line.jinja"}, false, []string{"event at {{"}},
		{"list files", "list_files", map[string]any{"name": "gen"}, false, []string{"generator.yml", "line.jinja"}},
		{"folders", "list_generator_folders", map[string]any{}, false, []string{`"gen"`}},
		{"no generators loaded", "list_generators", map[string]any{}, false, []string{`"generators":[]`}},
		{"read outside the folder", "read_file", map[string]any{"name": "gen", "path": "../gen/line.jinja"}, true, []string{"outside"}},
		{"folder outside", "read_file", map[string]any{"name": "..", "path": "x"}, true, []string{"outside"}},
		{"unknown folder", "validate", map[string]any{"name": "nope"}, true, []string{"no generator folder"}},
	}
	for _, tc := range tests {
		out, isErr := call(tc.tool, tc.args)
		data, _ := json.Marshal(out)
		if isErr != tc.isError {
			t.Errorf("%s: isError=%v, want %v: %s", tc.name, isErr, tc.isError, data)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(string(data), w) {
				t.Errorf("%s: %s lacks %s", tc.name, data, w)
			}
		}
	}

	res, err := cs.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, r := range res.Resources {
		uris = append(uris, r.URI)
	}
	if !slices.Contains(uris, "eventum://docs/server.md") || !slices.Contains(uris, "eventum://docs/mcp.md") {
		t.Fatalf("resources %v", uris)
	}
	page, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "eventum://docs/mcp.md"})
	if err != nil || len(page.Contents) != 1 || !strings.Contains(page.Contents[0].Text, "eventum mcp") {
		t.Fatalf("read docs/mcp.md: %v %+v", err, page)
	}
}

// A client that writes its requests and closes stdin (a shell pipe) gets
// every answer before the server exits.
func TestMCPStdioPipe(t *testing.T) {
	dir := mcpFolder(t)
	cmd := mcpCommandFor(dir)
	cmd.Stdin = strings.NewReader(strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"sh","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"validate","arguments":{"name":"gen","content":"input:\n  - timer: {seconds: 1, cuont: 2}\nevent:\n  template: {mode: all, templates: [{line: {template: line.jinja}}]}\noutput:\n  - stdout: {}\n"}}}`,
	}, "\n") + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("eventum mcp: %v: %s", err, stderr.String())
	}
	got := map[float64]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var m struct {
			ID     float64         `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON-RPC: %q", line)
		}
		got[m.ID] = string(m.Result)
	}
	if !strings.Contains(got[1], `"serverInfo"`) || !strings.Contains(got[2], `"validate"`) || !strings.Contains(got[3], `"line":2`) || !strings.Contains(got[3], "cuont") {
		t.Fatalf("answers: %v", got)
	}
}
