// Package baseplate adds module.baseplate to scripts and templates: a
// builder of Baseplate v1 ("schemaless") events, the JSON documents the
// baseplate output publishes to an event collector.
//
//	module.baseplate.event("ads", "click", timestamp=timestamp,
//	    fields={"ad_id": 7}, obfuscated={"ip": ip}, high_cardinality={"url": url})
//
// returns
//
//	{"event_topic": "ads", "event_type": "click", "event_ts": 1714979289500,
//	 "uuid": "…", "payload": {"ad_id": 7, "obfuscated_data": {"ip": "…"},
//	 "interana_excluded": {"url": "…"}}}
//
// (one line, spaced like Python's json.dumps, which Baseplate uses).
package baseplate

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/eventum-go/eventum/starlib"
)

// The payload sections of the non-normal field kinds.
const (
	ObfuscatedKey      = "obfuscated_data"
	HighCardinalityKey = "interana_excluded"
)

// MaxEventSize is the largest serialized event a collector accepts (bytes).
const MaxEventSize = 102400

// Kind is where a field goes in the payload.
type Kind uint8

// The field kinds.
const (
	Normal          Kind = iota // top level of the payload
	Obfuscated                  // under "obfuscated_data" (sensitive: IPs, ...)
	HighCardinality             // under "interana_excluded" (not indexed)
)

func init() {
	starlib.RegisterNamespace("baseplate", NewNamespace)
}

// NewNamespace returns module.baseplate for a generator; event ids are drawn
// from r, so a seeded generator makes the same ids.
func NewNamespace(r *rand.Rand) starlark.Value {
	b := &builder{r: r, now: time.Now}
	return &starlarkstruct.Module{Name: "baseplate", Members: starlark.StringDict{
		"event": starlark.NewBuiltin("baseplate.event", b.event),
		// MAX_EVENT_SIZE is the largest event the collector takes, in bytes.
		"MAX_EVENT_SIZE": starlark.MakeInt(MaxEventSize),
	}}
}

// builder serves one generator's module.baseplate; it is used by one goroutine.
type builder struct {
	r      *rand.Rand
	now    func() time.Time
	fields []field // reused between calls
	buf    []byte  // reused between calls
}

type field struct {
	key   string
	value starlark.Value
	kind  Kind
}

func (b *builder) event(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var (
		topic, eventType string
		ts, id           starlark.Value = starlark.None, starlark.None
		normal, obf, hc  starlark.Value = starlark.None, starlark.None, starlark.None
	)
	if err := starlark.UnpackArgs(fn.Name(), args, kwargs,
		"topic", &topic, "event_type", &eventType, "timestamp?", &ts, "id?", &id,
		"fields?", &normal, "obfuscated?", &obf, "high_cardinality?", &hc); err != nil {
		return nil, err
	}
	ms, err := b.millis(ts)
	if err != nil {
		return nil, fmt.Errorf("%s: timestamp: %w", fn.Name(), err)
	}
	uuid, err := b.uuid(id)
	if err != nil {
		return nil, fmt.Errorf("%s: id: %w", fn.Name(), err)
	}
	b.fields = b.fields[:0]
	for _, s := range []struct {
		v    starlark.Value
		kind Kind
		name string
	}{{normal, Normal, "fields"}, {obf, Obfuscated, "obfuscated"}, {hc, HighCardinality, "high_cardinality"}} {
		if s.v == starlark.None {
			continue
		}
		m, ok := s.v.(starlark.IterableMapping)
		if !ok {
			return nil, fmt.Errorf("%s: %s: want a dict, got %s", fn.Name(), s.name, s.v.Type())
		}
		if err := b.set(m, s.kind); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", fn.Name(), s.name, err)
		}
	}
	out, err := appendEvent(b.buf[:0], topic, eventType, ms, uuid, b.fields)
	b.buf = out
	clear(b.fields) // drop references to the caller's values
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn.Name(), err)
	}
	return starlark.String(out), nil
}

