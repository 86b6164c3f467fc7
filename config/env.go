package config

import (
	"fmt"
	"slices"
	"strings"
)

// EnvPolicy says which environment variables ${env.NAME} may read.
// `eventum generate` (and validate, render) read any; the generators that
// `eventum run` starts read only those listed in generation.allow_env of
// eventum.yml, because their configs may come from API users. The keyring
// password and EVENTUM_SECRET_* are never readable: a secret is read as
// ${secrets.NAME}. Values read are redacted like secrets.
type EnvPolicy struct {
	all   bool
	names []string
	// where names the setting that lists the readable names, for the
	// message refusing one.
	where string
}

// EnvAll lets ${env.NAME} read every variable (but the forbidden ones).
func EnvAll() *EnvPolicy { return &EnvPolicy{all: true} }

// AllowEnv lets ${env.NAME} read the listed variables; where names the
// setting listing them (e.g. "generation.allow_env in eventum.yml").
func AllowEnv(names []string, where string) *EnvPolicy {
	return &EnvPolicy{names: slices.Clone(names), where: where}
}

// KeyringPasswordEnv is the environment variable holding the keyring's
// password.
const KeyringPasswordEnv = "EVENTUM_KEYRING_PASSWORD"

// ForbiddenEnv reports whether ${env.NAME} may never read name.
func ForbiddenEnv(name string) bool {
	return name == KeyringPasswordEnv || strings.HasPrefix(strings.ToUpper(name), SecretEnvPrefix)
}

// check returns why name may not be read, or nil.
func (p *EnvPolicy) check(name string) error {
	if ForbiddenEnv(name) {
		return fmt.Errorf("environment variable %s is never readable through ${env.…} (read a secret as ${secrets.NAME})", name)
	}
	switch {
	case p == nil:
		return fmt.Errorf("environment variable %s: ${env.…} is not enabled here", name)
	case p.all || slices.Contains(p.names, name):
		return nil
	case p.where != "":
		return fmt.Errorf("environment variable %s is not readable: list it in %s", name, p.where)
	}
	return fmt.Errorf("environment variable %s is not readable here", name)
}
