package outputs

import (
	"fmt"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
)

// textEncoder returns the encoder for the `encoding:` setting, or nil for
// UTF-8 (events are UTF-8 already, so nothing is converted). Python's names
// (`utf_8`, `latin_1`, `cp1251`) and IANA names (`UTF-16`, `ISO-8859-1`) are
// both accepted.
func textEncoder(name string) (*encoding.Encoder, error) {
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
	return enc.NewEncoder(), nil
}

// encodeString converts s with enc (nil means UTF-8, returned as is).
func encodeString(enc *encoding.Encoder, s string) (string, error) {
	if enc == nil {
		return s, nil
	}
	out, err := enc.String(s)
	if err != nil {
		return "", fmt.Errorf("cannot encode event: %w", err)
	}
	return out, nil
}
