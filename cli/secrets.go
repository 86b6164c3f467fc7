package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/eventum-go/eventum/secrets"
	"github.com/eventum-go/eventum/server"
)

func secretsCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: "eventum.yml", Usage: "application config naming the keyring (path.keyring_cryptfile)", TakesFile: true},
		&cli.StringFlag{Name: "cryptfile", Usage: "keyring file (overrides the config's path.keyring_cryptfile)", TakesFile: true},
	}
	name := func(c *cli.Context) (string, error) {
		args, err := trailingFlags(c) // `set NAME --value x` works too
		if err != nil {
			return "", err
		}
		if len(args) != 1 {
			return "", usageError(c, fmt.Errorf("expected one secret NAME, got %d arguments", len(args)))
		}
		n := args[0]
		if err := secrets.ValidName(n); err != nil {
			return "", cli.Exit(fmt.Sprintf("eventum: %v", err), 2)
		}
		return n, nil
	}
	return &cli.Command{
		Name:  "secrets",
		Usage: "manage the encrypted keyring (passphrase in " + secrets.PasswordEnv + ")",
		Description: "Secrets are referenced in config files as ${secrets.NAME}; an environment variable\n" +
			"EVENTUM_SECRET_<NAME> overrides the keyring.",
		Subcommands: []*cli.Command{
			{
				Name: "set", Usage: "store a secret (value from --value, else read from stdin)", ArgsUsage: "NAME",
				Flags: append(flags, &cli.StringFlag{Name: "value", Usage: "the value (beware: visible in the shell history)"}),
				Action: func(c *cli.Context) error {
					n, err := name(c)
					if err != nil {
						return err
					}
					kr, err := openKeyring(c)
					if err != nil {
						return err
					}
					v := c.String("value")
					if !c.IsSet("value") {
						if v, err = readSecretValue(c, n); err != nil {
							return cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
						}
					}
					if v == "" {
						return cli.Exit("eventum: the secret value must not be empty", 2)
					}
					if err := kr.Set(n, v); err != nil {
						return cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
					}
					fmt.Fprintf(c.App.ErrWriter, "eventum: secret %q stored in %s\n", n, kr.Path())
					return nil
				},
			},
			{
				Name: "get", Usage: "print a secret's value", ArgsUsage: "NAME", Flags: flags,
				Action: func(c *cli.Context) error {
					n, err := name(c)
					if err != nil {
						return err
					}
					kr, err := openKeyring(c)
					if err != nil {
						return err
					}
					v, ok, err := kr.Get(n)
					if err != nil {
						return cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
					}
					if !ok {
						return cli.Exit(fmt.Sprintf("eventum: secret %q is not stored", n), 1)
					}
					fmt.Fprintln(c.App.Writer, v)
					return nil
				},
			},
			{
				Name: "list", Usage: "list the names of the stored secrets", Flags: flags,
				Action: func(c *cli.Context) error {
					kr, err := openKeyring(c)
					if err != nil {
						return err
					}
					names, err := kr.Names()
					if err != nil {
						return cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
					}
					for _, n := range names {
						fmt.Fprintln(c.App.Writer, n)
					}
					return nil
				},
			},
			importCommand(flags),
			{
				Name: "delete", Usage: "delete a secret", ArgsUsage: "NAME", Flags: flags,
				Action: func(c *cli.Context) error {
					n, err := name(c)
					if err != nil {
						return err
					}
					kr, err := openKeyring(c)
					if err != nil {
						return err
					}
					ok, err := kr.Delete(n)
					if err != nil {
						return cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
					}
					if !ok {
						return cli.Exit(fmt.Sprintf("eventum: secret %q is not stored", n), 1)
					}
					return nil
				},
			},
		},
	}
}

