package starlib

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	starmath "go.starlark.net/lib/math"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// The stateless namespaces (json, math, time, hashlib, base64, re,
// calendar) are built once per process and shared: they hold only builtins.
// uuid and datetime depend on a generator's RNG or zone and are per Module.

var mathModule = sync.OnceValue(func() starlark.Value {
	m := &starlarkstruct.Module{Name: "math", Members: starlark.StringDict{}}
	for k, v := range starmath.Module.Members {
		if b, ok := v.(*starlark.Builtin); ok {
			v = renamed("math."+k, b)
		}
		m.Members[k] = v
	}
	m.Members["inf"] = starlark.Float(math.Inf(1))
	m.Members["nan"] = starlark.Float(math.NaN())
	m.Members["tau"] = starlark.Float(2 * math.Pi)
	unary := func(name string, f func(float64) starlark.Value) {
		m.Members[name] = starlark.NewBuiltin("math."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var x starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "x", &x); err != nil {
				return nil, err
			}
			fx, err := toFloat(b.Name(), x)
			if err != nil {
				return nil, err
			}
			return f(fx), nil
		})
	}
	unary("isnan", func(x float64) starlark.Value { return starlark.Bool(math.IsNaN(x)) })
	unary("isinf", func(x float64) starlark.Value { return starlark.Bool(math.IsInf(x, 0)) })
	unary("isfinite", func(x float64) starlark.Value { return starlark.Bool(!math.IsInf(x, 0) && !math.IsNaN(x)) })
	unary("log10", func(x float64) starlark.Value { return starlark.Float(math.Log10(x)) })
	unary("log2", func(x float64) starlark.Value { return starlark.Float(math.Log2(x)) })
	unary("trunc", func(x float64) starlark.Value { return starlark.MakeInt64(int64(math.Trunc(x))) })
	return m
})

// renamed returns b under a full dotted name: its errors, which start with
// b's own short name, are given the new name instead.
func renamed(name string, b *starlark.Builtin) *starlark.Builtin {
	short := b.Name() + ": "
	return starlark.NewBuiltin(name, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		v, err := b.CallInternal(thread, args, kwargs)
		if err != nil {
			if msg := err.Error(); strings.HasPrefix(msg, short) {
				return nil, errors.New(name + ": " + msg[len(short):])
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return v, nil
	})
}

// module.time: wall-clock functions (not reproducible under --seed).
var timeModule = sync.OnceValue(func() starlark.Value {
	return &starlarkstruct.Module{Name: "time", Members: starlark.StringDict{
		"time": starlark.NewBuiltin("time.time", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
				return nil, err
			}
			return starlark.Float(float64(time.Now().UnixNano()) / 1e9), nil
		}),
		"time_ns": starlark.NewBuiltin("time.time_ns", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
				return nil, err
			}
			return starlark.MakeInt64(time.Now().UnixNano()), nil
		}),
		"monotonic":    starlark.NewBuiltin("time.monotonic", monotonic),
		"perf_counter": starlark.NewBuiltin("time.perf_counter", monotonic),
	}}
})

var processStart = time.Now()

func monotonic(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Float(time.Since(processStart).Seconds()), nil
}

// bytesArg accepts a str or bytes argument.
func bytesArg(fn string, v starlark.Value) ([]byte, error) {
	switch v := v.(type) {
	case starlark.String:
		return []byte(v), nil
	case starlark.Bytes:
		return []byte(v), nil
	}
	return nil, fmt.Errorf("%s: want str or bytes, got %s", fn, typeName(v))
}

