// Package server is `eventum run`: it loads the application config
// (eventum.yml) and the startup file, runs many generators side by side
// sharing one `globals` store, and serves the REST API, /metrics and /healthz.
package server

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"
)

// Settings is the application config, eventum.yml. The original's flat
// dotted keys (`server.port: 9474`) and nested mappings are both accepted.
type Settings struct {
	Server     ServerSettings `yaml:"server" json:"server"`
	Generation Generation     `yaml:"generation" json:"generation"`
	Log        LogSettings    `yaml:"log" json:"log"`
	Path       PathSettings   `yaml:"path" json:"path"`

	// File is the config file the settings came from.
	File string `yaml:"-" json:"-"`
}

// ServerSettings configure the HTTP server.
type ServerSettings struct {
	// Host is the bind address (default 127.0.0.1; the original binds 0.0.0.0).
	Host string `yaml:"host" json:"host"`
	// Port is the bind port (default 9474; 0 picks a free port).
	Port int          `yaml:"port" json:"port"`
	SSL  SSLSettings  `yaml:"ssl" json:"ssl"`
	Auth AuthSettings `yaml:"auth" json:"auth"`
	// UI, API and MCP are accepted for compatibility with the original's
	// file; there is no web UI or MCP server, and the API is always on.
	UI  Toggle      `yaml:"ui" json:"ui"`
	API Toggle      `yaml:"api" json:"api"`
	MCP MCPSettings `yaml:"mcp" json:"mcp"`
	// UIEnabled and APIEnabled are the original's deprecated flat toggles.
	UIEnabled  *bool `yaml:"ui_enabled" json:"-"`
	APIEnabled *bool `yaml:"api_enabled" json:"-"`
	// MaxBodyBytes bounds request bodies (default 1 MiB); file uploads to a
	// generator directory get MaxUploadBytes (default 32 MiB).
	MaxBodyBytes   int64 `yaml:"max_body_bytes" json:"max_body_bytes"`
	MaxUploadBytes int64 `yaml:"max_upload_bytes" json:"max_upload_bytes"`
	// AllowedHosts are Host header names accepted besides localhost,
	// 127.0.0.1, ::1 and server.host (the port is ignored). Checked whenever
	// no credentials are configured, and when the list is set.
	AllowedHosts []string `yaml:"allowed_hosts" json:"allowed_hosts"`
	// AllowedOrigins are browser origins (scheme://host[:port]) allowed to
	// send state-changing requests besides the server's own.
	AllowedOrigins []string `yaml:"allowed_origins" json:"allowed_origins"`
}

// Toggle is an `enabled` switch.
type Toggle struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
}

// MCPSettings are accepted and ignored (no MCP server here).
type MCPSettings struct {
	Enabled      bool     `yaml:"enabled" json:"enabled"`
	AllowWrite   bool     `yaml:"allow_write" json:"allow_write"`
	Path         string   `yaml:"path" json:"path"`
	AllowedHosts []string `yaml:"allowed_hosts" json:"allowed_hosts"`
}

// SSLSettings enable HTTPS.
type SSLSettings struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
	// VerifyMode is none, optional or required (client certificates).
	VerifyMode string `yaml:"verify_mode" json:"verify_mode"`
	CACert     string `yaml:"ca_cert" json:"ca_cert"`
	Cert       string `yaml:"cert" json:"cert"`
	CertKey    string `yaml:"cert_key" json:"cert_key"`
}

// AuthSettings are the API credentials: HTTP basic with User/Password, or a
// bearer Token (or both). Values may come from the keyring:
// `password: ${secrets.api_password}`. None are built in.
type AuthSettings struct {
	User     string `yaml:"user" json:"user"`
	Password string `yaml:"password" json:"-"`
	Token    string `yaml:"token" json:"-"`
}

