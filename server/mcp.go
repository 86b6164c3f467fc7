package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/docs"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts"
	"github.com/eventum-go/eventum/starlib"
)

// The MCP server: tools for agents over the same application as the API —
// list generators and their counters, validate a config, render a
// preview, start and stop generators, read and write files of a generator
// folder (confined through os.Root like the API's file routes) — and the
// documentation pages as resources. `eventum mcp` serves it on stdio;
// `eventum run` at server.mcp.path (server.mcp.enabled), behind the API's
// checks. Tools that change anything exist only with allow_write.

// MCPServer builds the MCP server of the application; write tools are
// added when allowWrite is true.
func (a *App) MCPServer(allowWrite bool) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "eventum", Title: "Eventum", Version: a.version}, &mcp.ServerOptions{
		Instructions: "Eventum generates synthetic events: a generator folder holds generator.yml (input → event → output plugins) " +
			"and its templates and scripts. Validate a config before starting it; render previews to check the events. " +
			"The documentation pages are resources (eventum://docs/…).",
	})
	mcp.AddTool(s, &mcp.Tool{Name: "list_generators", Description: "List the generators of this instance with their state and counters (produced, written, failed per output)."}, a.mcpListGenerators)
	mcp.AddTool(s, &mcp.Tool{Name: "list_generator_folders", Description: "List the generator folders (each holds a generator.yml) under path.generators_dir."}, a.mcpListFolders)
	mcp.AddTool(s, &mcp.Tool{Name: "validate", Description: "Validate a generator folder's config: YAML, every plugin, template and script. Problems name file, line and key. Give `content` to validate unsaved generator.yml text instead of the saved file."}, a.mcpValidate)
	mcp.AddTool(s, &mcp.Tool{Name: "render_preview", Description: "Render events with a generator folder's event plugin for `count` timestamps one second apart from `start` (ISO 8601; default now). No outputs are written."}, a.mcpPreview)
	mcp.AddTool(s, &mcp.Tool{Name: "list_files", Description: "List the files of a generator folder."}, a.mcpListFiles)
	mcp.AddTool(s, &mcp.Tool{Name: "read_file", Description: "Read a text file of a generator folder (paths are relative to the folder and cannot leave it)."}, a.mcpReadFile)
	if allowWrite {
		mcp.AddTool(s, &mcp.Tool{Name: "write_file", Description: "Create or replace a text file of a generator folder (paths are relative to the folder and cannot leave it)."}, a.mcpWriteFile)
		mcp.AddTool(s, &mcp.Tool{Name: "start_generator", Description: "Start a generator by id (confined like a start through the API)."}, a.mcpStart)
		mcp.AddTool(s, &mcp.Tool{Name: "stop_generator", Description: "Stop a generator by id, gracefully (its outputs are flushed)."}, a.mcpStop)
	}
	pages, _ := fs.Glob(docs.Pages, "*.md")
	for _, p := range pages {
		uri := "eventum://docs/" + p
		title := strings.TrimSuffix(p, ".md")
		if data, err := fs.ReadFile(docs.Pages, p); err == nil {
			if line, _, _ := strings.Cut(string(data), "\n"); strings.HasPrefix(line, "# ") {
				title = strings.TrimPrefix(line, "# ")
			}
		}
		s.AddResource(&mcp.Resource{URI: uri, Name: p, Title: title, MIMEType: "text/markdown"},
			func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
				data, err := fs.ReadFile(docs.Pages, p)
				if err != nil {
					return nil, mcp.ResourceNotFoundError(req.Params.URI)
				}
				return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "text/markdown", Text: string(data)}}}, nil
			})
	}
	return s
}

// mcpHandler serves the MCP server over streamable HTTP (server.mcp.path).
func (a *App) mcpHandler() http.Handler {
	srv := a.MCPServer(a.Settings.Server.MCP.AllowWrite)
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv },
		&mcp.StreamableHTTPOptions{Logger: a.Log, SessionTimeout: 30 * time.Minute})
}

