package inputs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
)

const (
	// MaxBatch is the largest batch Merge hands to emit.
	MaxBatch = 8192
	// feedDepth is how many filled chunks an input may have queued ahead of the merge.
	feedDepth = 4
)

// chunk is a run of ascending timestamps copied out of one input.
type chunk struct {
	times []int64
	src   int
	end   bool  // interactive inputs: the input finished (err is its result)
	err   error // with end
}

// feed connects one input's goroutine to the merge.
type feed struct {
	src         int
	interactive bool
	in          Input
	ch          chan *chunk // filled chunks; closed when a scheduled input ends
	free        chan *chunk // recycled chunks
	err         error       // result of Generate; written before ch is closed

	// merge side
	cur  *chunk
	pos  int
	done bool
}

func (f *feed) get() *chunk {
	select {
	case c := <-f.free:
		c.times = c.times[:0]
		return c
	default:
		return &chunk{times: make([]int64, 0, chunkSize), src: f.src}
	}
}

func (f *feed) recycle(c *chunk) {
	select {
	case f.free <- c:
	default:
	}
}

// Merge runs every input in its own goroutine and hands emit their
// timestamps in time order (ties go to the input listed first), in batches of
// at most MaxBatch, Batch.Src[i] naming the input of Times[i]. The batch is
// only valid during the call; emit may modify it.
//
// Timestamps of interactive inputs (see Interactive) are "now" when they
// arrive: they are handed over as soon as they come, in batches of their own,
// without waiting for the scheduled inputs (so they are not ordered relative
// to timestamps already handed over).
//
// Merge returns nil when every input has finished, or the first error of an
// input or of emit, or ctx.Err(); it stops all its goroutines before returning.
func Merge(ctx context.Context, ins []Input, emit func(b *Batch) error) error {
	if len(ins) == 0 {
		return nil
	}
	if len(ins) > math.MaxUint16+1 {
		return fmt.Errorf("merge: too many inputs (%d)", len(ins))
	}
	if len(ins) == 1 {
		return single(ctx, ins[0], emit)
	}
	m := &merger{emit: emit, tbuf: make([]int64, 0, MaxBatch), sbuf: make([]uint16, 0, MaxBatch)}
	m.out = &Batch{Times: m.tbuf, Src: m.sbuf}
	return m.run(ctx, ins)
}

// single is the one-input path: no goroutine, timestamps copied straight
// into the batch.
func single(ctx context.Context, in Input, emit func(b *Batch) error) error {
	tbuf, sbuf := make([]int64, MaxBatch), make([]uint16, MaxBatch)
	b := &Batch{}
	var emitErr error
	err := in.Generate(ctx, func(times []int64) error {
		for len(times) > 0 {
			n := min(len(times), MaxBatch)
			// Fresh slices of our buffers each time: emit may have changed b.
			b.Times = tbuf[:copy(tbuf, times[:n])]
			b.Src = sbuf[:n]
			clear(b.Src)
			if err := emit(b); err != nil {
				emitErr = err
				return err
			}
			times = times[n:]
		}
		return ctx.Err()
	})
	if emitErr != nil {
		return emitErr
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}

type merger struct {
	emit  func(b *Batch) error
	out   *Batch
	tbuf  []int64 // backing arrays of out, restored after every emit
	sbuf  []uint16
	errMu sync.Mutex
	perr  error // first error of an input
	feeds []*feed
	sched []*feed     // scheduled (non-interactive) feeds still running
	ich   chan *chunk // chunks of all interactive inputs
	nint  int         // interactive inputs still running
}

func (m *merger) run(parent context.Context, ins []Input) error {
	ctx, cancel := context.WithCancel(parent)
	var wg sync.WaitGroup
	defer cancel()

	for i, in := range ins {
		f := &feed{src: i, in: in, free: make(chan *chunk, feedDepth+2)}
		if it, ok := in.(Interactive); ok && it.Interactive() {
			f.interactive = true
			m.nint++
		} else {
			f.ch = make(chan *chunk, feedDepth)
			m.sched = append(m.sched, f)
		}
		m.feeds = append(m.feeds, f)
	}
	if m.nint > 0 {
		m.ich = make(chan *chunk, feedDepth*m.nint)
	}
	for _, f := range m.feeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.produce(ctx, cancel, f)
		}()
	}

	err := m.loop(ctx)
	if err == nil {
		err = m.flush()
	}
	cancel()
	wg.Wait()
	// An input's own failure beats the cancellations it caused in the others.
	if perr := m.perr; perr != nil && (err == nil || errors.Is(err, context.Canceled)) {
		err = perr
	}
	if err == nil || errors.Is(err, context.Canceled) {
		if perr := parent.Err(); perr != nil {
			err = perr
		}
	}
	return err
}

// setErr keeps the first input error, preferring a real failure over a
// cancellation.
func (m *merger) setErr(err error) {
	m.errMu.Lock()
	defer m.errMu.Unlock()
	if m.perr == nil || (errors.Is(m.perr, context.Canceled) && !errors.Is(err, context.Canceled)) {
		m.perr = err
	}
}

