package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/eventum-go/eventum/config"
)

// route is one endpoint; the table of routes builds both the mux and the
// OpenAPI document.
type route struct {
	method, path string // path in http.ServeMux syntax
	summary      string
	tag          string
	handler      http.HandlerFunc
	body         string // request body schema ("" none; "binary" raw bytes)
	response     string // 2xx response schema ("" none)
	status       int    // success status (default 200)
	errors       []int  // documented error statuses
	public       bool   // no Host check, no authentication (healthz, openapi.json)
	login        bool   // the Studio's login: every check but authentication
	stream       bool   // a long-lived answer (server-sent events)
	maxBody      int64  // body limit; 0 means server.max_body_bytes
}

// Handler is the HTTP handler of the API, /metrics and /healthz.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	g := a.guards()
	for _, rt := range slices.Concat(a.routes(), a.mcpRoutes(), a.uiRoutes()) {
		rt := rt
		limit := rt.maxBody
		if limit == 0 {
			limit = a.Settings.Server.MaxBodyBytes
		}
		h := http.Handler(rt.handler)
		mux.Handle(rt.method+" "+rt.path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !rt.public && !a.guard(w, r, rt, g) {
				return
			}
			if r.ContentLength > limit {
				writeError(w, http.StatusRequestEntityTooLarge, "request body too large", fmt.Sprintf("the limit is %d bytes", limit))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			h.ServeHTTP(w, r)
		}))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				a.Log.Error("API handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
				writeError(w, http.StatusInternalServerError, "internal error", nil)
			}
		}()
		if _, pattern := mux.Handler(r); pattern == "" {
			// No route: answer the mux's 404/405 as JSON.
			rec := &statusRecorder{header: http.Header{}}
			mux.ServeHTTP(rec, r)
			if allow := rec.header.Get("Allow"); allow != "" {
				w.Header().Set("Allow", allow)
			}
			code := rec.code
			if code == 0 || code == http.StatusOK {
				code = http.StatusNotFound
			}
			msg := "not found"
			if code == http.StatusMethodNotAllowed {
				msg = "method not allowed"
			}
			writeError(w, code, msg, r.Method+" "+r.URL.Path)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// guard runs the security checks of guard.go; it answers the refusal
// itself and returns false.
func (a *App) guard(w http.ResponseWriter, r *http.Request, rt route, g *guardSet) bool {
	if !g.hosts.allow(r) {
		writeError(w, http.StatusForbidden, "host not allowed",
			fmt.Sprintf("the Host header %q does not name this server: use localhost or 127.0.0.1, or add the name to server.allowed_hosts", r.Host))
		return false
	}
	// A Studio session cookie stands for credentials when the request
	// carries no Authorization header (session.go).
	var sess session
	viaSession := false
	if !rt.login && g.auth.required() && r.Header.Get("Authorization") == "" {
		sess, viaSession = a.sessions.get(r)
	}
	if !rt.login && !viaSession {
		switch code, wait := g.auth.check(r); code {
		case 0:
		case http.StatusTooManyRequests:
			w.Header().Set("Retry-After", retryAfterSeconds(wait))
			writeError(w, code, "too many failed authentications", fmt.Sprintf("%d failures from this address in %s: retry after %s seconds", maxAuthFailures, authFailureWindow, retryAfterSeconds(wait)))
			return false
		default:
			// The Studio's own requests get no challenge: the browser
			// would answer it with its basic-auth dialog.
			if r.Header.Get("X-Requested-With") != studioRequestedWith {
				w.Header().Set("WWW-Authenticate", `Basic realm="eventum", charset="UTF-8"`)
			}
			writeError(w, code, "authentication required", nil)
			return false
		}
	}
	if !stateChanging(r.Method) {
		return true
	}
	if !g.origins.allow(r) {
		writeError(w, http.StatusForbidden, "cross-origin request refused",
			fmt.Sprintf("Origin %q is not this server's: add it to server.allowed_origins to allow it", r.Header.Get("Origin")))
		return false
	}
	if err := checkContentType(rt, r); err != nil {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported content type", err.Error())
		return false
	}
	if viaSession && !validCSRF(r, sess) {
		writeError(w, http.StatusForbidden, "missing or wrong CSRF token",
			"a request authenticated by the Studio's session cookie must carry the session's token in "+csrfHeader)
		return false
	}
	return true
}

// studioRequestedWith marks the Studio's API requests (X-Requested-With).
const studioRequestedWith = "eventum-studio"

// guardSet holds the checks of guard.go, built once from the settings.
type guardSet struct {
	auth    *authenticator
	hosts   *hostGuard
	origins *originGuard
}

func (a *App) guards() *guardSet {
	a.guardOnce.Do(func() {
		s := a.Settings.Server
		a.guardSet = &guardSet{auth: newAuthenticator(s), hosts: newHostGuard(s), origins: newOriginGuard(s)}
		if a.sessions == nil {
			a.sessions = newSessionStore()
		}
	})
	return a.guardSet
}

// statusRecorder captures the status of the mux's own 404/405 answers.
type statusRecorder struct {
	header http.Header
	code   int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(code int)        { s.code = code }

// apiError is the body of every error answer.
type apiError struct {
	Error   string `json:"error"`
	Details any    `json:"details"`
}

func writeError(w http.ResponseWriter, code int, msg string, details any) {
	// Error answers quote config values: secrets and URL user info are
	// hidden (config.Redact), as in everything else the program prints.
	switch d := details.(type) {
	case string:
		details = config.Redact(d)
	case []string:
		red := make([]string, len(d))
		for i, s := range d {
			red[i] = config.Redact(s)
		}
		details = red
	}
	writeJSON(w, code, apiError{Error: config.Redact(msg), Details: details})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// errorDetails lists the individual problems of err (config errors name
// file, line and key).
func errorDetails(err error) any {
	var lines []string
	for _, e := range flatten(err) {
		lines = append(lines, strings.Split(e.Error(), "\n")...)
	}
	if len(lines) == 1 {
		return lines[0]
	}
	return lines
}

func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// readBody reads the whole body within its limit; it answers 413 itself
// and returns ok=false.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body too large", fmt.Sprintf("the limit is %d bytes", mbe.Limit))
		} else {
			writeError(w, http.StatusBadRequest, "cannot read request body", err.Error())
		}
		return nil, false
	}
	return data, true
}

// decodeJSON reads a JSON body into v; on failure it answers 400/413 and
// returns false.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	data, ok := readBody(w, r)
	if !ok {
		return false
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		writeError(w, http.StatusBadRequest, "request body is empty", "expected JSON")
		return false
	}
	if err := json.Unmarshal(data, v); err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON", err.Error())
		return false
	}
	return true
}