// mcpRoutes are the MCP endpoint's methods at server.mcp.path.
func (a *App) mcpRoutes() []route {
	m := a.Settings.Server.MCP
	if !m.Enabled {
		return nil
	}
	p := m.Path
	if p == "" {
		p = "/mcp"
	}
	h := a.mcpHandler()
	var out []route
	for _, method := range []string{"POST", "GET", "DELETE"} {
		out = append(out, route{method: method, path: p, summary: "MCP (streamable HTTP): tools and documentation resources for agents", tag: "MCP",
			handler: h.ServeHTTP, body: map[string]string{"POST": "object"}[method], response: "object", stream: method == "GET"})
	}
	return out
}

// ---- tools ----

// redacted hides secret values in a tool's error (the agent reads it).
func redacted(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(config.Redact(err.Error()))
}

type noArgs struct{}

type generatorSummary struct {
	ID       string         `json:"id"`
	Path     string         `json:"path"`
	State    State          `json:"state"`
	Error    string         `json:"error,omitempty"`
	Produced int64          `json:"produced"`
	Failed   int64          `json:"produce_failed"`
	Outputs  []outputCounts `json:"outputs"`
}

type outputCounts struct {
	Name        string `json:"name"`
	Written     int64  `json:"written"`
	WriteFailed int64  `json:"write_failed"`
}

type generatorList struct {
	Generators []generatorSummary `json:"generators"`
}

func (a *App) mcpListGenerators(ctx context.Context, _ *mcp.CallToolRequest, _ noArgs) (*mcp.CallToolResult, generatorList, error) {
	out := generatorList{Generators: []generatorSummary{}}
	for _, info := range a.Manager.List() {
		g := generatorSummary{ID: info.ID, Path: info.Path, State: info.Status.State, Error: info.Status.Error, Outputs: []outputCounts{}}
		if st := info.Stats; st != nil {
			g.Produced, g.Failed = st.Produced, st.ProduceFailed
			for _, o := range st.Outputs {
				g.Outputs = append(g.Outputs, outputCounts{Name: o.Name, Written: o.Written, WriteFailed: o.WriteFailed + o.FormatFailed})
			}
		}
		out.Generators = append(out.Generators, g)
	}
	return nil, out, nil
}

type folderList struct {
	Folders []string `json:"folders"`
}

func (a *App) mcpListFolders(ctx context.Context, _ *mcp.CallToolRequest, _ noArgs) (*mcp.CallToolResult, folderList, error) {
	root, err := a.generatorsRoot()
	if err != nil {
		return nil, folderList{}, err
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return nil, folderList{}, err
	}
	out := folderList{Folders: []string{}}
	for _, e := range entries {
		if e.IsDir() {
			if _, err := root.Stat(path.Join(e.Name(), a.Settings.Path.GeneratorConfigFilename)); err == nil {
				out.Folders = append(out.Folders, e.Name())
			}
		}
	}
	return nil, out, nil
}

type validateArgs struct {
	Name    string `json:"name" jsonschema:"the generator folder, relative to path.generators_dir"`
	Content string `json:"content,omitempty" jsonschema:"unsaved generator.yml text to validate instead of the saved file"`
}

// folder checks a generator folder name as the API does.
func (a *App) folder(name string) (string, error) {
	if !validDirName(name) {
		return "", fmt.Errorf("%q: %w", name, errOutside)
	}
	root, err := a.generatorsRoot()
	if err != nil {
		return "", err
	}
	defer root.Close()
	if fi, err := root.Stat(name); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("no generator folder %q under path.generators_dir", name)
	}
	return filepath.Join(a.Settings.Path.GeneratorsDir, name), nil
}

