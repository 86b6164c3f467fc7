package server

import (
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts"
	"github.com/eventum-go/eventum/starlib"
)

// Initialized preview plugins (the original's POST
// /api/preview/{name}/event-plugin): an event plugin built once and kept,
// so its state — `locals` per template, `shared`, and a private `globals`
// — lives from one produce call to the next, and can be read, patched and
// cleared. At most maxPreviewPlugins are kept; the least recently used is
// released first.

const maxPreviewPlugins = 16

type previewPlugin struct {
	mu      sync.Mutex // one call at a time
	prod    scripts.Producer
	globals *starlib.Globals
	tags    [][]string
	used    time.Time
}

func (p *previewPlugin) close() {
	if c, ok := p.prod.(scripts.Closer); ok {
		_ = c.Close()
	}
}

type previewStore struct {
	mu sync.Mutex
	m  map[string]*previewPlugin
}

func (a *App) previewPlugins() *previewStore {
	a.previewOnce.Do(func() { a.previews = &previewStore{m: map[string]*previewPlugin{}} })
	return a.previews
}

func (s *previewStore) get(name string) *previewPlugin {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.m[name]
	if p != nil {
		p.used = time.Now()
	}
	return p
}

func (s *previewStore) put(name string, p *previewPlugin) {
	s.mu.Lock()
	old := s.m[name]
	s.m[name] = p
	var evict *previewPlugin
	if len(s.m) > maxPreviewPlugins {
		var oldest string
		for n, q := range s.m {
			if n != name && (oldest == "" || q.used.Before(s.m[oldest].used)) {
				oldest = n
			}
		}
		evict = s.m[oldest]
		delete(s.m, oldest)
	}
	s.mu.Unlock()
	for _, q := range []*previewPlugin{old, evict} {
		if q != nil {
			q.mu.Lock()
			q.close()
			q.mu.Unlock()
		}
	}
}

func (s *previewStore) remove(name string) bool {
	s.mu.Lock()
	p := s.m[name]
	delete(s.m, name)
	s.mu.Unlock()
	if p != nil {
		p.mu.Lock()
		p.close()
		p.mu.Unlock()
	}
	return p != nil
}

func (a *App) initPreviewPlugin(w http.ResponseWriter, r *http.Request) {
	root, ok := a.genDir(w, r, true)
	if !ok {
		return
	}
	root.Close()
	var req struct {
		Event    json.RawMessage `json:"event"`
		Params   map[string]any  `json:"params"`
		Timezone string          `json:"timezone"`
		Tags     [][]string      `json:"tags"`
	}
	if !decodeJSON(w, r, &req) {
		return
	}
	loc := time.UTC
	if req.Timezone != "" {
		var err error
		if loc, err = time.LoadLocation(req.Timezone); err != nil {
			writeError(w, http.StatusBadRequest, "unknown time zone", req.Timezone)
			return
		}
	}
	name := r.PathValue("name")
	if req.Params == nil {
		req.Params = a.paramsFor(name)
	}
	dir := filepath.Join(a.Settings.Path.GeneratorsDir, name)
	conf := a.Manager.confinement()
	ev, status, err := a.previewEventPlugin(dir, name, []byte(req.Event), config.Vars{Params: req.Params, Secret: a.keyring.Lookup, Env: a.Settings.Generation.EnvPolicy()}, conf)
	if err != nil {
		if len(conf.Refused()) > 0 {
			status = http.StatusForbidden
		}
		writeError(w, status, "cannot build the event plugin", errorDetails(err))
		return
	}
	tags := req.Tags
	if len(tags) == 0 {
		tags = [][]string{nil}
	}
	globals := starlib.NewGlobals()
	env := &plugin.Env{
		ID: "preview", Dir: dir, Location: loc, Now: time.Now().In(loc),
		Rand: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())), Params: req.Params,
		Logger: slog.New(slog.DiscardHandler), Globals: globals, Confine: conf,
		NoSubprocess: !a.Settings.Generation.AllowSubprocess, InputTags: tags,
	}
	prod, _, err := scripts.Registry.Build(ev, env)
	if err != nil {
		code := http.StatusUnprocessableEntity
		if len(conf.Refused()) > 0 {
			code = http.StatusForbidden
		}
		writeError(w, code, "cannot build the event plugin", errorDetails(err))
		return
	}
	if l, err := scripts.PreviewLimits(); err == nil {
		scripts.SetLimits(prod, l)
	}
	a.previewPlugins().put(name, &previewPlugin{prod: prod, globals: globals, tags: tags, used: time.Now()})
	writeJSON(w, http.StatusCreated, nil)
}

