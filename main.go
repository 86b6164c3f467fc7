// Command eventum generates synthetic events: see README.md.
package main

import (
	"os"

	"github.com/eventum-go/eventum/cli"
)

func main() { os.Exit(cli.Main(os.Args, os.Stdout, os.Stderr)) }
