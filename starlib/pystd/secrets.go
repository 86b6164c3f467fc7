package pystd

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// module.secrets: Python's secrets API (token_bytes, token_hex,
// token_urlsafe, choice, randbelow, randbits), drawing from the generator's
// seeded stream rather than the OS: synthetic tokens, reproducible under
// --seed, not secret.

const defaultTokenBytes = 32 // Python's DEFAULT_ENTROPY

func newSecretsModule(r *rand.Rand) starlark.Value {
	s := &Random{module: true, src: r}
	tokenArg := func(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) ([]byte, error) {
		var n starlark.Value = starlark.None
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "nbytes?", &n); err != nil {
			return nil, err
		}
		size := defaultTokenBytes
		if n != starlark.None {
			v, err := starlark.AsInt32(n)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("%s: for parameter nbytes: want a non-negative int, got %s", b.Name(), n.String())
			}
			size = v
		}
		out := make([]byte, size)
		for i := 0; i < size; i += 4 {
			w := s.src.Uint32()
			for j := 0; j < 4 && i+j < size; j++ {
				out[i+j] = byte(w >> (8 * j))
			}
		}
		return out, nil
	}
	builtin := func(name string, f func(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)) *starlark.Builtin {
		return starlark.NewBuiltin("secrets."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			return f(b, args, kwargs)
		})
	}
	return &starlarkstruct.Module{Name: "secrets", Members: starlark.StringDict{
		"token_bytes": builtin("token_bytes", func(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			p, err := tokenArg(b, args, kwargs)
			if err != nil {
				return nil, err
			}
			return starlark.Bytes(p), nil
		}),
		"token_hex": builtin("token_hex", func(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			p, err := tokenArg(b, args, kwargs)
			if err != nil {
				return nil, err
			}
			return starlark.String(hex.EncodeToString(p)), nil
		}),
		"token_urlsafe": builtin("token_urlsafe", func(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			p, err := tokenArg(b, args, kwargs)
			if err != nil {
				return nil, err
			}
			return starlark.String(base64.RawURLEncoding.EncodeToString(p)), nil
		}),
		"choice": starlark.NewBuiltin("secrets.choice", s.choice),
		"randbelow": builtin("randbelow", func(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var n int64
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "exclusive_upper_bound", &n); err != nil {
				return nil, err
			}
			if n <= 0 {
				return nil, fmt.Errorf("%s: Upper bound must be positive.", b.Name())
			}
			return starlark.MakeUint64(s.below(uint64(n))), nil
		}),
		"randbits": starlark.NewBuiltin("secrets.randbits", s.getrandbitsFn),
	}}
}