func (a *App) mcpValidate(ctx context.Context, _ *mcp.CallToolRequest, in validateArgs) (*mcp.CallToolResult, validation, error) {
	dir, err := a.folder(in.Name)
	if err != nil {
		return nil, validation{}, err
	}
	if in.Content == "" {
		return nil, a.validateDir(in.Name), nil
	}
	e := Entry{ID: "validate-" + in.Name, Path: in.Name, Params: a.paramsFor(in.Name), Generation: a.Settings.Generation.clone()}
	s, err := e.Generation.pipelineSettings()
	if err != nil {
		return nil, validation{}, err
	}
	file := filepath.Join(dir, a.Settings.Path.GeneratorConfigFilename)
	gen, _, err := a.Manager.buildFrom(e, s, file, []byte(in.Content), a.Manager.confinement())
	if err == nil {
		err = gen.Close()
	}
	if err != nil {
		return nil, validation{Problems: problemsOf(err, dir)}, nil
	}
	return nil, validation{OK: true, Problems: []problem{}}, nil
}

type previewArgs struct {
	Name  string         `json:"name" jsonschema:"the generator folder"`
	Count int            `json:"count,omitempty" jsonschema:"how many timestamps (default 5, at most 1000)"`
	Start string         `json:"start,omitempty" jsonschema:"first timestamp, ISO 8601 (default now)"`
	Tags  []string       `json:"tags,omitempty" jsonschema:"input tags given with every timestamp"`
	Param map[string]any `json:"params,omitempty" jsonschema:"the generator's params (default: those of its startup entry)"`
}

func (a *App) mcpPreview(ctx context.Context, _ *mcp.CallToolRequest, in previewArgs) (*mcp.CallToolResult, previewResult, error) {
	dir, err := a.folder(in.Name)
	if err != nil {
		return nil, previewResult{}, err
	}
	n := in.Count
	if n <= 0 {
		n = 5
	}
	n = min(n, 1000)
	start := time.Now()
	if in.Start != "" {
		ts, err := parseTimestamp([]byte(`"`+strings.ReplaceAll(in.Start, `"`, "")+`"`), time.UTC)
		if err != nil {
			return nil, previewResult{}, err
		}
		start = time.Unix(0, ts)
	}
	params := in.Param
	if params == nil {
		params = a.paramsFor(in.Name)
	}
	conf := a.Manager.confinement()
	ev, _, err := a.previewEventPlugin(dir, in.Name, nil, config.Vars{Params: params, Secret: a.keyring.Lookup, Env: a.Settings.Generation.EnvPolicy()}, conf)
	if err != nil {
		return nil, previewResult{}, redacted(err)
	}
	env := &plugin.Env{
		ID: "preview", Dir: dir, Location: time.UTC, Now: time.Now(), Rand: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		Params: params, Logger: slog.New(slog.DiscardHandler), Globals: starlib.NewGlobals(), Confine: conf,
		NoSubprocess: !a.Settings.Generation.AllowSubprocess, InputTags: [][]string{in.Tags},
	}
	prod, _, err := scripts.Registry.Build(ev, env)
	if err != nil {
		return nil, previewResult{}, redacted(err)
	}
	if c, ok := prod.(scripts.Closer); ok {
		defer c.Close()
	}
	if l, err := scripts.PreviewLimits(); err == nil {
		scripts.SetLimits(prod, l)
	}
	res := previewResult{Events: []string{}, Errors: []previewError{}}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		res.Events, err = prod.Produce(start.Add(time.Duration(i)*time.Second).UnixNano(), 0, res.Events)
		if errors.Is(err, scripts.ErrExhausted) {
			res.Exhausted = true
			break
		}
		if err != nil {
			res.Errors = append(res.Errors, previewError{Index: i, Message: config.Redact(err.Error()), Context: map[string]any{}})
		}
	}
	return nil, res, nil
}

type filesArgs struct {
	Name string `json:"name" jsonschema:"the generator folder"`
}

type fileList struct {
	Files []string `json:"files"`
}

// openFolder opens a generator folder as an os.Root: nothing under it
// leads outside.
func (a *App) openFolder(name string) (*os.Root, error) {
	if _, err := a.folder(name); err != nil {
		return nil, err
	}
	root, err := a.generatorsRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.OpenRoot(name)
}

