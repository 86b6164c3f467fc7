package server

import (
	"errors"
	"net/http"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
)

func (a *App) readStartup(w http.ResponseWriter) ([]Entry, bool) {
	entries, problems, err := LoadStartup(a.Settings.Path.Startup, a.Settings.Generation, config.Vars{Secret: a.keyring.Lookup, Env: a.Settings.Generation.EnvPolicy()})
	if err == nil && len(problems) > 0 {
		err = errors.Join(problems...)
	}
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			writeError(w, http.StatusUnprocessableEntity, "the startup file is invalid", errorDetails(err))
		} else {
			writeError(w, http.StatusInternalServerError, "cannot read the startup file", errorDetails(err))
		}
		return nil, false
	}
	if entries == nil {
		entries = []Entry{}
	}
	return entries, true
}

func (a *App) listStartup(w http.ResponseWriter, r *http.Request) {
	if entries, ok := a.readStartup(w); ok {
		writeJSON(w, http.StatusOK, entries)
	}
}

func (a *App) getStartup(w http.ResponseWriter, r *http.Request) {
	entries, ok := a.readStartup(w)
	if !ok {
		return
	}
	id := r.PathValue("id")
	for _, e := range entries {
		if e.ID == id {
			writeJSON(w, http.StatusOK, e)
			return
		}
	}
	writeError(w, http.StatusNotFound, errEntryNotFound.Error(), id)
}

// startupNode validates the body as an entry and returns the node to store.
func (a *App) startupNode(w http.ResponseWriter, r *http.Request) (*yaml.Node, bool) {
	data, ok := readBody(w, r)
	if !ok {
		return nil, false
	}
	node, err := jsonNode(data)
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON", err.Error())
		return nil, false
	}
	id := r.PathValue("id")
	if bodyID := entryID(node); bodyID != "" && bodyID != id {
		writeError(w, http.StatusBadRequest, "the id in the body differs from the id in the path", nil)
		return nil, false
	}
	setKey(node, "id", id)
	// An entry written through the API runs confined, whoever starts it.
	setScalar(node, "confined", "!!bool", "true", true)
	e, err := decodeEntry("request body", "", node, a.Settings.Generation)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid generator parameters", errorDetails(err))
		return nil, false
	}
	if !a.checkEntryPath(w, e) {
		return nil, false
	}
	blockStyle(node)
	return node, true
}

func (a *App) startupEditError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errEntryExists):
		writeError(w, http.StatusConflict, err.Error(), nil)
	case errors.Is(err, errEntryNotFound):
		writeError(w, http.StatusNotFound, err.Error(), nil)
	default:
		a.Log.Error("startup file edit failed", "error", err)
		writeError(w, http.StatusInternalServerError, "cannot update the startup file", err.Error())
	}
}

func (a *App) addStartup(w http.ResponseWriter, r *http.Request) {
	node, ok := a.startupNode(w, r)
	if !ok {
		return
	}
	err := a.startup.edit(func(list *yaml.Node) error {
		if indexOf(list, r.PathValue("id")) >= 0 {
			return errEntryExists
		}
		list.Content = append(list.Content, node)
		return nil
	})
	if err != nil {
		a.startupEditError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, nil)
}

func (a *App) updateStartup(w http.ResponseWriter, r *http.Request) {
	node, ok := a.startupNode(w, r)
	if !ok {
		return
	}
	err := a.startup.edit(func(list *yaml.Node) error {
		i := indexOf(list, r.PathValue("id"))
		if i < 0 {
			return errEntryNotFound
		}
		node.HeadComment = list.Content[i].HeadComment
		list.Content[i] = node
		return nil
	})
	if err != nil {
		a.startupEditError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, nil)
}

func (a *App) deleteStartup(w http.ResponseWriter, r *http.Request) {
	err := a.startup.edit(func(list *yaml.Node) error {
		i := indexOf(list, r.PathValue("id"))
		if i < 0 {
			return errEntryNotFound
		}
		list.Content = append(list.Content[:i], list.Content[i+1:]...)
		return nil
	})
	if err != nil {
		a.startupEditError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, nil)
}

func (a *App) bulkDeleteStartup(w http.ResponseWriter, r *http.Request) {
	ids, ok := a.bulkIDs(w, r)
	if !ok {
		return
	}
	deleted := []string{}
	err := a.startup.edit(func(list *yaml.Node) error {
		for _, id := range ids {
			if i := indexOf(list, id); i >= 0 {
				list.Content = append(list.Content[:i], list.Content[i+1:]...)
				deleted = append(deleted, id)
			}
		}
		if len(deleted) == 0 {
			return errNoChange
		}
		return nil
	})
	if err != nil && !errors.Is(err, errNoChange) {
		a.startupEditError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, deleted)
}

var errNoChange = errors.New("nothing to change")
