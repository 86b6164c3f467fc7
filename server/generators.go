package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/pipeline"
)

// generatorView is GET /api/generators/{id}: the parameters (as the
// original returns them) plus status and stats.
type generatorView struct {
	Entry
	Status Status             `json:"status"`
	Stats  *pipeline.Snapshot `json:"stats"`
}

func (a *App) listGenerators(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.Manager.List())
}

func (a *App) getGenerator(w http.ResponseWriter, r *http.Request) {
	info, err := a.Manager.Info(r.PathValue("id"))
	if err != nil {
		a.managerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, generatorView{Entry: info.Entry, Status: info.Status, Stats: info.Stats})
}

func (a *App) generatorStatus(w http.ResponseWriter, r *http.Request) {
	info, err := a.Manager.Info(r.PathValue("id"))
	if err != nil {
		a.managerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, info.Status)
}

// pluginStats, eventStats and generatorStats follow the original's shape.
type pluginStats struct {
	PluginName   string `json:"plugin_name"`
	PluginID     int    `json:"plugin_id"`
	Written      int64  `json:"written"`
	WriteFailed  int64  `json:"write_failed"`
	FormatFailed int64  `json:"format_failed"`
}

type eventStats struct {
	Produced      int64 `json:"produced"`
	ProduceFailed int64 `json:"produce_failed"`
	Dropped       int64 `json:"dropped"`
}

type generatorStats struct {
	ID          string               `json:"id"`
	StartTime   *time.Time           `json:"start_time"`
	State       State                `json:"state"`
	Timestamps  int64                `json:"timestamps"`
	SkippedPast int64                `json:"skipped_past"`
	Event       eventStats           `json:"event"`
	Output      []pluginStats        `json:"output"`
	Lag         pipeline.LagSnapshot `json:"lag"`
}

func statsOf(info Info) generatorStats {
	s := generatorStats{ID: info.ID, StartTime: info.Start, State: info.Status.State, Output: []pluginStats{}}
	if st := info.Stats; st != nil {
		s.Timestamps, s.SkippedPast, s.Lag = st.Timestamps, st.SkippedPast, st.Lag
		s.Event = eventStats{Produced: st.Produced, ProduceFailed: st.ProduceFailed, Dropped: st.Dropped}
		for i, o := range st.Outputs {
			s.Output = append(s.Output, pluginStats{PluginName: o.Name, PluginID: i, Written: o.Written, WriteFailed: o.WriteFailed, FormatFailed: o.FormatFailed})
		}
	}
	return s
}

func (a *App) generatorStats(w http.ResponseWriter, r *http.Request) {
	info, err := a.Manager.Info(r.PathValue("id"))
	if err != nil {
		a.managerError(w, err)
		return
	}
	if info.Stats == nil {
		writeError(w, http.StatusBadRequest, "generator has not run", info.ID)
		return
	}
	writeJSON(w, http.StatusOK, statsOf(info))
}

