package outputs

import (
	"fmt"

	"golang.org/x/text/encoding"

	"github.com/eventum-go/eventum/config"
)

// textEncoder returns the encoder for the `encoding:` setting, or nil for
// UTF-8 (nothing is converted).
func textEncoder(name string) (*encoding.Encoder, error) {
	enc, err := config.LookupEncoding(name)
	if enc == nil {
		return nil, err
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
