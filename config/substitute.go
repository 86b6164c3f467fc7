package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/scripts/jinja"
)

// Vars resolves the ${...} expressions of config files. Each expression is
// a template expression, exactly as between {{ and }} in a template
// (Starlark with Jinja's filters and tests), over `params`, `secrets` and
// `env`:
//
//	host: ${params.host}
//	url: http://${params.host}:${params.get("port", 9200)}/
//	password: ${secrets.db_password}
//	index: ${env.INDEX | default("events")}
type Vars struct {
	// Params are the generator parameters (--param, --params, startup file).
	Params map[string]any
	// Secret looks a secret up by name; ok=false means it does not exist.
	// Nil means: environment variables only.
	Secret func(name string) (value string, ok bool, err error)
	// Redactor records every secret (and env) value resolved, so that
	// printed text never shows it; nil means the process's Secrets.
	Redactor *Redactor
	// Env says which environment variables ${env.NAME} may read (EnvAll,
	// AllowEnv); nil reads none. EVENTUM_KEYRING_PASSWORD and
	// EVENTUM_SECRET_* are never readable, whatever it says.
	Env *EnvPolicy
}

// SecretEnvPrefix prefixes the environment variables that hold secrets:
// ${secrets.db_password} reads EVENTUM_SECRET_DB_PASSWORD.
const SecretEnvPrefix = "EVENTUM_SECRET_"

// SecretEnvName is the environment variable holding secret name: upper
// case, a dot written as two underscores (db.password:
// EVENTUM_SECRET_DB__PASSWORD), since shells do not set names with dots.
func SecretEnvName(name string) string {
	return SecretEnvPrefix + strings.ReplaceAll(strings.ToUpper(name), ".", "__")
}

func (v Vars) redactor() *Redactor {
	if v.Redactor == nil {
		return Secrets
	}
	return v.Redactor
}

// secret resolves a secret: ok=false when it is set nowhere.
func (v Vars) secret(name string) (val string, ok bool, err error) {
	if val, ok := os.LookupEnv(SecretEnvName(name)); ok {
		v.redactor().Add(val)
		return val, true, nil
	}
	if v.Secret != nil {
		val, ok, err := v.Secret(name)
		if err != nil {
			return "", false, fmt.Errorf("secret %q: %w", name, err)
		}
		if ok {
			v.redactor().Add(val)
			return val, true, nil
		}
	}
	return "", false, nil
}

// evaluation is the state of one ${...}: the sensitive values it read (to
// keep them out of its error) and the names it found missing.
type evaluation struct {
	used    []string
	missing []string // "param x", "secret y", "env Z" messages, in order
	read    bool     // a secret or an environment variable was read
	// secretPaths are the dotted names the expression writes after
	// `secrets.` (db.password in ${secrets.db.password}).
	secretPaths []string
}

var secretPathRE = regexp.MustCompile(`\bsecrets((?:\.[A-Za-z_][A-Za-z0-9_]*)+)`)

// exprGlobals are the names an expression sees.
var exprGlobals = []string{"params", "secrets", "env"}

// eval compiles and evaluates one placeholder's expression. sensitive
// reports that it read a secret or an environment variable.
func (v Vars) eval(file string, p *placeholder, expr string) (val starlark.Value, sensitive bool, err error) {
	e, err := compileExpr(expr)
	if err != nil {
		var je *jinja.Error
		if errors.As(err, &je) {
			return nil, false, fmt.Errorf("${%s}: %s", strings.TrimSpace(p.expr), je.Msg)
		}
		return nil, false, fmt.Errorf("${%s}: %w", strings.TrimSpace(p.expr), err)
	}
	st := &evaluation{}
	for _, m := range secretPathRE.FindAllStringSubmatch(expr, -1) {
		st.secretPaths = append(st.secretPaths, m[1][1:])
	}
	env := starlark.StringDict{
		"params":  &namespace{kind: "param", st: st, lookup: v.paramValue(st, "")},
		"secrets": &namespace{kind: "secret", st: st, lookup: v.secretValue(st, "")},
		"env":     &namespace{kind: "env", st: st, lookup: v.envValue(st)},
	}
	thread := &starlark.Thread{Name: "config"}
	thread.SetMaxExecutionSteps(100000)
	val, err = e.Eval(thread, env)
	if err != nil {
		msg := err.Error()
		var je *jinja.Error
		if errors.As(err, &je) {
			msg = je.Msg
		}
		return nil, st.read, fmt.Errorf("${%s}: %s", strings.TrimSpace(p.expr), redact(msg, st.used))
	}
	if jinja.IsUndefined(val) {
		why := fmt.Sprintf("%q is undefined (an expression reads params, secrets and env)", val.(*jinja.Undefined).Name())
		if len(st.missing) > 0 {
			why = st.missing[0]
		}
		return nil, st.read, fmt.Errorf("${%s}: %s", strings.TrimSpace(p.expr), why)
	}
	return val, st.read, nil
}

