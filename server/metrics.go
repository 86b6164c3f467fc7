package server

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// metricsHandler writes the Prometheus text exposition format (0.0.4).
// Counters are cumulative over all runs of a generator since the
// application started, so they never decrease across restarts.
func (a *App) metricsHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriterSize(w, 16<<10)
	defer bw.Flush()
	writeMetrics(bw, a.Manager.metrics(), time.Since(a.started))
}

type metricWriter interface {
	WriteString(string) (int, error)
}

func writeMetrics(w metricWriter, samples []metricsSample, uptime time.Duration) {
	family := func(name, typ, help string) {
		w.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n")
	}
	line := func(name string, labels []string, v float64) {
		w.WriteString(name)
		if len(labels) > 0 {
			w.WriteString("{")
			for i := 0; i+1 < len(labels); i += 2 {
				if i > 0 {
					w.WriteString(",")
				}
				w.WriteString(labels[i] + `="` + escapeLabel(labels[i+1]) + `"`)
			}
			w.WriteString("}")
		}
		w.WriteString(" " + strconv.FormatFloat(v, 'g', -1, 64) + "\n")
	}
	perGen := func(name, typ, help string, get func(metricsSample) float64) {
		family(name, typ, help)
		for _, s := range samples {
			line(name, []string{"generator", s.id}, get(s))
		}
	}
	perOutput := func(name, help string, get func(metricsSample, string) float64) {
		family(name, "counter", help)
		for _, s := range samples {
			for _, o := range s.outputs {
				line(name, []string{"generator", s.id, "output", o}, get(s, o))
			}
		}
	}

	family("eventum_uptime_seconds", "gauge", "Seconds since the application started.")
	line("eventum_uptime_seconds", nil, uptime.Seconds())
	perGen("eventum_generator_running", "gauge", "1 when the generator runs, else 0.", func(s metricsSample) float64 {
		if s.state == StateRunning || s.state == StateStopping {
			return 1
		}
		return 0
	})
	perGen("eventum_timestamps_total", "counter", "Timestamps released by the input stage.", func(s metricsSample) float64 { return float64(s.totals.timestamps) })
	perGen("eventum_timestamps_skipped_past_total", "counter", "Live mode: timestamps before the start dropped by skip_past.", func(s metricsSample) float64 { return float64(s.totals.skippedPast) })
	perGen("eventum_events_produced_total", "counter", "Events produced by the event plugin.", func(s metricsSample) float64 { return float64(s.totals.produced) })
	perGen("eventum_events_produce_failed_total", "counter", "Timestamps whose event plugin call failed.", func(s metricsSample) float64 { return float64(s.totals.produceFailed) })
	perGen("eventum_timestamps_unproduced_total", "counter", "Timestamps accepted but not produced because the run was aborted.", func(s metricsSample) float64 { return float64(s.totals.unproduced) })
	perGen("eventum_timestamps_dropped_total", "counter", "Timestamps whose events dispatch.drop() discarded.", func(s metricsSample) float64 { return float64(s.totals.dropped) })
	perOutput("eventum_events_written_total", "Events written by the output.", func(s metricsSample, o string) float64 { return float64(s.totals.outputs[o].Written) })
	perOutput("eventum_events_write_failed_total", "Events the output failed to write.", func(s metricsSample, o string) float64 { return float64(s.totals.outputs[o].WriteFailed) })
	perOutput("eventum_events_format_failed_total", "Events the output's formatter failed on.", func(s metricsSample, o string) float64 { return float64(s.totals.outputs[o].FormatFailed) })
	perOutput("eventum_events_dropped_total", "Events dropped because the output's queue was full (on_full: drop).", func(s metricsSample, o string) float64 { return float64(s.totals.outputs[o].Dropped) })
	perOutput("eventum_events_undelivered_total", "Events given up because the run stopped (part of write_failed).", func(s metricsSample, o string) float64 { return float64(s.totals.outputs[o].Undelivered) })
	perOutput("eventum_write_retries_total", "Output write attempts after the first.", func(s metricsSample, o string) float64 { return float64(s.totals.outputs[o].Retries) })

	const lag = "eventum_lag_seconds"
	family(lag, "gauge", "Live mode: quantiles of how late timestamps were released behind the wall clock (current or last run).")
	for _, s := range samples {
		line(lag, []string{"generator", s.id, "quantile", "0.5"}, s.lag.P50.Seconds())
		line(lag, []string{"generator", s.id, "quantile", "0.99"}, s.lag.P99.Seconds())
	}
	perGen("eventum_lag_samples", "gauge", "Live mode: timestamps measured for the lag quantiles (current or last run).", func(s metricsSample) float64 { return float64(s.lag.Count) })
	family("eventum_lag_max_seconds", "gauge", "Live mode: the largest release lag (current or last run).")
	for _, s := range samples {
		line("eventum_lag_max_seconds", []string{"generator", s.id}, s.lag.Max.Seconds())
	}
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
