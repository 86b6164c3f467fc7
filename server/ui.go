package server

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

// The Studio: a single page served from assets embedded in the binary
// (server/ui/dist, built from server/ui/src by `make ui`; users need no
// Node). It talks to the API of this server only.

//go:embed all:ui/dist
var uiDist embed.FS

// uiFiles is the built bundle.
var uiFiles, _ = fs.Sub(uiDist, "ui/dist")

// uiRoutes are the Studio's pages and assets. They are not API routes (not
// in the OpenAPI document) and do their own checks: the Host check always;
// the page itself only with credentials (a session cookie counts); without
// them, the login page and its assets only.
func (a *App) uiRoutes() []route {
	if !a.Settings.Server.UI.Enabled {
		return nil
	}
	return []route{
		{method: "GET", path: "/{$}", handler: a.studioPage, public: true},
		{method: "GET", path: "/ui/{$}", handler: a.studioPage, public: true},
		{method: "GET", path: "/login", handler: a.loginPage, public: true},
		{method: "GET", path: "/ui/assets/{file}", handler: a.studioAsset, public: true},
	}
}

// pageHeaders keep the page from being framed or loading anything foreign.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
}

func (a *App) hostRefused(w http.ResponseWriter, r *http.Request) bool {
	if a.guards().hosts.allow(r) {
		return false
	}
	writeError(w, http.StatusForbidden, "host not allowed", "the Host header does not name this server: add it to server.allowed_hosts")
	return true
}

// authenticated reports whether r carries credentials: a session cookie,
// or a valid Authorization header (a failure counts for the limiter).
func (a *App) authenticated(r *http.Request) bool {
	g := a.guards()
	if !g.auth.required() {
		return true
	}
	if _, ok := a.sessions.get(r); ok && r.Header.Get("Authorization") == "" {
		return true
	}
	code, _ := g.auth.check(r)
	return code == 0
}

func (a *App) studioPage(w http.ResponseWriter, r *http.Request) {
	if a.hostRefused(w, r) {
		return
	}
	if !a.authenticated(r) {
		// The login page, with a basic-auth challenge when basic
		// credentials are configured: a browser given user-info in the
		// URL (or its dialog) answers it; cancelling shows the form.
		if a.guards().auth.basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="eventum", charset="UTF-8"`)
		}
		a.serveFile(w, r, "login.html", http.StatusUnauthorized)
		return
	}
	a.serveFile(w, r, "index.html", http.StatusOK)
}

func (a *App) loginPage(w http.ResponseWriter, r *http.Request) {
	if a.hostRefused(w, r) {
		return
	}
	a.serveFile(w, r, "login.html", http.StatusOK)
}

func (a *App) studioAsset(w http.ResponseWriter, r *http.Request) {
	if a.hostRefused(w, r) {
		return
	}
	name := r.PathValue("file")
	if name == "index.html" || name == "login.html" || !fs.ValidPath(name) {
		writeError(w, http.StatusNotFound, "not found", r.URL.Path)
		return
	}
	a.serveFile(w, r, name, http.StatusOK)
}

// gzipped holds the compressed assets, made once on first use.
var gzipped sync.Map // name → []byte

func gzipAsset(name string, data []byte) []byte {
	if v, ok := gzipped.Load(name); ok {
		return v.([]byte)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(data)
	_ = zw.Close()
	gzipped.Store(name, buf.Bytes())
	return buf.Bytes()
}

func (a *App) serveFile(w http.ResponseWriter, r *http.Request, name string, code int) {
	data, err := fs.ReadFile(uiFiles, name)
	if err != nil {
		writeError(w, http.StatusNotFound, "not found", name)
		return
	}
	pageHeaders(w)
	w.Header().Add("Vary", "Accept-Encoding")
	if len(data) > 1024 && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		data = gzipAsset(name, data)
		w.Header().Set("Content-Encoding", "gzip")
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(code)
	_, _ = w.Write(data)
}
