package outputs

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"
)

// pgColumn is one written column: where its value comes from and how it is
// encoded in PostgreSQL's binary format.
type pgColumn struct {
	name      string
	key       string // event key
	slot      int    // index into a row's scanned values
	oid       uint32 // the column's type (a domain or enum keeps its own OID)
	baseOID   uint32 // the type that decides the encoding (a domain's base type)
	typmod    int32
	typname   string // of baseOID
	typeName  string // format_type(), for messages
	enum      bool
	notNull   bool
	generated bool
	kind      pgKind
	maxChars  int // varchar(n)/char(n): n; 0 = unlimited
}

type pgKind uint8

const (
	pgGeneric pgKind = iota // through pgx's codec for the type (text → binary)
	pgBool
	pgInt2
	pgInt4
	pgInt8
	pgFloat4
	pgFloat8
	pgText
	pgJSON
	pgJSONB
	pgTimestamptz
	pgTimestamp
	pgDate
	pgUUID
	pgBytea
)

// plan picks the encoder for the column's type.
func (c *pgColumn) plan() error {
	switch c.baseOID {
	case pgtype.BoolOID:
		c.kind = pgBool
	case pgtype.Int2OID:
		c.kind = pgInt2
	case pgtype.Int4OID:
		c.kind = pgInt4
	case pgtype.Int8OID:
		c.kind = pgInt8
	case pgtype.Float4OID:
		c.kind = pgFloat4
	case pgtype.Float8OID:
		c.kind = pgFloat8
	case pgtype.TextOID, pgtype.NameOID:
		c.kind = pgText
	case pgtype.VarcharOID, pgtype.BPCharOID:
		c.kind = pgText
		if c.typmod > 4 {
			c.maxChars = int(c.typmod - 4)
		}
	case pgtype.JSONOID:
		c.kind = pgJSON
	case pgtype.JSONBOID:
		c.kind = pgJSONB
	case pgtype.TimestamptzOID:
		c.kind = pgTimestamptz
	case pgtype.TimestampOID:
		c.kind = pgTimestamp
	case pgtype.DateOID:
		c.kind = pgDate
	case pgtype.UUIDOID:
		c.kind = pgUUID
	case pgtype.ByteaOID:
		c.kind = pgBytea
	default:
		switch {
		case c.enum, c.typname == "citext":
			// Both send and receive their text as is.
			c.kind = pgText
		default:
			t, ok := pgtype.NewMap().TypeForOID(c.baseOID)
			if !ok || !t.Codec.FormatSupported(pgtype.BinaryFormatCode) {
				return fmt.Errorf("type %s is not supported", c.typeName)
			}
			c.kind = pgGeneric
		}
	}
	return nil
}

// errNoFastPath sends a value to the generic (pgx codec) encoder.
var errNoFastPath = errors.New("no fast path")

// encode appends v (not null) in binary format.
func (c *pgColumn) encode(m *pgtype.Map, buf []byte, v jsonValue) ([]byte, error) {
	out, err := c.encodeFast(buf, v)
	if err == errNoFastPath {
		return c.encodeGeneric(m, buf, v)
	}
	return out, err
}

