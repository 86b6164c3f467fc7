package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The checks every request passes before its handler, in this order (see
// docs/server.md, "Security model"):
//
//  1. Host: without credentials (and whenever server.allowed_hosts is set)
//     the Host header must name this server — localhost, 127.0.0.1, ::1,
//     server.host or an allowed host — against DNS rebinding (403).
//  2. Credentials, when configured, on every route but the public ones
//     (401); repeated failures from one address answer 429.
//  3. State-changing methods: a foreign Origin is refused (403), and the
//     body must be JSON, or multipart/octet-stream on the upload routes
//     (415). A browser sends JSON or octet-stream cross-site only after a
//     preflight, which this server never grants (no CORS headers); a
//     cross-site multipart form carries its Origin, which is refused.

// isLoopbackHost reports whether a bind address is loopback only.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// hasCredentials reports whether user/password or a token are configured.
func hasCredentials(s ServerSettings) bool {
	return s.Auth.Token != "" || s.Auth.User != "" && s.Auth.Password != ""
}

// checkAuth refuses, at start, to serve a non-loopback address without credentials.
func checkAuth(s ServerSettings) error {
	if hasCredentials(s) || isLoopbackHost(s.Host) {
		return nil
	}
	return fmt.Errorf("server.host %q is not a loopback address and no credentials are configured: "+
		"set server.auth.user and server.auth.password, or server.auth.token (none are built in), or bind to 127.0.0.1", s.Host)
}

// hostGuard checks the Host header (DNS-rebinding defence).
type hostGuard struct {
	on      bool
	allowed map[string]bool
}

// hostName lowers a host and drops its port and IPv6 brackets.
func hostName(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.ToLower(strings.Trim(h, "[]"))
}

func newHostGuard(s ServerSettings) *hostGuard {
	g := &hostGuard{on: !hasCredentials(s) || len(s.AllowedHosts) > 0, allowed: map[string]bool{}}
	for _, h := range append([]string{"localhost", "127.0.0.1", "::1", s.Host}, s.AllowedHosts...) {
		g.allowed[hostName(h)] = true
	}
	return g
}

func (g *hostGuard) allow(r *http.Request) bool {
	return !g.on || g.allowed[hostName(r.Host)]
}

// authenticator checks HTTP basic credentials or a bearer token. Secrets
// are compared as SHA-256 digests in constant time. With no credentials
// configured it lets every request through and ignores Authorization.
type authenticator struct {
	basic      bool
	user, pass [32]byte
	bearer     bool
	token      [32]byte
	fails      *failLimiter
}

func newAuthenticator(s ServerSettings) *authenticator {
	a := &authenticator{fails: newFailLimiter(maxAuthFailures, authFailureWindow, time.Now)}
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

// required reports whether credentials are configured (and so required).
func (a *authenticator) required() bool { return a.basic || a.bearer }

// valid checks the Authorization header.
func (a *authenticator) valid(h string, r *http.Request) bool {
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

// check decides whether the request may proceed: 0, or 401 or 429 (with
// the seconds to wait).
func (a *authenticator) check(r *http.Request) (code int, retryAfter time.Duration) {
	if !a.required() {
		return 0, 0
	}
	addr := clientAddr(r)
	if wait := a.fails.blocked(addr); wait > 0 {
		return http.StatusTooManyRequests, wait
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return http.StatusUnauthorized, 0 // no attempt: nothing to count
	}
	if a.valid(h, r) {
		a.fails.forget(addr)
		return 0, 0
	}
	a.fails.fail(addr, h)
	return http.StatusUnauthorized, 0
}

// clientAddr is the address of the peer (behind a proxy: the proxy's).
func clientAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// Failed logins: after maxAuthFailures failures from one client address
// within authFailureWindow, that address gets 429 until the oldest of them
// is a window old.
const (
	maxAuthFailures   = 10
	authFailureWindow = time.Minute
	maxTrackedClients = 10000
)

// failLimiter counts failed authentications per client address. The same
// wrong credentials sent again count once (a client retrying a stale
// password learns nothing new and is not locked out by it; a guesser,
// who must vary them, is). Credentials are kept only as a keyed hash.
type failLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time
	key    []byte // HMAC key of the credential digests, random per process

	mu      sync.Mutex
	clients map[string]*failures
}

type failures struct {
	at    []time.Time // oldest first
	creds [][32]byte  // the credentials of each failure
}

func newFailLimiter(max int, window time.Duration, now func() time.Time) *failLimiter {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &failLimiter{max: max, window: window, now: now, key: key, clients: map[string]*failures{}}
}

// expire drops the failures older than the window (l.mu held).
func (l *failLimiter) expire(f *failures, now time.Time) {
	i := 0
	for i < len(f.at) && now.Sub(f.at[i]) >= l.window {
		i++
	}
	f.at, f.creds = f.at[i:], f.creds[i:]
}

// blocked returns how long addr must wait, or 0.
func (l *failLimiter) blocked(addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.clients[addr]
	if f == nil {
		return 0
	}
	now := l.now()
	l.expire(f, now)
	if len(f.at) == 0 {
		delete(l.clients, addr)
		return 0
	}
	if len(f.at) < l.max {
		return 0
	}
	return f.at[len(f.at)-l.max].Add(l.window).Sub(now)
}

// fail records a failure of addr with the credentials header h.
func (l *failLimiter) fail(addr, h string) {
	mac := hmac.New(sha256.New, l.key)
	mac.Write([]byte(h))
	var sum [32]byte
	copy(sum[:], mac.Sum(nil))

	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f := l.clients[addr]
	if f == nil {
		if len(l.clients) >= maxTrackedClients {
			l.sweep(now)
		}
		f = &failures{}
		l.clients[addr] = f
	}
	l.expire(f, now)
	for _, c := range f.creds {
		if c == sum {
			return
		}
	}
	f.at = append(f.at, now)
	f.creds = append(f.creds, sum)
	if len(f.at) > l.max { // only the last max failures matter
		f.at, f.creds = f.at[1:], f.creds[1:]
	}
}

// sweep drops expired clients; if the table is still full, it drops
// arbitrary ones, so memory stays bounded whatever the number of addresses.
func (l *failLimiter) sweep(now time.Time) {
	for addr, f := range l.clients {
		l.expire(f, now)
		if len(f.at) == 0 {
			delete(l.clients, addr)
		}
	}
	for addr := range l.clients {
		if len(l.clients) < maxTrackedClients {
			break
		}
		delete(l.clients, addr)
	}
}

// forget clears addr's failures after a successful authentication.
func (l *failLimiter) forget(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.clients, addr)
}

// retryAfterSeconds rounds a wait up to whole seconds (at least 1).
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(max(1, int64((d+time.Second-1)/time.Second)), 10)
}

