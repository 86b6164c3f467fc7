package outputs

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// field is one top-level field of a JSON event, in the event's order.
type field struct {
	key string
	val any // string, json.Number, bool, nil, []any, map[string]any
}

// parseObject reads a JSON object keeping its top-level field order; ok is
// false for anything that is not one JSON object.
func parseObject(s string) (fields []field, ok bool) {
	t := strings.TrimSpace(s)
	if len(t) < 2 || t[0] != '{' {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		fields = append(fields, field{key, v})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err == nil { // trailing data
		return nil, false
	}
	return fields, true
}

// records builds the export's logs from the payloads: one record each,
// grouped per resource in first-seen order. stamps, when the pipeline gives
// them, are the events' timestamps (Unix ns).
func (o *OTLP) records(payloads []string, stamps []int64) plog.Logs {
	c := o.cfg
	logs := plog.NewLogs()
	groups := map[string]plog.LogRecordSlice{}
	observed := pcommon.NewTimestampFromTime(o.now())
	var keyb strings.Builder
	for i, p := range payloads {
		fields, isObj := parseObject(p)
		// The resource: static attributes plus the event's resource fields.
		keyb.Reset()
		var resFields []field
		for _, name := range c.ResourceAttributesFrom {
			if j := fieldIndex(fields, name); j >= 0 {
				resFields = append(resFields, fields[j])
				b, _ := json.Marshal(fields[j].val)
				keyb.WriteString(name)
				keyb.WriteByte('=')
				keyb.Write(b)
				keyb.WriteByte(0)
			}
		}
		recs, ok := groups[keyb.String()]
		if !ok {
			rl := logs.ResourceLogs().AppendEmpty()
			res := rl.Resource().Attributes()
			for _, k := range sortedKeys(o.resource) {
				_ = putAttr(res, k, o.resource[k])
			}
			for _, f := range resFields {
				_ = putAttr(res, f.key, f.val)
			}
			sl := rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName(c.ScopeName)
			sl.Scope().SetVersion(c.ScopeVersion)
			recs = sl.LogRecords()
			groups[keyb.String()] = recs
		}
		r := recs.AppendEmpty()
		r.SetObservedTimestamp(observed)
		if i < len(stamps) {
			r.SetTimestamp(pcommon.Timestamp(stamps[i]))
		}
		if c.SeverityText != "" {
			r.SetSeverityText(c.SeverityText)
			r.SetSeverityNumber(severityNumber(c.SeverityText))
		}
		if !isObj {
			r.Body().SetStr(p)
			continue
		}
		if c.BodyField != "" {
			if j := fieldIndex(fields, c.BodyField); j >= 0 {
				_ = setValue(r.Body(), fields[j].val)
			} else {
				r.Body().SetStr(p)
			}
		} else {
			r.Body().SetStr(p)
		}
		o.mapFields(r, fields)
		if c.Attributes == "fields" {
			attrs := r.Attributes()
			attrs.EnsureCapacity(len(fields))
			for _, f := range fields {
				if slices.Contains(c.ResourceAttributesFrom, f.key) || slices.Contains(c.ExcludeAttributes, f.key) ||
					(c.BodyField != "" && f.key == c.BodyField) {
					continue
				}
				_ = putAttr(attrs, f.key, f.val)
			}
		}
	}
	return logs
}

// mapFields sets the record's severity, time, trace context and event name
// from the fields the config names.
func (o *OTLP) mapFields(r plog.LogRecord, fields []field) {
	c := o.cfg
	if c.SeverityTextField != "" {
		if j := fieldIndex(fields, c.SeverityTextField); j >= 0 {
			if s, ok := fields[j].val.(string); ok {
				r.SetSeverityText(s)
				r.SetSeverityNumber(severityNumber(s))
			}
		}
	}
	if c.SeverityNumberField != "" {
		if j := fieldIndex(fields, c.SeverityNumberField); j >= 0 {
			if n, ok := fields[j].val.(json.Number); ok {
				if v, err := n.Int64(); err == nil && v >= 1 && v <= 24 {
					r.SetSeverityNumber(plog.SeverityNumber(v))
				}
			}
		}
	}
	if c.TimestampField != "" {
		if j := fieldIndex(fields, c.TimestampField); j >= 0 {
			if ts, ok := fieldTime(fields[j].val); ok {
				r.SetTimestamp(pcommon.NewTimestampFromTime(ts))
			}
		}
	}
	if c.TraceIDField != "" {
		if j := fieldIndex(fields, c.TraceIDField); j >= 0 {
			var id pcommon.TraceID
			if s, ok := fields[j].val.(string); ok && decodeHexID(id[:], s) {
				r.SetTraceID(id)
			}
		}
	}
	if c.SpanIDField != "" {
		if j := fieldIndex(fields, c.SpanIDField); j >= 0 {
			var id pcommon.SpanID
			if s, ok := fields[j].val.(string); ok && decodeHexID(id[:], s) {
				r.SetSpanID(id)
			}
		}
	}
	if c.EventNameField != "" {
		if j := fieldIndex(fields, c.EventNameField); j >= 0 {
			if s, ok := fields[j].val.(string); ok {
				r.SetEventName(s)
			}
		}
	}
}

func fieldIndex(fields []field, name string) int {
	for i := range fields {
		if fields[i].key == name {
			return i
		}
	}
	return -1
}

// decodeHexID fills dst from a hex string of exactly its size.
func decodeHexID(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	_, err := hex.Decode(dst, []byte(s))
	return err == nil
}

// fieldTime reads a time: RFC 3339 text, or Unix seconds as a number.
func fieldTime(v any) (time.Time, bool) {
	switch v := v.(type) {
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, true
			}
		}
	case json.Number:
		if f, err := v.Float64(); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			sec, frac := math.Modf(f)
			return time.Unix(int64(sec), int64(frac*1e9)), true
		}
	}
	return time.Time{}, false
}