// set adds the entries of m with kind. As in Baseplate's Event.set_field,
// None and "" values are skipped and a key set again keeps its place in the
// payload but takes the new value and kind.
func (b *builder) set(m starlark.IterableMapping, kind Kind) error {
	if d, ok := m.(*starlark.Dict); ok {
		for k, v := range d.Entries() {
			if err := b.add(k, v, kind); err != nil {
				return err
			}
		}
		return nil
	}
	for _, item := range m.Items() {
		if err := b.add(item[0], item[1], kind); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) add(k, v starlark.Value, kind Kind) error {
	key, ok := k.(starlark.String)
	if !ok {
		return fmt.Errorf("field names must be strings, got %s", k.Type())
	}
	if v == starlark.None || v == starlark.String("") {
		return nil
	}
	if kind == Normal && (key == ObfuscatedKey || key == HighCardinalityKey) {
		return fmt.Errorf("field name %q is reserved for the payload section", string(key))
	}
	for i := range b.fields {
		if b.fields[i].key == string(key) {
			b.fields[i].value, b.fields[i].kind = v, kind
			return nil
		}
	}
	b.fields = append(b.fields, field{key: string(key), value: v, kind: kind})
	return nil
}

// millis converts the timestamp argument to epoch milliseconds: a datetime
// (naive ones are UTC), or a number of epoch seconds; None means now.
func (b *builder) millis(v starlark.Value) (int64, error) {
	switch v := v.(type) {
	case starlark.NoneType:
		return b.now().UnixMilli(), nil
	case *starlib.Timestamp:
		return v.Time().UnixMilli(), nil
	case starlark.Int:
		s, ok := v.Int64()
		if !ok || s > math.MaxInt64/1000 || s < math.MinInt64/1000 {
			return 0, fmt.Errorf("%s seconds is out of range", v)
		}
		return s * 1000, nil
	case starlark.Float:
		f := float64(v) * 1000
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 9e18 {
			return 0, fmt.Errorf("%v seconds is out of range", v)
		}
		return int64(f), nil // truncated, like Python's int()
	}
	return 0, fmt.Errorf("want a datetime or epoch seconds, got %s", v.Type())
}

// uuid returns the event id: the argument's str(), or a random version 4
// UUID drawn from the generator's RNG.
func (b *builder) uuid(v starlark.Value) (string, error) {
	switch v := v.(type) {
	case starlark.NoneType:
		var u starlib.UUID
		binary.BigEndian.PutUint64(u[:8], b.r.Uint64())
		binary.BigEndian.PutUint64(u[8:], b.r.Uint64())
		u[6] = u[6]&0x0F | 0x40
		u[8] = u[8]&0x3F | 0x80
		return u.String(), nil
	case starlark.String:
		if v == "" {
			return "", fmt.Errorf("must not be empty")
		}
		return string(v), nil
	case starlib.UUID:
		return v.String(), nil
	}
	return "", fmt.Errorf("want a string or a UUID, got %s", v.Type())
}

// appendEvent appends the v1 JSON event to dst: event_topic, event_type,
// event_ts (epoch milliseconds), uuid and payload, where normal fields sit
// at the top of the payload and the others in their section, the section
// placed where its first field was set (as Python's dict ordering puts it).
func appendEvent(dst []byte, topic, eventType string, tsMillis int64, uuid string, fields []field) ([]byte, error) {
	o := &starlib.DefaultJSON
	dst = append(dst, `{"event_topic": `...)
	dst, _ = starlib.AppendJSON(dst, starlark.String(topic), o)
	dst = append(dst, `, "event_type": `...)
	dst, _ = starlib.AppendJSON(dst, starlark.String(eventType), o)
	dst = append(dst, `, "event_ts": `...)
	dst = strconv.AppendInt(dst, tsMillis, 10)
	dst = append(dst, `, "uuid": `...)
	dst, _ = starlib.AppendJSON(dst, starlark.String(uuid), o)
	dst = append(dst, `, "payload": {`...)
	var done [3]bool
	first := true
	var err error
	for i, f := range fields {
		if done[f.kind] && f.kind != Normal {
			continue
		}
		if !first {
			dst = append(dst, ", "...)
		}
		first = false
		if f.kind == Normal {
			if dst, err = appendMember(dst, f, o); err != nil {
				return dst, err
			}
			continue
		}
		done[f.kind] = true
		section := ObfuscatedKey
		if f.kind == HighCardinality {
			section = HighCardinalityKey
		}
		dst, _ = starlib.AppendJSON(dst, starlark.String(section), o)
		dst = append(dst, ": {"...)
		n := 0
		for _, g := range fields[i:] {
			if g.kind != f.kind {
				continue
			}
			if n > 0 {
				dst = append(dst, ", "...)
			}
			n++
			if dst, err = appendMember(dst, g, o); err != nil {
				return dst, err
			}
		}
		dst = append(dst, '}')
	}
	return append(dst, "}}"...), nil
}

func appendMember(dst []byte, f field, o *starlib.JSONOptions) ([]byte, error) {
	dst, _ = starlib.AppendJSON(dst, starlark.String(f.key), o)
	dst = append(dst, ": "...)
	dst, err := starlib.AppendJSON(dst, f.value, o)
	if err != nil {
		return dst, fmt.Errorf("field %q: %w", f.key, err)
	}
	return dst, nil
}
