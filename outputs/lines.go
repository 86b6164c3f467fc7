package outputs

import (
	"fmt"
	"io"
	"sync/atomic"

	"golang.org/x/text/encoding"
)

// bufferSize is the write buffer of the stream outputs (stdout, file, tcp):
// writes reach the system in chunks of at least this size.
const bufferSize = 256 << 10

// lineWriter writes payloads, each followed by a separator, to a writer
// through a buffer of its own, and knows which payloads reached the writer
// whole. A failed write never poisons it: what was not written stays in the
// buffer and the next write or flush tries again.
//
// A write that fails half-way through a payload leaves a torn line behind.
// With a rollback function (a file: truncate) the torn bytes are removed and
// the payload is written again whole later; without one (a pipe) the rest of
// the payload is written first by the next attempt, completing the line.
//
// Payloads of a write that stay buffered when it returns (a flush interval)
// are counted by it as written: they are owed. If they can never be written
// (Close fails), they are counted in LateFailed. The caller serializes the
// calls (LateFailed excepted).
type lineWriter struct {
	w        io.Writer
	rollback func(size int64) error // cuts the destination to size bytes (offsets of this writer); nil: cannot

	// buf holds the bytes from offset whole on: the first sent of them
	// were handed to w (the torn part of a payload), the rest were not.
	buf   []byte
	whole int64 // offset where the last payload handed over whole ends
	sent  int
	ends  []int64 // offsets where the buffered payloads end, in order
	owed  int     // ends[:owed] were counted by earlier writes
	err   error   // the last write to w failed: retry before taking more

	idx  []int // for the current write: payload index of each entry of ends[owed:]
	rej  []int // for the current write: indices of the payloads enc refused
	lost atomic.Int64
}

// reset points l at a new destination. Payloads still buffered stay owed and
// go to the new destination whole (their torn part, if any, stays in the old
// one, which was cut back if it could be).
func (l *lineWriter) reset(w io.Writer, rollback func(int64) error) {
	l.w, l.rollback = w, rollback
	if l.buf == nil {
		l.buf = make([]byte, 0, bufferSize+bufferSize/4)
	}
	for i := range l.ends {
		l.ends[i] -= l.whole
	}
	l.whole, l.sent, l.err = 0, 0, nil
}

// pending reports whether buffered bytes wait for the writer.
func (l *lineWriter) pending() bool { return len(l.buf) > l.sent || l.sent > 0 }

// write buffers each payload followed by sep (converted by enc unless it is
// nil; sep must already be encoded) and hands the buffer to the writer when
// it is full, and at the end when flush is set. When an earlier write left
// bytes that could not be written, it writes them first and takes nothing
// if that fails.
//
// It returns n, the settled prefix of payloads: those handed over whole,
// buffered (owed) or refused by enc (reported in a *RejectedError counting
// those within the prefix). After a failure the payloads after the prefix
// are not kept: the caller sends them again.
func (l *lineWriter) write(payloads []string, sep string, enc *encoding.Encoder, flush bool) (int, error) {
	if l.err != nil && l.pending() {
		if err := l.writeOut(); err != nil {
			return 0, err
		}
	}
	l.owed = len(l.ends)
	l.idx, l.rej = l.idx[:0], l.rej[:0]
	var firstReject error
	var err error
	for i, p := range payloads {
		if enc != nil {
			var eerr error
			if p, eerr = encodeString(enc, p); eerr != nil {
				if firstReject == nil {
					firstReject = fmt.Errorf("payload %d: %w", i, eerr)
				}
				l.rej = append(l.rej, i)
				continue
			}
		}
		l.buf = append(l.buf, p...)
		l.buf = append(l.buf, sep...)
		l.ends = append(l.ends, l.whole+int64(len(l.buf)))
		l.idx = append(l.idx, i)
		if len(l.buf)-l.sent >= bufferSize {
			// A full buffer goes out in a chunk of exactly bufferSize (as
			// bufio does): the file's pages are written whole.
			if err = l.writeOutTo(l.sent + bufferSize); err != nil {
				break
			}
		}
	}
	if err == nil && flush {
		err = l.writeOut()
	}
	n := len(payloads)
	if err != nil {
		if d := l.dropUnsettled(); d >= 0 {
			n = d
		}
		if n == len(payloads) {
			// Everything is settled (a torn last payload is owed): the
			// failure shows again at the next write, which retries first.
			err = nil
		}
	}
	l.owed = len(l.ends)
	l.idx = l.idx[:0]
	nrej := 0
	for _, i := range l.rej {
		if i < n {
			nrej++
		}
	}
	if nrej > 0 {
		rej := &RejectedError{N: nrej, First: firstReject}
		if err != nil {
			return n, fmt.Errorf("%w; %w", err, rej)
		}
		return n, rej
	}
	return n, err
}