func (a *App) mcpListFiles(ctx context.Context, _ *mcp.CallToolRequest, in filesArgs) (*mcp.CallToolResult, fileList, error) {
	root, err := a.openFolder(in.Name)
	if err != nil {
		return nil, fileList{}, err
	}
	defer root.Close()
	out := fileList{Files: []string{}}
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out.Files = append(out.Files, p)
		}
		if len(out.Files) >= 10000 {
			return fs.SkipAll
		}
		return nil
	})
	slices.Sort(out.Files)
	return nil, out, err
}

type fileArgs struct {
	Name string `json:"name" jsonschema:"the generator folder"`
	Path string `json:"path" jsonschema:"the file, relative to the folder"`
}

type fileContent struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

// maxMCPFile bounds a file read or written by a tool.
const maxMCPFile = 4 << 20

func (a *App) mcpReadFile(ctx context.Context, _ *mcp.CallToolRequest, in fileArgs) (*mcp.CallToolResult, fileContent, error) {
	if !validRelPath(in.Path) {
		return nil, fileContent{}, fmt.Errorf("%q: %w", in.Path, errOutside)
	}
	root, err := a.openFolder(in.Name)
	if err != nil {
		return nil, fileContent{}, err
	}
	defer root.Close()
	f, err := root.Open(in.Path)
	if err != nil {
		return nil, fileContent{}, fmt.Errorf("read %s/%s: %w", in.Name, in.Path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMCPFile+1))
	if err != nil {
		return nil, fileContent{}, fmt.Errorf("read %s/%s: %w", in.Name, in.Path, err)
	}
	if len(data) > maxMCPFile {
		return nil, fileContent{}, fmt.Errorf("%s/%s is larger than %d bytes", in.Name, in.Path, maxMCPFile)
	}
	return nil, fileContent{Path: in.Path, Content: string(data)}, nil
}

type writeArgs struct {
	Name    string `json:"name" jsonschema:"the generator folder"`
	Path    string `json:"path" jsonschema:"the file, relative to the folder"`
	Content string `json:"content" jsonschema:"the whole new text of the file"`
}

type written struct {
	Path  string `json:"path"`
	Bytes int    `json:"bytes"`
}

func (a *App) mcpWriteFile(ctx context.Context, _ *mcp.CallToolRequest, in writeArgs) (*mcp.CallToolResult, written, error) {
	if !validRelPath(in.Path) {
		return nil, written{}, fmt.Errorf("%q: %w", in.Path, errOutside)
	}
	if len(in.Content) > maxMCPFile {
		return nil, written{}, fmt.Errorf("content is larger than %d bytes", maxMCPFile)
	}
	root, err := a.openFolder(in.Name)
	if err != nil {
		return nil, written{}, err
	}
	defer root.Close()
	if dir := path.Dir(in.Path); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return nil, written{}, fmt.Errorf("write %s/%s: %w", in.Name, in.Path, err)
		}
	}
	if err := root.WriteFile(in.Path, []byte(in.Content), 0o644); err != nil {
		return nil, written{}, fmt.Errorf("write %s/%s: %w", in.Name, in.Path, err)
	}
	return nil, written{Path: in.Path, Bytes: len(in.Content)}, nil
}

type idArgs struct {
	ID string `json:"id" jsonschema:"the generator id"`
}

type stateResult struct {
	ID    string `json:"id"`
	State State  `json:"state"`
	Error string `json:"error,omitempty"`
}

func (a *App) mcpStart(ctx context.Context, _ *mcp.CallToolRequest, in idArgs) (*mcp.CallToolResult, stateResult, error) {
	if err := a.Manager.Start(in.ID, ByAPI); err != nil {
		return nil, stateResult{}, redacted(err)
	}
	info, err := a.Manager.Info(in.ID)
	return nil, stateResult{ID: in.ID, State: info.Status.State, Error: info.Status.Error}, err
}

