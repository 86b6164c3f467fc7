package pystd

import (
	"crypto/sha512"
	"math/big"
)

// mt19937 is CPython's Mersenne Twister with CPython's seeding, so that
// module.random.Random(seed) gives the numbers Python gives for that seed.
type mt19937 struct {
	state [624]uint32
	index int
}

const (
	mtN       = 624
	mtM       = 397
	mtMatrixA = 0x9908b0df
	mtUpper   = 0x80000000
	mtLower   = 0x7fffffff
)

func (m *mt19937) initGenrand(s uint32) {
	m.state[0] = s
	for i := 1; i < mtN; i++ {
		prev := m.state[i-1]
		m.state[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	m.index = mtN
}

// initByArray is init_by_array of the reference implementation.
func (m *mt19937) initByArray(key []uint32) {
	m.initGenrand(19650218)
	i, j := 1, 0
	k := max(mtN, len(key))
	for ; k > 0; k-- {
		prev := m.state[i-1]
		m.state[i] = (m.state[i] ^ ((prev ^ (prev >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= mtN {
			m.state[0] = m.state[mtN-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = mtN - 1; k > 0; k-- {
		prev := m.state[i-1]
		m.state[i] = (m.state[i] ^ ((prev ^ (prev >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= mtN {
			m.state[0] = m.state[mtN-1]
			i = 1
		}
	}
	m.state[0] = 0x80000000
	m.index = mtN
}

// seedInt seeds as random.seed(n) does for an int: the 32-bit words of |n|,
// least significant first.
func (m *mt19937) seedInt(n *big.Int) {
	a := new(big.Int).Abs(n)
	var key []uint32
	mask := big.NewInt(0xffffffff)
	for a.Sign() > 0 {
		key = append(key, uint32(new(big.Int).And(a, mask).Uint64()))
		a.Rsh(a, 32)
	}
	if len(key) == 0 {
		key = []uint32{0}
	}
	m.initByArray(key)
}

// seedBytes seeds as random.seed(s) (version 2) does for str and bytes:
// the int of s followed by its SHA-512 digest, big-endian.
func (m *mt19937) seedBytes(b []byte) {
	sum := sha512.Sum512(b)
	m.seedInt(new(big.Int).SetBytes(append(append([]byte(nil), b...), sum[:]...)))
}

func (m *mt19937) Uint32() uint32 {
	if m.index >= mtN {
		for k := 0; k < mtN; k++ {
			y := (m.state[k] & mtUpper) | (m.state[(k+1)%mtN] & mtLower)
			v := m.state[(k+mtM)%mtN] ^ (y >> 1)
			if y&1 != 0 {
				v ^= mtMatrixA
			}
			m.state[k] = v
		}
		m.index = 0
	}
	y := m.state[m.index]
	m.index++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}