// module.hashlib: md5/sha1/sha256/sha512(data) objects with update(),
// hexdigest() and digest().
var hashlibModule = sync.OnceValue(func() starlark.Value {
	mk := func(name string, newHash func() hash.Hash) *starlark.Builtin {
		return starlark.NewBuiltin("hashlib."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var data starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "data?", &data); err != nil {
				return nil, err
			}
			h := &hashObject{name: name, h: newHash()}
			if data != nil {
				p, err := bytesArg(b.Name(), data)
				if err != nil {
					return nil, err
				}
				h.h.Write(p)
			}
			return h, nil
		})
	}
	members := starlark.StringDict{}
	for name, newHash := range hashAlgorithms {
		members[name] = mk(name, newHash)
	}
	// new(name, data=b""): the constructor by name, as hashlib.new.
	members["new"] = starlark.NewBuiltin("hashlib.new", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var name string
		var data starlark.Value
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "data?", &data); err != nil {
			return nil, err
		}
		key := strings.ToLower(strings.ReplaceAll(name, "-", ""))
		newHash, ok := hashAlgorithms[key]
		if !ok {
			return nil, fmt.Errorf("%s: unsupported hash type %s (known: %s)", b.Name(), name, strings.Join(sortedStrings(slices.Collect(maps.Keys(hashAlgorithms))), ", "))
		}
		h := &hashObject{name: key, h: newHash()}
		if data != nil {
			p, err := bytesArg(b.Name()+": for parameter data", data)
			if err != nil {
				return nil, err
			}
			h.h.Write(p)
		}
		return h, nil
	})
	members["algorithms_available"] = hashNames()
	members["algorithms_guaranteed"] = hashNames()
	return &starlarkstruct.Module{Name: "hashlib", Members: members}
})

var hashAlgorithms = map[string]func() hash.Hash{
	"md5":    md5.New,
	"sha1":   sha1.New,
	"sha224": sha256.New224,
	"sha256": sha256.New,
	"sha384": sha512.New384,
	"sha512": sha512.New,
}

func hashNames() starlark.Value {
	names := make([]starlark.Value, 0, len(hashAlgorithms))
	for _, n := range sortedStrings(slices.Collect(maps.Keys(hashAlgorithms))) {
		names = append(names, starlark.String(n))
	}
	s := starlark.NewSet(len(names))
	for _, n := range names {
		_ = s.Insert(n)
	}
	return s
}

type hashObject struct {
	name string
	h    hash.Hash
}

func (o *hashObject) String() string        { return "<" + o.name + " HASH object>" }
func (o *hashObject) Type() string          { return "hashlib.HASH" }
func (o *hashObject) Freeze()               {}
func (o *hashObject) Truth() starlark.Bool  { return true }
func (o *hashObject) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: hashlib.HASH") }
func (o *hashObject) AttrNames() []string {
	return []string{"digest", "hexdigest", "name", "update"}
}

func (o *hashObject) Attr(name string) (starlark.Value, error) {
	switch name {
	case "name":
		return starlark.String(o.name), nil
	case "hexdigest", "digest":
		return starlark.NewBuiltin("hashlib."+o.name+"."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
				return nil, err
			}
			sum := o.h.Sum(nil)
			if name == "digest" {
				return starlark.Bytes(sum), nil
			}
			return starlark.String(hex.EncodeToString(sum)), nil
		}), nil
	case "update":
		return starlark.NewBuiltin("hashlib."+o.name+"."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var data starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "data", &data); err != nil {
				return nil, err
			}
			p, err := bytesArg(b.Name(), data)
			if err != nil {
				return nil, err
			}
			o.h.Write(p)
			return starlark.None, nil
		}), nil
	}
	return nil, nil
}

