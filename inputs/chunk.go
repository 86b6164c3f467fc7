package inputs

import "context"

// chunkSize is how many timestamps an input hands to emit at most per call:
// large enough to amortise the call, small enough that backpressure through
// emit bounds the memory of an unbounded input.
const chunkSize = 4096

// chunker collects timestamps into a reused buffer and hands it to emit when
// full (flush hands over the rest). It checks ctx before every hand-over.
type chunker struct {
	ctx  context.Context
	emit func([]int64) error
	buf  []int64
}

// newChunker returns a chunker whose buffer holds min(hint, chunkSize)
// timestamps (hint <= 0: chunkSize).
func newChunker(ctx context.Context, emit func([]int64) error, hint int) *chunker {
	n := chunkSize
	if hint > 0 && hint < n {
		n = hint
	}
	return &chunker{ctx: ctx, emit: emit, buf: make([]int64, 0, n)}
}

// add appends n copies of t.
func (c *chunker) add(t int64, n int) error {
	for n > 0 {
		k := min(n, cap(c.buf)-len(c.buf))
		for range k {
			c.buf = append(c.buf, t)
		}
		n -= k
		if len(c.buf) == cap(c.buf) {
			if err := c.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush hands the collected timestamps to emit.
func (c *chunker) flush() error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	if len(c.buf) == 0 {
		return nil
	}
	err := c.emit(c.buf)
	c.buf = c.buf[:0]
	return err
}