// Generation are the defaults of every generator; a startup entry may
// override each of them.
type Generation struct {
	Timezone       string        `yaml:"timezone" json:"timezone"`
	Batch          BatchSettings `yaml:"batch" json:"batch"`
	Queue          QueueSettings `yaml:"queue" json:"queue"`
	KeepOrder      bool          `yaml:"keep_order" json:"keep_order"`
	MaxConcurrency int           `yaml:"max_concurrency" json:"max_concurrency"`
	WriteTimeout   Seconds       `yaml:"write_timeout" json:"write_timeout"`
	// StopTimeout bounds a graceful stop: accepted events are delivered for
	// at most this long, then counted as undelivered (docs/delivery.md).
	StopTimeout Seconds `yaml:"stop_timeout" json:"stop_timeout"`
	// AllowSubprocess lets templates run shell commands (subprocess.run);
	// default true. false is the first hardening step of a shared server.
	AllowSubprocess bool `yaml:"allow_subprocess" json:"allow_subprocess"`
	// AllowEnv lists the environment variables that ${env.NAME} may read in
	// the startup file and the generator configs (none by default: those
	// files may come from API users). EVENTUM_KEYRING_PASSWORD and
	// EVENTUM_SECRET_* are never readable.
	AllowEnv []string `yaml:"allow_env" json:"allow_env"`
	// Workers is the number of event-stage workers per generator
	// (0 or absent: the number of CPUs; docs/configuration.md).
	Workers int `yaml:"workers" json:"workers"`
	// MaxEvents and MaxDuration bound a run (0: unbounded), as generate's
	// --max-events and --max-duration do.
	MaxEvents   int64   `yaml:"max_events" json:"max_events"`
	MaxDuration Seconds `yaml:"max_duration" json:"max_duration"`
}

// allowEnvWhere names the setting listing the readable variables.
const allowEnvWhere = "generation.allow_env of eventum.yml"

// EnvPolicy is what ${env.NAME} may read in the generator configs and
// the startup file.
func (g Generation) EnvPolicy() *config.EnvPolicy { return config.AllowEnv(g.AllowEnv, allowEnvWhere) }

// BatchSettings: size null means no size limit (batches close on delay);
// delay null means batches are released as soon as they are filled.
type BatchSettings struct {
	Size  *int     `yaml:"size" json:"size"`
	Delay *Seconds `yaml:"delay" json:"delay"`
}

// QueueSettings are the depths of the queues between stages.
type QueueSettings struct {
	MaxTimestampBatches int `yaml:"max_timestamp_batches" json:"max_timestamp_batches"`
	MaxEventBatches     int `yaml:"max_event_batches" json:"max_event_batches"`
	// MaxEventBytes is accepted for compatibility; queues are bounded by batch count.
	MaxEventBytes *int64 `yaml:"max_event_bytes" json:"max_event_bytes"`
}

// LogSettings: level debug|info|warning|error|critical; format plain|json.
// Logs go to stderr; the rotation keys are accepted for compatibility.
type LogSettings struct {
	Level           string `yaml:"level" json:"level"`
	ThirdPartyLevel string `yaml:"third_party_level" json:"third_party_level"`
	Format          string `yaml:"format" json:"format"`
	MaxBytes        int64  `yaml:"max_bytes" json:"max_bytes"`
	Backups         int    `yaml:"backups" json:"backups"`
}

// PathSettings locate the files of the application. Relative paths resolve
// against the directory of the application config file.
type PathSettings struct {
	Logs                    string `yaml:"logs" json:"logs"`
	Startup                 string `yaml:"startup" json:"startup"`
	GeneratorsDir           string `yaml:"generators_dir" json:"generators_dir"`
	KeyringCryptfile        string `yaml:"keyring_cryptfile" json:"keyring_cryptfile"`
	GeneratorConfigFilename string `yaml:"generator_config_filename" json:"generator_config_filename"`
	// OutputDir holds the files written by generators run through the API
	// (file outputs); default: GeneratorsDir. The operator may widen it.
	OutputDir string `yaml:"output_dir" json:"output_dir"`
}

// Output is OutputDir, or GeneratorsDir when it is not set.
func (p PathSettings) Output() string {
	if p.OutputDir == "" {
		return p.GeneratorsDir
	}
	return p.OutputDir
}

// Seconds is a duration written in seconds (a number, or a Go duration
// string such as 500ms); the API answers it as a number of seconds.
type Seconds config.Duration

// UnmarshalYAML accepts what config.Duration accepts.
func (s *Seconds) UnmarshalYAML(n *yaml.Node) error { return (*config.Duration)(s).UnmarshalYAML(n) }

// MarshalJSON writes seconds.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, time.Duration(s).Seconds(), 'g', -1, 64), nil
}

// D returns the time.Duration.
func (s Seconds) D() time.Duration { return time.Duration(s) }

func secondsPtr(d time.Duration) *Seconds { c := Seconds(d); return &c }

