package config

import (
	"strings"
	"testing"
)

// parseToYAML parses src (named file) and returns the substituted tree
// as YAML text, or the error text.
func parseToYAML(t *testing.T, file, src string, vars Vars) string {
	t.Helper()
	doc, err := Parse(file, []byte(src), vars)
	if err != nil {
		return "error: " + err.Error()
	}
	var v any
	if err := doc.Root.Decode(&v); err != nil {
		t.Fatalf("%s: decode: %v", file, err)
	}
	return strings.TrimSpace(yamlString(v))
}

// ${...} is found in the text before parsing: flow style, braces and
// quotes inside the expression, filters, tests and keys all work.
func TestSubstitutionInText(t *testing.T) {
	t.Setenv("EVENTUM_SECRET_INJECT_PW", "x\nadmin: true\n")
	t.Setenv("EVENTUM_SECRET_PORT_PW", "5432")
	vars := Vars{Params: map[string]any{
		"n": 5, "host": "db.local", "tags": []any{"a", "b"}, "name": "web",
		"db": map[string]any{"host": "h", "port": 9}, "flag": true, "s": "x: y", "tls.mode": "strict",
	}}
	for _, tc := range []struct {
		name, file, src, want string
	}{
		{"flow mapping", "g.yml", "static: {count: ${params.n}}", "static:\n    count: 5"},
		{"flow sequence", "g.yml", "l: [${params.n}, ${params.host}]", "l:\n    - 5\n    - db.local"},
		{"filter", "g.yml", "h: ${params.host | upper}", "h: DB.LOCAL"},
		{"filter with args", "g.yml", `h: ${params.host | replace(".", "-")}`, "h: db-local"},
		{"default filter on a missing param", "g.yml", `v: ${params.missing | default(7)}`, "v: 7"},
		{"get with braces in the default", "g.yml", `d: ${params.get("start", {"a": 1})}`, "d:\n    a: 1"},
		{"test", "g.yml", `b: ${params.n is odd}`, "b: true"},
		{"nested param by attribute", "g.yml", `p: ${params.db.port + 1}`, "p: 10"},
		{"param named with a dot", "g.yml", `p: ${params.tls.mode}`, "p: strict"},
		{"list keeps its type", "g.yml", "t: ${params.tags}", "t:\n    - a\n    - b"},
		{"list interpolated as Python text", "g.yml", "t: x${params.tags}", "t: x['a', 'b']"},
		{"bool interpolated as Python text", "g.yml", `t: "f=${params.flag}"`, "t: f=True"},
		{"quoted whole value stays a string", "g.yml", `t: "${params.n}"`, "t: \"5\""},
		{"key", "g.yml", "${params.name}_count: 1", "web_count: 1"},
		{"a string param is one scalar", "g.yml", "s: ${params.s}", "s: 'x: y'"},
		{"a secret cannot add keys", "g.yml", "pw: ${secrets.inject_pw}", "pw: |\n    x\n    admin: true"},
		{"a numeric secret fills a number", "g.yml", "port: ${secrets.port_pw}", "port: 5432"},
		{"comment is not evaluated", "g.yml", "a: 1 # ${params.nope}\n# ${secrets.nope}\n", "a: 1"},
		{"block scalar", "g.yml", "a: |\n  n=${params.n}\n", "a: |\n    n=5"},
		{"toml bare", "g.toml", "count = ${params.n}\nhost = \"${params.host}:${params.n}\"\n# ${params.nope}\n", "count: 5\nhost: db.local:5"},
		{"toml list", "g.toml", "tags = ${params.tags}\n", "tags:\n    - a\n    - b"},
		{"toml multi-line string", "g.toml", "a = \"\"\"\nx ${params.n}\"\"\"\n", "a: x 5"},
		{"dollar without brace", "g.yml", "a: $5 ${params.n}", "a: $5 5"},
		{"single-quoted quotes", "g.yml", `a: '${params.get(''nope'', ''d'')}'`, "a: d"},
		{"double-quoted quotes", "g.yml", `a: "${params.get(\"nope\", \"d\")}-x"`, "a: d-x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseToYAML(t, tc.file, tc.src, vars); got != tc.want {
				t.Errorf("%s\ngot:\n%s\nwant:\n%s", tc.src, got, tc.want)
			}
		})
	}
}