// module.base64: Python's functions, bytes in and bytes out as in the
// original (Python's base64 module): b64encode takes bytes (a str is a
// TypeError there, and an error here), b64decode takes bytes or an ASCII
// str; a template turns the result into text with .decode().
var base64Module = sync.OnceValue(func() starlark.Value {
	const std, url = "+/", "-_"
	enc := func(name, alt string) *starlark.Builtin {
		return starlark.NewBuiltin("base64."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var data, altchars starlark.Value = nil, starlark.None
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "s", &data, "altchars?", &altchars); err != nil {
				return nil, err
			}
			p, ok := data.(starlark.Bytes)
			if !ok {
				return nil, bytesLikeError(b.Name(), data)
			}
			a, err := altcharsArg(b.Name(), altchars, alt)
			if err != nil {
				return nil, err
			}
			out := base64.StdEncoding.EncodeToString([]byte(p))
			if a != std {
				out = strings.NewReplacer("+", a[:1], "/", a[1:]).Replace(out)
			}
			return starlark.Bytes(out), nil
		})
	}
	dec := func(name, alt string) *starlark.Builtin {
		return starlark.NewBuiltin("base64."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var data, altchars starlark.Value = nil, starlark.None
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "s", &data, "altchars?", &altchars); err != nil {
				return nil, err
			}
			var p string
			switch v := data.(type) {
			case starlark.Bytes:
				p = string(v)
			case starlark.String:
				for i := 0; i < len(v); i++ {
					if v[i] >= 0x80 {
						return nil, fmt.Errorf("%s: string argument should contain only ASCII characters", b.Name())
					}
				}
				p = string(v)
			default:
				return nil, fmt.Errorf("%s: argument should be a bytes-like object or ASCII string, not '%s'", b.Name(), typeName(data))
			}
			a, err := altcharsArg(b.Name(), altchars, alt)
			if err != nil {
				return nil, err
			}
			if a != std {
				p = strings.NewReplacer(a[:1], "+", a[1:], "/").Replace(p)
			}
			out, err := decodeBase64(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			return starlark.Bytes(out), nil
		})
	}
	m := &starlarkstruct.Module{Name: "base64", Members: starlark.StringDict{
		"b64encode":          enc("b64encode", std),
		"b64decode":          dec("b64decode", std),
		"standard_b64encode": enc("standard_b64encode", std),
		"standard_b64decode": dec("standard_b64decode", std),
		"urlsafe_b64encode":  enc("urlsafe_b64encode", url),
		"urlsafe_b64decode":  dec("urlsafe_b64decode", url),
	}}
	for k, v := range base16and32() {
		m.Members[k] = v
	}
	return m
})

// bytesLikeError is Python's TypeError for a str where bytes are needed.
func bytesLikeError(fn string, v starlark.Value) error {
	if _, ok := v.(starlark.String); ok {
		return fmt.Errorf("%s: a bytes-like object is required, not 'str' (encode it first: s.encode())", fn)
	}
	return fmt.Errorf("%s: a bytes-like object is required, not '%s'", fn, typeName(v))
}

// altcharsArg returns the two characters standing for "+" and "/".
func altcharsArg(fn string, v starlark.Value, dflt string) (string, error) {
	switch a := v.(type) {
	case starlark.NoneType:
		return dflt, nil
	case starlark.Bytes:
		if len(a) == 2 {
			return string(a), nil
		}
	}
	return "", fmt.Errorf("%s: altchars must be 2 bytes", fn)
}

// decodeBase64 is CPython's binascii.a2b_base64 without strict mode:
// characters outside the alphabet are skipped, a complete padding ends the
// input, and a truncated quantum is an error.
func decodeBase64(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)*3/4)
	var acc uint32
	quad, pads, data := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			if quad >= 2 {
				if pads++; quad+pads >= 4 {
					return out, nil
				}
			}
			continue
		}
		v := base64Value(c)
		if v < 0 {
			continue
		}
		pads = 0
		data++
		acc = acc<<6 | uint32(v)
		quad++
		switch quad {
		case 2:
			out = append(out, byte(acc>>4))
			acc &= 0xF
		case 3:
			out = append(out, byte(acc>>2))
			acc &= 0x3
		case 4:
			out = append(out, byte(acc))
			acc, quad = 0, 0
		}
	}
	switch quad {
	case 0:
		return out, nil
	case 1:
		return nil, fmt.Errorf("Invalid base64-encoded string: number of data characters (%d) cannot be 1 more than a multiple of 4", data)
	}
	return nil, errors.New("Incorrect padding")
}

func base64Value(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}

// module.calendar.timegm(tuple | datetime): seconds since the epoch of a UTC
// (year, month, day, hour, minute, second, ...) tuple.
var calendarModule = sync.OnceValue(func() starlark.Value {
	return &starlarkstruct.Module{Name: "calendar", Members: starlark.StringDict{
		"timegm": starlark.NewBuiltin("calendar.timegm", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var v starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "tuple", &v); err != nil {
				return nil, err
			}
			if ts, ok := v.(*Timestamp); ok {
				t := ts.t
				return starlark.MakeInt64(time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC).Unix()), nil
			}
			seq, ok := v.(starlark.Indexable)
			if !ok || seq.Len() < 6 {
				return nil, fmt.Errorf("%s: want a tuple of at least 6 ints", b.Name())
			}
			var f [6]int64
			for i := range f {
				n, err := toInt64(b.Name(), seq.Index(i))
				if err != nil {
					return nil, err
				}
				f[i] = n
			}
			t := time.Date(int(f[0]), time.Month(f[1]), int(f[2]), int(f[3]), int(f[4]), int(f[5]), 0, time.UTC)
			return starlark.MakeInt64(t.Unix()), nil
		}),
	}}
})

