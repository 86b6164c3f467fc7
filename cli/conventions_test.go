package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/eventum-go/eventum/secrets"
)

// Usage mistakes exit 2 with one line on stderr (and a suggestion when a
// known name is close); the help never lands on stdout.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in the one stderr line
	}{
		{[]string{"gen", "--path", "x.yml"}, `unknown command "gen" (did you mean "generate"?)`},
		{[]string{"valdate"}, `unknown command "valdate" (did you mean "validate"?)`},
		{[]string{"xyzzy"}, `unknown command "xyzzy"`},
		{[]string{"generate", "--pth", "x.yml"}, "unknown flag --pth (did you mean --path?)"},
		{[]string{"--bogus"}, "unknown flag --bogus"},
		{[]string{"generate"}, "missing required flag --path"},
		{[]string{"secrets", "sett", "x"}, `unknown command "sett" (did you mean "set"?)`},
		{[]string{"secrets", "set", "a", "--vlue", "x"}, "flags must come before NAME"},
		{[]string{"schema"}, "need one of [generator app startup]"},
		{[]string{"schema", "generater"}, `unknown schema "generater"`},
		{[]string{"completion", "tcsh"}, `unknown shell "tcsh"`},
		{[]string{"validate"}, "give --path"},
		{[]string{"help", "gen"}, `unknown command "gen" (did you mean "generate"?)`},
		{[]string{"validate", "--path", "x.yml", "--format", "xml"}, `--format "xml"`},
	} {
		stdout, stderr, code := run(t, tc.args...)
		lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
		if code != 2 || stdout != "" || len(lines) != 1 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "--help") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2, one line with %q and a --help hint", tc.args, code, stdout, stderr, tc.want)
		}
	}
}

func TestVersionInfo(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-v"}, {"version"}} {
		stdout, stderr, code := run(t, args...)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "eventum "+Version+" (commit ") ||
			!strings.Contains(stdout, runtime.Version()) || !strings.Contains(stdout, "built ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

func TestHelpIsHonest(t *testing.T) {
	stdout, _, code := run(t, "generate", "--help")
	if code != 0 || strings.Contains(stdout, "(default: false)") || !strings.Contains(stdout, "(default: true)") {
		t.Errorf("generate --help: exit %d, boolean defaults:\n%s", code, stdout)
	}
	stdout, _, _ = run(t, "run", "--help")
	if strings.Contains(stdout, "(default: 0)") {
		t.Errorf("run --help claims a port default of 0:\n%s", stdout)
	}
}

func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "complete -o default -F _eventum_complete eventum",
		"zsh":  "compdef _eventum eventum",
		"fish": "-n '__fish_eventum_no_subcommand' -a 'generate'",
	} {
		stdout, stderr, code := run(t, "completion", shell)
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("completion %s: exit %d, %q missing\n%s%s", shell, code, want, stdout, stderr)
		}
	}
	// The scripts ask the binary for candidates (urfave reads os.Args).
	args := []string{"eventum", "gen", "--generate-bash-completion"}
	saved := os.Args
	os.Args = args
	defer func() { os.Args = saved }()
	stdout, _, code := run(t, args[1:]...)
	if code != 0 || !strings.Contains(stdout, "generate\n") || !strings.Contains(stdout, "validate\n") {
		t.Errorf("command candidates: exit %d\n%q", code, stdout)
	}
}

// `secrets set NAME --value x` (flags after the name) stores the value.
func TestSecretsFlagsAfterName(t *testing.T) {
	kr := filepath.Join(t.TempDir(), "keyring.cfg")
	t.Setenv(secrets.PasswordEnv, "pass phrase")
	if _, stderr, code := run(t, "secrets", "set", "db_password", "--value", "s3cret", "--cryptfile", kr); code != 0 {
		t.Fatalf("set: exit %d: %s", code, stderr)
	}
	stdout, stderr, code := run(t, "secrets", "get", "--cryptfile", kr, "db_password")
	if code != 0 || stdout != "s3cret\n" {
		t.Fatalf("get: exit %d, %q %s", code, stdout, stderr)
	}
	if _, stderr, code := run(t, "secrets", "set", "db_password", "--value=other", "--cryptfile="+kr); code != 0 {
		t.Fatalf("set with =: exit %d: %s", code, stderr)
	}
	if stdout, _, _ := run(t, "secrets", "get", "db_password", "--cryptfile", kr); stdout != "other\n" {
		t.Fatalf("get after set with =: %q", stdout)
	}
}

