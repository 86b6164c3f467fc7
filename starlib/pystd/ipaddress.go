package pystd

import (
	"fmt"
	"math/big"
	"net/netip"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// module.ipaddress: Python's ipaddress for the uses templates make of it —
// parse and check addresses and networks, `addr in network`, arithmetic
// (`addr + 1`), the is_* properties (Python's tables), hosts() and subnets().

func newIPAddressModule() starlark.Value {
	return &starlarkstruct.Module{Name: "ipaddress", Members: starlark.StringDict{
		"ip_address":   starlark.NewBuiltin("ipaddress.ip_address", ipAddressFn(0)),
		"IPv4Address":  starlark.NewBuiltin("ipaddress.IPv4Address", ipAddressFn(4)),
		"IPv6Address":  starlark.NewBuiltin("ipaddress.IPv6Address", ipAddressFn(6)),
		"ip_network":   starlark.NewBuiltin("ipaddress.ip_network", ipNetworkFn(0)),
		"IPv4Network":  starlark.NewBuiltin("ipaddress.IPv4Network", ipNetworkFn(4)),
		"IPv6Network":  starlark.NewBuiltin("ipaddress.IPv6Network", ipNetworkFn(6)),
		"ip_interface": starlark.NewBuiltin("ipaddress.ip_interface", ipInterface),
	}}
}

// IPAddr is an IPv4Address or IPv6Address.
type IPAddr struct{ a netip.Addr }

var (
	_ starlark.HasAttrs   = IPAddr{}
	_ starlark.HasBinary  = IPAddr{}
	_ starlark.Comparable = IPAddr{}
)

func (v IPAddr) String() string { return v.a.String() }
func (v IPAddr) Type() string {
	if v.a.Is4() {
		return "IPv4Address"
	}
	return "IPv6Address"
}
func (v IPAddr) Freeze()               {}
func (v IPAddr) Truth() starlark.Bool  { return true }
func (v IPAddr) Hash() (uint32, error) { return starlark.String(v.a.String()).Hash() }

func (v IPAddr) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	c := v.a.Compare(y.(IPAddr).a)
	return threeway(op, c), nil
}

func threeway(op syntax.Token, c int) bool {
	switch op {
	case syntax.EQL:
		return c == 0
	case syntax.NEQ:
		return c != 0
	case syntax.LT:
		return c < 0
	case syntax.LE:
		return c <= 0
	case syntax.GT:
		return c > 0
	default:
		return c >= 0
	}
}

func (v IPAddr) bits() int { return v.a.BitLen() }

func (v IPAddr) toInt() *big.Int { return new(big.Int).SetBytes(v.a.AsSlice()) }

func addrFromInt(n *big.Int, bits int) (netip.Addr, error) {
	if n.Sign() < 0 || n.BitLen() > bits {
		return netip.Addr{}, fmt.Errorf("%s does not fit in an IPv%d address", n, map[int]int{32: 4, 128: 6}[bits])
	}
	b := make([]byte, bits/8)
	n.FillBytes(b)
	a, _ := netip.AddrFromSlice(b)
	return a, nil
}

// Binary is addr + n and addr - n (and n + addr).
func (v IPAddr) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	n, ok := y.(starlark.Int)
	if !ok || (op != syntax.PLUS && op != syntax.MINUS) || (op == syntax.MINUS && side == starlark.Right) {
		return nil, nil
	}
	d := n.BigInt()
	if op == syntax.MINUS {
		d.Neg(d)
	}
	a, err := addrFromInt(d.Add(d, v.toInt()), v.bits())
	if err != nil {
		return nil, fmt.Errorf("ipaddress: %w", err)
	}
	return IPAddr{a}, nil
}

func (v IPAddr) AttrNames() []string {
	return []string{"compressed", "exploded", "is_global", "is_link_local", "is_loopback", "is_multicast",
		"is_private", "is_reserved", "is_unspecified", "max_prefixlen", "packed", "reverse_pointer", "version"}
}

