package pipeline

import (
	"math/rand/v2"
	"testing"
)

// The stream at an index is a function of (seed, index) alone: the same
// draws whatever was drawn before, different draws for other indices and
// seeds.
func TestStreamAt(t *testing.T) {
	t.Parallel()
	draw := func(s *Stream, idx uint64) [4]uint64 {
		s.At(idx)
		return [4]uint64{s.Rand.Uint64(), s.Rand.Uint64(), s.Rand.Uint64(), s.Rand.Uint64()}
	}
	a, b := NewStream(7), NewStream(7)
	b.Rand.Uint64() // b has drawn before
	for _, idx := range []uint64{0, 1, 2, 1 << 40} {
		if draw(a, idx) != draw(b, idx) {
			t.Fatalf("index %d: streams of one seed differ", idx)
		}
	}
	seen := map[[4]uint64]bool{}
	for _, s := range []*Stream{NewStream(7), NewStream(8)} {
		for idx := range uint64(1000) {
			d := draw(s, idx)
			if seen[d] {
				t.Fatalf("index %d draws what another index or seed drew", idx)
			}
			seen[d] = true
		}
	}
}

// BenchmarkStreamAt measures reseeding per timestamp against one draw.
func BenchmarkStreamAt(b *testing.B) {
	s := NewStream(7)
	b.Run("reseed+draw", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			s.At(uint64(i))
			_ = s.Rand.Uint64()
		}
	})
	b.Run("draw only", func(b *testing.B) {
		r := rand.New(rand.NewPCG(1, 2))
		b.ReportAllocs()
		for range b.N {
			_ = r.Uint64()
		}
	})
}