// openKeyring finds the keyring (--cryptfile, else the config's
// path.keyring_cryptfile) and opens it with EVENTUM_KEYRING_PASSWORD.
func openKeyring(c *cli.Context) (*secrets.Keyring, error) {
	path := c.String("cryptfile")
	if path == "" {
		p, err := server.KeyringPath(c.String("config"))
		if err != nil {
			return nil, cli.Exit(fmt.Sprintf("eventum: %v (or give --cryptfile)", err), 2)
		}
		path = p
	}
	kr, err := secrets.OpenEnv(path)
	if err != nil {
		return nil, cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
	}
	return kr, nil
}

// readSecretValue reads the value without echo from a terminal, or the
// first line of piped stdin.
func readSecretValue(c *cli.Context, name string) (string, error) {
	in := c.App.Reader
	if in == nil {
		in = os.Stdin
	}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(c.App.ErrWriter, "value of %s: ", name)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.App.ErrWriter)
		return string(b), err
	}
	line, err := bufio.NewReader(io.LimitReader(in, 1<<20)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// importCommand is `eventum secrets import --from FILE`: it copies the
// secrets of the original's keyring (keyrings.cryptfile) into this one.
func importCommand(flags []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "copy the secrets of the original eventum's keyring file (keyrings.cryptfile) into this keyring",
		Description: "The original's passphrase is read from the variable --from-password-env names\n" +
			"(default " + secrets.PasswordEnv + "); when it is not set, the original's default passphrase\n" +
			"\"" + secrets.CryptFileDefaultPassword + "\" is used, as the original does. Secrets already stored here are kept\n" +
			"unless --overwrite is given. Values are never printed.",
		Flags: append(flags,
			&cli.StringFlag{Name: "from", Required: true, TakesFile: true, Usage: "the original's keyring file (its path.keyring_cryptfile, e.g. cryptfile.cfg)"},
			&cli.StringFlag{Name: "from-password-env", Value: secrets.PasswordEnv, Usage: "environment variable holding the original keyring's passphrase"},
			&cli.StringFlag{Name: "service", Value: secrets.CryptFileService, Usage: "keyring service the original stores its secrets under"},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace secrets that are already stored here"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cli.Exit("eventum: secrets import takes no arguments (flags must come before any argument)", 2)
			}
			pass, ok := os.LookupEnv(c.String("from-password-env"))
			if !ok {
				pass = secrets.CryptFileDefaultPassword
			}
			list, problems, err := secrets.ReadCryptFile(c.String("from"), []byte(pass), c.String("service"))
			if err != nil {
				if !ok && errors.Is(err, secrets.ErrWrongPassword) {
					err = fmt.Errorf("%w (%s is not set, so the original's default passphrase was tried)", err, c.String("from-password-env"))
				}
				return cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
			}
			kr, err := openKeyring(c)
			if err != nil {
				return err
			}
			existing, err := kr.Names()
			if err != nil {
				return cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
			}
			var imported, kept []string
			for _, s := range list {
				if err := secrets.ValidName(s.Name); err != nil {
					problems = append(problems, fmt.Errorf("secret %q: %w", s.Name, err))
					continue
				}
				if slices.Contains(existing, s.Name) && !c.Bool("overwrite") {
					kept = append(kept, s.Name)
					continue
				}
				if err := kr.Set(s.Name, s.Value); err != nil {
					return cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
				}
				imported = append(imported, s.Name)
			}
			w := c.App.ErrWriter
			fmt.Fprintf(w, "eventum: imported %d secret(s) from %s into %s", len(imported), c.String("from"), kr.Path())
			if len(imported) > 0 {
				fmt.Fprintf(w, ": %s", strings.Join(imported, ", "))
			}
			fmt.Fprintln(w)
			if len(kept) > 0 {
				fmt.Fprintf(w, "eventum: kept %d secret(s) already stored here (--overwrite replaces them): %s\n", len(kept), strings.Join(kept, ", "))
			}
			for _, p := range problems {
				fmt.Fprintf(w, "eventum: not imported: %v\n", p)
			}
			if len(problems) > 0 {
				return cli.Exit(fmt.Sprintf("eventum: %d secret(s) could not be imported", len(problems)), 1)
			}
			return nil
		},
	}
}
