package server

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkListGeneratorsUnderLoad measures GET /api/generators/ while
// three generators run flat out (sample mode, file output to /dev/null).
// It reports the latency quantiles of the requests.
func BenchmarkListGeneratorsUnderLoad(b *testing.B) {
	gen := func(name string) map[string]string {
		return map[string]string{
			"generators/" + name + "/generator.yml": "input:\n  - static:\n      count: 1000000000\nevent:\n  script:\n    path: produce.star\noutput:\n  - file:\n      path: /dev/null\n",
			"generators/" + name + "/produce.star":  "def produce(params):\n    return 'x' * 64\n",
		}
	}
	files := merge(gen("a"), gen("b"), gen("c"), map[string]string{"startup.yml": `
- {id: a, path: a, live_mode: false}
- {id: b, path: b, live_mode: false}
- {id: c, path: c, live_mode: false}
`})
	dir := b.TempDir()
	writeFiles(nil, dir, merge(files, map[string]string{"eventum.yml": defaultAppConfig}))
	a := startAppDirTB(b, dir)
	time.Sleep(500 * time.Millisecond) // let the generators reach full speed
	client := &http.Client{}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res, err := client.Get(a.url + "/api/generators/")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	var produced int64
	for _, info := range a.app.Manager.List() {
		if info.Status.State != StateRunning {
			b.Fatalf("%s is %s", info.ID, info.Status.State)
		}
		produced += info.Stats.Produced
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/1e6, "max-ms")
	b.ReportMetric(float64(produced)/time.Since(a.app.started).Seconds(), "gen-events/s")
}