// produce runs one input, copying what it emits into chunks.
func (m *merger) produce(ctx context.Context, cancel context.CancelFunc, f *feed) {
	var cur *chunk
	send := func(c *chunk) error {
		out := f.ch
		if f.interactive {
			out = m.ich
		}
		select {
		case out <- c:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	err := f.in.Generate(ctx, func(times []int64) error {
		for len(times) > 0 {
			if cur == nil {
				cur = f.get()
			}
			n := copy(cur.times[len(cur.times):cap(cur.times)], times)
			cur.times = cur.times[:len(cur.times)+n]
			times = times[n:]
			// Interactive timestamps go out at once; scheduled ones in full chunks.
			if f.interactive || len(cur.times) == cap(cur.times) {
				c := cur
				cur = nil
				if err := send(c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil && cur != nil && len(cur.times) > 0 {
		err = send(cur)
	}
	if err != nil {
		m.setErr(err)
		cancel() // stop the others; the merge reports the first error
	}
	if f.interactive {
		select {
		case m.ich <- &chunk{src: f.src, end: true, err: err}:
		case <-ctx.Done():
		}
		return
	}
	f.err = err
	close(f.ch)
}

// loop merges until every input is done (nil) or something fails.
func (m *merger) loop(ctx context.Context) error {
	for {
		// Give every running scheduled feed a current chunk.
		for i := 0; i < len(m.sched); {
			f := m.sched[i]
			if f.cur != nil && f.pos < len(f.cur.times) {
				i++
				continue
			}
			if err := m.refill(ctx, f); err != nil {
				return err
			}
			if f.done {
				m.sched = append(m.sched[:i], m.sched[i+1:]...)
				continue
			}
		}
		if len(m.sched) == 0 {
			if m.nint == 0 {
				return nil
			}
			if err := m.flush(); err != nil {
				return err
			}
			select {
			case c := <-m.ich:
				if err := m.interactive(c); err != nil {
					return err
				}
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		if m.nint > 0 {
			select {
			case c := <-m.ich:
				if err := m.interactive(c); err != nil {
					return err
				}
			default:
			}
		}
		if err := m.take(); err != nil {
			return err
		}
	}
}

// refill replaces f's exhausted chunk with the next one, flushing the
// pending batch before it has to wait, or marks f done.
func (m *merger) refill(ctx context.Context, f *feed) error {
	if f.cur != nil {
		f.recycle(f.cur)
		f.cur, f.pos = nil, 0
	}
	for {
		select {
		case c, ok := <-f.ch:
			return m.received(f, c, ok)
		default:
		}
		if err := m.flush(); err != nil {
			return err
		}
		select {
		case c, ok := <-f.ch:
			return m.received(f, c, ok)
		case c := <-m.ich: // nil channel when there are no interactive inputs
			if err := m.interactive(c); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (m *merger) received(f *feed, c *chunk, ok bool) error {
	if !ok {
		f.done = true
		if f.err != nil {
			return f.err
		}
		return nil
	}
	f.cur, f.pos = c, 0
	return nil
}

// take moves the longest run that belongs next from the feed with the
// smallest head into the pending batch.
func (m *merger) take() error {
	best := m.sched[0]
	bestT := best.cur.times[best.pos]
	// Second smallest (time, src) among the others: the run from best stops there.
	var next *feed
	var nextT int64
	for _, f := range m.sched[1:] {
		t := f.cur.times[f.pos]
		switch {
		case t < bestT || (t == bestT && f.src < best.src):
			next, nextT = best, bestT
			best, bestT = f, t
		case next == nil || t < nextT || (t == nextT && f.src < next.src):
			next, nextT = f, t
		}
	}
	times := best.cur.times
	end := len(times)
	if room := cap(m.out.Times) - len(m.out.Times); end-best.pos > room {
		end = best.pos + room
	}
	n := best.pos + 1
	if next == nil {
		n = end
	} else {
		for n < end && (times[n] < nextT || (times[n] == nextT && best.src < next.src)) {
			n++
		}
	}
	src := uint16(best.src)
	m.out.Times = append(m.out.Times, times[best.pos:n]...)
	for range n - best.pos {
		m.out.Src = append(m.out.Src, src)
	}
	best.pos = n
	if len(m.out.Times) == cap(m.out.Times) {
		return m.flush()
	}
	return nil
}

// interactive hands over a chunk of an interactive input as its own batch.
func (m *merger) interactive(c *chunk) error {
	if c.end {
		m.nint--
		return c.err
	}
	if err := m.flush(); err != nil {
		return err
	}
	f := m.feeds[c.src]
	times := c.times
	for len(times) > 0 {
		n := min(len(times), MaxBatch)
		m.out.Times = append(m.out.Times, times[:n]...)
		for range n {
			m.out.Src = append(m.out.Src, uint16(c.src))
		}
		if err := m.flush(); err != nil {
			return err
		}
		times = times[n:]
	}
	f.recycle(c)
	return nil
}

// flush hands the pending batch to emit.
func (m *merger) flush() error {
	if len(m.out.Times) == 0 {
		return nil
	}
	err := m.emit(m.out)
	m.out.Times, m.out.Src = m.tbuf[:0], m.sbuf[:0]
	return err
}
