package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// TestSchemaFilesCurrent checks that schema/*.json are what `eventum schema`
// prints; `go test ./cli -run Schema -update` rewrites them.
func TestSchemaFilesCurrent(t *testing.T) {
	for _, kind := range schemaKinds {
		want, err := SchemaJSON(kind)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join("..", "schema", kind+".json")
		if *update {
			if err := os.WriteFile(file, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run `go test ./cli -run Schema -update`)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not current: run `go test ./cli -run Schema -update`", file)
		}
	}
}

func compileSchema(t *testing.T, kind string) *jsonschema.Schema {
	t.Helper()
	b, err := SchemaJSON(kind)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(kind+".json", doc); err != nil {
		t.Fatal(err)
	}
	sc, err := c.Compile(kind + ".json")
	if err != nil {
		t.Fatalf("compile the %s schema: %v", kind, err)
	}
	return sc
}

// yamlInstance turns YAML text into the JSON value a schema validates
// (through JSON, as an editor's language server sees it).
func yamlInstance(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// TestSchemaAcceptsExamples validates every bundled generator, and the
// bundled application and startup files, against the schemas.
func TestSchemaAcceptsExamples(t *testing.T) {
	gen := compileSchema(t, "generator")
	var files []string
	err := filepath.WalkDir(filepath.Join("..", "examples"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "generator.yml" {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found only %d example generators", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := gen.Validate(yamlInstance(t, data)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for kind, file := range map[string]string{"app": "eventum.yml", "startup": "startup.yml"} {
		data, err := os.ReadFile(filepath.Join("..", "examples", "app", file))
		if err != nil {
			t.Fatal(err)
		}
		if err := compileSchema(t, kind).Validate(yamlInstance(t, data)); err != nil {
			t.Errorf("examples/app/%s: %v", file, err)
		}
	}
}

func TestSchemaChecks(t *testing.T) {
	gen, app, startup := compileSchema(t, "generator"), compileSchema(t, "app"), compileSchema(t, "startup")
	const base = "event: {template: {templates: [{a: {template: a.jinja}}]}}\noutput: [stdout: {}]\n"
	for _, tc := range []struct {
		name   string
		schema string
		doc    string
		ok     bool
		why    string // a part of the rejection
	}{
		{"valid", "generator", "input: [{static: {count: 2}}]\n" + base, true, ""},
		{"misspelt key", "generator", "input: [{static: {cuont: 2}}]\n" + base, false, "cuont"},
		{"unknown plugin", "generator", "input: [{statik: {count: 2}}]\n" + base, false, "statik"},
		{"wrong enum", "generator", "input: [{static: {count: 2}}]\nevent: {template: {mode: roulette, templates: [{a: {template: a.jinja}}]}}\noutput: [stdout: {}]\n", false, "roulette"},
		{"fraction for an integer", "generator", "input: [{static: {count: 2.5}}]\n" + base, false, "want integer"},
		{"below minimum", "generator", "input: [{static: {count: 0}}]\n" + base, false, "minimum"},
		{"substitution for an integer", "generator", "input: [{static: {count: '${params.n}'}}]\n" + base, true, ""},
		{"duration string", "generator", "input: [{timer: {seconds: 500ms}}]\n" + base, true, ""},
		{"formatter", "generator", "input: [{static: {count: 1}}]\nevent: {template: {templates: [{a: {template: a.jinja}}]}}\noutput: [stdout: {formatter: {format: json, indent: 2}}]\n", true, ""},
		{"formatter key of another format", "generator", "input: [{static: {count: 1}}]\nevent: {template: {templates: [{a: {template: a.jinja}}]}}\noutput: [stdout: {formatter: {format: plain, indent: 2}}]\n", false, "indent"},
		{"missing output", "generator", "input: [{static: {count: 1}}]\nevent: {template: {templates: [{a: {template: a.jinja}}]}}\n", false, "output"},
		{"app nested", "app", "server: {host: 0.0.0.0, port: 9474}\ngeneration: {batch: {size: 100}}\n", true, ""},
		{"app dotted", "app", "server.host: 0.0.0.0\nserver.port: 9474\ngeneration.batch.size: 100\n", true, ""},
		{"app misspelt", "app", "server: {prot: 9474}\n", false, "prot"},
		{"app dotted misspelt", "app", "server.prot: 9474\n", false, "server.prot"},
		{"startup", "startup", "- {id: a, path: a, live_mode: false, batch: {size: 10}}\n", true, ""},
		{"startup missing id", "startup", "- {path: a}\n", false, "id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := map[string]*jsonschema.Schema{"generator": gen, "app": app, "startup": startup}[tc.schema]
			err := sc.Validate(yamlInstance(t, []byte(tc.doc)))
			if tc.ok && err != nil {
				t.Errorf("rejected: %v", err)
			}
			if !tc.ok {
				if err == nil {
					t.Fatal("accepted")
				}
				if !strings.Contains(err.Error(), tc.why) {
					t.Errorf("rejection %q does not mention %q", err, tc.why)
				}
			}
		})
	}
}
