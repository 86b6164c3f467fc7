// Package cli holds eventum's commands, one file each: flags → config → pipeline.
package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/xrash/smetrics"

	"github.com/eventum-go/eventum/config"

	// Plugins register themselves in init().
	_ "github.com/eventum-go/eventum/formatters"
	_ "github.com/eventum-go/eventum/inputs"
	_ "github.com/eventum-go/eventum/outputs"
	_ "github.com/eventum-go/eventum/scripts"
)

// Build information, set by `make dist` with
// -ldflags "-X github.com/eventum-go/eventum/cli.Version=v1.2.3 -X ...cli.Commit=… -X ...cli.BuildDate=…".
// Values left empty are read from the binary's build information
// (debug.ReadBuildInfo: the module version of `go install …@v1.2.3`, the VCS
// revision and time of a build in a checkout).
var (
	Version   = ""
	Commit    = ""
	BuildDate = ""
)

func init() {
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			Version = bi.Main.Version
		}
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if Commit == "" {
					Commit = s.Value
				}
			case "vcs.time":
				if BuildDate == "" {
					BuildDate = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && Commit != "" && !strings.HasSuffix(Commit, "-dirty") {
			Commit += "-dirty"
		}
	}
	if Version == "" {
		Version = "0.1.0-dev"
	}
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Aliases: []string{"v"}, Usage: "print the version, commit, build date and Go version"}
	cli.VersionPrinter = func(c *cli.Context) { fmt.Fprintln(c.App.Writer, versionLine()) }
}

// versionLine is what --version and `eventum version` print.
func versionLine() string {
	commit, date := Commit, BuildDate
	if commit == "" {
		commit = "unknown"
	}
	if date == "" {
		date = "unknown"
	}
	return fmt.Sprintf("eventum %s (commit %s, built %s, %s %s/%s)", Version, commit, date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// NewApp builds the command-line application writing to stdout and stderr.
func NewApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:                 "eventum",
		Usage:                "generate synthetic events: when (input) → what (event) → where (output)",
		Version:              Version,
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		Commands: []*cli.Command{
			generateCommand(), renderCommand(),
			runCommand(), secretsCommand(),
			validateCommand(),
			schemaCommand(),
			completionCommand(),
			mcpCommand(),
			versionCommand(),
			helpCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // Main reports errors
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return usageError(c, flagSuggestion(err, c.App.VisibleFlags()))
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return unknownCommand(c, c.App.Commands)
			}
			return cli.ShowAppHelp(c)
		},
	}
	for _, c := range app.Commands {
		conventions(c)
	}
	return app
}

// conventions makes a command (and its subcommands) behave like the tools
// people know: a usage mistake is one line on stderr with a hint and exit
// code 2 (never the help on stdout), a misspelt flag or subcommand gets a
// suggestion, and boolean flags do not claim "(default: false)".
func conventions(cmd *cli.Command) {
	cmd.OnUsageError = func(c *cli.Context, err error, _ bool) error {
		return usageError(c, flagSuggestion(err, c.Command.VisibleFlags()))
	}
	var required []string
	for _, f := range cmd.Flags {
		if b, ok := f.(*cli.BoolFlag); ok && !b.Value {
			b.DisableDefaultText = true
		}
		// Required flags are checked here: urfave would print the help on stdout.
		if r, ok := f.(cli.RequiredFlag); ok && r.IsRequired() {
			if v := reflect.ValueOf(f).Elem().FieldByName("Required"); v.IsValid() && v.CanSet() {
				v.SetBool(false)
				required = append(required, f.Names()[0])
			}
		}
	}
	if len(required) > 0 {
		before := cmd.Before
		cmd.Before = func(c *cli.Context) error {
			for _, name := range required {
				if !c.IsSet(name) {
					return usageError(c, fmt.Errorf("missing required flag --%s", name))
				}
			}
			if before != nil {
				return before(c)
			}
			return nil
		}
	}
	if len(cmd.Subcommands) > 0 && cmd.Action == nil {
		subs := cmd.Subcommands
		cmd.Action = func(c *cli.Context) error {
			if c.NArg() > 0 {
				return unknownCommand(c, subs)
			}
			return cli.ShowSubcommandHelp(c)
		}
	}
	for _, sub := range cmd.Subcommands {
		conventions(sub)
	}
}