func (c *pgColumn) encodeFast(buf []byte, v jsonValue) ([]byte, error) {
	switch c.kind {
	case pgBool:
		switch v.kind {
		case jsonTrue:
			return append(buf, 1), nil
		case jsonFalse:
			return append(buf, 0), nil
		case jsonString:
			b, err := strconv.ParseBool(v.text())
			if err != nil {
				return buf, fmt.Errorf("%q is not a boolean", v.text())
			}
			if b {
				return append(buf, 1), nil
			}
			return append(buf, 0), nil
		}
		return buf, fmt.Errorf("expected a boolean, got a %s", v.kind)
	case pgInt2, pgInt4, pgInt8:
		bits := 64
		switch c.kind {
		case pgInt2:
			bits = 16
		case pgInt4:
			bits = 32
		}
		if v.kind != jsonNumber && v.kind != jsonString {
			return buf, fmt.Errorf("expected an integer, got a %s", v.kind)
		}
		n, err := parseInteger(v.text(), bits)
		if err != nil {
			return buf, err
		}
		switch bits {
		case 16:
			return append(buf, byte(n>>8), byte(n)), nil
		case 32:
			return append(buf, byte(n>>24), byte(n>>16), byte(n>>8), byte(n)), nil
		}
		return appendUint64(buf, uint64(n)), nil
	case pgFloat4, pgFloat8:
		if v.kind != jsonNumber && v.kind != jsonString {
			return buf, fmt.Errorf("expected a number, got a %s", v.kind)
		}
		if c.kind == pgFloat4 {
			f, err := strconv.ParseFloat(v.text(), 32)
			if err != nil {
				return buf, fmt.Errorf("%q is not a real", v.text())
			}
			u := math.Float32bits(float32(f))
			return append(buf, byte(u>>24), byte(u>>16), byte(u>>8), byte(u)), nil
		}
		f, err := strconv.ParseFloat(v.text(), 64)
		if err != nil {
			return buf, fmt.Errorf("%q is not a double precision", v.text())
		}
		return appendUint64(buf, math.Float64bits(f)), nil
	case pgText:
		s := v.text()
		if strings.IndexByte(s, 0) >= 0 {
			return buf, errors.New("text contains a NUL character")
		}
		if c.maxChars > 0 && len(s) > c.maxChars && utf8.RuneCountInString(s) > c.maxChars {
			return buf, fmt.Errorf("value is longer than %d characters", c.maxChars)
		}
		return append(buf, s...), nil
	case pgJSON, pgJSONB:
		if c.kind == pgJSONB {
			if v.esc && strings.Contains(v.raw, `\u0000`) {
				return buf, errors.New(`jsonb cannot hold \u0000`)
			}
			buf = append(buf, 1)
		}
		if v.kind == jsonString {
			buf = append(buf, '"')
			buf = append(buf, v.raw...)
			return append(buf, '"'), nil
		}
		return append(buf, v.raw...), nil
	case pgTimestamptz, pgTimestamp:
		if inf := infinity(v); inf != 0 {
			u := uint64(math.MaxInt64)
			if inf < 0 {
				u = 1 << 63 // math.MinInt64
			}
			return appendUint64(buf, u), nil
		}
		t, err := parseEventTime(v)
		if err != nil {
			return buf, err
		}
		sec := t.Unix()
		if c.kind == pgTimestamp {
			_, off := t.Zone()
			sec += int64(off)
		}
		// Microseconds since 2000-01-01, rounded like the server does.
		us := (sec-pgEpochUnix)*1_000_000 + int64(t.Nanosecond()+500)/1000
		return appendUint64(buf, uint64(us)), nil
	case pgDate:
		if v.kind != jsonString {
			return buf, fmt.Errorf("expected a date string, got a %s", v.kind)
		}
		if inf := infinity(v); inf != 0 {
			d := uint32(math.MaxInt32)
			if inf < 0 {
				d = 1 << 31 // math.MinInt32
			}
			return append(buf, byte(d>>24), byte(d>>16), byte(d>>8), byte(d)), nil
		}
		s := v.text()
		var t time.Time
		var err error
		if len(s) == 10 {
			t, err = time.Parse(time.DateOnly, s)
		} else {
			t, err = parseEventTime(v)
		}
		if err != nil {
			return buf, errNoFastPath
		}
		_, off := t.Zone()
		days := floorDiv(t.Unix()+int64(off), 86400) - pgEpochUnix/86400
		if days < math.MinInt32 || days > math.MaxInt32 {
			return buf, errors.New("date out of range")
		}
		d := uint32(int32(days))
		return append(buf, byte(d>>24), byte(d>>16), byte(d>>8), byte(d)), nil
	case pgUUID:
		if v.kind != jsonString {
			return buf, fmt.Errorf("expected a UUID string, got a %s", v.kind)
		}
		return appendUUID(buf, v.text())
	case pgBytea:
		s := v.text()
		if strings.HasPrefix(s, `\x`) {
			b, err := hex.AppendDecode(buf, []byte(s[2:]))
			if err != nil {
				return buf, fmt.Errorf("bad hex after \\x: %w", err)
			}
			return b, nil
		}
		return append(buf, s...), nil
	}
	return buf, errNoFastPath
}

