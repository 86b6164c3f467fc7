package pipeline

import "math/rand/v2"

// Stream is the random source of one event-stage worker. Before each
// timestamp it is reseeded from (seed, global timestamp index), so what a
// timestamp's events draw depends on nothing else: not on the worker that
// renders it, not on the timestamps before it, not on the shard. That is
// what makes `--seed` output the same for any number of workers and the
// union of `--shard i/n` runs equal to the unsharded run.
//
// Reseeding costs two splitmix64 rounds and a PCG state store (no
// allocation): measured by BenchmarkStreamAt.
type Stream struct {
	seed uint64
	pcg  rand.PCG
	// Rand draws from the stream; hand it to the producer (plugin.Env.Rand).
	Rand *rand.Rand
}

// NewStream returns a stream for seed, positioned at index 0.
func NewStream(seed uint64) *Stream {
	s := &Stream{seed: seed}
	s.Rand = rand.New(&s.pcg)
	s.At(0)
	return s
}

// At reseeds the stream for the timestamp of global index idx.
func (s *Stream) At(idx uint64) {
	a := splitmix64(s.seed ^ splitmix64(idx))
	s.pcg.Seed(a, splitmix64(a))
}

// splitmix64 is the finaliser of SplitMix64: a bijective mix in which every
// input bit affects every output bit.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