// helpCommand replaces urfave's, which exits 3 for an unknown topic.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Aliases:   []string{"h"},
		Usage:     "show the commands, or the help of one command",
		ArgsUsage: "[COMMAND]",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return cli.ShowAppHelp(c)
			}
			name := c.Args().First()
			if c.App.Command(name) == nil {
				return unknownCommand(c, c.App.Commands)
			}
			return cli.ShowCommandHelp(c.Lineage()[1], name)
		},
	}
}

// unknownCommand is the usage error for a command name that is not one.
func unknownCommand(c *cli.Context, cmds []*cli.Command) error {
	name := c.Args().First()
	var names []string
	for _, cmd := range cmds {
		if !cmd.Hidden {
			names = append(names, cmd.Names()...)
		}
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if s := closestName(name, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return usageError(c, errors.New(msg))
}

// flagSuggestion adds "did you mean --x?" to an undefined flag error.
func flagSuggestion(err error, flags []cli.Flag) error {
	const undefined = "flag provided but not defined: "
	msg := err.Error()
	if !strings.HasPrefix(msg, undefined) {
		return err
	}
	given := strings.TrimLeft(strings.TrimPrefix(msg, undefined), "-")
	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	if s := closestName(given, names); s != "" {
		dash := "--"
		if len(s) == 1 {
			dash = "-"
		}
		return fmt.Errorf("unknown flag -%s%s (did you mean %s%s?)", strings.Repeat("-", min(1, len(given)-1)), given, dash, s)
	}
	if len(given) > 1 {
		return fmt.Errorf("unknown flag --%s", given)
	}
	return fmt.Errorf("unknown flag -%s", given)
}

// closestName is the candidate nearest to name by edit distance, or "" when
// none is near enough to be a plausible typo.
func closestName(name string, candidates []string) string {
	// A prefix ("gen" for "generate") is the likeliest shorthand.
	if len(name) >= 2 {
		for _, c := range candidates {
			if strings.HasPrefix(c, name) {
				return c
			}
		}
	}
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := smetrics.WagnerFischer(name, c, 1, 1, 1); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(2, len(name)/2) {
		return ""
	}
	return best
}

// trailingFlags lets flags follow the positional arguments of a command
// (`secrets set NAME --value x`): Go's flag parsing stops at the first
// positional argument, so the rest are applied here. It returns the
// positional arguments; anything that is not a flag of the command is a
// usage error saying that flags go before the arguments.
func trailingFlags(c *cli.Context) ([]string, error) {
	args := c.Args().Slice()
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		var flag cli.Flag
		for _, f := range c.Command.Flags {
			for _, n := range f.Names() {
				if n == name {
					flag = f
				}
			}
		}
		if flag == nil {
			return nil, usageError(c, fmt.Errorf("unknown flag %s after the arguments (flags must come before %s)", a, strings.ToUpper(c.Command.ArgsUsage)))
		}
		if _, isBool := flag.(*cli.BoolFlag); isBool && !hasValue {
			value, hasValue = "true", true
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, usageError(c, fmt.Errorf("flag %s needs a value", a))
			}
			i++
			value = args[i]
		}
		if err := c.Set(flag.Names()[0], value); err != nil {
			return nil, usageError(c, fmt.Errorf("%s: %w", a, err))
		}
	}
	return pos, nil
}

// usageError is a usage mistake: one line on stderr naming the command and
// where its help is, exit code 2.
func usageError(c *cli.Context, err error) error {
	name := "eventum"
	if c.Command != nil && c.Command.Name != "" {
		name = strings.TrimSpace(c.Command.HelpName)
		if name == "" {
			name = "eventum " + c.Command.Name
		}
	}
	return cli.Exit(fmt.Sprintf("%s: %v (see '%s --help')", name, err, name), 2)
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
		Usage: "print the version, commit, build date and Go version",
		Action: func(c *cli.Context) error {
			fmt.Fprintln(c.App.Writer, versionLine())
			return nil
		},
	}
}
