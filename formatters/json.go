package formatters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unsafe"

	"github.com/eventum-go/eventum/plugin"
)

// JSONConfig configures the json and json-batch formatters.
type JSONConfig struct {
	Indent int `yaml:"indent" default:"0" min:"0" doc:"'0': every payload on one line (json-batch: the array, '[e1,e2,...]') — an event already on one line is passed through byte for byte, one spread over several lines is compacted (all insignificant whitespace removed). 'N > 0': each event (json-batch: the whole array) is re-indented with 'N' spaces per level."`
}

// JSON checks that every event is one JSON value. With indent 0 an event
// that is already on one line is passed through unchanged (no copy); one
// spread over several lines is compacted onto one line, so every payload is
// one line (NDJSON). With indent N > 0 each event is re-indented with N
// spaces. An event that is not JSON is counted as failed and skipped.
type JSON struct {
	indent  string
	scratch bytes.Buffer
}

// JSONBatch packs the valid events of a batch into one JSON array (one
// payload per batch). Events that are not JSON are counted as failed and left
// out; a batch without a valid event yields no payload.
type JSONBatch struct {
	indent string
}

func init() {
	plugin.Register(Registry, "json",
		nil,
		func(c *JSONConfig, _ *plugin.Env) (Formatter, error) {
			return &JSON{indent: strings.Repeat(" ", c.Indent)}, nil
		})
	plugin.Register(Registry, "json-batch",
		nil,
		func(c *JSONConfig, _ *plugin.Env) (Formatter, error) {
			return &JSONBatch{indent: strings.Repeat(" ", c.Indent)}, nil
		})
}

// bytesOf views s as bytes without copying; the result must not be modified.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// stringOf views b as a string without copying; b must not be modified afterwards.
func stringOf(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// multiline reports whether s has a line break; inside a JSON document a line
// break can only be insignificant whitespace.
func multiline(s string) bool {
	return strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0
}

// invalid describes why event is not JSON.
func invalid(event string) error {
	var discard bytes.Buffer
	err := json.Compact(&discard, bytesOf(event))
	if err == nil {
		err = fmt.Errorf("not a JSON value")
	}
	const max = 64
	shown := event
	if len(shown) > max {
		shown = shown[:max] + "..."
	}
	return fmt.Errorf("invalid JSON: %v (event: %q)", err, shown)
}

// Format implements Formatter.
func (f *JSON) Format(events []string, out *Formatted) {
	out.Reset()
	for _, e := range events {
		b := bytesOf(e)
		if !json.Valid(b) {
			out.Fail(invalid(e))
			continue
		}
		switch {
		case f.indent != "":
			f.scratch.Reset()
			_ = json.Indent(&f.scratch, bytes.TrimSpace(b), "", f.indent) // valid input: cannot fail
			out.Payloads = append(out.Payloads, f.scratch.String())
		case multiline(e):
			f.scratch.Reset()
			_ = json.Compact(&f.scratch, b)
			out.Payloads = append(out.Payloads, f.scratch.String())
		default:
			out.Payloads = append(out.Payloads, e)
		}
	}
}

// Format implements Formatter. The payload gets its own memory, so it stays
// valid while a later batch is formatted.
func (f *JSONBatch) Format(events []string, out *Formatted) {
	out.Reset()
	size := 2
	for _, e := range events {
		size += len(e) + 1
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	buf.WriteByte('[')
	n := 0
	for _, e := range events {
		b := bytesOf(e)
		if !json.Valid(b) {
			out.Fail(invalid(e))
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		if multiline(e) || f.indent != "" {
			_ = json.Compact(buf, b)
		} else {
			buf.Write(bytes.TrimSpace(b))
		}
	}
	if n == 0 {
		return
	}
	buf.WriteByte(']')
	payload := buf.Bytes()
	if f.indent != "" {
		indented := bytes.NewBuffer(make([]byte, 0, len(payload)*2))
		_ = json.Indent(indented, payload, "", f.indent)
		payload = indented.Bytes()
	}
	out.Payloads = append(out.Payloads, stringOf(payload))
	out.Counts = []int{n}
}
