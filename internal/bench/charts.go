package bench

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Chart is a chart written beside the report.
type Chart struct {
	Kind  string // stages, workers, batch, memory
	Path  string
	Title string
}

const chartW, chartH = 8 * vg.Inch, 4.5 * vg.Inch

// writeCharts writes the charts whose data was measured, named
// base-KIND.png, and returns them.
func writeCharts(rep *Report, base string) ([]Chart, error) {
	var out []Chart
	for _, c := range []struct {
		kind string
		make func(*Report) (*plot.Plot, error)
	}{
		{"stages", stageChart},
		{"workers", func(r *Report) (*plot.Plot, error) { return sweepChart(r, "workers") }},
		{"batch", func(r *Report) (*plot.Plot, error) { return sweepChart(r, "batch") }},
		{"memory", memoryChart},
	} {
		p, err := c.make(rep)
		if err != nil {
			return out, fmt.Errorf("chart %s: %w", c.kind, err)
		}
		if p == nil {
			continue
		}
		path := base + "-" + c.kind + ".png"
		if err := p.Save(chartW, chartH, path); err != nil {
			return out, fmt.Errorf("chart %s: %w", c.kind, err)
		}
		out = append(out, Chart{Kind: c.kind, Path: path, Title: p.Title.Text})
	}
	return out, nil
}

// stageChart stacks each configuration's stage shares to 100%.
func stageChart(rep *Report) (*plot.Plot, error) {
	var names []string
	var shares [][]float64 // [config][stage]
	for _, c := range rep.Configs {
		if c.Status == StatusOK && c.Summary != nil {
			names = append(names, c.Name)
			v := c.Summary.StageShare.values()
			for i := range v {
				v[i] *= 100
			}
			shares = append(shares, v)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	p := plot.New()
	p.Title.Text = "Where the time goes: each stage's share of the summed stage time"
	p.Y.Label.Text = "% of stage time (median round)"
	p.Y.Min, p.Y.Max = 0, 100
	var prev *plotter.BarChart
	for si, st := range stageNames {
		vals := make(plotter.Values, len(names))
		nonzero := false
		for ci := range names {
			vals[ci] = shares[ci][si]
			nonzero = nonzero || vals[ci] > 0
		}
		if !nonzero {
			continue
		}
		b, err := plotter.NewBarChart(vals, vg.Points(60))
		if err != nil {
			return nil, err
		}
		b.Color = plotutil.Color(si)
		b.LineStyle.Width = 0
		if prev != nil {
			b.StackOn(prev)
		}
		p.Add(b)
		p.Legend.Add(st, b)
		prev = b
	}
	p.NominalX(names...)
	// Room on the right for the legend.
	p.X.Max = float64(len(names)) + 0.2
	p.Legend.Top = true
	return p, nil
}

// sweepChart is throughput against the swept parameter.
func sweepChart(rep *Report, param string) (*plot.Plot, error) {
	var sw *Sweep
	for i := range rep.Sweeps {
		if rep.Sweeps[i].Param == param && rep.Sweeps[i].Status == StatusOK && len(rep.Sweeps[i].Points) > 0 {
			sw = &rep.Sweeps[i]
		}
	}
	if sw == nil {
		return nil, nil
	}
	pages := make(plotter.XYs, len(sw.Points))
	files := make(plotter.XYs, len(sw.Points))
	top := 0.0
	for i, pt := range sw.Points {
		pages[i] = plotter.XY{X: float64(pt.Value), Y: pt.Throughput}
		files[i] = plotter.XY{X: float64(pt.Value), Y: pt.Round.FilesPerSec}
		top = max(top, pt.Throughput, pt.Round.FilesPerSec)
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: throughput vs %s (%s)", sw.Config, param, sw.Fixed)
	p.X.Label.Text = param
	p.Y.Label.Text = "per second"
	p.Y.Min, p.Y.Max = 0, 1.3*top // room for the legend
	if err := plotutil.AddLinePoints(p, "embedded pages/s", pages, "files/s", files); err != nil {
		return nil, err
	}
	ticks := make([]plot.Tick, len(sw.Points))
	for i, pt := range sw.Points {
		ticks[i] = plot.Tick{Value: float64(pt.Value), Label: fmt.Sprint(pt.Value)}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Legend.Top = true
	p.Legend.Left = true
	return p, nil
}

// memoryChart is RSS and the Go heap over the memory profile.
func memoryChart(rep *Report) (*plot.Plot, error) {
	mp := rep.Memory
	if mp == nil || mp.Status != StatusOK || len(mp.Samples) < 2 {
		return nil, nil
	}
	rss := make(plotter.XYs, len(mp.Samples))
	heap := make(plotter.XYs, len(mp.Samples))
	top := 0.0
	for i, s := range mp.Samples {
		rss[i] = plotter.XY{X: s.T, Y: s.RSSMiB}
		heap[i] = plotter.XY{X: s.T, Y: s.HeapMiB}
		top = max(top, s.RSSMiB, s.HeapMiB)
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Memory over time: %s (%s)", mp.Config, mp.Verdict)
	p.X.Label.Text = "seconds"
	p.Y.Label.Text = "MiB"
	p.Y.Min, p.Y.Max = 0, 1.3*top // room for the legend
	if err := plotutil.AddLines(p, "RSS", rss, "Go heap", heap); err != nil {
		return nil, err
	}
	p.Legend.Top = true
	p.Legend.Left = true
	return p, nil
}
