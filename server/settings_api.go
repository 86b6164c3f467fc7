package server

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
)

// PUT /api/instance/settings: the body (the JSON that GET answers, edited)
// is decoded strictly and validated like the file itself, then written to
// the application config file; it takes effect when the instance is
// restarted (the process, not the generators). The credentials are never
// sent by GET: server.auth.password and server.auth.token are kept as the
// file has them (a ${secrets.x} reference stays one) unless the body sets
// them.

func (a *App) putSettings(w http.ResponseWriter, r *http.Request) {
	file := a.Settings.File
	if file == "" {
		writeError(w, http.StatusConflict, "the settings did not come from a file", "nothing to update")
		return
	}
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	node, err := jsonNode(data)
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON", err.Error())
		return
	}
	old, err := os.ReadFile(file)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot read the application config", err.Error())
		return
	}
	var oldRoot yaml.Node
	if err := yaml.Unmarshal(old, &oldRoot); err != nil || len(oldRoot.Content) == 0 {
		writeError(w, http.StatusInternalServerError, "cannot parse the application config", fmt.Sprint(err))
		return
	}
	for _, key := range []string{"password", "token"} {
		if findKey(node, "server", "auth", key) != nil {
			continue
		}
		if v := findKey(oldRoot.Content[0], "server", "auth", key); v != nil {
			auth := ensureMap(ensureMap(node, "server"), "auth")
			auth.Content = append(auth.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
		}
	}
	blockStyle(node)
	var buf bytes.Buffer
	buf.WriteString("# Application config, written by PUT /api/instance/settings (the Studio's Instance page).\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(node); err != nil {
		writeError(w, http.StatusInternalServerError, "cannot encode the settings", err.Error())
		return
	}
	// The same checks as at start (secrets are not resolved here).
	doc, err := config.Parse(file, buf.Bytes(), config.Vars{Secret: placeholderSecret, Redactor: config.NewRedactor()})
	if err == nil {
		s := DefaultSettings()
		if err = doc.Decode(&s); err == nil {
			s.resolvePaths(doc.Dir)
			err = s.Validate()
		}
	}
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid settings", errorDetails(stripFile(err, file)))
		return
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		writeError(w, http.StatusInternalServerError, "cannot write the application config", err.Error())
		return
	}
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		writeError(w, http.StatusInternalServerError, "cannot write the application config", err.Error())
		return
	}
	a.Log.Info("application settings updated through the API: restart to apply", "file", filepath.Base(file))
	writeJSON(w, http.StatusOK, nil)
}

// stripFile drops the file name from messages about the body (its lines
// are those of the written YAML, not of the request).
func stripFile(err error, file string) error {
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), file+":", "settings:"))
}

// findKey finds parts under a mapping, where a key may be dotted
// (`server.auth.password: x`, `server.auth: {password: x}` or nested).
func findKey(n *yaml.Node, parts ...string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := len(parts); i >= 1; i-- {
		key := strings.Join(parts[:i], ".")
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value != key {
				continue
			}
			if i == len(parts) {
				return n.Content[j+1]
			}
			if v := findKey(n.Content[j+1], parts[i:]...); v != nil {
				return v
			}
		}
	}
	return nil
}

// ensureMap returns the mapping under key, adding it when missing.
func ensureMap(n *yaml.Node, key string) *yaml.Node {
	for j := 0; j+1 < len(n.Content); j += 2 {
		if n.Content[j].Value == key && n.Content[j+1].Kind == yaml.MappingNode {
			return n.Content[j+1]
		}
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, m)
	return m
}