// Errors name the file, line and column of the ${ and the key path; a
// secret never shows in them.
func TestSubstitutionErrorPositions(t *testing.T) {
	t.Setenv("EVENTUM_SECRET_POS_PW", "hunter2")
	vars := Vars{Params: map[string]any{"n": 5, "tls.mode": "x"}}
	for _, tc := range []struct{ src, want string }{
		{"a: 1\nstatic: {count: ${params.nope}}\n", `gen.yml:2:17: static.count: ${params.nope}: param "nope" is not defined`},
		{"a: 1\n\nb: x ${params.n} ${1 +}\n", `gen.yml:3:18: b: ${1 +}:`},
		{"b: ${params.n | nosuchfilter}\n", `gen.yml:1:4: b: ${params.n | nosuchfilter}:`},
		{"b: ${secrets.pos_pw | float + [1]}\n", `gen.yml:1:4: b: ${secrets.pos_pw | float + [1]}:`},
		{"b: ${secrets.pos_pw + 1}\n", `gen.yml:1:4: b: ${secrets.pos_pw + 1}:`},
		{"b: ${nope}\n", `"nope" is undefined`},
		{"b: ${params.tls.nope}\n", `param "tls.nope" is not defined`},
		{"b: ${}\n", `empty expression`},
		{"b: ${params.n\n", `unterminated ${`},
	} {
		_, err := Parse("gen.yml", []byte(tc.src), vars)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}

// ${env.NAME}: read only where allowed; never the keyring password or an
// EVENTUM_SECRET_*; values are redacted like secrets.
func TestEnvSubstitution(t *testing.T) {
	t.Setenv("EVENTUM_TEST_INDEX", "events-2026")
	t.Setenv("EVENTUM_KEYRING_PASSWORD", "kr-password")
	t.Setenv("EVENTUM_SECRET_ENV_PW", "sec-value")
	for _, tc := range []struct {
		name string
		env  *EnvPolicy
		src  string
		want string
	}{
		{"all", EnvAll(), "i: ${env.EVENTUM_TEST_INDEX}", "i: events-2026"},
		{"item syntax", EnvAll(), `i: ${env["EVENTUM_TEST_INDEX"]}`, "i: events-2026"},
		{"default when unset", EnvAll(), `i: ${env.EVENTUM_TEST_UNSET | default("x")}`, "i: x"},
		{"get with default", EnvAll(), `i: ${env.get("EVENTUM_TEST_UNSET", "z")}`, "i: z"},
		{"unset", EnvAll(), "i: ${env.EVENTUM_TEST_UNSET}", "error: g.yml:1:4: i: ${env.EVENTUM_TEST_UNSET}: environment variable EVENTUM_TEST_UNSET is not set (give a fallback with ${env.EVENTUM_TEST_UNSET | default(\"...\")})"},
		{"listed", AllowEnv([]string{"EVENTUM_TEST_INDEX"}, "generation.allow_env"), "i: ${env.EVENTUM_TEST_INDEX}", "i: events-2026"},
		{"not listed", AllowEnv([]string{"OTHER"}, "generation.allow_env"), "i: ${env.EVENTUM_TEST_INDEX}",
			"error: g.yml:1:4: i: ${env.EVENTUM_TEST_INDEX}: environment variable EVENTUM_TEST_INDEX is not readable: list it in generation.allow_env"},
		{"not listed, even with a default", AllowEnv(nil, "generation.allow_env"), `i: ${env.EVENTUM_TEST_INDEX | default("x")}`,
			"error: g.yml:1:4: i: ${env.EVENTUM_TEST_INDEX | default(\"x\")}: environment variable EVENTUM_TEST_INDEX is not readable: list it in generation.allow_env"},
		{"off", nil, "i: ${env.EVENTUM_TEST_INDEX}", "error: g.yml:1:4: i: ${env.EVENTUM_TEST_INDEX}: environment variable EVENTUM_TEST_INDEX: ${env.…} is not enabled here"},
		{"keyring password", EnvAll(), "i: ${env.EVENTUM_KEYRING_PASSWORD}",
			"error: g.yml:1:4: i: ${env.EVENTUM_KEYRING_PASSWORD}: environment variable EVENTUM_KEYRING_PASSWORD is never readable through ${env.…} (read a secret as ${secrets.NAME})"},
		{"keyring password listed", AllowEnv([]string{"EVENTUM_KEYRING_PASSWORD"}, "x"), `i: ${env.get("EVENTUM_KEYRING_PASSWORD")}`,
			"error: g.yml:1:4: i: ${env.get(\"EVENTUM_KEYRING_PASSWORD\")}: environment variable EVENTUM_KEYRING_PASSWORD is never readable through ${env.…} (read a secret as ${secrets.NAME})"},
		{"secret variable", EnvAll(), "i: ${env.EVENTUM_SECRET_ENV_PW}",
			"error: g.yml:1:4: i: ${env.EVENTUM_SECRET_ENV_PW}: environment variable EVENTUM_SECRET_ENV_PW is never readable through ${env.…} (read a secret as ${secrets.NAME})"},
		{"secret variable in lower case", EnvAll(), "i: ${env.eventum_secret_env_pw}",
			"error: g.yml:1:4: i: ${env.eventum_secret_env_pw}: environment variable eventum_secret_env_pw is never readable through ${env.…} (read a secret as ${secrets.NAME})"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			red := NewRedactor()
			got := parseToYAML(t, "g.yml", tc.src, Vars{Env: tc.env, Redactor: red})
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			if strings.Contains(got, "kr-password") || strings.Contains(got, "sec-value") {
				t.Errorf("a forbidden value leaked: %s", got)
			}
			if strings.Contains(got, "events-2026") && red.Redact("index events-2026") != "index ***" {
				t.Errorf("the env value read is not redacted")
			}
		})
	}
}

