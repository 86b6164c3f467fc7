package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/inputs"
	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/scripts"
)

// Every file operation of this API goes through an os.Root opened on the
// generators directory (then on one generator's directory), which refuses
// any path — `..`, absolute, or through a symbolic link — leading outside it.

// errOutside answers paths that try to leave the generator directory.
var errOutside = errors.New("accessing files outside the generator directory is not allowed")

// validDirName accepts one plain path element.
func validDirName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\\\x00") && filepath.IsLocal(name)
}

// validRelPath accepts a slash-separated relative path staying inside its root.
func validRelPath(p string) bool {
	if p == "" || strings.ContainsAny(p, "\\\x00") || path.IsAbs(p) {
		return false
	}
	return filepath.IsLocal(filepath.FromSlash(p))
}

func (a *App) generatorsRoot() (*os.Root, error) {
	if err := os.MkdirAll(a.Settings.Path.GeneratorsDir, 0o755); err != nil {
		return nil, err
	}
	return os.OpenRoot(a.Settings.Path.GeneratorsDir)
}

// genDir opens the generator directory {name}; it answers 403 for a bad
// name and 404 when the directory holds no generator config (unless
// mustExist is false).
func (a *App) genDir(w http.ResponseWriter, r *http.Request, mustExist bool) (*os.Root, bool) {
	name := r.PathValue("name")
	if !validDirName(name) {
		writeError(w, http.StatusForbidden, errOutside.Error(), name)
		return nil, false
	}
	root, err := a.generatorsRoot()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot open path.generators_dir", err.Error())
		return nil, false
	}
	defer root.Close()
	sub, err := root.OpenRoot(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !mustExist {
			return nil, true
		}
		if errors.Is(err, fs.ErrNotExist) {
			writeError(w, http.StatusNotFound, "no generator directory with this name", name)
		} else {
			writeError(w, http.StatusForbidden, errOutside.Error(), name)
		}
		return nil, false
	}
	if mustExist {
		if _, err := sub.Stat(a.Settings.Path.GeneratorConfigFilename); err != nil {
			sub.Close()
			writeError(w, http.StatusNotFound, "no generator config in this directory", name)
			return nil, false
		}
	}
	return sub, true
}

type dirInfo struct {
	Name         string   `json:"name"`
	SizeInBytes  *int64   `json:"size_in_bytes"`
	LastModified *float64 `json:"last_modified"`
	GeneratorIDs []string `json:"generator_ids"`
}

func (a *App) listConfigDirs(w http.ResponseWriter, r *http.Request) {
	root, err := a.generatorsRoot()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot open path.generators_dir", err.Error())
		return
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot list path.generators_dir", err.Error())
		return
	}
	names := []string{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if fi, err := root.Stat(e.Name() + "/" + a.Settings.Path.GeneratorConfigFilename); err == nil && fi.Mode().IsRegular() {
			names = append(names, e.Name())
		}
	}
	if r.URL.Query().Get("extended") != "true" {
		writeJSON(w, http.StatusOK, names)
		return
	}
	ids := map[string][]string{}
	for _, info := range a.Manager.List() {
		dir := filepath.Base(filepath.Dir(a.Manager.ConfigPath(info.Entry)))
		ids[dir] = append(ids[dir], info.ID)
	}
	out := []dirInfo{}
	for _, n := range names {
		d := dirInfo{Name: n, GeneratorIDs: nonNil(ids[n])}
		var size int64
		var mod time.Time
		err := fs.WalkDir(root.FS(), n, func(_ string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := de.Info()
			if err != nil {
				return err
			}
			if fi.Mode().IsRegular() {
				size += fi.Size()
			}
			if fi.ModTime().After(mod) {
				mod = fi.ModTime()
			}
			return nil
		})
		if err == nil {
			t := float64(mod.UnixNano()) / 1e9
			d.SizeInBytes, d.LastModified = &size, &t
		}
		out = append(out, d)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *App) getConfig(w http.ResponseWriter, r *http.Request) {
	dir, ok := a.genDir(w, r, true)
	if !ok {
		return
	}
	defer dir.Close()
	f, err := dir.Open(a.Settings.Path.GeneratorConfigFilename)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot read the generator config", err.Error())
		return
	}
	data, err := config.ReadAllFile(f, a.Settings.Path.GeneratorConfigFilename) // within the file size cap
	f.Close()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot read the generator config", err.Error())
		return
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "the generator config is not valid YAML", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, jsonable(v))
}

// jsonable turns YAML-decoded values into ones encoding/json accepts.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
		return x
	case time.Time:
		return x.Format(time.RFC3339Nano)
	}
	return v
}

