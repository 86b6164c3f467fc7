package server

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eventum-go/eventum/config"
)

// The original's eventum.yml, with its `server.ssl.*: null` values, loads
// and those nulls mean "not set".
func TestLoadOriginalSettings(t *testing.T) {
	t.Parallel()
	s, err := LoadSettings("testdata/eventum-original.yml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Server.SSL.Enabled || s.Server.SSL.Cert != "" || s.Server.SSL.VerifyMode != "" || s.Server.Port != 9474 ||
		*s.Generation.Batch.Size != 10000 || s.Generation.MaxConcurrency != 100 {
		t.Errorf("settings: %+v", s)
	}
}

// Startup entries: scenarios are kept; ${env.NAME} reads only what
// generation.allow_env lists, and an entry cannot widen that list.
func TestStartupScenariosAndAllowEnv(t *testing.T) {
	t.Setenv("EVENTUM_TEST_HOST", "db.example")
	dir := t.TempDir()
	path := filepath.Join(dir, "startup.yml")
	src := `
- id: a
  path: a
  scenarios: [siem, demo]
  params: {host: "${env.EVENTUM_TEST_HOST}"}
- id: b
  path: b
  scenarios: null
- id: c
  path: c
  allow_env: [HOME]
`
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	base := DefaultSettings().Generation
	for _, tc := range []struct {
		name     string
		allow    []string
		wantIDs  string
		wantHost string
		wantErr  string
	}{
		{"listed", []string{"EVENTUM_TEST_HOST"}, "a,b", "db.example", "allow_env: is set in eventum.yml only"},
		{"not listed", nil, "", "", "EVENTUM_TEST_HOST is not readable: list it in generation.allow_env of eventum.yml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := base.clone()
			g.AllowEnv = tc.allow
			entries, problems, err := LoadStartup(path, g, config.Vars{Env: g.EnvPolicy(), Redactor: config.NewRedactor()})
			if err != nil {
				if tc.wantIDs != "" || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v", err)
				}
				if !strings.Contains(err.Error(), "startup.yml:5:") {
					t.Errorf("error %v does not name the line of the ${", err)
				}
				return
			}
			var ids []string
			for _, e := range entries {
				ids = append(ids, e.ID)
			}
			if strings.Join(ids, ",") != tc.wantIDs {
				t.Fatalf("ids %v, problems %v", ids, problems)
			}
			if len(problems) != 1 || !strings.Contains(problems[0].Error(), tc.wantErr) {
				t.Errorf("problems %v, want %q", problems, tc.wantErr)
			}
			if !slices.Equal(entries[0].Scenarios, []string{"siem", "demo"}) || entries[1].Scenarios != nil {
				t.Errorf("scenarios %v / %v", entries[0].Scenarios, entries[1].Scenarios)
			}
			if entries[0].Params["host"] != tc.wantHost {
				t.Errorf("host %v", entries[0].Params["host"])
			}
		})
	}
}
