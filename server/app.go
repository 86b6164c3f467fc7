package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/secrets"
	"github.com/eventum-go/eventum/starlib"
)

// App is a running `eventum run`: settings, the generator manager, the
// startup file and the HTTP API.
type App struct {
	Settings *Settings
	Manager  *Manager
	Log      *slog.Logger

	startup *startupFile
	keyring *Keyring
	started time.Time
	version string

	stopOnce sync.Once
	stopReq  chan struct{} // closed by POST /api/instance/stop

	guardOnce sync.Once
	guardSet  *guardSet     // the checks of guard.go (guards())
	sessions  *sessionStore // the Studio's login sessions
	logs      *logHub       // recent log records, streamed to the Studio

	previewOnce sync.Once
	previews    *previewStore // initialized preview event plugins
}

// Keyring opens the keyring file on first use, with the passphrase from
// EVENTUM_KEYRING_PASSWORD, so an application that uses no secrets needs
// no passphrase.
type Keyring struct {
	path string
	mu   sync.Mutex
	k    *secrets.Keyring
}

// NewKeyring returns a lazily opened keyring at path.
func NewKeyring(path string) *Keyring { return &Keyring{path: path} }

// Open opens (once) and returns the keyring.
func (k *Keyring) Open() (*secrets.Keyring, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.k != nil {
		return k.k, nil
	}
	kr, err := secrets.OpenEnv(k.path)
	if err != nil {
		return nil, err
	}
	k.k = kr
	return kr, nil
}

// Lookup resolves a secret by name, for config.Vars.Secret. A keyring that
// does not exist yet holds no secrets.
func (k *Keyring) Lookup(name string) (string, bool, error) {
	if _, err := os.Stat(k.path); errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	kr, err := k.Open()
	if err != nil {
		return "", false, err
	}
	return kr.Get(name)
}

// Options configure New.
type Options struct {
	// Log receives the application's and the generators' logs; nil builds
	// one on stderr from the log.* settings.
	Log *slog.Logger
	// Version is reported by /api/instance/info.
	Version string
	// Stdout is where the generators' stdout outputs write (nil: the
	// process's stdout; `eventum mcp` gives stderr).
	Stdout io.Writer
}

// New builds the application for settings s. Nothing runs until Run or Serve.
func New(s *Settings, o Options) (*App, error) {
	log := o.Log
	if log == nil {
		var err error
		if log, err = NewLogger(os.Stderr, s.Log); err != nil {
			return nil, err
		}
	}
	hub := newLogHub()
	// Secret values never reach the log, nor the Studio's log view.
	log = slog.New(config.Secrets.Handler(&hubHandler{next: log.Handler(), hub: hub}))
	kr := NewKeyring(s.Path.KeyringCryptfile)
	a := &App{
		Settings: s,
		Log:      log,
		Manager:  NewManager(s, starlib.NewGlobals(), kr.Lookup, log),
		startup:  &startupFile{path: s.Path.Startup},
		keyring:  kr,
		started:  time.Now(),
		version:  o.Version,
		stopReq:  make(chan struct{}),
		logs:     hub,
		sessions: newSessionStore(),
	}
	a.Manager.Stdout = o.Stdout
	if err := checkAuth(s.Server); err != nil {
		return nil, err
	}
	return a, nil
}

// NewLogger builds the application logger from the log.* settings.
func NewLogger(w io.Writer, s LogSettings) (*slog.Logger, error) {
	lvl, err := slogLevel(s.Level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: lvl}
	// Log lines pass config.Secrets: secret values and URL user info are hidden.
	if s.Format == "json" {
		return slog.New(config.Secrets.Handler(slog.NewJSONHandler(w, opts))), nil
	}
	return slog.New(config.Secrets.Handler(slog.NewTextHandler(w, opts))), nil
}

func slogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warning", "warn":
		return slog.LevelWarn, nil
	case "error", "critical":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("log.level must be debug, info, warning, error or critical, got %q", s)
}

// LoadStartup reads the startup file and makes the manager match it:
// generators are added and those with autostart are started. A bad entry
// or a generator that fails to start is logged and returned in problems;
// the others run. err is set when the file itself is unusable. The
// operator's generators are not confined (unless their entry says so).
func (a *App) LoadStartup() (problems []error, err error) { return a.loadStartup(ByOperator) }

func (a *App) loadStartup(by Caller) (problems []error, err error) {
	entries, problems, err := LoadStartup(a.Settings.Path.Startup, a.Settings.Generation, config.Vars{Secret: a.keyring.Lookup, Env: a.Settings.Generation.EnvPolicy()})
	if err != nil {
		return nil, err
	}
	for _, p := range problems {
		a.Log.Error("startup file: generator skipped", "error", p)
	}
	for _, err := range a.Manager.Sync(entries, by) {
		problems = append(problems, err)
	}
	return problems, nil
}

// Reload re-reads the startup file (SIGHUP): see Manager.Sync.
func (a *App) Reload() error {
	a.Log.Info("reloading the startup file", "path", a.Settings.Path.Startup)
	_, err := a.LoadStartup()
	if err != nil {
		a.Log.Error("reload failed: the running generators are kept", "error", err)
	}
	return err
}

// Listen opens the listener of server.host/port.
func (a *App) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", a.Settings.Server.Addr())
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", a.Settings.Server.Addr(), err)
	}
	return ln, nil
}

// Serve serves the API on ln until ctx is cancelled or the API asks the
// instance to stop; then it stops accepting requests and stops every
// generator gracefully (their outputs are flushed) before returning.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	if a.Settings.Server.SSL.Enabled {
		cfg, err := tlsConfig(a.Settings.Server.SSL)
		if err != nil {
			ln.Close()
			return err
		}
		ln = tls.NewListener(ln, cfg)
	}
	a.Log.Info("serving the API", "address", ln.Addr().String(), "tls", a.Settings.Server.SSL.Enabled,
		"auth_required", hasCredentials(a.Settings.Server), "allow_subprocess", a.Settings.Generation.AllowSubprocess)
	srv.RegisterOnShutdown(a.logs.close) // log streams end, so Shutdown need not wait for them
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
	case <-a.stopReq:
	case serveErr = <-errc:
	}
	a.Log.Info("shutting down: stopping generators and flushing outputs")
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = srv.Shutdown(shutCtx)
	cancel()
	a.Manager.StopAll()
	a.Log.Info("all generators stopped")
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return serveErr
}

// RequestStop asks Serve to return (POST /api/instance/stop).
func (a *App) RequestStop() { a.stopOnce.Do(func() { close(a.stopReq) }) }

func tlsConfig(s SSLSettings) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(s.Cert, s.CertKey)
	if err != nil {
		return nil, fmt.Errorf("server.ssl: load certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if s.CACert != "" {
		pem, err := config.ReadFile(s.CACert)
		if err != nil {
			return nil, fmt.Errorf("server.ssl.ca_cert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("server.ssl.ca_cert: %s holds no PEM certificate", s.CACert)
		}
		cfg.ClientCAs = pool
	}
	switch s.VerifyMode {
	case "optional":
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	case "required":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}
