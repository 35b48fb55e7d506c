package bench

import (
	"context"
	"fmt"
	"strings"

	"dataplus/internal/ingest"
)

// Sweep is CPU_Fallback run at several values of one parameter, one
// short run per point.
type Sweep struct {
	Param  string       `json:"param"` // workers or batch
	Config string       `json:"config"`
	Fixed  string       `json:"fixed"`  // the other parameter's value
	Metric string       `json:"metric"` // what "throughput" is
	Status string       `json:"status"`
	Reason string       `json:"reason,omitempty"`
	Points []SweepPoint `json:"points,omitempty"`
	// Best has the highest throughput; Recommended is the smallest value
	// within 5% of it (as fast, for less memory and fewer threads).
	Best        int `json:"best,omitempty"`
	Recommended int `json:"recommended,omitempty"`
	// StopsScalingAt is the value after which the next step gained less
	// than 10% (the largest value when every step gained more); Bound
	// says what limited it: render-bound, inference-bound or
	// memory-bound, and Why the measurements behind that.
	StopsScalingAt int    `json:"stops_scaling_at,omitempty"`
	Bound          string `json:"bound,omitempty"`
	Why            string `json:"why,omitempty"`
}

// SweepPoint is one value's run.
type SweepPoint struct {
	Value      int     `json:"value"`
	Throughput float64 `json:"throughput"`
	GainPct    float64 `json:"gain_pct"` // against the previous point
	Round      Round   `json:"round"`
}

// Recommendation sums the sweeps up.
type Recommendation struct {
	Workers int      `json:"workers,omitempty"`
	Batch   int      `json:"batch,omitempty"`
	Why     []string `json:"why"`
}

// scalingGain is the smallest gain, in percent, a step must bring to
// count as scaling.
const scalingGain = 10

// memoryBoundShare is the share of the machine's memory from which a run
// counts as memory-bound.
const memoryBoundShare = 0.8

// sweep runs CPU_Fallback at each value of param.
func (r *runner) sweep(ctx context.Context, param string) (Sweep, error) {
	d, _ := lookup(CPUFallback)
	sw := Sweep{Param: param, Config: d.name, Metric: "embedded_pages_per_s"}
	values := r.opt.SweepWorkers
	if param == "batch" {
		values = r.opt.SweepBatches
		sw.Fixed = fmt.Sprintf("workers %d", r.opt.Workers)
	} else {
		sw.Fixed = "batch as configured"
	}
	files := sample(r.opt.Sources, r.opt.maxFiles(d))
	warm := files[:r.opt.warmup(d, len(files))]
	for _, v := range values {
		p := Params{Config: d.name, Features: true, Device: d.device, Workers: r.opt.Workers}
		if param == "batch" {
			p.Batch = v
		} else {
			p.Workers = v
		}
		eng, status, reason, err := r.build(ctx, p)
		if err != nil {
			return sw, err
		}
		if eng == nil {
			sw.Status, sw.Reason = status, fmt.Sprintf("%s %d: %s", param, v, reason)
			r.progress("sweep %s: %s: %s", param, status, sw.Reason)
			return sw, nil
		}
		rd, err := r.sweepPoint(ctx, eng, warm, files)
		if err != nil {
			return sw, err
		}
		pt := SweepPoint{Value: v, Throughput: rd.EmbeddedPagesPerSec, Round: rd}
		if n := len(sw.Points); n > 0 && sw.Points[n-1].Throughput > 0 {
			pt.GainPct = round(100*(pt.Throughput/sw.Points[n-1].Throughput-1), 1)
		}
		sw.Points = append(sw.Points, pt)
		r.progress("sweep %s=%d: %.2f embedded pages/s, %.2f files/s, %.2f cores", param, v, pt.Throughput, rd.FilesPerSec, rd.CPU.Cores)
	}
	sw.Status = StatusOK
	analyse(&sw, r.rep.Environment.Hardware)
	return sw, nil
}