// DefaultSettings are the documented defaults.
func DefaultSettings() Settings {
	d := pipeline.DefaultSettings()
	size := d.BatchSize
	maxBytes := int64(256 << 20)
	return Settings{
		Server: ServerSettings{
			Host: "127.0.0.1", Port: 9474,
			UI:             Toggle{Enabled: true},
			API:            Toggle{Enabled: true},
			MCP:            MCPSettings{Path: "/mcp"},
			MaxBodyBytes:   1 << 20,
			MaxUploadBytes: 32 << 20,
		},
		Generation: Generation{
			Timezone:        "UTC",
			Batch:           BatchSettings{Size: &size, Delay: secondsPtr(d.BatchDelay)},
			Queue:           QueueSettings{MaxTimestampBatches: d.MaxTimestampBatches, MaxEventBatches: d.MaxEventBatches, MaxEventBytes: &maxBytes},
			MaxConcurrency:  d.MaxConcurrency,
			WriteTimeout:    Seconds(d.WriteTimeout),
			StopTimeout:     Seconds(d.StopTimeout),
			AllowSubprocess: true,
		},
		Log: LogSettings{Level: "info", ThirdPartyLevel: "warning", Format: "plain", MaxBytes: 10 << 20, Backups: 5},
		Path: PathSettings{
			Logs:                    "logs",
			Startup:                 "startup.yml",
			GeneratorsDir:           "generators",
			KeyringCryptfile:        "cryptfile.cfg",
			GeneratorConfigFilename: "generator.yml",
		},
	}
}

// LoadSettings reads the application config (YAML, or TOML by extension).
// ${secrets.x} in it resolve from environment variables, then from the
// keyring the file itself names (path.keyring_cryptfile).
func LoadSettings(path string) (*Settings, error) {
	// First pass: find the keyring without resolving any secret.
	s, err := loadSettings(path, placeholderSecret, config.NewRedactor())
	if err != nil {
		return nil, err
	}
	kr := NewKeyring(s.Path.KeyringCryptfile)
	return loadSettings(path, kr.Lookup, nil)
}

// KeyringPath is the keyring file named by the application config at path
// (no secret is resolved).
func KeyringPath(path string) (string, error) {
	s, err := loadSettings(path, placeholderSecret, config.NewRedactor())
	if err != nil {
		return "", err
	}
	return s.Path.KeyringCryptfile, nil
}

// placeholderSecret stands for every secret in a pass that only looks for
// the keyring's path; its value is recorded by a private redactor, never by
// the process's (which would print the word as ***).
func placeholderSecret(string) (string, bool, error) { return "placeholder", true, nil }

// loadSettings reads the config; red records the secrets it resolves (nil:
// the process's redactor).
func loadSettings(path string, secret func(string) (string, bool, error), red *config.Redactor) (*Settings, error) {
	// eventum.yml is the operator's own file: ${env.NAME} reads any variable.
	doc, err := config.Load(path, config.Vars{Secret: secret, Redactor: red, Env: config.EnvAll()})
	if err != nil {
		return nil, err
	}
	s := DefaultSettings()
	s.File = path
	for _, section := range []string{"server", "log", "path"} {
		dropNulls(mappingValue(doc.Root, section))
	}
	if err := doc.Decode(&s); err != nil {
		return nil, err
	}
	if s.Server.UIEnabled != nil {
		s.Server.UI.Enabled = *s.Server.UIEnabled
	}
	if s.Server.APIEnabled != nil {
		s.Server.API.Enabled = *s.Server.APIEnabled
	}
	// The original's MCP host allow-list guards the same server here.
	s.Server.AllowedHosts = append(s.Server.AllowedHosts, s.Server.MCP.AllowedHosts...)
	s.resolvePaths(doc.Dir)
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

// mappingValue is the value of key in mapping n, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// dropNulls removes the keys set to null under n: the original's
// eventum.yml writes `server.ssl.cert: null` for "not provided", which is
// the default here. (Under generation, null has a meaning of its own:
// batch.size: null is no size limit; those keys are kept.)
func dropNulls(n *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	out := n.Content[:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			continue
		}
		dropNulls(v)
		out = append(out, k, v)
	}
	n.Content = out
}

func (s *Settings) resolvePaths(dir string) {
	for _, p := range []*string{&s.Path.Logs, &s.Path.Startup, &s.Path.GeneratorsDir, &s.Path.KeyringCryptfile, &s.Path.OutputDir} {
		if *p == "" && p == &s.Path.OutputDir {
			continue
		}
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
		*p = filepath.Clean(*p)
	}
	if s.Path.OutputDir == "" {
		s.Path.OutputDir = s.Path.GeneratorsDir
	}
}