// configYAML validates a generator config sent as JSON and renders it as
// YAML. Plugin names must be known and each plugin's settings must decode;
// ${params.x}/${secrets.x} stay unresolved (they are resolved at start).
func configYAML(data []byte) ([]byte, error) {
	node, err := jsonNode(data)
	if err != nil {
		return nil, errBadJSON{err}
	}
	var g config.Generator
	if err := config.Decode("request body", "", node, &g); err != nil {
		return nil, err
	}
	var errs []error
	if len(g.Input) == 0 {
		errs = append(errs, errors.New("input: at least one input plugin is required"))
	}
	if len(g.Output) == 0 {
		errs = append(errs, errors.New("output: at least one output plugin is required"))
	}
	check := func(p config.Plugin, known func(string) bool, kind string) {
		if !known(p.Name) {
			errs = append(errs, p.Errorf("unknown %s plugin %q", kind, p.Name))
		}
	}
	for _, p := range g.Input {
		check(p, func(n string) bool { _, ok := inputs.Registry.Lookup(n); return ok }, "input")
	}
	check(g.Event, func(n string) bool { _, ok := scripts.Registry.Lookup(n); return ok }, "event")
	for _, p := range g.Output {
		check(p, func(n string) bool { _, ok := outputs.Registry.Lookup(n); return ok }, "output")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	blockStyle(node)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(node); err != nil {
		return nil, err
	}
	_ = enc.Close()
	return buf.Bytes(), nil
}

type errBadJSON struct{ error }

func (a *App) writeConfig(w http.ResponseWriter, r *http.Request, create bool) {
	name := r.PathValue("name")
	dir, ok := a.genDir(w, r, !create)
	if !ok {
		return
	}
	if dir != nil {
		defer dir.Close()
	}
	if create && dir != nil {
		if _, err := dir.Stat(a.Settings.Path.GeneratorConfigFilename); err == nil {
			writeError(w, http.StatusConflict, "a generator config already exists in this directory", name)
			return
		}
	}
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	out, err := configYAML(data)
	if err != nil {
		var bj errBadJSON
		if errors.As(err, &bj) {
			writeError(w, http.StatusBadRequest, "malformed JSON", bj.Error())
		} else {
			writeError(w, http.StatusUnprocessableEntity, "invalid generator config", errorDetails(err))
		}
		return
	}
	if dir == nil {
		root, err := a.generatorsRoot()
		if err != nil {
			writeError(w, http.StatusInternalServerError, "cannot open path.generators_dir", err.Error())
			return
		}
		defer root.Close()
		if err := root.Mkdir(name, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			writeError(w, http.StatusInternalServerError, "cannot create the generator directory", err.Error())
			return
		}
		if dir, err = root.OpenRoot(name); err != nil {
			writeError(w, http.StatusForbidden, errOutside.Error(), name)
			return
		}
		defer dir.Close()
	}
	if err := dir.WriteFile(a.Settings.Path.GeneratorConfigFilename, out, 0o644); err != nil {
		writeError(w, http.StatusInternalServerError, "cannot write the generator config", err.Error())
		return
	}
	code := http.StatusOK
	if create {
		code = http.StatusCreated
	}
	writeJSON(w, code, nil)
}

func (a *App) createConfig(w http.ResponseWriter, r *http.Request) { a.writeConfig(w, r, true) }
func (a *App) updateConfig(w http.ResponseWriter, r *http.Request) { a.writeConfig(w, r, false) }

func (a *App) deleteConfigDir(w http.ResponseWriter, r *http.Request) {
	dir, ok := a.genDir(w, r, true)
	if !ok {
		return
	}
	dir.Close()
	name := r.PathValue("name")
	for _, info := range a.Manager.List() {
		p := a.Manager.ConfigPath(info.Entry)
		if filepath.Base(filepath.Dir(p)) == name && info.Status.State == StateRunning {
			writeError(w, http.StatusConflict, "a running generator uses this directory", info.ID)
			return
		}
	}
	root, err := a.generatorsRoot()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot open path.generators_dir", err.Error())
		return
	}
	defer root.Close()
	if err := root.RemoveAll(name); err != nil {
		writeError(w, http.StatusInternalServerError, "cannot delete the generator directory", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, nil)
}

func (a *App) configPath(w http.ResponseWriter, r *http.Request) {
	dir, ok := a.genDir(w, r, true)
	if !ok {
		return
	}
	dir.Close()
	writeJSON(w, http.StatusOK, r.PathValue("name")+"/"+a.Settings.Path.GeneratorConfigFilename)
}

type fileNode struct {
	Name     string      `json:"name"`
	IsDir    bool        `json:"is_dir"`
	Children []*fileNode `json:"children,omitempty"`
}

func (a *App) fileTree(w http.ResponseWriter, r *http.Request) {
	dir, ok := a.genDir(w, r, true)
	if !ok {
		return
	}
	defer dir.Close()
	var walk func(p string, depth int) ([]*fileNode, error)
	walk = func(p string, depth int) ([]*fileNode, error) {
		entries, err := fs.ReadDir(dir.FS(), p)
		if err != nil {
			return nil, err
		}
		nodes := []*fileNode{}
		for _, e := range entries {
			n := &fileNode{Name: e.Name(), IsDir: e.IsDir()}
			if e.IsDir() && depth < 32 {
				if n.Children, err = walk(path.Join(p, e.Name()), depth+1); err != nil {
					return nil, err
				}
			}
			nodes = append(nodes, n)
		}
		return nodes, nil
	}
	nodes, err := walk(".", 0)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot list the generator directory", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, nodes)
}

// filePath checks {path} and opens the generator directory.
func (a *App) filePath(w http.ResponseWriter, r *http.Request) (*os.Root, string, bool) {
	p := r.PathValue("path")
	if !validRelPath(p) {
		writeError(w, http.StatusForbidden, errOutside.Error(), p)
		return nil, "", false
	}
	dir, ok := a.genDir(w, r, true)
	if !ok {
		return nil, "", false
	}
	return dir, p, true
}

// fsError maps file errors: escapes (os.Root refuses them) are 403.
func fsError(w http.ResponseWriter, err error, what string) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		writeError(w, http.StatusNotFound, "file does not exist", nil)
	case errors.Is(err, fs.ErrExist):
		writeError(w, http.StatusConflict, "file already exists", nil)
	case strings.Contains(err.Error(), "escapes from parent") || strings.Contains(err.Error(), "path escapes"):
		writeError(w, http.StatusForbidden, errOutside.Error(), nil)
	default:
		writeError(w, http.StatusInternalServerError, what, err.Error())
	}
}

