package starlib

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// module.ipaddress: Python's ip_address and ip_network over net/netip.
func init() {
	RegisterNamespace("ipaddress", func(*rand.Rand) starlark.Value { return ipaddressModule })
}

var ipaddressModule = &starlarkstruct.Module{Name: "ipaddress", Members: starlark.StringDict{
	"ip_address": starlark.NewBuiltin("ipaddress.ip_address", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "address", &v); err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case starlark.String:
			a, err := netip.ParseAddr(string(x))
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%s: %s does not appear to be an IPv4 or IPv6 address", b.Name(), pyQuote(string(x)))
			}
			return IPAddr{a}, nil
		case starlark.Int:
			n := x.BigInt()
			if n.Sign() < 0 || n.BitLen() > 128 {
				return nil, fmt.Errorf("%s: %s does not appear to be an IPv4 or IPv6 address", b.Name(), x)
			}
			return IPAddr{addrFromInt(n, n.BitLen() > 32)}, nil
		}
		return nil, fmt.Errorf("%s: for parameter \"address\": got %s, want str or int", b.Name(), v.Type())
	}),
	"ip_network": starlark.NewBuiltin("ipaddress.ip_network", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s string
		strict := true
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "address", &s, "strict?", &strict); err != nil {
			return nil, err
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("%s: %s does not appear to be an IPv4 or IPv6 network", b.Name(), pyQuote(s))
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if m := p.Masked(); m != p {
			if strict {
				return nil, fmt.Errorf("%s: %s has host bits set", b.Name(), s)
			}
			p = m
		}
		return IPNet{p}, nil
	}),
}}

func addrFromInt(n *big.Int, v6 bool) netip.Addr {
	var b [16]byte
	n.FillBytes(b[:])
	if !v6 {
		return netip.AddrFrom4([4]byte(b[12:]))
	}
	return netip.AddrFrom16(b)
}

func addrInt(a netip.Addr) *big.Int { return new(big.Int).SetBytes(a.AsSlice()) }

// IPAddr is an ipaddress.IPv4Address / IPv6Address.
type IPAddr struct{ a netip.Addr }

var (
	_ starlark.HasAttrs   = IPAddr{}
	_ starlark.HasBinary  = IPAddr{}
	_ starlark.Comparable = IPAddr{}
)

func (x IPAddr) String() string { return x.a.String() }
func (x IPAddr) Type() string {
	if x.a.Is4() {
		return "IPv4Address"
	}
	return "IPv6Address"
}
func (x IPAddr) Freeze()               {}
func (x IPAddr) Truth() starlark.Bool  { return true }
func (x IPAddr) Hash() (uint32, error) { return starlark.String(x.a.String()).Hash() }
func (x IPAddr) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	return compareInts(op, int64(x.a.Compare(y.(IPAddr).a)), 0)
}

// Binary implements address ± int, as Python.
func (x IPAddr) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	n, ok := y.(starlark.Int)
	if !ok || (op != syntax.PLUS && op != syntax.MINUS) || (op == syntax.MINUS && side == starlark.Right) {
		return nil, nil
	}
	v := addrInt(x.a)
	if op == syntax.PLUS {
		v.Add(v, n.BigInt())
	} else {
		v.Sub(v, n.BigInt())
	}
	if v.Sign() < 0 || v.BitLen() > x.a.BitLen() {
		return nil, fmt.Errorf("%s out of range", x.Type())
	}
	return IPAddr{addrFromInt(v, !x.a.Is4())}, nil
}

func (x IPAddr) AttrNames() []string {
	return []string{"compressed", "exploded", "is_global", "is_link_local", "is_loopback", "is_multicast", "is_private", "is_unspecified", "max_prefixlen", "packed", "version"}
}

func (x IPAddr) Attr(name string) (starlark.Value, error) {
	a := x.a
	switch name {
	case "version":
		if a.Is4() {
			return starlark.MakeInt(4), nil
		}
		return starlark.MakeInt(6), nil
	case "max_prefixlen":
		return starlark.MakeInt(a.BitLen()), nil
	case "compressed":
		return starlark.String(a.String()), nil
	case "exploded":
		if a.Is4() {
			return starlark.String(a.String()), nil
		}
		return starlark.String(a.StringExpanded()), nil
	case "packed":
		return starlark.Bytes(a.AsSlice()), nil
	case "is_private":
		return starlark.Bool(a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified()), nil
	case "is_global":
		return starlark.Bool(a.IsGlobalUnicast() && !a.IsPrivate()), nil
	case "is_loopback":
		return starlark.Bool(a.IsLoopback()), nil
	case "is_multicast":
		return starlark.Bool(a.IsMulticast()), nil
	case "is_link_local":
		return starlark.Bool(a.IsLinkLocalUnicast()), nil
	case "is_unspecified":
		return starlark.Bool(a.IsUnspecified()), nil
	}
	return nil, nil
}

