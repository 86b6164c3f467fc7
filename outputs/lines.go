package outputs

import (
	"bufio"
	"fmt"
	"io"
	"sync/atomic"

	"golang.org/x/text/encoding"
)

// bufferSize is the write buffer of the stream outputs (stdout, file, tcp):
// writes reach the system in chunks of at least this size.
const bufferSize = 256 << 10

// countingWriter counts the bytes its writer accepted.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// lineWriter writes payloads, each followed by a separator, through a
// buffer, and knows which of them reached the writer below: a Write counts
// only those (or those still buffered), and payloads of earlier writes lost
// with the buffer when a flush fails are counted as late failures. The
// caller serializes the calls (LateFailed excepted).
type lineWriter struct {
	out  countingWriter
	buf  *bufio.Writer
	ends []int64 // where the buffered payloads end, as offsets of the stream
	lost atomic.Int64
}

// reset points l at w, discarding a buffer whose flush failed (its payloads
// were counted as lost then).
func (l *lineWriter) reset(w io.Writer) {
	l.out.w = w
	if l.buf == nil {
		l.buf = bufio.NewWriterSize(&l.out, bufferSize)
	} else {
		l.buf.Reset(&l.out)
	}
	l.ends = l.ends[:0]
}

// write buffers each payload followed by sep (converted by enc unless it is
// nil; sep must already be encoded), then flushes when flush is set. It
// returns how many payloads were written or are buffered; a payload enc
// cannot convert is skipped and reported in a *RejectedError.
func (l *lineWriter) write(payloads []string, sep string, enc *encoding.Encoder, flush bool) (int, error) {
	prev := len(l.ends)
	var rej *RejectedError
	var err error
	for i, p := range payloads {
		if enc != nil {
			var eerr error
			if p, eerr = encodeString(enc, p); eerr != nil {
				if rej == nil {
					rej = &RejectedError{First: fmt.Errorf("payload %d: %w", i, eerr)}
				}
				rej.N++
				continue
			}
		}
		l.buf.WriteString(p)
		if _, err = l.buf.WriteString(sep); err != nil {
			break
		}
		l.ends = append(l.ends, l.out.n+int64(l.buf.Buffered()))
	}
	if err == nil && flush {
		err = l.buf.Flush()
	}
	accepted := len(l.ends) - prev
	written := accepted - l.settle(prev, err)
	if rej != nil {
		if err != nil {
			return written, fmt.Errorf("%w; %w", err, rej)
		}
		return written, rej
	}
	return written, err
}

// flush writes the buffer out.
func (l *lineWriter) flush() error {
	if l.buf == nil {
		return nil
	}
	err := l.buf.Flush()
	l.settle(len(l.ends), err)
	return err
}

// settle forgets the payloads that reached the writer. After a failure the
// buffer is dead (its error sticks until reset) and the payloads still in
// it are lost: those of earlier writes (the first prev of l.ends) count as
// late failures; settle returns how many of the others were lost.
func (l *lineWriter) settle(prev int, err error) (lostNow int) {
	done := 0
	for done < len(l.ends) && l.ends[done] <= l.out.n {
		done++
	}
	if err != nil {
		l.lost.Add(int64(max(prev-done, 0)))
		lostNow = len(l.ends) - max(done, prev)
		l.ends = l.ends[:0]
		return lostNow
	}
	l.ends = append(l.ends[:0], l.ends[done:]...)
	return 0
}

// LateFailed is how many payloads a Write counted were lost with the buffer.
func (l *lineWriter) LateFailed() int64 { return l.lost.Load() }