// dropUnsettled, after a failed write, removes the current write's payloads
// that did not reach the writer from the buffer and returns the length of
// the settled prefix of the write's payloads. A payload whose torn part
// stays in the destination is settled (owed): only the rest of it is to be
// written.
func (l *lineWriter) dropUnsettled() int {
	// Entries of the current write still in ends: the first of them may be
	// torn, the others never started.
	cur := len(l.ends) - l.owed // entries of this write still buffered
	done := len(l.idx) - cur    // entries of this write handed over whole
	keep := l.owed
	if cur > 0 && l.sent > 0 && l.owed == 0 {
		keep++ // the torn payload is this write's first buffered one
	}
	settled := done + (keep - l.owed)
	size := 0
	if keep > 0 {
		size = int(l.ends[keep-1] - l.whole)
	}
	l.buf = l.buf[:size]
	l.ends = l.ends[:keep]
	switch {
	case settled < len(l.idx):
		return l.idx[settled]
	case len(l.idx) > 0:
		// Every payload taken is settled: the write stopped after the
		// last of them (the buffer was full and the write out failed).
		return l.idx[len(l.idx)-1] + 1
	}
	// Nothing of this write was buffered (every payload refused): the
	// failure is that of owed payloads, which stay buffered.
	return -1
}

// writeOut hands the buffer to the writer. On failure the bytes it did not
// take stay buffered; a torn payload is cut back when it can be.
func (l *lineWriter) writeOut() error { return l.writeOutTo(len(l.buf)) }

// writeOutTo hands the buffer up to buf[:to] to the writer: a payload may
// end up partly written (sent), with no error.
func (l *lineWriter) writeOutTo(to int) error {
	if to == l.sent {
		return nil
	}
	n, err := l.w.Write(l.buf[l.sent:to])
	if err == nil && n < to-l.sent {
		err = io.ErrShortWrite
	}
	l.sent += n
	// Forget the payloads handed over whole.
	done := 0
	for done < len(l.ends) && l.ends[done] <= l.whole+int64(l.sent) {
		done++
	}
	if done > 0 {
		end := l.ends[done-1]
		cut := int(end - l.whole)
		l.buf = l.buf[:copy(l.buf, l.buf[cut:])]
		l.sent -= cut
		l.whole = end
		l.ends = l.ends[:copy(l.ends, l.ends[done:])]
		l.owed = max(l.owed-done, 0)
	}
	if err != nil {
		l.err = err
		if l.sent > 0 && l.rollback != nil && l.rollback(l.whole) == nil {
			l.sent = 0 // the torn bytes are gone: the payload goes again whole
		}
		return err
	}
	if to == len(l.buf) {
		l.err = nil
	}
	return nil
}

// flush writes the buffer out. A failure keeps it for the next attempt.
func (l *lineWriter) flush() error { return l.writeOut() }

// discard gives up on what is buffered (Close could not write it): the
// payloads owed are counted in LateFailed, a torn payload is cut back if it
// can be.
func (l *lineWriter) discard() {
	if l.sent > 0 && l.rollback != nil {
		_ = l.rollback(l.whole)
	}
	l.lost.Add(int64(len(l.ends)))
	l.buf, l.ends, l.sent, l.owed, l.err = l.buf[:0], l.ends[:0], 0, 0, nil
}

// LateFailed is how many payloads a Write counted that were never written.
func (l *lineWriter) LateFailed() int64 { return l.lost.Load() }