func (a *App) mcpStop(ctx context.Context, _ *mcp.CallToolRequest, in idArgs) (*mcp.CallToolResult, stateResult, error) {
	if err := a.Manager.Stop(in.ID); err != nil {
		return nil, stateResult{}, err
	}
	info, err := a.Manager.Info(in.ID)
	return nil, stateResult{ID: in.ID, State: info.Status.State}, err
}

// ServeMCP serves the MCP server on t (stdio for `eventum mcp`) until the
// client disconnects or ctx ends, then stops every generator gracefully.
func (a *App) ServeMCP(ctx context.Context, t mcp.Transport, allowWrite bool) error {
	a.Log.Info("serving MCP", "allow_write", allowWrite, "generators_dir", a.Settings.Path.GeneratorsDir)
	err := a.MCPServer(allowWrite).Run(ctx, t)
	a.Manager.StopAll()
	if errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
		err = nil
	}
	return err
}

// StdioTransport is the MCP transport of `eventum mcp` on in and out.
// Unlike a plain stdio transport, when in ends it first waits (at most
// drainTimeout) until every request read has been answered, so that a
// client that writes its requests and closes its end (a shell pipe) still
// gets every answer.
func StdioTransport(in io.Reader, out io.Writer) mcp.Transport {
	d := &drain{done: make(chan struct{}, 1)}
	return &mcp.IOTransport{Reader: &drainReader{r: in, d: d}, Writer: &drainWriter{w: out, d: d}}
}

const drainTimeout = 30 * time.Second

// drain counts requests read and responses written.
type drain struct {
	mu        sync.Mutex
	requests  int
	responses int
	done      chan struct{} // signalled on every response
}

// count parses complete JSON-RPC lines: a message with an id and a method
// is a request, one with an id and no method a response.
func count(lines []byte, f func(isRequest, isResponse bool)) {
	for _, line := range bytes.Split(lines, []byte("\n")) {
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if json.Unmarshal(line, &m) != nil || len(m.ID) == 0 || string(m.ID) == "null" {
			continue
		}
		f(m.Method != "", m.Method == "")
	}
}

type drainReader struct {
	r       io.Reader
	d       *drain
	partial []byte
}

func (r *drainReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.partial = append(r.partial, p[:n]...)
		if i := bytes.LastIndexByte(r.partial, '\n'); i >= 0 {
			count(r.partial[:i], func(req, _ bool) {
				if req {
					r.d.mu.Lock()
					r.d.requests++
					r.d.mu.Unlock()
				}
			})
			r.partial = append(r.partial[:0], r.partial[i+1:]...)
		}
	}
	if err == io.EOF && n == 0 {
		if len(bytes.TrimSpace(r.partial)) > 0 { // a last request without a newline
			count(r.partial, func(req, _ bool) {
				if req {
					r.d.mu.Lock()
					r.d.requests++
					r.d.mu.Unlock()
				}
			})
			r.partial = r.partial[:0]
		}
		deadline := time.NewTimer(drainTimeout)
		defer deadline.Stop()
		for {
			r.d.mu.Lock()
			answered := r.d.responses >= r.d.requests
			r.d.mu.Unlock()
			if answered {
				break
			}
			select {
			case <-r.d.done:
			case <-deadline.C:
				return 0, io.EOF
			}
		}
	}
	return n, err
}

func (r *drainReader) Close() error {
	if c, ok := r.r.(io.Closer); ok && r.r != os.Stdin {
		return c.Close()
	}
	return nil
}

type drainWriter struct {
	w io.Writer
	d *drain
}

func (w *drainWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	count(p, func(_, resp bool) {
		if resp {
			w.d.mu.Lock()
			w.d.responses++
			w.d.mu.Unlock()
			select {
			case w.d.done <- struct{}{}:
			default:
			}
		}
	})
	return n, err
}

func (w *drainWriter) Close() error { return nil }