// IPNet is an ipaddress.IPv4Network / IPv6Network: `addr in net`,
// net[i] (the i-th address), len(net) for networks that fit an int.
type IPNet struct{ p netip.Prefix }

var (
	_ starlark.HasAttrs  = IPNet{}
	_ starlark.HasBinary = IPNet{}
	_ starlark.Indexable = IPNet{}
)

func (n IPNet) String() string { return n.p.String() }
func (n IPNet) Type() string {
	if n.p.Addr().Is4() {
		return "IPv4Network"
	}
	return "IPv6Network"
}
func (n IPNet) Freeze()               {}
func (n IPNet) Truth() starlark.Bool  { return true }
func (n IPNet) Hash() (uint32, error) { return starlark.String(n.p.String()).Hash() }

func (n IPNet) size() *big.Int {
	return new(big.Int).Lsh(big.NewInt(1), uint(n.p.Addr().BitLen()-n.p.Bits()))
}

// Len is the number of addresses, capped at the largest int for huge IPv6
// networks (use num_addresses for the exact count).
func (n IPNet) Len() int {
	s := n.size()
	if !s.IsInt64() || s.Int64() > 1<<62 {
		return 1 << 62
	}
	return int(s.Int64())
}

func (n IPNet) Index(i int) starlark.Value {
	v := addrInt(n.p.Addr())
	v.Add(v, big.NewInt(int64(i)))
	return IPAddr{addrFromInt(v, !n.p.Addr().Is4())}
}

func (n IPNet) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	if op == syntax.IN && side == starlark.Right {
		a, ok := y.(IPAddr)
		return starlark.Bool(ok && n.p.Contains(a.a)), nil
	}
	return nil, nil
}

func (n IPNet) AttrNames() []string {
	return []string{"broadcast_address", "hostmask", "hosts", "is_private", "netmask", "network_address", "num_addresses", "prefixlen", "version", "with_prefixlen"}
}

func (n IPNet) Attr(name string) (starlark.Value, error) {
	p := n.p
	bits := p.Addr().BitLen()
	mask := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits)), big.NewInt(1))
	host := new(big.Int).Sub(n.size(), big.NewInt(1))
	v6 := !p.Addr().Is4()
	switch name {
	case "version":
		return IPAddr{p.Addr()}.Attr("version")
	case "prefixlen":
		return starlark.MakeInt(p.Bits()), nil
	case "network_address":
		return IPAddr{p.Addr()}, nil
	case "broadcast_address":
		return IPAddr{addrFromInt(new(big.Int).Or(addrInt(p.Addr()), host), v6)}, nil
	case "netmask":
		return IPAddr{addrFromInt(new(big.Int).Xor(mask, host), v6)}, nil
	case "hostmask":
		return IPAddr{addrFromInt(host, v6)}, nil
	case "num_addresses":
		return starlark.MakeBigInt(n.size()), nil
	case "with_prefixlen":
		return starlark.String(p.String()), nil
	case "is_private":
		return IPAddr{p.Addr()}.Attr("is_private")
	case "hosts":
		return starlark.NewBuiltin("ipaddress.network.hosts", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
				return nil, err
			}
			size := n.Len()
			if size > 1<<16 {
				return nil, fmt.Errorf("%s: %s has %d addresses; index it instead (net[i])", b.Name(), p, size)
			}
			lo, hi := 0, size
			if p.Addr().Is4() && size > 2 { // skip the network and broadcast addresses
				lo, hi = 1, size-1
			} else if !p.Addr().Is4() && size > 1 {
				lo = 1
			}
			out := make([]starlark.Value, 0, hi-lo)
			for i := lo; i < hi; i++ {
				out = append(out, n.Index(i))
			}
			return starlark.NewList(out), nil
		}), nil
	}
	return nil, nil
}
