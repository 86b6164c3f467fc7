package starlib

import (
	"encoding/hex"
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// uuidCtor is uuid.UUID(hex=None, bytes=None, *, int=None, version=None),
// as Python's: exactly one of hex, bytes or int; version sets the RFC 4122
// variant and version bits.
func uuidCtor(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var hexArg, bytesArg, intArg, version starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "hex?", &hexArg, "bytes?", &bytesArg, "int?", &intArg, "version?", &version); err != nil {
		return nil, err
	}
	given := 0
	for _, v := range []starlark.Value{hexArg, bytesArg, intArg} {
		if v != starlark.None {
			given++
		}
	}
	if given != 1 {
		return nil, fmt.Errorf("%s: one of the hex, bytes or int arguments must be given", b.Name())
	}
	var u UUID
	switch {
	case hexArg != starlark.None:
		s, ok := hexArg.(starlark.String)
		if !ok {
			return nil, fmt.Errorf("%s: for parameter hex: got %s, want str", b.Name(), hexArg.Type())
		}
		h := strings.TrimPrefix(strings.TrimPrefix(string(s), "urn:"), "uuid:")
		h = strings.ReplaceAll(strings.Trim(h, "{}"), "-", "")
		raw, err := hex.DecodeString(h)
		if err != nil || len(raw) != 16 {
			return nil, fmt.Errorf("%s: badly formed hexadecimal UUID string", b.Name())
		}
		copy(u[:], raw)
	case bytesArg != starlark.None:
		raw, ok := bytesArg.(starlark.Bytes)
		if !ok || len(raw) != 16 {
			return nil, fmt.Errorf("%s: bytes is not a 16-char string", b.Name())
		}
		copy(u[:], raw)
	default:
		n, ok := intArg.(starlark.Int)
		if !ok {
			return nil, fmt.Errorf("%s: for parameter int: got %s, want int", b.Name(), intArg.Type())
		}
		bi := n.BigInt()
		if bi.Sign() < 0 || bi.BitLen() > 128 {
			return nil, fmt.Errorf("%s: int is out of range (need a 128-bit value)", b.Name())
		}
		bi.FillBytes(u[:])
	}
	if version != starlark.None {
		v, err := starlark.AsInt32(version)
		if err != nil || v < 1 || v > 8 {
			return nil, fmt.Errorf("%s: illegal version number", b.Name())
		}
		u[8] = u[8]&0x3f | 0x80
		u[6] = u[6]&0x0f | byte(v)<<4
	}
	return u, nil
}
