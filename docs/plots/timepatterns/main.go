// Command timepatterns plots the time_patterns example: it runs each pattern
// of examples/time-patterns in sample mode with a fixed seed, counts its
// timestamps per hour and draws the layers stacked, so the top edge is the
// generator's events per hour over the week.
//
// Run from the repository root:
//
//	go run ./docs/plots/timepatterns
//
// It writes docs/time-patterns.png.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/inputs"
	"github.com/eventum-go/eventum/plugin"
)

func main() {
	gen := flag.String("generator", "examples/time-patterns/generator.yml", "generator file whose first time_patterns input is plotted")
	out := flag.String("out", "docs/time-patterns.png", "PNG file to write")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := run(*gen, *out, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "timepatterns:", err)
		os.Exit(1)
	}
}

// layer is one pattern file's timestamps counted per hour.
type layer struct {
	label  string
	counts []float64
}

func run(genPath, out string, seed uint64) error {
	files, err := patternFiles(genPath)
	if err != nil {
		return err
	}
	env := &plugin.Env{
		ID: "plot", Dir: filepath.Dir(genPath), Location: time.UTC, Now: time.Now(),
		Rand: rand.New(rand.NewPCG(seed, seed)),
	}
	var (
		layers []layer
		t0     int64 = -1
	)
	times := make([][]int64, len(files))
	for i, f := range files {
		if times[i], err = generate(f, env); err != nil {
			return err
		}
		if len(times[i]) > 0 && (t0 < 0 || times[i][0] < t0) {
			t0 = times[i][0]
		}
	}
	if t0 < 0 {
		return errors.New("the patterns produce no timestamps")
	}
	// Hours are counted from midnight starting the first timestamp's day.
	start := time.Unix(0, t0).In(env.Location)
	start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, env.Location)
	hours := 0
	for _, ts := range times {
		if len(ts) > 0 {
			hours = max(hours, int((ts[len(ts)-1]-start.UnixNano())/int64(time.Hour))+1)
		}
	}
	var total int
	for i, f := range files {
		label, err := patternLabel(env.Path(f))
		if err != nil {
			return err
		}
		l := layer{label: label, counts: make([]float64, hours)}
		for _, t := range times[i] {
			l.counts[(t-start.UnixNano())/int64(time.Hour)]++
		}
		total += len(times[i])
		layers = append(layers, l)
	}
	if err := render(layers, start, total, out); err != nil {
		return err
	}
	fmt.Printf("%s: %d events over %d hours\n", out, total, hours)
	return nil
}

// patternFiles returns the patterns of the first time_patterns input of the
// generator file.
func patternFiles(genPath string) ([]string, error) {
	data, err := os.ReadFile(genPath)
	if err != nil {
		return nil, err
	}
	var g struct {
		Input []map[string]yaml.Node `yaml:"input"`
	}
	if err := yaml.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("%s: %w", genPath, err)
	}
	for _, in := range g.Input {
		if n, ok := in["time_patterns"]; ok {
			var c struct {
				Patterns []string `yaml:"patterns"`
			}
			if err := n.Decode(&c); err != nil {
				return nil, fmt.Errorf("%s: time_patterns: %w", genPath, err)
			}
			return c.Patterns, nil
		}
	}
	return nil, fmt.Errorf("%s: no time_patterns input", genPath)
}

// generate builds a time_patterns input of the one pattern file through the
// input registry and collects all its timestamps.
func generate(file string, env *plugin.Env) ([]int64, error) {
	var n yaml.Node
	if err := n.Encode(map[string]any{"patterns": []string{file}}); err != nil {
		return nil, err
	}
	in, _, err := inputs.Registry.Build(config.Plugin{Name: "time_patterns", File: file, Path: "time_patterns", Node: &n}, env)
	if err != nil {
		return nil, err
	}
	var all []int64
	err = in.Generate(context.Background(), func(ts []int64) error {
		all = append(all, ts...)
		return nil
	})
	return all, err
}

func patternLabel(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var p struct {
		Label string `yaml:"label"`
	}
	if err := yaml.Unmarshal(data, &p); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return p.Label, nil
}

var palette = []color.RGBA{
	{0x9e, 0xb3, 0xc2, 0xff}, // grey blue
	{0xf2, 0xb7, 0x05, 0xff}, // amber
	{0xe3, 0x6b, 0x2c, 0xff}, // orange
	{0x6a, 0x4c, 0x93, 0xff}, // purple
	{0x2a, 0x9d, 0x8f, 0xff}, // teal
	{0x8a, 0xb1, 0x7d, 0xff}, // green
}

// render writes the layers as stacked step areas, one hour per step.
func render(layers []layer, start time.Time, total int, out string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("examples/time-patterns: events per hour, week of %s (%d events)",
		start.Format("2 Jan 2006"), total)
	p.Title.Padding = vg.Points(6)
	p.Y.Label.Text = "events per hour"
	p.Y.Min = 0
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil // days are marked below
	grid.Horizontal.Color = color.Gray{0xd8}
	p.Add(grid)
	hours := len(layers[0].counts)
	base := make([]float64, hours)
	var ymax float64
	for i, l := range layers {
		// Outline: the upper edge forward, the lower edge back.
		var xy plotter.XYs
		for h := range hours {
			top := base[h] + l.counts[h]
			xy = append(xy, plotter.XY{X: float64(h), Y: top}, plotter.XY{X: float64(h + 1), Y: top})
		}
		for h := hours - 1; h >= 0; h-- {
			xy = append(xy, plotter.XY{X: float64(h + 1), Y: base[h]}, plotter.XY{X: float64(h), Y: base[h]})
		}
		poly, err := plotter.NewPolygon(xy)
		if err != nil {
			return err
		}
		poly.Color = palette[i%len(palette)]
		poly.LineStyle.Width = 0
		p.Add(poly)
		p.Legend.Add(l.label, poly)
		for h := range hours {
			base[h] += l.counts[h]
			ymax = max(ymax, base[h])
		}
	}
	p.Y.Max = ymax * 1.3 // room for the legend
	p.Y.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		ts := plot.DefaultTicks{}.Ticks(lo, hi)
		for i := range ts {
			if ts[i].Label != "" {
				ts[i].Label = fmt.Sprintf("%.0f", ts[i].Value)
			}
		}
		return ts
	})
	p.X.Min, p.X.Max = 0, float64(hours)

	// Day boundaries as dashed lines, day names under their noon.
	var ticks []plot.Tick
	for d := 0; d*24 <= hours; d++ {
		ticks = append(ticks, plot.Tick{Value: float64(d * 24)})
		if d*24 < hours {
			day := start.AddDate(0, 0, d)
			ticks = append(ticks, plot.Tick{Value: float64(d*24 + 12), Label: day.Format("Mon 2 Jan")})
		}
		if d > 0 && d*24 < hours {
			sep, err := plotter.NewLine(plotter.XYs{{X: float64(d * 24), Y: 0}, {X: float64(d * 24), Y: p.Y.Max}})
			if err != nil {
				return err
			}
			sep.Color = color.Gray{0x70}
			sep.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
			sep.Width = vg.Points(0.6)
			p.Add(sep)
		}
	}
	slices.SortFunc(ticks, func(a, b plot.Tick) int { return int(a.Value - b.Value) })
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(8)
	p.Legend.Padding = vg.Points(2)

	c := vgimg.NewWith(vgimg.UseWH(11*vg.Inch, 4.5*vg.Inch), vgimg.UseDPI(110))
	p.Draw(draw.New(c))
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
