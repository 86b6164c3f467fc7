package server

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A preview whose event plugin runs away stops when its request ends
// (client gone, server shutting down) instead of using up the step budget
// of every timestamp.
func TestPreviewStopsWhenRequestEnds(t *testing.T) {
	t.Parallel()
	files := merge(apiFiles(), map[string]string{
		"generators/gen/spin.star": "def produce(params):\n    while True:\n        pass\n",
	})
	a := startApp(t, files, nil)
	body := `{"event": {"script": {"path": "spin.star"}}, "timestamps": [` +
		strings.TrimSuffix(strings.Repeat(`{"timestamp": "2024-05-01T10:00:00Z"},`, 3), ",") + `]}`
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req := httptest.NewRequest("POST", "/api/preview/gen/event-plugin/produce", strings.NewReader(body)).WithContext(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.app.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("preview kept running after its request ended")
	}
}
