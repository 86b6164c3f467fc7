package config

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/starlib/guard"
)

// Vars resolves the ${...} expressions of config files. Each expression is a
// Starlark expression over `params` and `secrets`:
//
//	host: ${params.host}
//	url: http://${params.host}:${params.get("port", 9200)}/
//	password: ${secrets.db_password}
type Vars struct {
	// Params are the generator parameters (--param, --params, startup file).
	Params map[string]any
	// Secret looks a secret up by name; ok=false means it does not exist.
	// Nil means: environment variables only.
	Secret func(name string) (value string, ok bool, err error)
	// Redactor records every secret value resolved, so that printed text
	// never shows it; nil means the process's Secrets.
	Redactor *Redactor
}

// SecretEnvPrefix prefixes the environment variables that hold secrets:
// ${secrets.db_password} reads EVENTUM_SECRET_DB_PASSWORD.
const SecretEnvPrefix = "EVENTUM_SECRET_"

// SecretEnvName is the environment variable holding secret name.
func SecretEnvName(name string) string { return SecretEnvPrefix + strings.ToUpper(name) }

func (v Vars) secret(name string) (string, error) {
	r := v.Redactor
	if r == nil {
		r = Secrets
	}
	if val, ok := os.LookupEnv(SecretEnvName(name)); ok {
		r.Add(val)
		return val, nil
	}
	if v.Secret != nil {
		val, ok, err := v.Secret(name)
		if err != nil {
			return "", fmt.Errorf("secret %q: %w", name, err)
		}
		if ok {
			r.Add(val)
			return val, nil
		}
	}
	return "", fmt.Errorf("secret %q is not set (set the environment variable %s or store it in the keyring)", name, SecretEnvName(name))
}

// substitute replaces ${...} in every scalar of n.
func (v Vars) substitute(file string, n *yaml.Node, path string, errs *[]error) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			v.substitute(file, c, path, errs)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			v.substitute(file, c, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			v.substitute(file, n.Content[i+1], joinPath(path, n.Content[i].Value), errs)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return
		}
		if err := v.scalar(n); err != nil {
			*errs = append(*errs, &Error{File: file, Line: n.Line, Col: n.Column, Path: path, Msg: err.Error()})
		}
	}
}

// scalar substitutes the expressions of one scalar node. A scalar that is
// exactly one ${expr} takes the value's type (a list param becomes a list);
// otherwise the values are interpolated as text.
func (v Vars) scalar(n *yaml.Node) error {
	s := n.Value
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := closingBrace(s, i+2)
		if j < 0 {
			return fmt.Errorf("unterminated ${ in %q", n.Value)
		}
		expr := strings.TrimSpace(s[i+2 : j])
		if strings.Contains(expr, "secrets") {
			markSecret(n)
		}
		var used []string // secret values read, to keep them out of errors
		val, err := v.eval(expr, &used)
		if err != nil {
			return fmt.Errorf("${%s}: %s", expr, redact(err.Error(), used))
		}
		if i == 0 && j == len(s)-1 && b.Len() == 0 {
			replaceNode(n, val)
			return nil
		}
		b.WriteString(s[:i])
		if str, ok := val.(starlark.String); ok {
			b.WriteString(string(str))
		} else {
			b.WriteString(val.String())
		}
		s = s[j+1:]
	}
	n.Value = b.String()
	if n.Style == 0 {
		resolveText(n) // a number stays a number
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

func (v Vars) eval(expr string, used *[]string) (starlark.Value, error) {
	secret := func(name string) (starlark.Value, error) {
		val, err := v.secretValue(name)
		if s, ok := val.(starlark.String); ok {
			*used = append(*used, string(s))
		}
		return val, err
	}
	env := starlark.StringDict{
		"params":  &namespace{kind: "param", lookup: v.param},
		"secrets": &namespace{kind: "secret", lookup: secret},
	}
	thread := &starlark.Thread{Name: "config"}
	thread.SetMaxExecutionSteps(100000)
	opts := &syntax.FileOptions{}
	e, err := opts.ParseExpr("${}", expr, 0)
	if err != nil {
		return nil, err
	}
	val, err := starlark.EvalExprOptions(opts, thread, guard.Expr(e), env)
	if err != nil {
		var ee *starlark.EvalError
		if errors.As(err, &ee) {
			return nil, errors.New(ee.Msg)
		}
		return nil, err
	}
	return val, nil
}

func (v Vars) param(name string) (starlark.Value, error) {
	val, ok := v.Params[name]
	if !ok {
		return nil, fmt.Errorf("param %q is not defined (pass it with --param %s=VALUE)", name, name)
	}
	return toStarlark(val), nil
}

func (v Vars) secretValue(name string) (starlark.Value, error) {
	s, err := v.secret(name)
	if err != nil {
		return nil, err
	}
	return starlark.String(s), nil
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

// namespace is `params` or `secrets` inside ${...}: attribute and item
// access look a name up, and a missing name is an error naming it.
type namespace struct {
	kind   string
	lookup func(string) (starlark.Value, error)
}

var (
	_ starlark.HasAttrs = (*namespace)(nil)
	_ starlark.Mapping  = (*namespace)(nil)
)

func (n *namespace) String() string        { return "<" + n.kind + "s>" }
func (n *namespace) Type() string          { return n.kind + "s" }
func (n *namespace) Freeze()               {}
func (n *namespace) Truth() starlark.Bool  { return true }
func (n *namespace) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: %s", n.Type()) }
func (n *namespace) AttrNames() []string   { return []string{"get"} }

func (n *namespace) Attr(name string) (starlark.Value, error) {
	if name == "get" {
		return starlark.NewBuiltin(n.kind+"s.get", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var key string
			var def starlark.Value = starlark.None
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &key, &def); err != nil {
				return nil, err
			}
			if v, err := n.lookup(key); err == nil {
				return v, nil
			}
			return def, nil
		}), nil
	}
	return n.lookup(name)
}

func (n *namespace) Get(k starlark.Value) (starlark.Value, bool, error) {
	s, ok := k.(starlark.String)
	if !ok {
		return nil, false, fmt.Errorf("%s name must be a string, got %s", n.kind, k.Type())
	}
	v, err := n.lookup(string(s))
	if err != nil {
		return nil, false, err
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
