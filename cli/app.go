// Package cli holds eventum's commands, one file each: flags → config → pipeline.
package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/eventum-go/eventum/config"

	// Plugins register themselves in init().
	_ "github.com/eventum-go/eventum/formatters"
	_ "github.com/eventum-go/eventum/inputs"
	_ "github.com/eventum-go/eventum/outputs"
	_ "github.com/eventum-go/eventum/scripts"
)

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3".
var Version = "0.1.0-dev"

// NewApp builds the command-line application writing to stdout and stderr.
func NewApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:                 "eventum",
		Usage:                "generate synthetic events: when (input) → what (event) → where (output)",
		Version:              Version,
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		HideVersion:          true,
		Commands: []*cli.Command{
			generateCommand(), renderCommand(),
			runCommand(), secretsCommand(),
			validateCommand(), mcpCommand(),
			versionCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // Main reports errors
	}
	for _, c := range app.Commands {
		// A flag that does not parse is a bad flag: exit 2, and keep the
		// usage text off stdout (where generate writes events).
		c.OnUsageError = func(c *cli.Context, err error, _ bool) error {
			return cli.Exit(fmt.Sprintf("eventum %s: %v (see --help)", c.Command.Name, err), 2)
		}
	}
	return app
}

// flagError marks an error in a flag's value (exit code 2).
type flagError struct{ error }

func (e flagError) Unwrap() error { return e.error }

// exitCode is 2 for flag errors, else code.
func exitCode(err error, code int) int {
	var fe flagError
	if errors.As(err, &fe) {
		return 2
	}
	return code
}

// Main runs the application and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	app := NewApp(stdout, stderr)
	if err := app.Run(args); err != nil {
		// Errors can quote config values: secrets and URL user info are
		// hidden (config.Redact) in everything printed.
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			if msg := strings.TrimSpace(err.Error()); msg != "" {
				fmt.Fprintln(stderr, config.Redact(msg))
			}
			return ec.ExitCode()
		}
		fmt.Fprintln(stderr, "eventum:", config.Redact(err.Error()))
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	return slog.New(config.Secrets.Handler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))), nil
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			fmt.Fprintf(c.App.Writer, "eventum %s\n", Version)
			return nil
		},
	}
}
