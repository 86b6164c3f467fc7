package inputs

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// TimePatternsConfig configures the time_patterns input: one or more
// pattern files, each describing how many timestamps fall in every period
// and where within the period; the patterns' timestamps are merged.
type TimePatternsConfig struct {
	Common
	Patterns []string `yaml:"patterns" required:"true" min:"1" type:"list of file paths" doc:"pattern files, relative to the generator file; their timestamps are merged"`
}

// TimePattern is the content of one pattern file.
type TimePattern struct {
	Label      string     `yaml:"label" required:"true" doc:"name of the pattern in logs and errors (not empty)"`
	Oscillator Oscillator `yaml:"oscillator" required:"true" doc:"time from 'start' to 'end' is cut into periods of 'period' 'unit'"`
	Multiplier struct {
		Ratio int `yaml:"ratio" required:"true" min:"1" doc:"timestamps per period before randomizing"`
	} `yaml:"multiplier" required:"true"`
	Randomizer Randomizer `yaml:"randomizer" required:"true" doc:"varies each period's count"`
	Spreader   Spreader   `yaml:"spreader" required:"true" doc:"where in its period each timestamp falls (a fraction 0–1 of the period)"`
}

// Oscillator divides time into periods of Period Units from Start to End.
type Oscillator struct {
	Period float64 `yaml:"period" required:"true" gt:"0" doc:"length of a period, in 'unit's"`
	Unit   string  `yaml:"unit" required:"true" enum:"weeks,days,hours,minutes,seconds,milliseconds,microseconds" doc:"unit of 'period'"`
	Start  string  `yaml:"start" required:"true" type:"datetime" doc:"start of the first period"`
	End    string  `yaml:"end" required:"true" type:"datetime" doc:"end of the last period, relative to 'start'; 'never': forever"`
}

// Randomizer varies the count of each period by up to ±Deviation.
type Randomizer struct {
	Deviation float64 `yaml:"deviation" required:"true" min:"0" max:"1" doc:"each period's count is 'ratio' × a factor in [1-d, 1] ('decrease'), [1, 1+d] ('increase') or [1-d, 1+d] ('mixed')"`
	Direction string  `yaml:"direction" required:"true" enum:"decrease,increase,mixed" doc:"which side of 1 the factors fall"`
	Sampling  int     `yaml:"sampling" default:"1024" min:"16" doc:"how many factors are drawn; they are reused, reshuffled"`
}

// Spreader places a period's timestamps by a distribution over [0, 1).
type Spreader struct {
	Distribution string `yaml:"distribution" required:"true" enum:"uniform,triangular,beta" doc:"the distribution over [0, 1) of the fractions"`
	Parameters   struct {
		Low   *float64 `yaml:"low" doc:"uniform: lower bound, 0 ≤ low < high"`
		High  *float64 `yaml:"high" doc:"uniform: upper bound, ≤ 1"`
		Left  *float64 `yaml:"left" doc:"triangular: lower limit, 0 ≤ left ≤ mode"`
		Mode  *float64 `yaml:"mode" doc:"triangular: peak, mode ≤ right"`
		Right *float64 `yaml:"right" doc:"triangular: upper limit, ≤ 1 (left < right)"`
		A     *float64 `yaml:"a" doc:"beta: alpha > 0"`
		B     *float64 `yaml:"b" doc:"beta: beta > 0"`
	} `yaml:"parameters" required:"true" doc:"exactly those of the distribution: 'low', 'high' for uniform; 'left', 'mode', 'right' for triangular; 'a', 'b' for beta"`
}

var patternUnits = map[string]time.Duration{
	"weeks": 7 * 24 * time.Hour, "days": 24 * time.Hour, "hours": time.Hour, "minutes": time.Minute,
	"seconds": time.Second, "milliseconds": time.Millisecond, "microseconds": time.Microsecond,
}

