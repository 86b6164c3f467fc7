package outputs

import (
	"bufio"
	"fmt"

	"golang.org/x/text/encoding"
)

// bufferSize is the write buffer of the stream outputs (stdout, file, tcp):
// writes reach the system in chunks of at least this size.
const bufferSize = 256 << 10

// writeLines writes each payload followed by sep into w (converted by enc
// unless it is nil) and returns how many payloads it wrote. sep must already
// be encoded.
func writeLines(w *bufio.Writer, payloads []string, sep string, enc *encoding.Encoder) (int, error) {
	for i, p := range payloads {
		if enc != nil {
			var err error
			if p, err = encodeString(enc, p); err != nil {
				return i, fmt.Errorf("payload %d: %w", i, err)
			}
		}
		w.WriteString(p)
		if _, err := w.WriteString(sep); err != nil {
			return i, err
		}
	}
	return len(payloads), nil
}
