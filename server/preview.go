package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts"
	"github.com/eventum-go/eventum/starlib"
)

// maxPreviewTimestamps bounds one preview request.
const maxPreviewTimestamps = 10000

// previewRequest renders events without outputs. Event is an event plugin
// config fragment ({"template": {...}}); without it the event plugin of
// the generator directory {name} is used. Params are its ${params.x}.
type previewRequest struct {
	Event      json.RawMessage  `json:"event"`
	Params     map[string]any   `json:"params"`
	Timezone   string           `json:"timezone"`
	Timestamps []previewProduce `json:"timestamps"`
}

// previewProduce is the original's ProduceParams: a timestamp (RFC 3339
// text or Unix seconds) and the tags of the input it came from.
type previewProduce struct {
	Timestamp json.RawMessage `json:"timestamp"`
	Tags      []string        `json:"tags"`
}

type previewError struct {
	Index   int            `json:"index"`
	Message string         `json:"message"`
	Context map[string]any `json:"context"`
}

type previewResult struct {
	Events    []string       `json:"events"`
	Errors    []previewError `json:"errors"`
	Exhausted bool           `json:"exhausted"`
}

func (a *App) preview(w http.ResponseWriter, r *http.Request) {
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	var req previewRequest
	trimmed := bytes.TrimSpace(data)
	var err error
	if len(trimmed) > 0 && trimmed[0] == '[' { // the original's body: a bare list
		err = json.Unmarshal(trimmed, &req.Timestamps)
	} else {
		err = json.Unmarshal(trimmed, &req)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON", err.Error())
		return
	}
	if len(req.Timestamps) > maxPreviewTimestamps {
		writeError(w, http.StatusBadRequest, "too many timestamps", fmt.Sprintf("at most %d per request", maxPreviewTimestamps))
		return
	}
	loc := time.UTC
	if req.Timezone != "" {
		if loc, err = time.LoadLocation(req.Timezone); err != nil {
			writeError(w, http.StatusBadRequest, "unknown time zone", req.Timezone)
			return
		}
	}
	times := make([]int64, len(req.Timestamps))
	for i, p := range req.Timestamps {
		if times[i], err = parseTimestamp(p.Timestamp, loc); err != nil {
			writeError(w, http.StatusBadRequest, "invalid timestamp", fmt.Sprintf("timestamps[%d]: %v", i, err))
			return
		}
	}

	// Where relative paths of the event plugin resolve.
	dir := a.Settings.Path.GeneratorsDir
	name := r.PathValue("name")
	if name != "" {
		if !validDirName(name) {
			writeError(w, http.StatusForbidden, errOutside.Error(), name)
			return
		}
		dir = filepath.Join(dir, name)
		if !within(a.Settings.Path.GeneratorsDir, dir) {
			writeError(w, http.StatusForbidden, errOutside.Error(), name)
			return
		}
	}
	// An event plugin initialized by POST /api/preview/{name}/event-plugin
	// keeps its state (locals, shared, globals) from call to call.
	if name != "" && len(bytes.TrimSpace(req.Event)) == 0 {
		if pp := a.previewPlugins().get(name); pp != nil {
			pp.mu.Lock()
			defer pp.mu.Unlock()
			src := make([]int, len(req.Timestamps))
			for i, p := range req.Timestamps {
				src[i] = max(0, slices.IndexFunc(pp.tags, func(t []string) bool { return slices.Equal(t, p.Tags) }))
			}
			writeJSON(w, http.StatusOK, producePreview(r, pp.prod, times, src))
			return
		}
	}
	vars := config.Vars{Params: req.Params, Secret: a.keyring.Lookup, Env: a.Settings.Generation.EnvPolicy()}
	// A preview is confined: every file it reads is inside the generators directory.
	conf := a.Manager.confinement()
	ev, status, err := a.previewEventPlugin(dir, name, req.Event, vars, conf)
	if err != nil {
		if len(conf.Refused()) > 0 {
			status = http.StatusForbidden
		}
		writeError(w, status, "cannot build the event plugin", errorDetails(err))
		return
	}

	env := &plugin.Env{
		ID: "preview", Dir: dir, Location: loc, Now: time.Now().In(loc), Live: false,
		Rand:         rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		Params:       req.Params,
		Logger:       slog.New(slog.DiscardHandler),
		Globals:      starlib.NewGlobals(), // a preview never touches the running generators' globals
		Confine:      conf,
		NoSubprocess: !a.Settings.Generation.AllowSubprocess,
	}
	src := make([]int, len(req.Timestamps))
	for i, p := range req.Timestamps {
		k := slices.IndexFunc(env.InputTags, func(t []string) bool { return slices.Equal(t, p.Tags) })
		if k < 0 {
			k = len(env.InputTags)
			env.InputTags = append(env.InputTags, p.Tags)
		}
		src[i] = k
	}
	prod, _, err := scripts.Registry.Build(ev, env)
	if err != nil {
		if len(conf.Refused()) > 0 {
			writeError(w, http.StatusForbidden, "the event plugin names files outside path.generators_dir", errorDetails(err))
			return
		}
		writeError(w, http.StatusUnprocessableEntity, "cannot build the event plugin", errorDetails(err))
		return
	}
	if c, ok := prod.(scripts.Closer); ok {
		defer c.Close()
	}
	if l, err := scripts.PreviewLimits(); err == nil {
		scripts.SetLimits(prod, l) // tighter per-call budgets for previews
	}
	// A runaway template or script stops when the request ends (client
	// gone, server shutting down) instead of using up every step budget.
	if c, ok := prod.(interface{ Cancel(reason string) }); ok {
		stop := context.AfterFunc(r.Context(), func() { c.Cancel("preview request ended") })
		defer stop()
	}
	writeJSON(w, http.StatusOK, producePreview(r, prod, times, src))
}