func (p *TimePattern) validate() error {
	if p.Label == "" {
		return fmt.Errorf("label: must not be empty")
	}
	o := p.Oscillator
	unit, ok := patternUnits[o.Unit]
	if !ok {
		return fmt.Errorf("oscillator.unit: %q is not one of weeks, days, hours, minutes, seconds, milliseconds, microseconds", o.Unit)
	}
	if !(o.Period > 0) || o.Period*float64(unit) < 1 || o.Period*float64(unit) > float64(math.MaxInt64/4) {
		return fmt.Errorf("oscillator.period: must be > 0 and a sane duration, got %v %s", o.Period, o.Unit)
	}
	ps := p.Spreader.Parameters
	given := map[string]*float64{"low": ps.Low, "high": ps.High, "left": ps.Left, "mode": ps.Mode, "right": ps.Right, "a": ps.A, "b": ps.B}
	var need []string
	switch p.Spreader.Distribution {
	case "uniform":
		need = []string{"low", "high"}
	case "triangular":
		need = []string{"left", "mode", "right"}
	case "beta":
		need = []string{"a", "b"}
	default:
		return fmt.Errorf("spreader.distribution: %q is not one of uniform, triangular, beta", p.Spreader.Distribution)
	}
	for _, k := range []string{"low", "high", "left", "mode", "right", "a", "b"} { // a fixed order: one stable message
		if given[k] != nil && !slices.Contains(need, k) {
			return fmt.Errorf("spreader.parameters.%s: not a parameter of the %s distribution (it takes %v)", k, p.Spreader.Distribution, need)
		}
	}
	for _, k := range need {
		if given[k] == nil {
			return fmt.Errorf("spreader.parameters: missing %q for the %s distribution", k, p.Spreader.Distribution)
		}
	}
	switch p.Spreader.Distribution {
	case "uniform":
		if !(0 <= *ps.Low && *ps.Low < *ps.High && *ps.High <= 1) {
			return fmt.Errorf("spreader.parameters: need 0 <= low < high <= 1, got low=%v high=%v", *ps.Low, *ps.High)
		}
	case "triangular":
		if !(0 <= *ps.Left && *ps.Left <= *ps.Mode && *ps.Mode <= *ps.Right && *ps.Right <= 1 && *ps.Left < *ps.Right) {
			return fmt.Errorf("spreader.parameters: need 0 <= left <= mode <= right <= 1 and left < right, got %v, %v, %v",
				*ps.Left, *ps.Mode, *ps.Right)
		}
	case "beta":
		if !(*ps.A > 0 && *ps.B > 0) {
			return fmt.Errorf("spreader.parameters: need a > 0 and b > 0, got a=%v b=%v", *ps.A, *ps.B)
		}
	}
	return nil
}

// pattern is one pattern file turned into an Input.
type pattern struct {
	cfg        TimePattern
	start, end int64 // end < 0: unbounded
	// period is the length of a period in ns. When days > 0 (a whole number
	// of days or weeks) periods follow the calendar of the generator's time
	// zone instead: period k starts at startT plus k*days calendar days, the
	// same wall-clock time each day, so a day that is 23 or 25 hours long
	// (a DST change) is one period of that length.
	period int64
	days   int
	startT time.Time
	rng    *rand.Rand
	skip   int64 // live mode with skip_past: periods ending before this are not sampled (0: none)
}

type timePatterns struct{ patterns []Input }

func init() {
	plugin.Register(Registry, "time_patterns",
		func() *TimePatternsConfig { return &TimePatternsConfig{} },
		func(c *TimePatternsConfig, env *plugin.Env) (Input, error) {
			tp := &timePatterns{}
			for i, path := range c.Patterns {
				data, err := env.ReadFile("patterns", path)
				if err != nil {
					return nil, fmt.Errorf("patterns[%d]: %w", i, err)
				}
				p, err := parsePattern(env.Path(path), data, env)
				if err != nil {
					return nil, fmt.Errorf("patterns[%d]: %w", i, err)
				}
				tp.patterns = append(tp.patterns, p)
			}
			return tp, nil
		})
}

func loadPattern(path string, env *plugin.Env) (*pattern, error) {
	data, err := config.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parsePattern(path, data, env)
}