// Validate checks ranges and combinations.
func (s *Settings) Validate() error {
	var errs []error
	if s.Server.Host == "" {
		errs = append(errs, errors.New("server.host must not be empty"))
	}
	if s.Server.Port < 0 || s.Server.Port > 65535 {
		errs = append(errs, fmt.Errorf("server.port must be in 0..65535, got %d", s.Server.Port))
	}
	ssl := s.Server.SSL
	if ssl.Enabled && (ssl.Cert == "" || ssl.CertKey == "") {
		errs = append(errs, errors.New("server.ssl: cert and cert_key are required when ssl.enabled is true"))
	}
	switch ssl.VerifyMode {
	case "", "none", "optional", "required":
	default:
		errs = append(errs, fmt.Errorf("server.ssl.verify_mode must be none, optional or required, got %q", ssl.VerifyMode))
	}
	if (ssl.VerifyMode == "optional" || ssl.VerifyMode == "required") && ssl.CACert == "" {
		errs = append(errs, errors.New("server.ssl.ca_cert is required to verify client certificates"))
	}
	if a := s.Server.Auth; (a.User == "") != (a.Password == "") {
		errs = append(errs, errors.New("server.auth.user and server.auth.password must be set together"))
	}
	for _, h := range s.Server.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/ *") {
			errs = append(errs, fmt.Errorf("server.allowed_hosts: %q is not a host name or address (no scheme, path or wildcard)", h))
		}
	}
	for _, o := range s.Server.AllowedOrigins {
		if _, err := normalizeOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("server.allowed_origins: %w", err))
		}
	}
	if m := s.Server.MCP; m.Enabled {
		if p := m.Path; !strings.HasPrefix(p, "/") || p == "/" || strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/ui/") ||
			strings.ContainsAny(p, "{} \t?#") || p == "/healthz" || p == "/metrics" || p == "/login" {
			errs = append(errs, fmt.Errorf("server.mcp.path must be an absolute path of its own (like /mcp), outside /api/ and /ui/, got %q", p))
		}
	}
	if s.Server.MaxBodyBytes < 1 || s.Server.MaxUploadBytes < 1 {
		errs = append(errs, errors.New("server.max_body_bytes and server.max_upload_bytes must be positive"))
	}
	if _, err := slogLevel(s.Log.Level); err != nil {
		errs = append(errs, err)
	}
	if s.Log.Format != "plain" && s.Log.Format != "json" {
		errs = append(errs, fmt.Errorf("log.format must be plain or json, got %q", s.Log.Format))
	}
	name := s.Path.GeneratorConfigFilename
	if name == "" || filepath.Base(name) != name || !strings.HasSuffix(name, ".yml") && !strings.HasSuffix(name, ".yaml") {
		errs = append(errs, fmt.Errorf("path.generator_config_filename must be a file name ending in .yml or .yaml, got %q", name))
	}
	if _, err := s.Generation.pipelineSettings(); err != nil {
		errs = append(errs, fmt.Errorf("generation: %w", err))
	}
	return errors.Join(errs...)
}

// Addr is host:port.
func (s *ServerSettings) Addr() string { return net.JoinHostPort(s.Host, fmt.Sprint(s.Port)) }

// pipelineSettings turns generation settings into a generator's settings
// (live mode and skip_past are set per generator).
func (g Generation) pipelineSettings() (pipeline.Settings, error) {
	p := pipeline.DefaultSettings()
	loc, err := time.LoadLocation(g.Timezone)
	if err != nil {
		return p, fmt.Errorf("timezone %q: %w", g.Timezone, err)
	}
	p.Location = loc
	switch {
	case g.Batch.Size == nil && g.Batch.Delay == nil:
		return p, errors.New("batch: size or delay must be set")
	case g.Batch.Size == nil:
		p.BatchSize = 1 << 20
	default:
		p.BatchSize = *g.Batch.Size
	}
	p.BatchDelay = 0
	if g.Batch.Delay != nil {
		p.BatchDelay = g.Batch.Delay.D()
	}
	p.MaxTimestampBatches = g.Queue.MaxTimestampBatches
	p.MaxEventBatches = g.Queue.MaxEventBatches
	p.KeepOrder = g.KeepOrder
	p.MaxConcurrency = g.MaxConcurrency
	p.WriteTimeout = g.WriteTimeout.D()
	p.StopTimeout = g.StopTimeout.D()
	p.Workers = g.Workers
	p.MaxEvents = g.MaxEvents
	p.MaxDuration = g.MaxDuration.D()
	return p, p.Validate()
}