func (v IPAddr) Attr(name string) (starlark.Value, error) {
	switch name {
	case "version":
		if v.a.Is4() {
			return starlark.MakeInt(4), nil
		}
		return starlark.MakeInt(6), nil
	case "max_prefixlen":
		return starlark.MakeInt(v.bits()), nil
	case "compressed":
		return starlark.String(v.a.String()), nil
	case "exploded":
		if v.a.Is4() {
			return starlark.String(v.a.String()), nil
		}
		return starlark.String(v.a.StringExpanded()), nil
	case "packed":
		return starlark.Bytes(v.a.AsSlice()), nil
	case "reverse_pointer":
		return starlark.String(reversePointer(v.a)), nil
	case "is_private":
		return starlark.Bool(isPrivate(v.a)), nil
	case "is_global":
		return starlark.Bool(isGlobal(v.a)), nil
	case "is_loopback":
		return starlark.Bool(v.a.IsLoopback()), nil
	case "is_multicast":
		return starlark.Bool(v.a.IsMulticast()), nil
	case "is_link_local":
		return starlark.Bool(v.a.IsLinkLocalUnicast()), nil
	case "is_unspecified":
		return starlark.Bool(v.a.IsUnspecified()), nil
	case "is_reserved":
		if v.a.Is4() {
			return starlark.Bool(netip.MustParsePrefix("240.0.0.0/4").Contains(v.a)), nil
		}
		return starlark.Bool(inAny(v.a, reserved6)), nil
	}
	return nil, nil
}

func reversePointer(a netip.Addr) string {
	var parts []string
	if a.Is4() {
		b := a.As4()
		for i := 3; i >= 0; i-- {
			parts = append(parts, fmt.Sprint(b[i]))
		}
		return strings.Join(parts, ".") + ".in-addr.arpa"
	}
	hex := strings.ReplaceAll(a.StringExpanded(), ":", "")
	for i := len(hex) - 1; i >= 0; i-- {
		parts = append(parts, hex[i:i+1])
	}
	return strings.Join(parts, ".") + ".ip6.arpa"
}

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Python's tables of private and reserved networks (ipaddress, 3.11).
var (
	private4 = prefixes("0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/29", "192.0.0.170/31", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32")
	private6 = prefixes("::1/128", "::/128", "::ffff:0:0/96", "100::/64", "2001::/23", "2001:2::/48",
		"2001:db8::/32", "2001:10::/28", "fc00::/7", "fe80::/10")
	reserved6 = prefixes("::/8", "100::/8", "200::/7", "400::/6", "800::/5", "1000::/4", "4000::/3",
		"6000::/3", "8000::/3", "A000::/3", "C000::/3", "E000::/4", "F000::/5", "F800::/6", "FE00::/9")
	shared4 = netip.MustParsePrefix("100.64.0.0/10")
)

func inAny(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func isPrivate(a netip.Addr) bool {
	if a.Is4() {
		return inAny(a, private4)
	}
	return inAny(a, private6)
}

func isGlobal(a netip.Addr) bool {
	if a.Is4() {
		return !shared4.Contains(a) && !isPrivate(a)
	}
	return !isPrivate(a)
}

func parseAddr(fn string, x starlark.Value, version int) (netip.Addr, error) {
	switch x := x.(type) {
	case starlark.String:
		a, err := netip.ParseAddr(string(x))
		if err != nil || a.Zone() != "" || (version == 4 && !a.Is4()) || (version == 6 && !a.Is6()) {
			kind := "an IPv4 or IPv6 address"
			if version != 0 {
				kind = fmt.Sprintf("an IPv%d address", version)
			}
			return netip.Addr{}, fmt.Errorf("%s: %s does not appear to be %s", fn, x.String(), kind)
		}
		return a, nil
	case starlark.Int:
		bits := 32
		if version == 6 || (version == 0 && x.BigInt().BitLen() > 32) {
			bits = 128
		}
		a, err := addrFromInt(x.BigInt(), bits)
		if err != nil {
			return netip.Addr{}, fmt.Errorf("%s: %w", fn, err)
		}
		return a, nil
	case IPAddr:
		return x.a, nil
	}
	return netip.Addr{}, fmt.Errorf("%s: got %s, want str or int", fn, x.Type())
}

func ipAddressFn(version int) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
			return nil, err
		}
		a, err := parseAddr(b.Name(), x, version)
		if err != nil {
			return nil, err
		}
		return IPAddr{a}, nil
	}
}

// IPNet is an IPv4Network or IPv6Network.
type IPNet struct{ p netip.Prefix }

var (
	_ starlark.HasAttrs   = IPNet{}
	_ starlark.HasBinary  = IPNet{}
	_ starlark.Comparable = IPNet{}
)

func (v IPNet) String() string { return v.p.String() }
func (v IPNet) Type() string {
	if v.p.Addr().Is4() {
		return "IPv4Network"
	}
	return "IPv6Network"
}
func (v IPNet) Freeze()               {}
func (v IPNet) Truth() starlark.Bool  { return true }
func (v IPNet) Hash() (uint32, error) { return starlark.String(v.p.String()).Hash() }