// producePreview renders the events of times (src: the input of each).
func producePreview(r *http.Request, prod scripts.Producer, times []int64, src []int) previewResult {
	var err error
	res := previewResult{Events: []string{}, Errors: []previewError{}}
	for i, t := range times {
		if r.Context().Err() != nil {
			break
		}
		res.Events, err = prod.Produce(t, src[i], res.Events)
		if errors.Is(err, scripts.ErrExhausted) {
			res.Exhausted = true
			break
		}
		if err != nil {
			res.Errors = append(res.Errors, previewError{Index: i, Message: config.Redact(err.Error()), Context: map[string]any{}})
		}
	}
	return res
}

// previewEventPlugin finds the event plugin config: the fragment, or the
// `event` of the directory's generator config.
func (a *App) previewEventPlugin(dir, name string, fragment json.RawMessage, vars config.Vars, conf *plugin.Confinement) (config.Plugin, int, error) {
	if len(bytes.TrimSpace(fragment)) > 0 && string(bytes.TrimSpace(fragment)) != "null" {
		node, err := jsonNode(fragment)
		if err != nil {
			return config.Plugin{}, http.StatusBadRequest, fmt.Errorf("event: %w", err)
		}
		// Substitute ${params.x}/${secrets.x} like a config file does.
		var buf bytes.Buffer
		if err := yaml.NewEncoder(&buf).Encode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "event"}, node}}); err != nil {
			return config.Plugin{}, http.StatusBadRequest, err
		}
		doc, err := config.Parse("request body", buf.Bytes(), vars)
		if err != nil {
			return config.Plugin{}, http.StatusUnprocessableEntity, err
		}
		var g struct {
			Event config.Plugin `yaml:"event" required:"true"`
		}
		if err := doc.Decode(&g); err != nil {
			return config.Plugin{}, http.StatusUnprocessableEntity, err
		}
		return g.Event, 0, nil
	}
	if name == "" {
		return config.Plugin{}, http.StatusBadRequest, errors.New("give an `event` plugin config, or use /api/preview/{name}/event-plugin/produce")
	}
	file := filepath.Join(dir, a.Settings.Path.GeneratorConfigFilename)
	data, err := conf.ReadFile("path", file)
	if errors.Is(err, fs.ErrNotExist) {
		return config.Plugin{}, http.StatusNotFound, fmt.Errorf("no generator config in %q", name)
	}
	if err != nil { // a refusal is answered 403 by the caller
		return config.Plugin{}, http.StatusInternalServerError, err
	}
	doc, err := config.Parse(file, data, vars)
	if err != nil {
		return config.Plugin{}, http.StatusUnprocessableEntity, err
	}
	gc, err := doc.Generator()
	if err != nil {
		return config.Plugin{}, http.StatusUnprocessableEntity, err
	}
	return gc.Event, 0, nil
}

func parseTimestamp(raw json.RawMessage, loc *time.Location) (int64, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return time.Now().UnixNano(), nil
	}
	if s[0] == '"' {
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, err
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
			if t, err := time.ParseInLocation(layout, text, loc); err == nil {
				return t.UnixNano(), nil
			}
		}
		return 0, fmt.Errorf("%q is not an ISO 8601 date-time", text)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("expected an ISO 8601 string or Unix seconds, got %s", s)
	}
	return int64(f * 1e9), nil
}
