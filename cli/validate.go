package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"
)

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:  "validate",
		Usage: "load a generator and check every plugin, template and script without producing events",
		Flags: generatorFlags(),
		Action: func(c *cli.Context) error {
			s := pipeline.DefaultSettings()
			s.Live = false
			gen, err := loadGenerator(c, s)
			if err != nil {
				problems := config.Flatten(err)
				for _, p := range problems {
					fmt.Fprintln(c.App.ErrWriter, config.Redact(p.Error()))
				}
				return cli.Exit(fmt.Sprintf("%s: %d problem(s)", c.String("path"), len(problems)), exitCode(err, 1))
			}
			if err := gen.Close(); err != nil {
				return cli.Exit(err, 1)
			}
			fmt.Fprintf(c.App.Writer, "%s: OK\n", c.String("path"))
			return nil
		},
	}
}