func (a *App) runningStats(w http.ResponseWriter, r *http.Request) {
	out := []generatorStats{}
	for _, info := range a.Manager.List() {
		if info.Status.State == StateRunning && info.Stats != nil {
			out = append(out, statsOf(info))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *App) startGenerator(w http.ResponseWriter, r *http.Request) {
	a.startOrRestart(w, r, a.Manager.Start)
}

func (a *App) restartGenerator(w http.ResponseWriter, r *http.Request) {
	a.startOrRestart(w, r, a.Manager.Restart)
}

func (a *App) startOrRestart(w http.ResponseWriter, r *http.Request, f func(string, Caller) error) {
	id := r.PathValue("id")
	if err := f(id, ByAPI); err != nil {
		a.managerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a.Manager.isRunning(id))
}

func (a *App) stopGenerator(w http.ResponseWriter, r *http.Request) {
	if err := a.Manager.Stop(r.PathValue("id")); err != nil {
		a.managerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, nil)
}

func (a *App) deleteGenerator(w http.ResponseWriter, r *http.Request) {
	if err := a.Manager.Remove(r.PathValue("id")); err != nil {
		a.managerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, nil)
}

func (a *App) addGenerator(w http.ResponseWriter, r *http.Request) {
	e, ok := a.entryFromBody(w, r)
	if !ok {
		return
	}
	if err := a.Manager.Add(e); err != nil {
		a.managerError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, nil)
}

func (a *App) updateGenerator(w http.ResponseWriter, r *http.Request) {
	if _, err := a.Manager.Info(r.PathValue("id")); err != nil {
		a.managerError(w, err)
		return
	}
	e, ok := a.entryFromBody(w, r)
	if !ok {
		return
	}
	if err := a.Manager.Update(e); err != nil {
		a.managerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, nil)
}

type bulkStartResponse struct {
	Running    []string `json:"running_generator_ids"`
	NotRunning []string `json:"non_running_generator_ids"`
}

func (a *App) bulkIDs(w http.ResponseWriter, r *http.Request) ([]string, bool) {
	var ids []string
	if !decodeJSON(w, r, &ids) {
		return nil, false
	}
	if len(ids) == 0 {
		writeError(w, http.StatusBadRequest, "expected a non-empty list of generator ids", nil)
		return nil, false
	}
	return ids, true
}

func (a *App) bulkStart(w http.ResponseWriter, r *http.Request) {
	ids, ok := a.bulkIDs(w, r)
	if !ok {
		return
	}
	running, notRunning := a.Manager.BulkStart(ids, ByAPI)
	writeJSON(w, http.StatusOK, bulkStartResponse{Running: nonNil(running), NotRunning: nonNil(notRunning)})
}

func (a *App) bulkStop(w http.ResponseWriter, r *http.Request) {
	if ids, ok := a.bulkIDs(w, r); ok {
		a.Manager.BulkStop(ids)
		writeJSON(w, http.StatusOK, nil)
	}
}

func (a *App) bulkDelete(w http.ResponseWriter, r *http.Request) {
	if ids, ok := a.bulkIDs(w, r); ok {
		a.Manager.BulkRemove(ids)
		writeJSON(w, http.StatusOK, nil)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// managerError maps manager errors to statuses.
func (a *App) managerError(w http.ResponseWriter, err error) {
	var se *StartError
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "generator not found", err.Error())
	case errors.Is(err, ErrExists):
		writeError(w, http.StatusConflict, "generator already exists", err.Error())
	case errors.Is(err, ErrActive):
		writeError(w, http.StatusBadRequest, "generator must be stopped before updating", err.Error())
	case errors.As(err, &se) && len(se.Outside) > 0:
		writeError(w, http.StatusForbidden, "the generator names files outside the directories a generator run through the API may use", errorDetails(se.Err))
	case errors.As(err, &se):
		writeError(w, http.StatusUnprocessableEntity, "generator failed to start", errorDetails(se.Err))
	default:
		a.Log.Error("API request failed", "error", err)
		writeError(w, http.StatusInternalServerError, "internal error", err.Error())
	}
}

// entryFromBody reads and validates a generator entry: the id of the URL
// wins over (and must agree with) the body's; the config it names must be
// inside path.generators_dir and exist.
func (a *App) entryFromBody(w http.ResponseWriter, r *http.Request) (Entry, bool) {
	id := r.PathValue("id")
	data, ok := readBody(w, r)
	if !ok {
		return Entry{}, false
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON", err.Error())
		return Entry{}, false
	}
	if raw, ok := probe["id"]; ok {
		var bodyID string
		if json.Unmarshal(raw, &bodyID) != nil || bodyID != id {
			writeError(w, http.StatusBadRequest, "the id in the body differs from the id in the path", nil)
			return Entry{}, false
		}
	}
	node, err := jsonNode(data)
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON", err.Error())
		return Entry{}, false
	}
	setKey(node, "id", id)
	e, err := decodeEntry("request body", "", node, a.Settings.Generation)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid generator parameters", errorDetails(err))
		return Entry{}, false
	}
	if !a.checkEntryPath(w, e) {
		return Entry{}, false
	}
	e.Confined = true // written through the API
	return e, true
}

// checkEntryPath answers 403 for a config outside the generators
// directory and 404 for a missing one.
func (a *App) checkEntryPath(w http.ResponseWriter, e Entry) bool {
	p := a.Manager.ConfigPath(e)
	if !within(a.Settings.Path.GeneratorsDir, p) {
		writeError(w, http.StatusForbidden, "the generator config must be inside path.generators_dir", e.Path)
		return false
	}
	if fi, err := os.Stat(p); err != nil || fi.IsDir() {
		writeError(w, http.StatusNotFound, "no generator config exists at the given path", e.Path)
		return false
	}
	return true
}

// within reports whether p is inside dir once symbolic links are resolved.
func within(dir, p string) bool {
	d, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	q, err := filepath.EvalSymlinks(p)
	if err != nil {
		// Not existing yet: check the lexical path of its parent.
		parent, perr := filepath.EvalSymlinks(filepath.Dir(p))
		if perr != nil {
			return false
		}
		q = filepath.Join(parent, filepath.Base(p))
	}
	rel, err := filepath.Rel(d, q)
	return err == nil && filepath.IsLocal(rel)
}

// jsonNode parses JSON text into a YAML node (JSON is YAML), keeping key order.
func jsonNode(data []byte) (*yaml.Node, error) {
	if !json.Valid(data) {
		return nil, fmt.Errorf("invalid JSON")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("empty document")
	}
	n := doc.Content[0]
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("expected a JSON object")
	}
	return n, nil
}

// setKey sets a string key of a mapping node (first, when it is new).
func setKey(n *yaml.Node, key, value string) { setScalar(n, key, "!!str", value, false) }

// setScalar sets key of a mapping node to a scalar with tag; a new key goes
// first, or last with atEnd.
func setScalar(n *yaml.Node, key, tag, value string, atEnd bool) {
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content[i+1] = v
			return
		}
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	if atEnd {
		n.Content = append(n.Content, k, v)
		return
	}
	n.Content = append([]*yaml.Node{k, v}, n.Content...)
}