// module.uuid: uuid4() drawing from the generator's RNG.
func newUUIDModule(r *rand.Rand) starlark.Value {
	g := &randGen{r: r}
	// uuid3/uuid5(namespace, name): the name-based UUIDs of RFC 4122,
	// deterministic (no randomness).
	nameBased := func(version byte, newHash func() hash.Hash) builtinFn {
		return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var ns, name starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "namespace", &ns, "name", &name); err != nil {
				return nil, err
			}
			nsu, ok := ns.(UUID)
			if !ok {
				return nil, fmt.Errorf("%s: for parameter \"namespace\": got %s, want UUID", b.Name(), typeName(ns))
			}
			p, err := bytesArg(b.Name()+": for parameter name", name)
			if err != nil {
				return nil, err
			}
			h := newHash()
			h.Write(nsu[:])
			h.Write(p)
			var u UUID
			copy(u[:], h.Sum(nil))
			u[6] = u[6]&0x0F | version<<4
			u[8] = u[8]&0x3F | 0x80
			return u, nil
		}
	}
	return &starlarkstruct.Module{Name: "uuid", Members: starlark.StringDict{
		"uuid4": starlark.NewBuiltin("uuid.uuid4", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
				return nil, err
			}
			return UUID(g.uuid4()), nil
		}),
		"uuid3":          starlark.NewBuiltin("uuid.uuid3", nameBased(3, md5.New)),
		"uuid5":          starlark.NewBuiltin("uuid.uuid5", nameBased(5, sha1.New)),
		"UUID":           starlark.NewBuiltin("uuid.UUID", uuidCtor),
		"NAMESPACE_DNS":  mustUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
		"NAMESPACE_URL":  mustUUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8"),
		"NAMESPACE_OID":  mustUUID("6ba7b812-9dad-11d1-80b4-00c04fd430c8"),
		"NAMESPACE_X500": mustUUID("6ba7b814-9dad-11d1-80b4-00c04fd430c8"),
	}}
}

// parseUUID reads a UUID as Python's uuid.UUID(hex) does: 32 hex digits,
// with optional dashes, braces and "urn:uuid:" prefix.
func parseUUID(s string) (UUID, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "urn:"), "uuid:")
	h = strings.Trim(h, "{}")
	h = strings.ReplaceAll(h, "-", "")
	var u UUID
	if len(h) != 32 {
		return u, errors.New("badly formed hexadecimal UUID string")
	}
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, errors.New("badly formed hexadecimal UUID string")
	}
	return u, nil
}

func mustUUID(s string) UUID {
	u, err := parseUUID(s)
	if err != nil {
		panic(err)
	}
	return u
}

// UUID is a Starlark uuid.UUID: str() gives the dashed form, .hex the 32
// hex digits.
type UUID [16]byte

func (u UUID) String() string        { return formatUUID(u) }
func (u UUID) Type() string          { return "UUID" }
func (u UUID) Freeze()               {}
func (u UUID) Truth() starlark.Bool  { return true }
func (u UUID) Hash() (uint32, error) { return starlark.String(u[:]).Hash() }
func (u UUID) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	w := y.(UUID)
	return starlark.CompareDepth(op, starlark.String(u[:]), starlark.String(w[:]), depth)
}
func (u UUID) AttrNames() []string { return []string{"bytes", "hex", "int", "urn", "version"} }
func (u UUID) Attr(name string) (starlark.Value, error) {
	switch name {
	case "hex":
		return starlark.String(hex.EncodeToString(u[:])), nil
	case "urn":
		return starlark.String("urn:uuid:" + formatUUID(u)), nil
	case "version":
		return starlark.MakeInt(int(u[6] >> 4)), nil
	case "bytes":
		return starlark.Bytes(u[:]), nil
	case "int":
		n := starlark.MakeInt(0)
		for _, c := range u {
			n = n.Lsh(8).Or(starlark.MakeInt(int(c)))
		}
		return n, nil
	}
	return nil, nil
}
