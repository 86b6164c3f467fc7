package scripts

import (
	"strings"
	"testing"
)

func TestSamples(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"users.csv":    "name,role,weight\nalice,admin,0\nbob,dev,1\n\"carol, jr\",dev,3\n",
		"plain.csv":    "x;1\ny;2\n",
		"quoted.csv":   "name,note\n'a,b','it''s'\n",
		"items.json":   `[{"host": "h1", "port": 80, "tags": ["a"]}, {"host": "h2", "port": 443, "tags": []}]`,
		"values.json":  `["v1", "v2"]`,
		"bad.csv":      "a,b\n1,2,3\n",
		"hetero.json":  `[{"a": 1}, {"b": 2}]`,
		"notlist.json": `{"a": 1}`,
	}
	samples := `samples:
  users: {type: csv, source: users.csv, header: true}
  plain: {type: csv, source: plain.csv, delimiter: ";"}
  quoted: {type: csv, source: quoted.csv, header: true, quotechar: "'"}
  hosts: {type: json, source: items.json}
  values: {type: json, source: values.json}
  codes: {type: items, source: [200, 404]}
  pairs: {type: items, source: [[a, 1], [b, 2]]}
`
	tests := []struct{ tmpl, want string }{
		{`{{ samples.users | length }} {{ samples.users[0].name }} {{ samples.users[2][0] }} {{ samples.users[-1].role }}`, "3 alice carol, jr dev"},
		{`{{ samples.users.columns }} {{ samples.users["role"] }}`, "['name', 'role', 'weight'] ['admin', 'dev', 'dev']"},
		{`{% for u in samples.users %}{{ u.name }}/{{ u["weight"] }} {% endfor %}`, "alice/0 bob/1 carol, jr/3 "},
		{`{{ samples.users[1] }}`, "Row(name='bob', role='dev', weight='1')"},
		{`{{ samples.users.where(role='dev') | map(attribute='name') | join(',') }} {{ samples.users.where(role='x') | length }}`, "bob,carol, jr 0"},
		{`{{ samples.users.where(role='x').pick('none') }} {{ samples.users.where(role='x').pick_n(3) }}`, "none []"},
		{`{{ samples.users.pick().name in ['alice', 'bob', 'carol, jr'] }} {{ samples.users.pick_n(4) | length }}`, "True 4"},
		{`{% for i in range(50) %}{{ samples.users.weighted_pick('weight').name != 'alice' }}{% endfor %}`, strings.Repeat("True", 50)},
		{`{{ samples.users.weighted_pick_n('weight', 5) | rejectattr('name', 'eq', 'alice') | list | length }}`, "5"},
		{`{{ samples.plain[1]._0 }}{{ samples.plain[1][1] }} {{ samples.plain.columns }}`, "y2 ['_0', '_1']"},
		{`{{ samples.quoted[0].name }}|{{ samples.quoted[0].note }}`, "a,b|it's"},
		{`{{ samples.hosts[1].host }}:{{ samples.hosts[1].port }} {{ samples.hosts[0][2] }} {{ samples.hosts[0].nope is defined }}`, "h2:443 ['a'] False"},
		{`{{ samples.values[0] }} {{ samples.values | length }}`, "v1 2"},
		{`{{ samples.codes[1] }} {{ module.rand.choice(samples.codes) in [200, 404] }} {{ (samples.codes | random) in [200, 404] }}`, "404 True True"},
		{`{{ samples.pairs[1]._0 }}{{ samples.pairs[1][1] }}`, "b2"},
		{`{{ samples["codes"] | length }} {{ samples.codes is defined }}`, "2 True"},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			t.Parallel()
			f := map[string]string{"t.jinja": tt.tmpl}
			for k, v := range files {
				f[k] = v
			}
			tm := mustTemplate(t, f, samples+"templates:\n- t: {template: t.jinja}\n")
			if got := produceN(t, tm, 1)[0][0]; got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}

	errs := []struct{ src, want string }{
		{"samples: {s: {type: csv, source: bad.csv, header: true}}", "bad.csv: line 2: rows have different numbers of fields"},
		{"samples: {s: {type: json, source: hetero.json}}", "object 1 has no key \"a\""},
		{"samples: {s: {type: json, source: notlist.json}}", "expected a JSON array"},
		{"samples: {s: {type: csv, source: missing.csv}}", "samples.s: open"},
		{"samples: {s: {type: csv, source: users.csv, delimiter: ';;'}}", "delimiter: must be one character"},
		{"samples: {s: {type: items, source: 3}}", "expected a list of items"},
		{"samples: {s: {type: csv, source: [a]}}", "expected a file path"},
	}
	for _, tt := range errs {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			f := map[string]string{"t.jinja": "x"}
			for k, v := range files {
				f[k] = v
			}
			_, err := buildTemplate(t, f, tt.src+"\ntemplates:\n- t: {template: t.jinja}\n", 1)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}

	t.Run("runtime errors", func(t *testing.T) {
		t.Parallel()
		for tmpl, want := range map[string]string{
			`{{ samples.nope }}`:                        `no sample named "nope"`,
			`{{ samples.users.weighted_pick('role') }}`: `weight "admin" is not a number`,
			`{{ samples.users.where(age=3) }}`:          `has no column "age"`,
			`{{ samples.users[9] }}`:                    "index 9 out of range",
		} {
			f := map[string]string{"t.jinja": tmpl, "users.csv": files["users.csv"]}
			tm := mustTemplate(t, f, "samples: {users: {type: csv, source: users.csv, header: true}}\ntemplates:\n- t: {template: t.jinja}\n")
			_, err := tm.Produce(start.UnixNano(), 0, nil)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "t.jinja:1") {
				t.Errorf("%s: err = %v, want %q", tmpl, err, want)
			}
		}
	})
}
