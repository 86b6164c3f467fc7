// Package cli holds eventum's commands, one file each: flags → config → pipeline.
package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/urfave/cli/v2"

	// Plugins register themselves in init().
	_ "github.com/eventum-generator/eventum-go/formatters"
	_ "github.com/eventum-generator/eventum-go/inputs"
	_ "github.com/eventum-generator/eventum-go/outputs"
	_ "github.com/eventum-generator/eventum-go/scripts"
)

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3".
var Version = "0.1.0-dev"

// NewApp builds the command-line application writing to stdout and stderr.
func NewApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
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
			validateCommand(),
			versionCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // Main reports errors
	}
}

// Main runs the application and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	app := NewApp(stdout, stderr)
	if err := app.Run(args); err != nil {
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			if msg := strings.TrimSpace(err.Error()); msg != "" {
				fmt.Fprintln(stderr, msg)
			}
			return ec.ExitCode()
		}
		fmt.Fprintln(stderr, "eventum:", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
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