func (v IPNet) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	o := y.(IPNet).p
	c := v.p.Addr().Compare(o.Addr())
	if c == 0 {
		c = v.p.Bits() - o.Bits()
	}
	return threeway(op, c), nil
}

// Binary is `addr in network` (and `network in network`: subnet_of).
func (v IPNet) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	if op != syntax.IN || side != starlark.Right {
		return nil, nil
	}
	switch y := y.(type) {
	case IPAddr:
		return starlark.Bool(v.p.Contains(y.a)), nil
	case IPNet:
		return starlark.Bool(y.p.Bits() >= v.p.Bits() && v.p.Contains(y.p.Addr())), nil
	case starlark.String:
		a, err := netip.ParseAddr(string(y))
		return starlark.Bool(err == nil && v.p.Contains(a)), nil
	}
	return starlark.False, nil
}

func (v IPNet) lastAddr() netip.Addr {
	a := v.p.Addr()
	n := new(big.Int).SetBytes(a.AsSlice())
	host := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(a.BitLen()-v.p.Bits())), big.NewInt(1))
	last, _ := addrFromInt(n.Or(n, host), a.BitLen())
	return last
}

func maskAddr(bits, ones int, host bool) netip.Addr {
	n := new(big.Int).Lsh(big.NewInt(1), uint(bits-ones))
	n.Sub(n, big.NewInt(1))
	if !host {
		all := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits)), big.NewInt(1))
		n.Xor(n, all)
	}
	a, _ := addrFromInt(n, bits)
	return a
}

func (v IPNet) AttrNames() []string {
	return []string{"broadcast_address", "hostmask", "hosts", "is_global", "is_private", "netmask",
		"network_address", "num_addresses", "overlaps", "prefixlen", "subnet_of", "subnets",
		"supernet_of", "version", "with_netmask", "with_prefixlen"}
}

// maxHosts bounds the lists hosts() and subnets() build.
const maxHosts = 1 << 20

func (v IPNet) Attr(name string) (starlark.Value, error) {
	a := v.p.Addr()
	switch name {
	case "network_address":
		return IPAddr{a}, nil
	case "broadcast_address":
		return IPAddr{v.lastAddr()}, nil
	case "netmask":
		return IPAddr{maskAddr(a.BitLen(), v.p.Bits(), false)}, nil
	case "hostmask":
		return IPAddr{maskAddr(a.BitLen(), v.p.Bits(), true)}, nil
	case "prefixlen":
		return starlark.MakeInt(v.p.Bits()), nil
	case "num_addresses":
		return starlark.MakeBigInt(new(big.Int).Lsh(big.NewInt(1), uint(a.BitLen()-v.p.Bits()))), nil
	case "version":
		return IPAddr{a}.Attr("version")
	case "with_prefixlen":
		return starlark.String(v.p.String()), nil
	case "with_netmask":
		return starlark.String(a.String() + "/" + maskAddr(a.BitLen(), v.p.Bits(), false).String()), nil
	case "is_private":
		return starlark.Bool(isPrivate(a) && isPrivate(v.lastAddr())), nil
	case "is_global":
		return starlark.Bool(isGlobal(a) && isGlobal(v.lastAddr())), nil
	case "hosts":
		return starlark.NewBuiltin("ipaddress."+v.Type()+".hosts", v.hosts), nil
	case "subnets":
		return starlark.NewBuiltin("ipaddress."+v.Type()+".subnets", v.subnets), nil
	case "overlaps", "subnet_of", "supernet_of":
		return starlark.NewBuiltin("ipaddress."+v.Type()+"."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var o IPNet
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &o); err != nil {
				return nil, err
			}
			switch name {
			case "overlaps":
				return starlark.Bool(v.p.Overlaps(o.p)), nil
			case "subnet_of":
				return starlark.Bool(o.p.Bits() <= v.p.Bits() && o.p.Contains(a)), nil
			default:
				return starlark.Bool(v.p.Bits() <= o.p.Bits() && v.p.Contains(o.p.Addr())), nil
			}
		}), nil
	}
	return nil, nil
}

