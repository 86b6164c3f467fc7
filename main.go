// Command eventum generates synthetic events: see README.md.
package main

import (
	"os"

	"github.com/eventum-generator/eventum-go/cli"
)

func main() { os.Exit(cli.Main(os.Args, os.Stdout, os.Stderr)) }
