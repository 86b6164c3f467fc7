package cli

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/eventum-go/eventum/server"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "run the generators of the startup file and serve the REST API",
		Description: "Reads the application config (eventum.yml), starts the generators of its startup file\n" +
			"and serves the API, /metrics and /healthz. SIGTERM or Ctrl-C stops every generator\n" +
			"gracefully (events accepted are written, outputs flushed); SIGHUP reloads the startup file.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: "eventum.yml", Usage: "application config (YAML, or TOML by extension)", TakesFile: true},
			&cli.StringFlag{Name: "host", Usage: "override server.host", DefaultText: "server.host of the config"},
			&cli.IntFlag{Name: "port", Usage: "override server.port", DefaultText: "server.port of the config"},
		},
		Action: runRun,
	}
}

func runRun(c *cli.Context) error {
	s, err := server.LoadSettings(c.String("config"))
	if err != nil {
		return cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
	}
	if c.IsSet("host") {
		s.Server.Host = c.String("host")
	}
	if c.IsSet("port") {
		s.Server.Port = c.Int("port")
	}
	log, err := server.NewLogger(c.App.ErrWriter, s.Log)
	if err != nil {
		return cli.Exit(fmt.Sprintf("eventum: %v", err), 2)
	}
	app, err := server.New(s, server.Options{Log: log, Version: Version})
	if err != nil {
		return cli.Exit(fmt.Sprintf("eventum: %v", err), 2)
	}
	ln, err := app.Listen()
	if err != nil {
		return cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
	}
	if _, err := app.LoadStartup(); err != nil {
		ln.Close()
		return cli.Exit(fmt.Sprintf("eventum: startup file: %v", err), 1)
	}

	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			_ = app.Reload()
		}
	}()
	if err := app.Serve(ctx, ln); err != nil {
		return cli.Exit(fmt.Sprintf("eventum: %v", err), 1)
	}
	return nil
}
