package server

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadSettingsFlat(t *testing.T) {
	t.Setenv("EVENTUM_SECRET_API_PASSWORD", "from-env")
	s, err := LoadSettings("testdata/eventum-flat.yml")
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.Abs("testdata")
	checks := []struct {
		name      string
		got, want any
	}{
		{"host", s.Server.Host, "0.0.0.0"},
		{"port", s.Server.Port, 9474},
		{"password", s.Server.Auth.Password, "from-env"},
		{"timezone", s.Generation.Timezone, "Europe/Berlin"},
		{"batch.size", *s.Generation.Batch.Size, 5000},
		{"batch.delay", s.Generation.Batch.Delay.D(), 500 * time.Millisecond},
		{"queue", s.Generation.Queue.MaxEventBatches, 7},
		{"keep_order", s.Generation.KeepOrder, true},
		{"write_timeout", s.Generation.WriteTimeout.D(), 3 * time.Second},
		{"log.format", s.Log.Format, "json"},
		{"startup", s.Path.Startup, filepath.Join(dir, "config/startup.yml")},
		{"logs", s.Path.Logs, "/var/log/eventum"},
		{"config name", s.Path.GeneratorConfigFilename, "generator.yaml"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	p, err := s.Generation.pipelineSettings()
	if err != nil {
		t.Fatal(err)
	}
	if p.BatchSize != 5000 || p.MaxConcurrency != 50 || !p.KeepOrder || p.Location.String() != "Europe/Berlin" ||
		p.MaxEvents != 1000 || p.MaxDuration != 90*time.Second {
		t.Errorf("pipeline settings: %+v", p)
	}
}

func TestLoadSettingsTOMLAndDefaults(t *testing.T) {
	t.Parallel()
	s, err := LoadSettings("testdata/eventum-nested.toml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Server.Port != 9999 || s.Server.UI.Enabled || s.Server.Auth.Token != "tok" || *s.Generation.Batch.Size != 10 ||
		s.Path.GeneratorsDir != "/srv/generators" || s.Server.Auth.User != "" || s.Generation.MaxConcurrency != 100 ||
		s.Path.GeneratorConfigFilename != "generator.yml" || s.Server.MaxBodyBytes != 1<<20 ||
		!s.Generation.AllowSubprocess || s.Path.OutputDir != "/srv/generators" {
		t.Errorf("settings: %+v", s)
	}
	d := DefaultSettings()
	if d.Server.Host != "127.0.0.1" || d.Server.Port != 9474 {
		t.Errorf("default bind %s", d.Server.Addr())
	}
}

func TestSettingsErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"server.prot: 1\n", "prot"},
		{"server.port: 70000\n", "server.port"},
		{"generation.timezone: Mars/Base\n", "Mars/Base"},
		{"generation.batch.size: 0\n", "batch.size"},
		{"generation.batch: {size: null, delay: null}\n", "size or delay"},
		{"log.level: loud\n", "log.level"},
		{"server.ssl.enabled: true\n", "cert"},
		{"path.generator_config_filename: ../x.yml\n", "generator_config_filename"},
		{"server.auth.user: admin\n", "set together"},
		{"server.auth.password: pw\n", "set together"},
		{"server.allowed_hosts: [http://evil.example]\n", "allowed_hosts"},
		{"server.allowed_origins: [evil.example]\n", "allowed_origins"},
		{"server.allowed_origins: [\"ftp://evil.example\"]\n", "allowed_origins"},
		{"server.allowed_origins: [\"https://evil.example/path\"]\n", "allowed_origins"},
		{"server.mcp: {enabled: true, path: mcp}\n", "server.mcp.path"},
		{"server.mcp: {enabled: true, path: /api/mcp}\n", "server.mcp.path"},
		{"server.mcp: {enabled: true, path: \"/\"}\n", "server.mcp.path"},
		{"server.mcp: {enabled: true, path: \"/m/{x}\"}\n", "server.mcp.path"},
	} {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"eventum.yml": tc.src})
		_, err := LoadSettings(filepath.Join(dir, "eventum.yml"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want mention of %q", tc.src, err, tc.want)
		}
	}
}