// encodeGeneric parses the value's text with pgx's codec for the column
// type and encodes the result in binary. JSON arrays go to array columns.
func (c *pgColumn) encodeGeneric(m *pgtype.Map, buf []byte, v jsonValue) ([]byte, error) {
	t, ok := m.TypeForOID(c.baseOID)
	if !ok {
		return buf, fmt.Errorf("type %s is not supported", c.typeName)
	}
	var val any
	if _, isArray := t.Codec.(*pgtype.ArrayCodec); isArray && v.kind == jsonArray {
		var items []any
		if err := json.Unmarshal([]byte(v.raw), &items); err != nil {
			return buf, err
		}
		val = items
	} else if c.baseOID == pgtype.NumericOID {
		// The text decoder does not read exponents (1e3); this does.
		var n pgtype.Numeric
		if err := n.ScanScientific(v.text()); err != nil {
			return buf, fmt.Errorf("%q is not a number", v.text())
		}
		val = n
	} else {
		var err error
		val, err = t.Codec.DecodeValue(m, c.baseOID, pgtype.TextFormatCode, []byte(v.text()))
		if err != nil {
			return buf, fmt.Errorf("%q: %w", v.text(), err)
		}
	}
	if val == nil {
		return buf, fmt.Errorf("%q is not a %s", v.text(), c.typeName)
	}
	at := len(buf)
	out, err := m.Encode(c.baseOID, pgtype.BinaryFormatCode, val, buf)
	if err != nil {
		return buf[:at], err
	}
	if out == nil { // the codec says NULL: refuse rather than guess
		return buf[:at], fmt.Errorf("%q encodes as NULL", v.text())
	}
	return out, nil
}

// infinity tells whether v is the string infinity (1) or -infinity (-1).
func infinity(v jsonValue) int {
	if v.kind != jsonString || len(v.raw) < 8 || len(v.raw) > 9 {
		return 0
	}
	switch {
	case strings.EqualFold(v.raw, "infinity"), strings.EqualFold(v.raw, "+infinity"):
		return 1
	case strings.EqualFold(v.raw, "-infinity"):
		return -1
	}
	return 0
}

// pgEpochUnix is 2000-01-01T00:00:00Z in Unix seconds.
const pgEpochUnix = 946684800

func appendUint64(b []byte, u uint64) []byte {
	return append(b, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32), byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// parseInteger reads a JSON number or a numeric string as an integer of the
// given bit size; 1e3 and 42.0 are accepted, 1.5 is not.
func parseInteger(s string, bits int) (int64, error) {
	n, err := strconv.ParseInt(s, 10, bits)
	if err == nil {
		return n, nil
	}
	f, ferr := strconv.ParseFloat(s, 64)
	if ferr != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	limit := math.Ldexp(1, bits-1)
	if f != math.Trunc(f) || f < -limit || f >= limit {
		return 0, fmt.Errorf("%s does not fit a %d-bit integer", s, bits)
	}
	return int64(f), nil
}

// eventTimeLayouts are the timestamp strings taken without the generic
// parser: RFC 3339 with T or space, with or without zone (no zone = UTC).
var eventTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// parseEventTime reads a timestamp string or Unix seconds (a number).
func parseEventTime(v jsonValue) (time.Time, error) {
	switch v.kind {
	case jsonNumber:
		f, err := strconv.ParseFloat(v.raw, 64)
		if err != nil || math.IsInf(f, 0) || math.Abs(f) > 1e14 {
			return time.Time{}, fmt.Errorf("%s is not a Unix time", v.raw)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
	case jsonString:
		s := v.text()
		for _, layout := range eventTimeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
		return time.Time{}, errNoFastPath
	}
	return time.Time{}, fmt.Errorf("expected a timestamp, got a %s", v.kind)
}

// appendUUID appends the 16 bytes of a UUID written with or without dashes
// (and optionally in braces).
func appendUUID(buf []byte, s string) ([]byte, error) {
	in := strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	var out [16]byte
	n := 0
	for i := 0; i < len(in); i++ {
		if in[i] == '-' {
			continue
		}
		if n >= 32 || i+1 >= len(in) {
			return buf, fmt.Errorf("%q is not a UUID", s)
		}
		hi, ok1 := unhex(in[i])
		lo, ok2 := unhex(in[i+1])
		if !ok1 || !ok2 {
			return buf, fmt.Errorf("%q is not a UUID", s)
		}
		out[n/2] = hi<<4 | lo
		n += 2
		i++
	}
	if n != 32 {
		return buf, fmt.Errorf("%q is not a UUID", s)
	}
	return append(buf, out[:]...), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
