package starlib

import (
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// base64.b16encode/b16decode and b32encode/b32decode, as Python's: bytes in,
// bytes out; the decoders also take an ASCII str and, with casefold=True,
// lower-case input.

func base16and32() starlark.StringDict {
	return starlark.StringDict{
		"b16encode": starlark.NewBuiltin("base64.b16encode", b16encode),
		"b16decode": starlark.NewBuiltin("base64.b16decode", b16decode),
		"b32encode": starlark.NewBuiltin("base64.b32encode", b32encode),
		"b32decode": starlark.NewBuiltin("base64.b32decode", b32decode),
	}
}

func b16encode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var data starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "s", &data); err != nil {
		return nil, err
	}
	p, ok := data.(starlark.Bytes)
	if !ok {
		return nil, bytesLikeError(b.Name(), data)
	}
	return starlark.Bytes(strings.ToUpper(hex.EncodeToString([]byte(p)))), nil
}

func b32encode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var data starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "s", &data); err != nil {
		return nil, err
	}
	p, ok := data.(starlark.Bytes)
	if !ok {
		return nil, bytesLikeError(b.Name(), data)
	}
	return starlark.Bytes(base32.StdEncoding.EncodeToString([]byte(p))), nil
}

// asciiArg reads a bytes or ASCII str argument of a decoder.
func asciiArg(fn string, v starlark.Value) (string, error) {
	switch v := v.(type) {
	case starlark.Bytes:
		return string(v), nil
	case starlark.String:
		for i := 0; i < len(v); i++ {
			if v[i] >= 0x80 {
				return "", fmt.Errorf("%s: string argument should contain only ASCII characters", fn)
			}
		}
		return string(v), nil
	}
	return "", fmt.Errorf("%s: argument should be a bytes-like object or ASCII string, not '%s'", fn, typeName(v))
}

func b16decode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var data starlark.Value
	casefold := false
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "s", &data, "casefold?", &casefold); err != nil {
		return nil, err
	}
	s, err := asciiArg(b.Name(), data)
	if err != nil {
		return nil, err
	}
	if casefold {
		s = strings.ToUpper(s)
	}
	if strings.ContainsAny(s, "abcdef") {
		return nil, fmt.Errorf("%s: Non-base16 digit found", b.Name())
	}
	out, err := hex.DecodeString(s)
	if err != nil {
		if len(s)%2 == 1 {
			return nil, fmt.Errorf("%s: Odd-length string", b.Name())
		}
		return nil, fmt.Errorf("%s: Non-base16 digit found", b.Name())
	}
	return starlark.Bytes(out), nil
}

func b32decode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var data starlark.Value
	casefold := false
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "s", &data, "casefold?", &casefold); err != nil {
		return nil, err
	}
	s, err := asciiArg(b.Name(), data)
	if err != nil {
		return nil, err
	}
	if casefold {
		s = strings.ToUpper(s)
	}
	out, err := base32.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s: Incorrect padding or non-base32 digit found", b.Name())
	}
	return starlark.Bytes(out), nil
}
