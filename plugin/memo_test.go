package plugin

import (
	"errors"
	"sync"
	"testing"
)

// Memo builds a value once, shares it between concurrent callers, and does
// not keep a failed build; a nil Memo builds every time.
func TestMemo(t *testing.T) {
	t.Parallel()
	var m Memo
	builds := 0
	var wg sync.WaitGroup
	got := make([]any, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = m.Get("k", func() (any, error) { builds++; return &builds, nil })
		}()
	}
	wg.Wait()
	for _, v := range got {
		if v != got[0] {
			t.Fatal("callers got different values")
		}
	}
	if builds != 1 {
		t.Fatalf("%d builds, want 1", builds)
	}
	if _, err := m.Get("bad", func() (any, error) { return nil, errors.New("no") }); err == nil {
		t.Fatal("failed build: no error")
	}
	if v, err := m.Get("bad", func() (any, error) { return 2, nil }); err != nil || v != 2 {
		t.Fatalf("a failed build was kept: %v, %v", v, err)
	}
	var nilMemo *Memo
	n := 0
	for range 2 {
		_, _ = nilMemo.Get("k", func() (any, error) { n++; return n, nil })
	}
	if n != 2 {
		t.Fatalf("nil Memo built %d times, want 2", n)
	}
}
