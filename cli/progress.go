package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"
)

// progressFlag is --progress=auto|always|never. It is a boolean flag to Go's
// flag parser, so a bare --progress means always.
type progressFlag struct{ mode string }

func (p *progressFlag) String() string {
	if p == nil || p.mode == "" {
		return "auto"
	}
	return p.mode
}

func (p *progressFlag) Set(s string) error {
	switch strings.ToLower(s) {
	case "auto":
		p.mode = "auto"
	case "always", "true", "1":
		p.mode = "always"
	case "never", "false", "0":
		p.mode = "never"
	default:
		return fmt.Errorf("use auto, always or never, got %q", s)
	}
	return nil
}

// IsBoolFlag lets `--progress` stand alone (flag.boolFlag).
func (p *progressFlag) IsBoolFlag() bool { return true }

func progressCLIFlag() cli.Flag {
	return &cli.GenericFlag{Name: "progress", Value: &progressFlag{mode: "auto"}, DefaultText: "auto",
		Usage: "auto, always or never (a bare --progress is always): a progress line on stderr; auto shows it in sample mode; " +
			"on a terminal it is redrawn every second, with percent and ETA when the total is known; otherwise plain lines"}
}

// progressPlan is how a run reports progress: not at all, a line redrawn
// in place on a terminal, or plain lines every interval.
type progressPlan struct {
	on       bool
	terminal bool
	interval time.Duration
}

// plainProgressEvery are the intervals of plain progress lines (not a
// terminal): --progress=always asked for them, auto did not.
var plainProgressEvery = map[string]time.Duration{"always": time.Second, "auto": 10 * time.Second}

func planProgress(c *cli.Context, live bool, stderr io.Writer) progressPlan {
	mode := "auto"
	if p, ok := c.Generic("progress").(*progressFlag); ok && p != nil {
		mode = p.String()
	}
	if mode == "never" || (mode == "auto" && live) {
		return progressPlan{}
	}
	if isTerminal(stderr) {
		return progressPlan{on: true, terminal: true, interval: time.Second}
	}
	return progressPlan{on: true, interval: plainProgressEvery[mode]}
}

func printProgress(w io.Writer, gen *pipeline.Generator, plan progressPlan, start time.Time, done <-chan struct{}) {
	t := time.NewTicker(plan.interval)
	defer t.Stop()
	total, known := gen.TotalTimestamps()
	var last int64
	lastAt := start
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			st := gen.Stats()
			rate := float64(st.Produced-last) / now.Sub(lastAt).Seconds()
			last, lastAt = st.Produced, now
			line := progressLine(st, rate, total, known, now.Sub(start))
			if plan.terminal {
				fmt.Fprintf(w, "\r\033[K%s", line)
			} else {
				fmt.Fprintf(w, "eventum: %s: progress: %s\n", gen.ID(), line)
			}
		}
	}
}

// progressLine: percent and ETA (when the total is known), rate, events,
// written per output.
func progressLine(st pipeline.Snapshot, rate float64, total int64, known bool, elapsed time.Duration) string {
	var b strings.Builder
	if known && total > 0 {
		doneTS := st.Timestamps + st.SkippedPast
		pct := 100 * float64(doneTS) / float64(total)
		fmt.Fprintf(&b, "%.1f%% (%d/%d timestamps)", pct, doneTS, total)
		if doneTS > 0 && doneTS < total {
			eta := time.Duration(float64(elapsed) * float64(total-doneTS) / float64(doneTS))
			fmt.Fprintf(&b, ", ETA %s", eta.Round(time.Second))
		}
		b.WriteString(" | ")
	}
	fmt.Fprintf(&b, "%s ev/s, %d events", humanRate(rate), st.Produced)
	for _, o := range st.Outputs {
		fmt.Fprintf(&b, " | %s %d", o.Name, o.Written)
		if o.WriteFailed+o.FormatFailed > 0 {
			fmt.Fprintf(&b, " (failed %d)", o.WriteFailed+o.FormatFailed)
		}
	}
	return b.String()
}

// runWarnings are what a finished run should tell its user beyond the
// numbers: a live run that produced nothing because every timestamp lay in
// the past (or an input never fired).
func runWarnings(st pipeline.Snapshot, live, skipPast, interrupted bool) []string {
	if !live || interrupted || st.Produced > 0 || st.Timestamps > 0 {
		return nil
	}
	if st.SkippedPast > 0 {
		return []string{fmt.Sprintf("every timestamp of this live run was in the past: %d skipped, none produced "+
			"(--no-skip-past releases past timestamps at once; --no-live-mode produces them all as fast as possible)", st.SkippedPast)}
	}
	if skipPast {
		return []string{"this live run produced no timestamp: every timestamp of its inputs lies before the start " +
			"(skipped by skip_past) or an input never fires (--no-live-mode shows what the inputs produce)"}
	}
	return []string{"this live run produced no timestamp: an input never fires between its start and end"}
}

// summaryJSON is the --summary-format json document.
type summaryJSON struct {
	Generator      string            `json:"generator"`
	ElapsedSeconds float64           `json:"elapsed_seconds"`
	EventsPerSec   float64           `json:"events_per_second"`
	Lost           int64             `json:"not_delivered"`
	Warnings       []string          `json:"warnings"`
	Stats          pipeline.Snapshot `json:"stats"`
}

func printSummaryJSON(w io.Writer, id string, st pipeline.Snapshot, elapsed time.Duration, warnings []string) error {
	if warnings == nil {
		warnings = []string{}
	}
	b, err := json.Marshal(summaryJSON{Generator: id, ElapsedSeconds: elapsed.Seconds(),
		EventsPerSec: float64(st.Produced) / max(elapsed.Seconds(), 1e-9), Lost: st.Lost(), Warnings: warnings, Stats: st})
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	_, err = fmt.Fprintln(w, config.Redact(string(b)))
	return err
}