// scalarExpr is the expression as the scalar holding it reads: inside a
// quoted YAML scalar the quoting's escapes are undone (two single quotes
// in a single-quoted scalar, a backslash escape in a double-quoted one),
// so an expression may use quotes whatever the quoting around it.
func scalarExpr(expr string, style yaml.Style) string {
	switch {
	case style&yaml.SingleQuotedStyle != 0:
		return strings.ReplaceAll(expr, "''", "'")
	case style&yaml.DoubleQuotedStyle != 0 && strings.Contains(expr, `\`):
		var s string
		if err := yaml.Unmarshal([]byte(`"`+expr+`"`), &s); err == nil {
			return s
		}
	}
	return expr
}

// exprCache holds compiled expressions by their text: a config repeats
// the same few (${params.host}), and `eventum run` loads each config again
// on every start. Positions in messages come from the placeholder, so
// one compilation serves every occurrence. Bounded: it is emptied when
// full.
var exprCache struct {
	sync.Mutex
	m map[string]*jinja.Expression
}

const exprCacheMax = 1024

func compileExpr(src string) (*jinja.Expression, error) {
	exprCache.Lock()
	e := exprCache.m[src]
	exprCache.Unlock()
	if e != nil {
		return e, nil
	}
	e, err := jinja.CompileExpression("${}", 1, 1, src, jinja.Options{Globals: exprGlobals})
	if err != nil {
		return nil, err
	}
	exprCache.Lock()
	if exprCache.m == nil || len(exprCache.m) >= exprCacheMax {
		exprCache.m = make(map[string]*jinja.Expression)
	}
	exprCache.m[src] = e
	exprCache.Unlock()
	return e, nil
}

// paramValue looks a parameter up. As in the original, a name written
// with dots (${params.db.host}) also finds a parameter named "db.host"
// when no parameter "db" exists: prefix is the part already read.
func (v Vars) paramValue(st *evaluation, prefix string) func(string) (starlark.Value, string, error) {
	return func(name string) (starlark.Value, string, error) {
		full := prefix + name
		if val, ok := v.Params[full]; ok {
			return toStarlark(val), "", nil
		}
		for k := range v.Params {
			if strings.HasPrefix(k, full+".") {
				return &namespace{kind: "param", st: st, lookup: v.paramValue(st, full+".")}, "", nil
			}
		}
		return nil, fmt.Sprintf("param %q is not defined (pass it with --param %s=VALUE)", full, full), nil
	}
}

// secretValue looks a secret up. As in the original, secret names may
// hold dots: ${secrets.db.password} reads the secret "db.password" when
// no secret "db" exists (prefix is the part already read).
func (v Vars) secretValue(st *evaluation, prefix string) func(string) (starlark.Value, string, error) {
	return func(name string) (starlark.Value, string, error) {
		st.read = true
		full := prefix + name
		s, ok, err := v.secret(full)
		if err != nil {
			return nil, "", err
		}
		if !ok {
			for _, p := range st.secretPaths {
				if strings.HasPrefix(p, full+".") {
					return &namespace{kind: "secret", st: st, lookup: v.secretValue(st, full+".")}, "", nil
				}
			}
			return nil, fmt.Sprintf("secret %q is not set (set the environment variable %s or store it in the keyring)", full, SecretEnvName(full)), nil
		}
		st.used = append(st.used, s)
		return starlark.String(s), "", nil
	}
}

func (v Vars) envValue(st *evaluation) func(string) (starlark.Value, string, error) {
	return func(name string) (starlark.Value, string, error) {
		if err := v.Env.check(name); err != nil {
			return nil, "", err
		}
		st.read = true
		s, ok := os.LookupEnv(name)
		if !ok {
			return nil, fmt.Sprintf("environment variable %s is not set (give a fallback with ${env.%s | default(\"...\")})", name, name), nil
		}
		v.redactor().Add(s)
		st.used = append(st.used, s)
		return starlark.String(s), "", nil
	}
}

// substitute replaces the placeholders of the ${...} expressions (see
// mask) in every scalar of n, keys included.
func (v Vars) substitute(file string, n *yaml.Node, path string, m *masked, errs *[]error) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			v.substitute(file, c, path, m, errs)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			v.substitute(file, c, fmt.Sprintf("%s[%d]", path, i), m, errs)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			v.substitute(file, k, path, m, errs)
			v.substitute(file, n.Content[i+1], joinPath(path, k.Value), m, errs)
		}
	case yaml.ScalarNode:
		if !m.has(n.Value) && !strings.Contains(n.Value, "${") {
			return
		}
		if err := v.scalar(file, n, path, m); err != nil {
			*errs = append(*errs, err)
		}
	}
}

// scalar substitutes the expressions of one scalar node. An unquoted
// scalar that is exactly one ${expr} takes the value's type (a list param
// becomes a list); otherwise the values are interpolated as text, written
// as {{ }} writes them.
func (v Vars) scalar(file string, n *yaml.Node, path string, m *masked) error {
	s := n.Value
	var b strings.Builder
	sensitive := false
	for {
		i, p := m.next(s)
		if p == nil {
			if j := strings.Index(s, "${"); j >= 0 {
				return &Error{File: file, Line: n.Line, Col: n.Column, Path: path,
					Msg: fmt.Sprintf("unterminated ${ in %q (an expression ends with } on the line it starts)", s[j:])}
			}
			b.WriteString(s)
			break
		}
		val, sens, err := v.eval(file, p, scalarExpr(p.expr, n.Style))
		if err != nil {
			return &Error{File: file, Line: p.line, Col: p.col, Path: path, Msg: err.Error()}
		}
		sensitive = sensitive || sens
		rest := s[i+len(p.token):]
		if i == 0 && rest == "" && b.Len() == 0 && n.Style&^yaml.FlowStyle == 0 {
			replaceNode(n, val)
			if sensitive {
				markSecret(n)
			}
			return nil
		}
		b.WriteString(s[:i])
		b.WriteString(jinja.Text(val))
		s = rest
	}
	n.Value = b.String()
	if n.Style&^yaml.FlowStyle == 0 {
		resolveText(n) // a number stays a number
	}
	if sensitive {
		markSecret(n)
	}
	return nil
}

// resolveText lets YAML resolve the tag of substituted text, except that
// text is never null: an empty string (or "null") stays a string.
func resolveText(n *yaml.Node) {
	n.Tag = ""
	if n.Tag = n.ShortTag(); n.Tag == "!!null" {
		n.Tag = "!!str"
	}
}

// closingBrace finds the } closing an expression opened at s[start-2:start],
// skipping nested braces and quoted strings.
func closingBrace(s string, start int) int {
	depth := 0
	var quote byte
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\\':
			i++ // an escaped quote of the YAML scalar around the expression
		case c == '"' || c == '\'':
			quote = c
		case c == '{':
			depth++
		case c == '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

// secretMarker tags (in a comment field, which decoding ignores) nodes whose
// value came from a secret, so that error messages never quote them.
const secretMarker = "eventum:secret"

func markSecret(n *yaml.Node) { n.FootComment = secretMarker }

func isSecret(n *yaml.Node) bool { return n != nil && n.FootComment == secretMarker }

// hasSecret reports whether n or a node under it holds a secret.
func hasSecret(n *yaml.Node) bool {
	if n == nil {
		return false
	}
	if isSecret(n) {
		return true
	}
	for _, c := range n.Content {
		if hasSecret(c) {
			return true
		}
	}
	return false
}

// redact replaces the secret values in msg (as they are and as %q quotes them).
func redact(msg string, secrets []string) string {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		msg = strings.ReplaceAll(msg, s, "***")
		if q := strconv.Quote(s); len(q) > 2 {
			msg = strings.ReplaceAll(msg, q[1:len(q)-1], "***")
		}
	}
	return msg
}

func replaceNode(n *yaml.Node, val starlark.Value) {
	line, col, style := n.Line, n.Column, n.Style
	secret := isSecret(n)
	defer func() {
		if secret {
			markSecret(n)
		}
	}()
	switch x := val.(type) {
	case starlark.String:
		n.Value = string(x)
		if style == 0 {
			resolveText(n)
		} else {
			n.Tag = "!!str"
		}
		return
	}
	*n = *valueNode(toGo(val), line, col)
}

func toGo(v starlark.Value) any {
	switch x := v.(type) {
	case starlark.NoneType:
		return nil
	case starlark.Bool:
		return bool(x)
	case starlark.Int:
		if i, ok := x.Int64(); ok {
			return i
		}
		return x.String()
	case starlark.Float:
		return float64(x)
	case starlark.String:
		return string(x)
	case *starlark.List:
		out := make([]any, x.Len())
		for i := range out {
			out[i] = toGo(x.Index(i))
		}
		return out
	case starlark.Tuple:
		out := make([]any, len(x))
		for i := range out {
			out[i] = toGo(x[i])
		}
		return out
	case *starlark.Dict:
		out := map[string]any{}
		for _, kv := range x.Items() {
			k, ok := kv[0].(starlark.String)
			if !ok {
				out[kv[0].String()] = toGo(kv[1])
				continue
			}
			out[string(k)] = toGo(kv[1])
		}
		return out
	case *namespace:
		return x.String()
	}
	return v.String()
}

func toStarlark(v any) starlark.Value {
	switch x := v.(type) {
	case nil:
		return starlark.None
	case bool:
		return starlark.Bool(x)
	case int:
		return starlark.MakeInt(x)
	case int64:
		return starlark.MakeInt64(x)
	case uint64:
		return starlark.MakeUint64(x)
	case float64:
		return starlark.Float(x)
	case string:
		return starlark.String(x)
	case []any:
		l := make([]starlark.Value, len(x))
		for i, e := range x {
			l[i] = toStarlark(e)
		}
		return starlark.NewList(l)
	case map[string]any:
		d := starlark.NewDict(len(x))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			_ = d.SetKey(starlark.String(k), toStarlark(x[k]))
		}
		return d
	case map[any]any:
		d := starlark.NewDict(len(x))
		for k, e := range x {
			_ = d.SetKey(toStarlark(k), toStarlark(e))
		}
		return d
	}
	return starlark.String(fmt.Sprint(v))
}

// namespace is `params`, `secrets` or `env` inside ${...}: attribute and
// item access look a name up. A missing name is Jinja-undefined (so
// `| default(x)` applies); the expression fails naming it if its value
// is undefined.
type namespace struct {
	kind string
	st   *evaluation
	// lookup returns the value, or a non-empty message saying why there
	// is none, or an error that fails the expression.
	lookup func(string) (starlark.Value, string, error)
}

var (
	_ starlark.HasAttrs = (*namespace)(nil)
	_ starlark.Mapping  = (*namespace)(nil)
)

func (n *namespace) String() string { return "<" + n.Type() + ">" }
func (n *namespace) Type() string {
	if n.kind == "env" {
		return "env"
	}
	return n.kind + "s"
}
func (n *namespace) Freeze()               {}
func (n *namespace) Truth() starlark.Bool  { return true }
func (n *namespace) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: %s", n.Type()) }
func (n *namespace) AttrNames() []string   { return []string{"get"} }

func (n *namespace) Attr(name string) (starlark.Value, error) {
	if name == "get" {
		return starlark.NewBuiltin(n.Type()+".get", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var key string
			var def starlark.Value = starlark.None
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &key, &def); err != nil {
				return nil, err
			}
			v, _, err := n.lookup(key)
			if err != nil {
				return nil, err
			}
			if v == nil {
				return def, nil
			}
			return v, nil
		}), nil
	}
	v, why, err := n.lookup(name)
	if err != nil {
		return nil, err
	}
	if v == nil {
		n.st.missing = append(n.st.missing, why)
		return jinja.NewUndefined(name), nil
	}
	return v, nil
}

func (n *namespace) Get(k starlark.Value) (starlark.Value, bool, error) {
	s, ok := k.(starlark.String)
	if !ok {
		return nil, false, fmt.Errorf("%s name must be a string, got %s", n.kind, k.Type())
	}
	v, why, err := n.lookup(string(s))
	if err != nil {
		return nil, false, err
	}
	if v == nil {
		n.st.missing = append(n.st.missing, why)
		return nil, false, nil
	}
	return v, true, nil
}

// ParseParam parses one --param NAME=VALUE; the value is read as YAML (so 5
// is a number, true a boolean and [a, b] a list), falling back to the text.
func ParseParam(kv string) (string, any, error) {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return "", nil, fmt.Errorf("--param %q: expected NAME=VALUE", kv)
	}
	var val any
	if err := yaml.Unmarshal([]byte(v), &val); err != nil || val == nil {
		val = v
	}
	return strings.TrimSpace(k), val, nil
}