// parsePattern reads the pattern file at path, already read into data.
func parsePattern(path string, data []byte, env *plugin.Env) (*pattern, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p := &pattern{}
	var node *yaml.Node
	if len(doc.Content) > 0 {
		node = doc.Content[0]
	}
	if err := config.Decode(path, "", node, &p.cfg); err != nil {
		return nil, err
	}
	if err := p.cfg.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	o := p.cfg.Oscillator
	start, err := ResolveStart("oscillator.start", o.Start, env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	end, bounded, err := ResolveEnd("oscillator.end", o.End, start, env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p.start, p.end = start.UnixNano(), -1
	if bounded {
		p.end = end.UnixNano()
	}
	if env.SkipPast {
		p.skip = env.Now.UnixNano()
	}
	p.period = int64(o.Period * float64(patternUnits[o.Unit]))
	if (o.Unit == "days" || o.Unit == "weeks") && o.Period == math.Trunc(o.Period) && o.Period <= 100_000 {
		p.days = int(o.Period)
		if o.Unit == "weeks" {
			p.days *= 7
		}
		p.startT = start.In(location(env))
	}
	// The event stage owns env.Rand; take a seed from it at build time so a
	// seeded run is reproducible, and draw from a generator of our own.
	if env.Rand != nil {
		p.rng = rand.New(rand.NewPCG(env.Rand.Uint64(), env.Rand.Uint64()))
	} else {
		p.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return p, nil
}

func (tp *timePatterns) Generate(ctx context.Context, emit func([]int64) error) error {
	if len(tp.patterns) == 1 {
		return tp.patterns[0].Generate(ctx, emit)
	}
	// Hand the merged timestamps on in runs of at most chunkSize, like
	// every other input.
	return Merge(ctx, tp.patterns, func(b *Batch) error {
		for t := b.Times; len(t) > 0; {
			n := min(len(t), chunkSize)
			if err := emit(t[:n]); err != nil {
				return err
			}
			t = t[n:]
		}
		return nil
	})
}

func (p *pattern) Generate(ctx context.Context, emit func([]int64) error) error {
	r := p.cfg.Randomizer
	lo, hi := 1-r.Deviation, 1+r.Deviation
	switch r.Direction {
	case "decrease":
		hi = 1
	case "increase":
		lo = 1
	}
	factors := make([]float64, r.Sampling)
	for i := range factors {
		factors[i] = lo + (hi-lo)*p.rng.Float64()
	}
	next := 0
	var offsets []float64
	c := newChunker(ctx, emit, 0)
	for k, ps := 0, p.start; p.end < 0 || ps < p.end; k++ {
		pe, ok := p.periodEnd(k, ps)
		if !ok {
			break
		}
		if pe <= p.skip { // entirely in the past
			ps = pe
			continue
		}
		if next == len(factors) {
			p.rng.Shuffle(len(factors), func(i, j int) { factors[i], factors[j] = factors[j], factors[i] })
			next = 0
		}
		n := int(float64(p.cfg.Multiplier.Ratio) * factors[next])
		next++
		offsets = offsets[:0]
		for range n {
			offsets = append(offsets, p.sample())
		}
		slices.Sort(offsets)
		length := float64(pe - ps)
		for _, off := range offsets {
			t := ps + int64(off*length)
			if p.end >= 0 && t >= p.end {
				break
			}
			if err := c.add(t, 1); err != nil {
				return err
			}
		}
		if err := c.ctx.Err(); err != nil {
			return err
		}
		ps = pe
	}
	return c.flush()
}

// periodEnd returns where period k, starting at ps, ends (the start of period
// k+1); ok is false when that is past the last representable time.
func (p *pattern) periodEnd(k int, ps int64) (end int64, ok bool) {
	if p.days > 0 {
		t := p.startT.AddDate(0, 0, (k+1)*p.days)
		if !t.Before(maxTime) {
			return 0, false
		}
		return t.UnixNano(), true
	}
	if ps > math.MaxInt64-p.period {
		return 0, false
	}
	return ps + p.period, true
}

// sample draws one position in [0, 1] from the spreader's distribution.
func (p *pattern) sample() float64 {
	ps := p.cfg.Spreader.Parameters
	u := p.rng.Float64()
	switch p.cfg.Spreader.Distribution {
	case "uniform":
		return *ps.Low + (*ps.High-*ps.Low)*u
	case "triangular":
		a, c, b := *ps.Left, *ps.Mode, *ps.Right
		if u < (c-a)/(b-a) {
			return a + math.Sqrt(u*(b-a)*(c-a))
		}
		return b - math.Sqrt((1-u)*(b-a)*(b-c))
	default: // beta
		x := gammaSample(p.rng, *ps.A)
		y := gammaSample(p.rng, *ps.B)
		if x+y == 0 {
			return 0.5
		}
		return x / (x + y)
	}
}

// gammaSample draws from Gamma(k, 1) (Marsaglia and Tsang; k < 1 boosted).
func gammaSample(r *rand.Rand, k float64) float64 {
	if k < 1 {
		return gammaSample(r, k+1) * math.Pow(r.Float64(), 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}