func (a *App) releasePreviewPlugin(w http.ResponseWriter, r *http.Request) {
	root, ok := a.genDir(w, r, true)
	if !ok {
		return
	}
	root.Close()
	if !a.previewPlugins().remove(r.PathValue("name")) {
		writeError(w, http.StatusNotFound, "no initialized event plugin for this directory", "POST /api/preview/{name}/event-plugin first")
		return
	}
	writeJSON(w, http.StatusOK, nil)
}

// stateStore is what the state routes act on.
type stateStore interface {
	Snapshot() map[string]any
	Update(map[string]any) error
}

// previewState finds the store a state route names; it answers the
// refusal itself. The plugin's mutex is held until unlock is called.
func (a *App) previewState(w http.ResponseWriter, r *http.Request, which string) (st stateStore, clear func(), unlock func(), ok bool) {
	root, ok := a.genDir(w, r, true) // 403 for a name leading outside
	if !ok {
		return nil, nil, nil, false
	}
	root.Close()
	pp := a.previewPlugins().get(r.PathValue("name"))
	if pp == nil {
		writeError(w, http.StatusNotFound, "no initialized event plugin for this directory", "POST /api/preview/{name}/event-plugin first")
		return nil, nil, nil, false
	}
	pp.mu.Lock()
	if which == "global" {
		return pp.globals, pp.globals.Clear, pp.mu.Unlock, true
	}
	t, isTemplate := pp.prod.(*scripts.Template)
	if !isTemplate {
		pp.mu.Unlock()
		writeError(w, http.StatusBadRequest, "the event plugin is not a template plugin", "locals and shared belong to the template plugin")
		return nil, nil, nil, false
	}
	locals, shared := t.Stores()
	if which == "shared" {
		return shared, func() { _ = shared.Clear() }, pp.mu.Unlock, true
	}
	alias := r.PathValue("alias")
	l, found := locals[alias]
	if !found {
		pp.mu.Unlock()
		writeError(w, http.StatusNotFound, "no template with this alias", alias)
		return nil, nil, nil, false
	}
	return l, func() { _ = l.Clear() }, pp.mu.Unlock, true
}

func (a *App) stateHandlers(which string) (get, patch, del http.HandlerFunc) {
	get = func(w http.ResponseWriter, r *http.Request) {
		st, _, unlock, ok := a.previewState(w, r, which)
		if !ok {
			return
		}
		defer unlock()
		writeJSON(w, http.StatusOK, st.Snapshot())
	}
	patch = func(w http.ResponseWriter, r *http.Request) {
		var kv map[string]any
		if !decodeJSON(w, r, &kv) {
			return
		}
		st, _, unlock, ok := a.previewState(w, r, which)
		if !ok {
			return
		}
		defer unlock()
		if err := st.Update(kv); err != nil {
			writeError(w, http.StatusUnprocessableEntity, "cannot store the values", err.Error())
			return
		}
		writeJSON(w, http.StatusOK, nil)
	}
	del = func(w http.ResponseWriter, r *http.Request) {
		_, clear, unlock, ok := a.previewState(w, r, which)
		if !ok {
			return
		}
		defer unlock()
		clear()
		writeJSON(w, http.StatusOK, nil)
	}
	return get, patch, del
}

// stateRoutes are the state routes of initialized preview plugins.
func (a *App) stateRoutes() []route {
	base := "/api/preview/{name}/event-plugin/template/state/"
	var out []route
	for _, s := range []struct{ which, path, what string }{
		{"local", base + "local/{alias}", "`locals` of one template (by alias)"},
		{"shared", base + "shared", "`shared` of the template plugin"},
		{"global", base + "global", "the private `globals` of the initialized plugin"},
	} {
		get, patch, del := a.stateHandlers(s.which)
		out = append(out,
			route{method: "GET", path: s.path, summary: "Contents of " + s.what, tag: "Preview", handler: get, response: "object", errors: []int{400, 404}},
			route{method: "PATCH", path: s.path, summary: "Set keys of " + s.what, tag: "Preview", handler: patch, body: "object", errors: []int{400, 404, 413, 422}},
			route{method: "DELETE", path: s.path, summary: "Clear " + s.what, tag: "Preview", handler: del, errors: []int{400, 404}})
	}
	return out
}