const lintEvent = "event:\n  template:\n    templates:\n      - a: {template: a.jinja}\noutput:\n  - stdout: {}\n"

func TestValidateLint(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "good/a.jinja", "x\n")
	good := write(t, dir, "good/generator.yml", "input:\n  - static: {count: 1}\n"+lintEvent)
	write(t, dir, "bad/a.jinja", "x\n")
	bad := write(t, dir, "bad/generator.yml", "input:\n  - static: {count: 2.5}\n"+lintEvent)
	write(t, dir, "warn/a.jinja", "{{ nowhere }}\n")
	warn := write(t, dir, "warn/generator.yml", "input:\n  - static: {count: 1}\n"+lintEvent)

	// Every --path is checked.
	stdout, stderr, code := run(t, "validate", "--path", good, "--path", bad)
	if code != 1 || !strings.Contains(stdout, good+": OK") || !strings.Contains(stderr, bad+":2:") ||
		!strings.Contains(stderr, "input[0].static.count: expected an integer, got number 2.5") {
		t.Errorf("two paths: exit %d\n%s%s", code, stdout, stderr)
	}
	// A directory: every generator file under it.
	stdout, stderr, code = run(t, "validate", "--path", dir)
	if code != 1 || strings.Count(stdout, ": OK") != 2 || !strings.Contains(stderr, "1 problem(s)") ||
		!strings.Contains(stderr, warn+": warning: ") || !strings.Contains(stderr, "nowhere") {
		t.Errorf("directory: exit %d\n%s%s", code, stdout, stderr)
	}
	// --strict: the warning is a problem.
	if _, stderr, code = run(t, "validate", "--path", warn); code != 0 {
		t.Errorf("warning without --strict: exit %d %s", code, stderr)
	}
	if _, stderr, code = run(t, "validate", "--strict", "--path", warn); code != 1 || !strings.Contains(stderr, "(--strict)") {
		t.Errorf("warning with --strict: exit %d %s", code, stderr)
	}
	// --format json: one document on stdout, positions as fields.
	stdout, _, code = run(t, "validate", "--format", "json", "--path", good, "--path", bad)
	var doc struct {
		OK    bool
		Files []struct {
			File     string
			OK       bool
			Problems []struct {
				File, Key, Message string
				Line, Column       int
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	if code != 1 || doc.OK || len(doc.Files) != 2 || !doc.Files[0].OK || doc.Files[1].OK || len(doc.Files[1].Problems) != 1 {
		t.Fatalf("json: exit %d %+v", code, doc)
	}
	if p := doc.Files[1].Problems[0]; p.File != bad || p.Line != 2 || p.Key != "input[0].static.count" || !strings.Contains(p.Message, "expected an integer") {
		t.Errorf("json problem: %+v", p)
	}
	// A directory without generators is a problem, not silence.
	if _, stderr, code = run(t, "validate", "--path", t.TempDir()); code != 1 || !strings.Contains(stderr, "no generator.yml") {
		t.Errorf("empty directory: exit %d %s", code, stderr)
	}
}

// --config checks the application config, its startup file and every
// generator that file lists, with the entry's params.
func TestValidateAppConfig(t *testing.T) {
	stdout, stderr, code := run(t, "validate", "--config", filepath.Join("..", "examples", "app", "eventum.yml"))
	if code != 0 || strings.Count(stdout, ": OK") < 3 || !strings.Contains(stdout, "(generator ") {
		t.Fatalf("examples/app: exit %d\n%s%s", code, stdout, stderr)
	}
	dir := t.TempDir()
	write(t, dir, "gens/g/a.jinja", "{{ params.n }}\n")
	write(t, dir, "gens/g/generator.yml", "input:\n  - static: {count: \"${params.n}\"}\n"+lintEvent)
	write(t, dir, "eventum.yml", "path.generators_dir: gens\npath.startup: startup.yml\n")
	write(t, dir, "startup.yml", "- {id: ok, path: g, params: {n: 2}}\n- {id: bad, path: g, params: {n: 0}}\n- {id: gone, path: nowhere}\n")
	stdout, stderr, code = run(t, "validate", "--config", filepath.Join(dir, "eventum.yml"))
	if code != 1 || !strings.Contains(stdout, "(generator ok): OK") || !strings.Contains(stderr, "(generator bad): 1 problem(s)") ||
		!strings.Contains(stderr, "must be at least 1") || !strings.Contains(stderr, "(generator gone): 1 problem(s)") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}