func (r *runner) sweepPoint(ctx context.Context, eng *Engine, warm, files []ingest.Source) (Round, error) {
	defer r.closeEngine(eng)
	if _, err := r.pass(ctx, eng, warm, 0, sampleEvery); err != nil {
		return Round{}, err
	}
	return r.pass(ctx, eng, files, r.opt.Duration, sampleEvery)
}

// analyse finds the best value, where scaling stops and why.
func analyse(sw *Sweep, hw Hardware) {
	pts := sw.Points
	if len(pts) == 0 {
		return
	}
	best := 0
	for i, p := range pts {
		if p.Throughput > pts[best].Throughput {
			best = i
		}
	}
	sw.Best = pts[best].Value
	for _, p := range pts {
		if p.Throughput >= 0.95*pts[best].Throughput {
			sw.Recommended = p.Value
			break
		}
	}
	stop := len(pts) - 1 // the point after which scaling stopped
	for i := 1; i < len(pts); i++ {
		if pts[i].GainPct < scalingGain {
			stop = i - 1
			break
		}
	}
	sw.StopsScalingAt = pts[stop].Value
	// Why: the measurements of the step that did not pay (or of the
	// last point when every step paid).
	at := pts[min(stop+1, len(pts)-1)]
	rd := at.Round
	var why []string
	if stop == len(pts)-1 {
		why = append(why, fmt.Sprintf("throughput still rose by %.0f%% or more at every step up to %s %d", float64(scalingGain), sw.Param, pts[stop].Value))
	} else {
		why = append(why, fmt.Sprintf("from %s %d to %d throughput changed by %+.1f%% (less than %d%%)", sw.Param, pts[stop].Value, at.Value, at.GainPct, scalingGain))
	}
	sh := rd.StageShare
	why = append(why, fmt.Sprintf("at %s %d rendering took %.0f%% of the stage time and inference (waiting for and running the model) %.0f%%",
		sw.Param, at.Value, 100*sh.Render, 100*sh.Infer))
	if rd.Batches != nil {
		why = append(why, fmt.Sprintf("the model was busy %.0f%% of the wall time (mean batch %.2f)", 100*rd.Batches.BusyShare, rd.Batches.Mean))
	}
	why = append(why, fmt.Sprintf("the process used %.2f of %d cores (other processes %.2f)", rd.CPU.Cores, hw.CPUs, rd.CPU.OtherCores))
	switch {
	case hw.MemoryMiB > 0 && rd.Memory.PeakRSSMiB >= memoryBoundShare*hw.MemoryMiB:
		sw.Bound = "memory-bound"
		why = append(why, fmt.Sprintf("peak RSS %.0f MiB is %.0f%% of the machine's %.0f MiB", rd.Memory.PeakRSSMiB, 100*rd.Memory.PeakRSSMiB/hw.MemoryMiB, hw.MemoryMiB))
	case sh.Infer > sh.Render || (rd.Batches != nil && rd.Batches.BusyShare >= 0.9):
		sw.Bound = "inference-bound"
	default:
		sw.Bound = "render-bound"
	}
	if rd.CPU.Cores+rd.CPU.OtherCores >= 0.85*float64(hw.CPUs) {
		why = append(why, "the cores were saturated, so more parallelism only shares them")
	}
	sw.Why = strings.Join(why, "; ")
}

// recommend sums the sweeps up.
func recommend(sweeps []Sweep) *Recommendation {
	var rec Recommendation
	for _, sw := range sweeps {
		if sw.Status != StatusOK || len(sw.Points) == 0 {
			continue
		}
		line := fmt.Sprintf("%s %d (best measured %d; scaling stops at %d, %s: %s)", sw.Param, sw.Recommended, sw.Best, sw.StopsScalingAt, sw.Bound, sw.Why)
		switch sw.Param {
		case "workers":
			rec.Workers = sw.Recommended
		case "batch":
			rec.Batch = sw.Recommended
		}
		rec.Why = append(rec.Why, line)
	}
	if len(rec.Why) == 0 {
		return nil
	}
	return &rec
}