// severityNumber maps a severity text to OpenTelemetry's number (the first
// of each range), accepting the usual spellings; unknown text maps to 0.
func severityNumber(s string) plog.SeverityNumber {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TRACE":
		return plog.SeverityNumberTrace
	case "DEBUG":
		return plog.SeverityNumberDebug
	case "INFO", "INFORMATION", "INFORMATIONAL", "NOTICE":
		return plog.SeverityNumberInfo
	case "WARN", "WARNING":
		return plog.SeverityNumberWarn
	case "ERROR", "ERR":
		return plog.SeverityNumberError
	case "FATAL", "CRITICAL", "CRIT", "ALERT", "EMERGENCY", "EMERG":
		return plog.SeverityNumberFatal
	}
	return plog.SeverityNumberUnspecified
}

// putAttr puts v into m under k with its JSON type kept.
func putAttr(m pcommon.Map, k string, v any) error {
	return setValue(m.PutEmpty(k), v)
}

// setValue stores a decoded JSON (or YAML) value: integers stay integers,
// other numbers are doubles, arrays and objects nest (object keys sorted).
func setValue(dst pcommon.Value, v any) error {
	switch v := v.(type) {
	case nil:
		// an empty value
	case string:
		dst.SetStr(v)
	case bool:
		dst.SetBool(v)
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			dst.SetInt(i)
		} else if f, err := v.Float64(); err == nil {
			dst.SetDouble(f)
		} else {
			dst.SetStr(string(v))
		}
	case int:
		dst.SetInt(int64(v))
	case int64:
		dst.SetInt(v)
	case uint64:
		if v > math.MaxInt64 {
			dst.SetDouble(float64(v))
		} else {
			dst.SetInt(int64(v))
		}
	case float64:
		dst.SetDouble(v)
	case []any:
		s := dst.SetEmptySlice()
		s.EnsureCapacity(len(v))
		for _, e := range v {
			if err := setValue(s.AppendEmpty(), e); err != nil {
				return err
			}
		}
	case map[string]any:
		m := dst.SetEmptyMap()
		m.EnsureCapacity(len(v))
		for _, k := range sortedKeys(v) {
			if err := setValue(m.PutEmpty(k), v[k]); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unsupported value %v (%T)", v, v)
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
