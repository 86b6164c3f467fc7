package deploy_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	urfave "github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/cli"
)

// manifest is the part of a Kubernetes object the tests read.
type manifest struct {
	APIVersion string                `yaml:"apiVersion"`
	Kind       string                `yaml:"kind"`
	Metadata   struct{ Name string } `yaml:"metadata"`
	Data       map[string]string     `yaml:"data"`
	Spec       struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Template       struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	Containers []container `yaml:"containers"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct {
		Name string `yaml:"name"`
	} `yaml:"env"`
}

// readManifests decodes every document of every deploy/k8s/*.yaml file.
func readManifests(t *testing.T) map[string][]manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests under deploy/k8s (err %v)", err)
	}
	out := map[string][]manifest{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(false)
		for i := 0; ; i++ {
			var m manifest
			err := dec.Decode(&m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: document %d: %v", f, i+1, err)
			}
			if m.APIVersion == "" || m.Kind == "" || m.Metadata.Name == "" {
				t.Fatalf("%s: document %d lacks apiVersion, kind or metadata.name", f, i+1)
			}
			out[f] = append(out[f], m)
		}
	}
	return out
}

// parses runs args (without the program name) through eventum's own flag
// parser with every command's action replaced, and returns the command that
// would have run. An unknown command or flag is an error.
func parses(args []string) (string, error) {
	var stderr bytes.Buffer
	app := cli.NewApp(io.Discard, &stderr)
	var ran string
	var walk func(prefix string, cmds []*urfave.Command)
	walk = func(prefix string, cmds []*urfave.Command) {
		for _, c := range cmds {
			name := strings.TrimSpace(prefix + " " + c.Name)
			c.Before, c.After = nil, nil
			if c.Action != nil {
				c.Action = func(*urfave.Context) error { ran = name; return nil }
			}
			walk(name, c.Subcommands)
		}
	}
	walk("", app.Commands)
	app.Before, app.After = nil, nil
	app.Action = func(c *urfave.Context) error {
		return errors.New("no command: " + strings.Join(c.Args().Slice(), " "))
	}
	if err := app.Run(append([]string{"eventum"}, args...)); err != nil {
		return "", errors.Join(err, errors.New(strings.TrimSpace(stderr.String())))
	}
	if ran == "" {
		return "", errors.New("no command ran")
	}
	return ran, nil
}

// The parser check itself must reject what the binary rejects.
func TestParsesRejects(t *testing.T) {
	for _, args := range [][]string{
		{"generate", "--pth", "x.yml"},
		{"genrate", "--path", "x.yml"},
		{"run", "--port", "many"},
	} {
		if cmd, err := parses(args); err == nil {
			t.Errorf("%q parsed (as %q); want an error", args, cmd)
		}
	}
	if cmd, err := parses([]string{"generate", "--path", "x.yml", "--seed", "7"}); err != nil || cmd != "generate" {
		t.Errorf("a good command line: got %q, %v", cmd, err)
	}
}

func TestKubernetesManifests(t *testing.T) {
	docs := readManifests(t)
	kinds := map[string]int{}
	indexed := false
	for file, ms := range docs {
		for _, m := range ms {
			kinds[m.Kind]++
			if m.Kind == "Job" && m.Spec.CompletionMode == "Indexed" {
				indexed = true
				if m.Spec.Completions < 2 {
					t.Errorf("%s: Indexed Job %s has %d completions", file, m.Metadata.Name, m.Spec.Completions)
				}
			}
			for _, c := range m.Spec.Template.Spec.Containers {
				if !strings.Contains(c.Image, "eventum") {
					continue
				}
				if len(c.Command) > 0 && filepath.Base(c.Command[0]) != "eventum" {
					t.Errorf("%s: container %s runs %q, not eventum", file, c.Name, c.Command[0])
				}
				args := c.Args
				if len(c.Command) > 1 {
					args = append(append([]string{}, c.Command[1:]...), args...)
				}
				cmd, err := parses(args)
				if err != nil {
					t.Errorf("%s: container %s: eventum %s: %v", file, c.Name, strings.Join(args, " "), err)
					continue
				}
				t.Logf("%s: %s runs `eventum %s` (command %q)", file, c.Name, strings.Join(args, " "), cmd)
				if m.Kind == "Job" && m.Spec.CompletionMode == "Indexed" && !hasShards(args) {
					t.Errorf("%s: the Indexed Job's container does not pass --shards: every pod would make every event", file)
				}
			}
		}
	}
	if !indexed {
		t.Error("no Indexed Job under deploy/k8s")
	}
	for _, k := range []string{"Job", "ConfigMap", "Deployment", "Service", "Secret"} {
		if kinds[k] == 0 {
			t.Errorf("no %s under deploy/k8s (have %v)", k, kinds)
		}
	}
}

func hasShards(args []string) bool {
	for _, a := range args {
		if a == "--shards" || strings.HasPrefix(a, "--shards=") {
			return true
		}
	}
	return false
}

// The generator shipped in the Job's ConfigMap is valid: its files are
// written out as the pod would mount them and `eventum validate` checks them.
func TestKubernetesGeneratorValidates(t *testing.T) {
	n := 0
	for file, ms := range readManifests(t) {
		for _, m := range ms {
			if m.Kind != "ConfigMap" || m.Data["generator.yml"] == "" {
				continue
			}
			n++
			dir := t.TempDir()
			for name, text := range m.Data {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var out, errb bytes.Buffer
			code := cli.Main([]string{"eventum", "validate", "--path", filepath.Join(dir, "generator.yml")}, &out, &errb)
			if code != 0 {
				t.Errorf("%s: ConfigMap %s: validate exited %d:\n%s%s", file, m.Metadata.Name, code, out.String(), errb.String())
			}
		}
	}
	if n == 0 {
		t.Error("no ConfigMap with a generator.yml under deploy/k8s")
	}
}

// The systemd unit's ExecStart goes through the flag parser, and the unit
// carries the hardening the docs promise.
func TestSystemdUnit(t *testing.T) {
	f, err := os.Open(filepath.Join("systemd", "eventum.service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("eventum.service: not a key=value line: %q", line)
		}
		keys[k] = append(keys[k], v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	exec := keys["ExecStart"]
	if len(exec) != 1 {
		t.Fatalf("ExecStart: %q, want one", exec)
	}
	fields := strings.Fields(exec[0])
	if filepath.Base(fields[0]) != "eventum" {
		t.Fatalf("ExecStart runs %q", fields[0])
	}
	if cmd, err := parses(fields[1:]); err != nil || cmd != "run" {
		t.Errorf("ExecStart %q: command %q, %v", exec[0], cmd, err)
	}
	for k, want := range map[string]string{
		"DynamicUser": "yes", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
		"ExecReload": "/bin/kill -HUP $MAINPID",
	} {
		if got := keys[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	if len(keys["ReadWritePaths"]) == 0 {
		t.Error("no ReadWritePaths: with ProtectSystem=strict nothing would be writable")
	}
}
