package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// Studio sessions. A browser that logged in through POST /api/auth/login
// holds an HttpOnly, SameSite=Strict cookie; it counts as credentials for
// every check of guard.go. A state-changing request authenticated by the
// cookie must also carry the session's CSRF token in X-CSRF-Token (the
// page reads it from POST /api/auth/login or GET /api/auth/session, which
// only a same-origin script can read); the Origin check stays. Requests
// with an Authorization header are checked as before and need no token.

const (
	sessionCookie = "eventum_session"
	csrfHeader    = "X-CSRF-Token"
	sessionTTL    = 12 * time.Hour
	maxSessions   = 1000
)

type session struct {
	csrf    string
	user    string
	expires time.Time
}

// sessionStore keeps sessions by the SHA-256 of their cookie value, so a
// copy of the store never holds a usable cookie. It is bounded.
type sessionStore struct {
	mu  sync.Mutex
	m   map[[32]byte]*session
	now func() time.Time
}

func newSessionStore() *sessionStore {
	return &sessionStore{m: map[[32]byte]*session{}, now: time.Now}
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session and returns its cookie value.
func (s *sessionStore) create(user string) (cookie string, sess session) {
	cookie = randomToken()
	sess = session{csrf: randomToken(), user: user, expires: s.now().Add(sessionTTL)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= maxSessions {
		s.sweepLocked()
	}
	for k := range s.m { // still full: drop arbitrary ones
		if len(s.m) < maxSessions {
			break
		}
		delete(s.m, k)
	}
	c := sess
	s.m[sha256.Sum256([]byte(cookie))] = &c
	return cookie, sess
}

func (s *sessionStore) sweepLocked() {
	now := s.now()
	for k, v := range s.m {
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
}

// get returns the live session of r's cookie.
func (s *sessionStore) get(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return session{}, false
	}
	key := sha256.Sum256([]byte(c.Value))
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[key]
	if !ok {
		return session{}, false
	}
	if s.now().After(sess.expires) {
		delete(s.m, key)
		return session{}, false
	}
	return *sess, true
}

// drop ends r's session.
func (s *sessionStore) drop(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.m, sha256.Sum256([]byte(c.Value)))
		s.mu.Unlock()
	}
}

// validCSRF compares the request's token with the session's in constant time.
func validCSRF(r *http.Request, sess session) bool {
	got := r.Header.Get(csrfHeader)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) == 1
}

// loginRequest is the body of POST /api/auth/login: user and password, or a token.
type loginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
	Token    string `json:"token"`
}

// sessionInfo answers the auth routes.
type sessionInfo struct {
	AuthRequired  bool   `json:"auth_required"`
	Authenticated bool   `json:"authenticated"`
	User          string `json:"user,omitempty"`
	CSRFToken     string `json:"csrf_token,omitempty"`
}

// login checks the credentials of the body (counted by the failed-login
// limiter like any other) and starts a session.
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	auth := a.guards().auth
	if !auth.required() {
		writeJSON(w, http.StatusOK, sessionInfo{Authenticated: true})
		return
	}
	addr := clientAddr(r)
	if wait := auth.fails.blocked(addr); wait > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(wait))
		writeError(w, http.StatusTooManyRequests, "too many failed authentications", "retry after "+retryAfterSeconds(wait)+" seconds")
		return
	}
	// The same check as an Authorization header carrying these credentials.
	probe, _ := http.NewRequest(http.MethodGet, "/", nil)
	if req.Token != "" {
		probe.Header.Set("Authorization", "Bearer "+req.Token)
	} else {
		probe.SetBasicAuth(req.User, req.Password)
	}
	h := probe.Header.Get("Authorization")
	if !auth.valid(h, probe) {
		auth.fails.fail(addr, h)
		writeError(w, http.StatusUnauthorized, "wrong credentials", nil)
		return
	}
	auth.fails.forget(addr)
	cookie, sess := a.sessions.create(req.User)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: cookie, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: int(sessionTTL / time.Second),
	})
	writeJSON(w, http.StatusOK, sessionInfo{AuthRequired: true, Authenticated: true, User: sess.user, CSRFToken: sess.csrf})
}

// logout ends the session (the guard already required its CSRF token).
func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	a.sessions.drop(r)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, nil)
}

// sessionState tells the page whether it must log in, and gives a logged
// in page its CSRF token.
func (a *App) sessionState(w http.ResponseWriter, r *http.Request) {
	g := a.guards()
	info := sessionInfo{AuthRequired: g.auth.required()}
	if !info.AuthRequired {
		info.Authenticated = true
	} else if sess, ok := a.sessions.get(r); ok {
		info.Authenticated, info.User, info.CSRFToken = true, sess.user, sess.csrf
	} else if h := r.Header.Get("Authorization"); h != "" && g.auth.valid(h, r) {
		info.Authenticated = true
	}
	writeJSON(w, http.StatusOK, info)
}
