package server

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/formatters"
	"github.com/eventum-go/eventum/plugin"
)

// POST /api/preview/{name}/formatter/format: format events with a
// formatter config, as an output would (the original's route). Files the
// formatter reads (a template) resolve in the generator directory and stay
// inside path.generators_dir.

type formatRequest struct {
	FormatterConfig json.RawMessage `json:"formatter_config"`
	Events          []string        `json:"events"`
}

type formatError struct {
	Message       string  `json:"message"`
	OriginalEvent *string `json:"original_event"`
}

type formatResult struct {
	Events         []string      `json:"events"`
	FormattedCount int           `json:"formatted_count"`
	Errors         []formatError `json:"errors"`
}

func (a *App) formatEvents(w http.ResponseWriter, r *http.Request) {
	root, ok := a.genDir(w, r, true)
	if !ok {
		return
	}
	root.Close()
	var req formatRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if len(req.Events) > maxPreviewTimestamps {
		writeError(w, http.StatusBadRequest, "too many events", fmt.Sprintf("at most %d per request", maxPreviewTimestamps))
		return
	}
	node, err := jsonNode(req.FormatterConfig)
	if err != nil {
		writeError(w, http.StatusBadRequest, "formatter_config: expected an object with a `format` key", err.Error())
		return
	}
	dir := filepath.Join(a.Settings.Path.GeneratorsDir, r.PathValue("name"))
	conf := a.Manager.confinement()
	env := &plugin.Env{
		ID: "preview", Dir: dir, Location: time.UTC, Now: time.Now(), Rand: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		Logger: slog.New(slog.DiscardHandler), Confine: conf, NoSubprocess: !a.Settings.Generation.AllowSubprocess,
	}
	f, err := formatters.Build(&config.Raw{File: "request body", Path: "formatter_config", Node: node}, "plain", env)
	if err != nil {
		code := http.StatusUnprocessableEntity
		if len(conf.Refused()) > 0 {
			code = http.StatusForbidden
		}
		writeError(w, code, "cannot build the formatter", errorDetails(err))
		return
	}
	var out formatters.Formatted
	f.Format(req.Events, &out)
	res := formatResult{Events: append([]string{}, out.Payloads...), Errors: []formatError{}}
	res.FormattedCount = out.Events(len(out.Payloads))
	for _, e := range out.Errors {
		res.Errors = append(res.Errors, formatError{Message: config.Redact(e.Error())})
	}
	for range out.Failed - len(out.Errors) { // errors past MaxErrors: counted, not kept
		res.Errors = append(res.Errors, formatError{Message: "format failed (further errors are not kept)"})
	}
	writeJSON(w, http.StatusOK, res)
}
