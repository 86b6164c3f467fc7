package config

import (
	"fmt"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
)

// LookupEncoding resolves an `encoding:` setting. Python's names (`utf_8`,
// `latin_1`, `cp1251`) and IANA names (`UTF-16`, `ISO-8859-1`) are both
// accepted. It returns nil for UTF-8: events are UTF-8 already.
func LookupEncoding(name string) (encoding.Encoding, error) {
	norm := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-")
	switch norm {
	case "", "utf-8", "utf8", "u8":
		return nil, nil
	case "latin-1", "latin1", "l1":
		norm = "iso-8859-1"
	case "ascii":
		norm = "us-ascii"
	}
	enc, err := ianaindex.IANA.Encoding(norm)
	if err != nil || enc == nil {
		return nil, fmt.Errorf("encoding: unknown or unsupported encoding %q", name)
	}
	return enc, nil
}