// normalizeOrigin lowers an origin (scheme://host[:port]) and drops a
// default port.
func normalizeOrigin(o string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("%q is not an origin (scheme://host[:port])", o)
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("%q is not an origin: the scheme must be http or https", o)
	}
	if h, port, err := net.SplitHostPort(host); err == nil && (scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		host = h
		if strings.Contains(h, ":") {
			host = "[" + h + "]"
		}
	}
	return scheme + "://" + host, nil
}

// originGuard refuses state-changing requests from foreign browser origins.
type originGuard struct{ allowed map[string]bool }

func newOriginGuard(s ServerSettings) *originGuard {
	g := &originGuard{allowed: map[string]bool{}}
	for _, o := range s.AllowedOrigins {
		if n, err := normalizeOrigin(o); err == nil {
			g.allowed[n] = true
		}
	}
	return g
}

// allow reports whether r may change state: no Origin (not a browser, or a
// same-origin navigation) unless the browser says it is cross-site, the
// server's own origin (the scheme it is served with and the Host header),
// or an allowed one.
func (g *originGuard) allow(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	n, err := normalizeOrigin(o)
	if err != nil {
		return false // "null" (sandboxed or file: pages) and the like
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	own, err := normalizeOrigin(scheme + "://" + r.Host)
	return err == nil && n == own || g.allowed[n]
}

// stateChanging reports whether the method may change state.
func stateChanging(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

var errContentType = errors.New("unsupported content type")

// checkContentType requires, on state-changing routes, a Content-Type no
// browser sends cross-site without a preflight: application/json for JSON
// bodies, multipart/form-data (field `content`) or application/octet-stream
// for uploads; routes without a body accept none or application/json.
func checkContentType(rt route, r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct != "" && err != nil {
		return fmt.Errorf("%w: %q", errContentType, ct)
	}
	switch {
	case rt.body == "binary":
		if mt == "multipart/form-data" || mt == "application/octet-stream" {
			return nil
		}
		return fmt.Errorf("%w %q: send the file as application/octet-stream, or as multipart/form-data with a field `content`", errContentType, ct)
	case rt.body == "" && ct == "", mt == "application/json":
		return nil
	}
	return fmt.Errorf("%w %q: send application/json", errContentType, ct)
}
