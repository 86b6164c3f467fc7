package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/eventum-generator/eventum-go/config"
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
	public       bool   // no authentication (healthz)
	maxBody      int64  // body limit; 0 means server.max_body_bytes
}

// Handler is the HTTP handler of the API, /metrics and /healthz.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	auth := newAuthenticator(a.Settings.Server)
	for _, rt := range a.routes() {
		rt := rt
		limit := rt.maxBody
		if limit == 0 {
			limit = a.Settings.Server.MaxBodyBytes
		}
		h := http.Handler(rt.handler)
		mux.Handle(rt.method+" "+rt.path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !rt.public && !auth.allow(r) {
				w.Header().Set("WWW-Authenticate", `Basic realm="eventum", charset="UTF-8"`)
				writeError(w, http.StatusUnauthorized, "authentication required", nil)
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

// authRequired reports whether the API needs credentials: always, unless
// the server is bound to a loopback address only.
func authRequired(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip == nil || !ip.IsLoopback()
}

// checkAuth refuses to serve a non-loopback address without credentials.
func checkAuth(s ServerSettings) error {
	if authRequired(s.Host) && s.Auth.Token == "" && (s.Auth.User == "" || s.Auth.Password == "") {
		return fmt.Errorf("server.host %q is not a loopback address: set server.auth.user and server.auth.password, or server.auth.token", s.Host)
	}
	return nil
}

// authenticator checks HTTP basic credentials or a bearer token. Secrets
// are compared as SHA-256 digests in constant time.
type authenticator struct {
	required   bool
	user, pass [32]byte
	basic      bool
	token      [32]byte
	bearer     bool
}

func newAuthenticator(s ServerSettings) *authenticator {
	a := &authenticator{required: authRequired(s.Host)}
	if s.Auth.User != "" && s.Auth.Password != "" {
		a.basic = true
		a.user, a.pass = sha256.Sum256([]byte(s.Auth.User)), sha256.Sum256([]byte(s.Auth.Password))
	}
	if s.Auth.Token != "" {
		a.bearer = true
		a.token = sha256.Sum256([]byte(s.Auth.Token))
	}
	return a
}

// allow decides whether the request may proceed.
func (a *authenticator) allow(r *http.Request) bool {
	if !a.required {
		return true
	}
	h := r.Header.Get("Authorization")
	if a.bearer && len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		t := sha256.Sum256([]byte(strings.TrimSpace(h[7:])))
		return subtle.ConstantTimeCompare(t[:], a.token[:]) == 1
	}
	if u, p, ok := r.BasicAuth(); ok && a.basic {
		uh, ph := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
		return subtle.ConstantTimeCompare(uh[:], a.user[:])&subtle.ConstantTimeCompare(ph[:], a.pass[:]) == 1
	}
	return false
}