func (a *App) readFile(w http.ResponseWriter, r *http.Request) {
	dir, p, ok := a.filePath(w, r)
	if !ok {
		return
	}
	defer dir.Close()
	f, err := dir.Open(p)
	if err != nil {
		fsError(w, err, "cannot read the file")
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		writeError(w, http.StatusNotFound, "file does not exist", nil)
		return
	}
	ct := mime.TypeByExtension(path.Ext(p))
	if ct == "" || !strings.HasPrefix(ct, "text/") {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("download") == "true" {
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(p)}))
	}
	_, _ = io.Copy(w, f)
}

// uploadContent is the body, or the multipart field `content` (the
// original's upload form).
func uploadContent(w http.ResponseWriter, r *http.Request) (io.Reader, func(), bool) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			writeError(w, http.StatusBadRequest, "malformed multipart body", err.Error())
			return nil, nil, false
		}
		for {
			part, err := mr.NextPart()
			if err != nil {
				writeError(w, http.StatusBadRequest, "multipart body has no `content` field", nil)
				return nil, nil, false
			}
			if part.FormName() == "content" {
				return part, func() { part.Close() }, true
			}
			part.Close()
		}
	}
	return r.Body, func() {}, true
}

func (a *App) createFile(w http.ResponseWriter, r *http.Request) { a.storeFile(w, r, true) }
func (a *App) putFile(w http.ResponseWriter, r *http.Request)    { a.storeFile(w, r, false) }

// storeFile writes the upload to a temporary file next to the target and
// renames it into place, so an oversized or broken upload changes nothing.
func (a *App) storeFile(w http.ResponseWriter, r *http.Request, create bool) {
	dir, p, ok := a.filePath(w, r)
	if !ok {
		return
	}
	defer dir.Close()
	fi, err := dir.Stat(p)
	switch {
	case create && err == nil:
		writeError(w, http.StatusConflict, "file already exists", nil)
		return
	case !create && err != nil:
		fsError(w, err, "cannot replace the file")
		return
	case !create && !fi.Mode().IsRegular():
		writeError(w, http.StatusConflict, "not a regular file", nil)
		return
	case create && !errors.Is(err, fs.ErrNotExist):
		fsError(w, err, "cannot create the file")
		return
	}
	body, done, ok := uploadContent(w, r)
	if !ok {
		return
	}
	defer done()
	if parent := path.Dir(p); parent != "." {
		if err := dir.MkdirAll(parent, 0o755); err != nil {
			fsError(w, err, "cannot create the folder")
			return
		}
	}
	tmp := path.Join(path.Dir(p), fmt.Sprintf(".upload-%d-%s", time.Now().UnixNano(), path.Base(p)))
	f, err := dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		fsError(w, err, "cannot write the file")
		return
	}
	_, err = io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = dir.Rename(tmp, p)
	}
	if err != nil {
		_ = dir.Remove(tmp)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body too large", fmt.Sprintf("the limit is %d bytes", mbe.Limit))
			return
		}
		fsError(w, err, "cannot write the file")
		return
	}
	code := http.StatusOK
	if create {
		code = http.StatusCreated
	}
	writeJSON(w, code, nil)
}

func (a *App) deleteFile(w http.ResponseWriter, r *http.Request) {
	dir, p, ok := a.filePath(w, r)
	if !ok {
		return
	}
	defer dir.Close()
	if _, err := dir.Lstat(p); err != nil {
		fsError(w, err, "cannot delete the file")
		return
	}
	if err := dir.RemoveAll(p); err != nil {
		fsError(w, err, "cannot delete the file")
		return
	}
	writeJSON(w, http.StatusOK, nil)
}
