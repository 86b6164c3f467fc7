// Package docs holds the user documentation (the *.md pages of this
// folder), embedded so that `eventum mcp` can serve the pages as MCP
// resources.
package docs

import "embed"

// Pages are the documentation pages, by file name (configuration.md, …).
//
//go:embed *.md
var Pages embed.FS
