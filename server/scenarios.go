package server

import (
	"errors"
	"net/http"
	"slices"
	"sort"

	"gopkg.in/yaml.v3"
)

// Scenarios are named groups of generators: a startup entry lists the
// groups it belongs to (`scenarios: [checkout, load]`). The routes follow
// the original's /api/scenarios, plus starting and stopping a group. The
// globals routes act on the one `globals` store the generators share.

type scenarioView struct {
	Name         string   `json:"name"`
	GeneratorIDs []string `json:"generator_ids"`
	Running      int      `json:"running"`
}

// scenarios reads the startup file's groups: name → generator ids.
func (a *App) scenarios(w http.ResponseWriter) (map[string][]string, bool) {
	entries, ok := a.readStartup(w)
	if !ok {
		return nil, false
	}
	groups := map[string][]string{}
	for _, e := range entries {
		for _, s := range e.Scenarios {
			if !slices.Contains(groups[s], e.ID) {
				groups[s] = append(groups[s], e.ID)
			}
		}
	}
	return groups, true
}

// scenario answers 404 for an unknown group.
func (a *App) scenario(w http.ResponseWriter, r *http.Request) (string, []string, bool) {
	groups, ok := a.scenarios(w)
	if !ok {
		return "", nil, false
	}
	name := r.PathValue("name")
	ids, ok := groups[name]
	if !ok {
		writeError(w, http.StatusNotFound, "no scenario with this name", name)
		return "", nil, false
	}
	return name, ids, true
}

func (a *App) listScenarios(w http.ResponseWriter, r *http.Request) {
	groups, ok := a.scenarios(w)
	if !ok {
		return
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	writeJSON(w, http.StatusOK, names)
}

func (a *App) getScenario(w http.ResponseWriter, r *http.Request) {
	name, ids, ok := a.scenario(w, r)
	if !ok {
		return
	}
	v := scenarioView{Name: name, GeneratorIDs: ids}
	for _, id := range ids {
		if a.Manager.isRunning(id) {
			v.Running++
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// startScenario starts the group's generators that are loaded.
func (a *App) startScenario(w http.ResponseWriter, r *http.Request) {
	_, ids, ok := a.scenario(w, r)
	if !ok {
		return
	}
	running, notRunning := a.Manager.BulkStart(ids, ByAPI)
	writeJSON(w, http.StatusOK, map[string][]string{"running_generator_ids": nonNil(running), "non_running_generator_ids": nonNil(notRunning)})
}

func (a *App) stopScenario(w http.ResponseWriter, r *http.Request) {
	_, ids, ok := a.scenario(w, r)
	if !ok {
		return
	}
	a.Manager.BulkStop(ids)
	writeJSON(w, http.StatusOK, nil)
}

// editScenarios changes the scenarios list of the startup entries that f
// selects: f gets an entry's id and its list, and returns the new list.
func (a *App) editScenarios(f func(id string, list []string) ([]string, error)) error {
	return a.startup.edit(func(list *yaml.Node) error {
		for _, entry := range list.Content {
			if entry.Kind != yaml.MappingNode {
				continue
			}
			id := entryID(entry)
			var cur []string
			var seq *yaml.Node
			for i := 0; i+1 < len(entry.Content); i += 2 {
				if entry.Content[i].Value == "scenarios" {
					seq = entry.Content[i+1]
					_ = seq.Decode(&cur)
				}
			}
			next, err := f(id, cur)
			if err != nil {
				return err
			}
			if slices.Equal(next, cur) {
				continue
			}
			var n yaml.Node
			if err := n.Encode(next); err != nil {
				return err
			}
			n.Style = yaml.FlowStyle
			switch {
			case seq != nil && len(next) > 0:
				*seq = n
			case seq != nil: // empty: drop the key
				for i := 0; i+1 < len(entry.Content); i += 2 {
					if entry.Content[i].Value == "scenarios" {
						entry.Content = append(entry.Content[:i], entry.Content[i+2:]...)
						break
					}
				}
			default:
				entry.Content = append(entry.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "scenarios"}, &n)
			}
		}
		return nil
	})
}

var errAlreadyMember = errors.New("the generator is already in this scenario")

func (a *App) deleteScenario(w http.ResponseWriter, r *http.Request) {
	name, _, ok := a.scenario(w, r)
	if !ok {
		return
	}
	err := a.editScenarios(func(_ string, list []string) ([]string, error) {
		return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == name }), nil
	})
	if err != nil {
		a.startupEditError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, nil)
}

func (a *App) addToScenario(w http.ResponseWriter, r *http.Request) {
	name, id := r.PathValue("name"), r.PathValue("generator_id")
	if name == "" {
		writeError(w, http.StatusBadRequest, "empty scenario name", nil)
		return
	}
	found := false
	err := a.editScenarios(func(eid string, list []string) ([]string, error) {
		if eid != id {
			return list, nil
		}
		found = true
		if slices.Contains(list, name) {
			return nil, errAlreadyMember
		}
		return append(slices.Clone(list), name), nil
	})
	switch {
	case errors.Is(err, errAlreadyMember):
		writeError(w, http.StatusConflict, err.Error(), id)
	case err != nil:
		a.startupEditError(w, err)
	case !found:
		writeError(w, http.StatusNotFound, errEntryNotFound.Error(), id)
	default:
		writeJSON(w, http.StatusCreated, nil)
	}
}

func (a *App) removeFromScenario(w http.ResponseWriter, r *http.Request) {
	name, id := r.PathValue("name"), r.PathValue("generator_id")
	found := false
	err := a.editScenarios(func(eid string, list []string) ([]string, error) {
		if eid != id || !slices.Contains(list, name) {
			return list, nil
		}
		found = true
		return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == name }), nil
	})
	switch {
	case err != nil:
		a.startupEditError(w, err)
	case !found:
		writeError(w, http.StatusNotFound, "the generator is not in this scenario", id)
	default:
		writeJSON(w, http.StatusOK, nil)
	}
}

// ---- the shared globals store ----

func (a *App) getGlobals(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := a.scenario(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, a.Manager.Globals().Snapshot())
}

func (a *App) getGlobal(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := a.scenario(w, r); !ok {
		return
	}
	key := r.PathValue("key")
	v, ok := a.Manager.Globals().Snapshot()[key]
	if !ok {
		writeError(w, http.StatusNotFound, "key not found in global state", key)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *App) patchGlobals(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := a.scenario(w, r); !ok {
		return
	}
	var kv map[string]any
	if !decodeJSON(w, r, &kv) {
		return
	}
	if err := a.Manager.Globals().Update(kv); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "cannot store the values", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, nil)
}

func (a *App) deleteGlobal(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := a.scenario(w, r); !ok {
		return
	}
	a.Manager.Globals().Delete(r.PathValue("key"))
	writeJSON(w, http.StatusOK, nil)
}

func (a *App) clearGlobals(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := a.scenario(w, r); !ok {
		return
	}
	a.Manager.Globals().Clear()
	writeJSON(w, http.StatusOK, nil)
}
