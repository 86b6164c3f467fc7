package starlib

import (
	"fmt"
	"math/big"
	"reflect"
	"sort"
	"time"

	"go.starlark.net/starlark"
)

// ToStarlark converts plain Go data (as decoded from YAML or JSON: nil,
// bool, integers, floats, string, []byte, time.Time, time.Duration, slices,
// maps with string keys) to Starlark values. Maps become dicts with sorted
// keys so that output is deterministic; a starlark.Value is returned as is.
func ToStarlark(v any) (starlark.Value, error) {
	switch v := v.(type) {
	case nil:
		return starlark.None, nil
	case starlark.Value:
		return v, nil
	case bool:
		return starlark.Bool(v), nil
	case int:
		return starlark.MakeInt(v), nil
	case int8:
		return starlark.MakeInt64(int64(v)), nil
	case int16:
		return starlark.MakeInt64(int64(v)), nil
	case int32:
		return starlark.MakeInt64(int64(v)), nil
	case int64:
		return starlark.MakeInt64(v), nil
	case uint:
		return starlark.MakeUint64(uint64(v)), nil
	case uint8:
		return starlark.MakeUint64(uint64(v)), nil
	case uint16:
		return starlark.MakeUint64(uint64(v)), nil
	case uint32:
		return starlark.MakeUint64(uint64(v)), nil
	case uint64:
		return starlark.MakeUint64(v), nil
	case *big.Int:
		return starlark.MakeBigInt(v), nil
	case float32:
		return starlark.Float(v), nil
	case float64:
		return starlark.Float(v), nil
	case string:
		return starlark.String(v), nil
	case []byte:
		return starlark.Bytes(v), nil
	case time.Time:
		return NewTimestamp(v), nil
	case time.Duration:
		return NewTimedelta(v), nil
	case []string:
		out := make([]starlark.Value, len(v))
		for i, s := range v {
			out[i] = starlark.String(s)
		}
		return starlark.NewList(out), nil
	case []any:
		out := make([]starlark.Value, len(v))
		for i, e := range v {
			c, err := ToStarlark(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = c
		}
		return starlark.NewList(out), nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := starlark.NewDict(len(v))
		for _, k := range keys {
			c, err := ToStarlark(v[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			_ = d.SetKey(starlark.String(k), c)
		}
		return d, nil
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = e
		}
		return ToStarlark(m)
	}
	// Other slices and string-keyed maps by reflection (rare: config structs).
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return ToStarlark(out)
	case reflect.Map:
		if rv.Type().Key().Kind() == reflect.String {
			m := make(map[string]any, rv.Len())
			for it := rv.MapRange(); it.Next(); {
				m[it.Key().String()] = it.Value().Interface()
			}
			return ToStarlark(m)
		}
	case reflect.Pointer:
		if rv.IsNil() {
			return starlark.None, nil
		}
		return ToStarlark(rv.Elem().Interface())
	}
	return nil, fmt.Errorf("cannot convert %T to a Starlark value", v)
}

// FromStarlark converts a Starlark value to plain Go data: None → nil,
// bool, int → int64 (*big.Int when it does not fit), float64, string,
// bytes → []byte, list/tuple/set → []any, dict → map[string]any (keys as
// str() of non-string keys), datetime and date → time.Time, timedelta → time.Duration.
// Other values become their str().
func FromStarlark(v starlark.Value) any {
	switch v := v.(type) {
	case nil, starlark.NoneType:
		return nil
	case starlark.Bool:
		return bool(v)
	case starlark.Int:
		if n, ok := v.Int64(); ok {
			return n
		}
		return v.BigInt()
	case starlark.Float:
		return float64(v)
	case starlark.String:
		return string(v)
	case starlark.Bytes:
		return []byte(v)
	case *Timestamp:
		return v.t
	case Date:
		return v.t
	case Timedelta:
		return v.d
	case *starlark.Dict:
		m := make(map[string]any, v.Len())
		for _, it := range v.Items() {
			k, ok := it[0].(starlark.String)
			key := string(k)
			if !ok {
				key = it[0].String()
			}
			m[key] = FromStarlark(it[1])
		}
		return m
	case starlark.Iterable:
		if _, isSeq := v.(starlark.Sequence); isSeq || isSet(v) {
			var out []any
			iter := v.Iterate()
			defer iter.Done()
			var x starlark.Value
			for iter.Next(&x) {
				out = append(out, FromStarlark(x))
			}
			if out == nil {
				out = []any{}
			}
			return out
		}
	}
	return v.String()
}

func isSet(v starlark.Value) bool {
	_, ok := v.(*starlark.Set)
	return ok
}

// FloatArg is a float parameter for starlark.UnpackArgs that also accepts an
// int, as Python's float parameters do (UnpackArgs' *float64 takes floats
// only).
type FloatArg float64

// Unpack implements starlark.Unpacker.
func (f *FloatArg) Unpack(v starlark.Value) error {
	x, ok := starlark.AsFloat(v)
	if !ok {
		return fmt.Errorf("got %s, want float", v.Type())
	}
	*f = FloatArg(x)
	return nil
}
