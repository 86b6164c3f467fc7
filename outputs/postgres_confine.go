package outputs

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/eventum-go/eventum/plugin"
)

// pgFileParams are the connection-string parameters whose value the
// driver opens as a file (when parsing the dsn, before any connection).
var pgFileParams = []string{"sslrootcert", "sslcert", "sslkey", "passfile", "servicefile"}

// confinePostgresDSN checks, for a confined generator, every file the dsn
// names: it must be an absolute path (the driver resolves relative ones
// against the working directory) inside the confinement's directory. A dsn
// that names such a parameter in a way this parser does not read is refused.
func confinePostgresDSN(env *plugin.Env, dsn string) error {
	if env == nil || env.Confine == nil || dsn == "" {
		return nil
	}
	params, err := pgDSNParams(dsn)
	if err != nil {
		return fmt.Errorf("dsn: %w", err)
	}
	lower := strings.ToLower(dsn)
	for _, key := range pgFileParams {
		v, ok := params[key]
		if !ok {
			if strings.Contains(lower, key) {
				return fmt.Errorf("dsn: cannot check the %s parameter of a confined generator; write it as %s=/absolute/path", key, key)
			}
			continue
		}
		if !filepath.IsAbs(v) {
			return fmt.Errorf("dsn: %s %q: a confined generator must name it with an absolute path inside %s", key, v, env.Confine.Dir)
		}
		f, err := env.Open("dsn "+key, v)
		if err != nil {
			return fmt.Errorf("dsn: %w", err)
		}
		f.Close()
	}
	return nil
}

// pgDSNParams reads the parameters of a libpq URL (postgres://…?k=v) or
// keyword/value connection string (k=v k='quoted \' value').
func pgDSNParams(dsn string) (map[string]string, error) {
	params := map[string]string{}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, err
		}
		for k, vs := range u.Query() {
			if len(vs) > 0 {
				params[k] = vs[len(vs)-1]
			}
		}
		return params, nil
	}
	s := dsn
	for {
		s = strings.TrimLeft(s, " \t\n\r\f\v")
		if s == "" {
			return params, nil
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return nil, fmt.Errorf("invalid keyword/value: %q", s)
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " \t\n\r\f\v")
		var val strings.Builder
		if strings.HasPrefix(s, "'") {
			s = s[1:]
			closed := false
			for len(s) > 0 {
				c := s[0]
				s = s[1:]
				if c == '\\' && len(s) > 0 {
					val.WriteByte(s[0])
					s = s[1:]
					continue
				}
				if c == '\'' {
					closed = true
					break
				}
				val.WriteByte(c)
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quoted value of %s", key)
			}
		} else {
			end := strings.IndexAny(s, " \t\n\r\f\v")
			if end < 0 {
				end = len(s)
			}
			raw := s[:end]
			s = s[end:]
			for i := 0; i < len(raw); i++ {
				if raw[i] == '\\' && i+1 < len(raw) {
					i++
				}
				val.WriteByte(raw[i])
			}
		}
		params[key] = val.String()
	}
}
