package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/eventum-go/eventum/server"
)

func mcpCommand() *cli.Command {
	return &cli.Command{
		Name:  "mcp",
		Usage: "serve the MCP tools (generators, validate, preview, files) and the docs to an agent over stdio",
		Description: "Speaks the Model Context Protocol on stdin/stdout, for an MCP client (an AI agent) that\n" +
			"starts it. With an application config (--config, default eventum.yml when present) the\n" +
			"generators of its startup file are loaded; without one, --generators-dir holds the generator\n" +
			"folders. Tools that write files or start and stop generators exist only with --allow-write\n" +
			"(or server.mcp.allow_write). Generators' stdout outputs go to stderr. See docs/mcp.md.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: "eventum.yml", Usage: "application config (used when it exists)", TakesFile: true},
			&cli.StringFlag{Name: "generators-dir", Value: ".", Usage: "generator folders, when there is no application config", TakesFile: true},
			&cli.BoolFlag{Name: "allow-write", Usage: "add the tools that write files and start or stop generators"},
		},
		Action: runMCP,
	}
}

func runMCP(c *cli.Context) error {
	s, err := server.LoadSettings(c.String("config"))
	startup := true
	if errors.Is(err, fs.ErrNotExist) && !c.IsSet("config") {
		d := server.DefaultSettings()
		s, startup = &d, false
		dir, aerr := filepath.Abs(c.String("generators-dir"))
		if aerr != nil {
			return cli.Exit(fmt.Sprintf("eventum: --generators-dir: %v", aerr), 2)
		}
		s.Path.GeneratorsDir, s.Path.OutputDir = dir, dir
		s.Path.KeyringCryptfile = filepath.Join(dir, "cryptfile.cfg")
	} else if err != nil {
		return cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
	}
	log, err := server.NewLogger(c.App.ErrWriter, s.Log)
	if err != nil {
		return cli.Exit(fmt.Sprintf("eventum: %v", err), 2)
	}
	app, err := server.New(s, server.Options{Log: log, Version: Version, Stdout: c.App.ErrWriter})
	if err != nil {
		return cli.Exit(fmt.Sprintf("eventum: %v", err), 2)
	}
	if startup {
		if _, err := app.LoadStartup(); err != nil {
			return cli.Exit(fmt.Sprintf("eventum: startup file: %v", err), 1)
		}
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	allow := c.Bool("allow-write") || s.Server.MCP.AllowWrite
	if err := app.ServeMCP(ctx, server.StdioTransport(os.Stdin, c.App.Writer), allow); err != nil {
		return cli.Exit(fmt.Sprintf("eventum: mcp: %v", err), 1)
	}
	return nil
}