// Secret names may hold dots, as in the original: ${secrets.db.password}
// reads the secret "db.password" (from EVENTUM_SECRET_DB__PASSWORD or the
// keyring) when there is no secret "db".
func TestDottedSecretNames(t *testing.T) {
	t.Setenv("EVENTUM_SECRET_OPENSEARCH__PASSWORD", "from-env-pw")
	keyring := map[string]string{"db.password": "from-keyring", "db": "whole"}
	lookup := func(name string) (string, bool, error) { v, ok := keyring[name]; return v, ok, nil }
	for _, tc := range []struct{ src, want string }{
		{"p: ${secrets.opensearch.password}", "p: from-env-pw"},
		{"p: ${secrets.db}", "p: whole"},
		{"p: ${secrets.kafka.password | default('none')}", "p: none"},
		{"p: ${secrets.kafka.password}", `error: g.yml:1:4: p: ${secrets.kafka.password}: secret "kafka.password" is not set (set the environment variable EVENTUM_SECRET_KAFKA__PASSWORD or store it in the keyring)`},
	} {
		if got := parseToYAML(t, "g.yml", tc.src, Vars{Secret: lookup, Redactor: NewRedactor()}); got != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.src, got, tc.want)
		}
	}
	delete(keyring, "db")
	if got := parseToYAML(t, "g.yml", "p: ${secrets.db.password}", Vars{Secret: lookup, Redactor: NewRedactor()}); got != "p: from-keyring" {
		t.Errorf("got %s", got)
	}
}