// hosts lists the usable addresses: all but the network and broadcast
// addresses, except for /31 and /32 (/127, /128), as Python.
func (v IPNet) hosts(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	a := v.p.Addr()
	hostBits := a.BitLen() - v.p.Bits()
	if hostBits > 20 {
		return nil, fmt.Errorf("%s: %s has more than %d hosts", b.Name(), v.p, maxHosts)
	}
	first, last := a, v.lastAddr()
	if hostBits > 1 {
		first = first.Next()
		if a.Is4() {
			last = last.Prev()
		}
	}
	var out []starlark.Value
	for x := first; x.IsValid() && x.Compare(last) <= 0; x = x.Next() {
		out = append(out, IPAddr{x})
	}
	return starlark.NewList(out), nil
}

func (v IPNet) subnets(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	diff := 1
	var newPrefix starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "prefixlen_diff?", &diff, "new_prefix?", &newPrefix); err != nil {
		return nil, err
	}
	bits := v.p.Bits() + diff
	if newPrefix != starlark.None {
		np, err := starlark.AsInt32(newPrefix)
		if err != nil {
			return nil, fmt.Errorf("%s: new_prefix: %w", b.Name(), err)
		}
		bits = np
	}
	a := v.p.Addr()
	if bits < v.p.Bits() || bits > a.BitLen() {
		return nil, fmt.Errorf("%s: prefix length %d is invalid for %s", b.Name(), bits, v.p)
	}
	if bits-v.p.Bits() > 20 {
		return nil, fmt.Errorf("%s: more than %d subnets", b.Name(), maxHosts)
	}
	count := 1 << (bits - v.p.Bits())
	step := new(big.Int).Lsh(big.NewInt(1), uint(a.BitLen()-bits))
	n := new(big.Int).SetBytes(a.AsSlice())
	out := make([]starlark.Value, 0, count)
	for i := 0; i < count; i++ {
		s, _ := addrFromInt(n, a.BitLen())
		out = append(out, IPNet{netip.PrefixFrom(s, bits)})
		n.Add(n, step)
	}
	return starlark.NewList(out), nil
}

func parseNet(fn string, x starlark.Value, strict bool, version int) (netip.Prefix, error) {
	var p netip.Prefix
	switch x := x.(type) {
	case starlark.String:
		s := string(x)
		if !strings.Contains(s, "/") {
			a, err := parseAddr(fn, x, version)
			if err != nil {
				return p, err
			}
			return netip.PrefixFrom(a, a.BitLen()), nil
		}
		addr, bits, _ := strings.Cut(s, "/")
		a, err := parseAddr(fn, starlark.String(addr), version)
		if err != nil {
			return p, err
		}
		if m, err := netip.ParseAddr(bits); err == nil && m.Is4() && a.Is4() {
			ones := 0
			for _, by := range m.As4() {
				for i := 7; i >= 0; i-- {
					if by&(1<<i) != 0 {
						ones++
					}
				}
			}
			bits = fmt.Sprint(ones)
		}
		p, err = netip.ParsePrefix(a.String() + "/" + bits)
		if err != nil {
			return p, fmt.Errorf("%s: %s does not appear to be an IPv4 or IPv6 network", fn, x.String())
		}
	case IPAddr:
		p = netip.PrefixFrom(x.a, x.a.BitLen())
	case IPNet:
		return x.p, nil
	default:
		return p, fmt.Errorf("%s: got %s, want str", fn, x.Type())
	}
	if m := p.Masked(); m != p {
		if strict {
			return p, fmt.Errorf("%s: %s has host bits set", fn, x.String())
		}
		p = m
	}
	return p, nil
}

func ipNetworkFn(version int) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		strict := true
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "address", &x, "strict?", &strict); err != nil {
			return nil, err
		}
		p, err := parseNet(b.Name(), x, strict, version)
		if err != nil {
			return nil, err
		}
		return IPNet{p}, nil
	}
}

// ipInterface is ip_interface("10.1.2.3/24"): .ip, .network, str().
func ipInterface(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	p, err := parseNet(b.Name(), x, false, 0)
	if err != nil {
		return nil, err
	}
	addr := p.Addr()
	if s, ok := x.(starlark.String); ok {
		if a, _, found := strings.Cut(string(s), "/"); found {
			addr, _ = netip.ParseAddr(a)
		}
	}
	fields := starlark.StringDict{
		"ip":             IPAddr{addr},
		"network":        IPNet{p.Masked()},
		"with_prefixlen": starlark.String(fmt.Sprintf("%s/%d", addr, p.Bits())),
	}
	return starlarkstruct.FromStringDict(starlark.String("IPInterface"), fields), nil
}
