package bench

import (
	"context"
	"fmt"
	"time"
)

// MemoryProfile is RSS and the Go heap sampled over a long run, with a
// verdict on whether memory is stable.
type MemoryProfile struct {
	Config        string  `json:"config"`
	Status        string  `json:"status"`
	Reason        string  `json:"reason,omitempty"`
	DurationMS    float64 `json:"duration_ms"`
	Files         int     `json:"files"` // records, the sample repeated
	SampleEveryMS float64 `json:"sample_every_ms"`
	// Over the last half of the run: the mean RSS and the least-squares
	// slopes of RSS and heap.
	MeanRSSMiB         float64 `json:"mean_rss_mib"`
	RSSSlopeMiBPerMin  float64 `json:"rss_slope_mib_per_min"`
	HeapSlopeMiBPerMin float64 `json:"heap_slope_mib_per_min"`
	// TolerancePctPerMin: the RSS may grow by at most this share of its
	// mean per minute over the last half to count as stable.
	TolerancePctPerMin float64     `json:"tolerance_pct_per_min"`
	Verdict            string      `json:"verdict"` // stable, growing, or too_short
	Why                string      `json:"why"`
	PeakRSSMiB         float64     `json:"peak_rss_mib"`
	Samples            []MemSample `json:"samples"`
}

// memoryTolerancePct is the growth per minute, in percent of the mean
// RSS, below which memory counts as stable.
const memoryTolerancePct = 5

// minMemorySamples is how many samples the last half needs for a verdict.
const minMemorySamples = 8

// memory profiles one configuration for Options.Memory.
func (r *runner) memory(ctx context.Context) (*MemoryProfile, error) {
	name := r.opt.MemoryConfig
	if name == "" {
		for _, c := range r.rep.Configs {
			if c.Status == StatusOK {
				name = c.Name
				break
			}
		}
	}
	if name == "" {
		name = r.opt.Configs[0]
	}
	d, _ := lookup(name)
	mp := &MemoryProfile{Config: name, SampleEveryMS: float64(memoryEvery.Milliseconds()), TolerancePctPerMin: memoryTolerancePct}
	if d.device == DeviceGPU && !r.gpu.Found {
		mp.Status, mp.Reason = StatusSkipped, "no GPU found: "+r.gpu.Reason
		return mp, nil
	}
	files := sample(r.opt.Sources, r.opt.maxFiles(d))
	eng, status, reason, err := r.build(ctx, Params{Config: name, Features: d.features, Device: d.device, Workers: r.opt.Workers * d.workerFactor})
	if err != nil {
		return nil, err
	}
	if eng == nil {
		mp.Status, mp.Reason = status, reason
		return mp, nil
	}
	defer r.closeEngine(eng)
	if _, err := r.pass(ctx, eng, files[:r.opt.warmup(d, len(files))], 0, sampleEvery); err != nil {
		return nil, err
	}
	r.progress("memory profile of %s for %s", name, r.opt.Memory)
	var samples []MemSample
	rd, err := r.passSamples(ctx, eng, files, r.opt.Memory, memoryEvery, &samples)
	if err != nil {
		return nil, err
	}
	mp.Status = StatusOK
	mp.DurationMS, mp.Files, mp.PeakRSSMiB, mp.Samples = rd.ElapsedMS, rd.Files, rd.Memory.PeakRSSMiB, samples
	verdict(mp)
	r.progress("memory: %s (%s)", mp.Verdict, mp.Why)
	return mp, nil
}

// verdict fits lines to the last half of the samples.
func verdict(mp *MemoryProfile) {
	s := mp.Samples
	if len(s) == 0 {
		mp.Verdict, mp.Why = "too_short", "no samples"
		return
	}
	end := s[len(s)-1].T
	var t, rss, heap []float64
	for _, x := range s {
		if x.T >= end/2 {
			t = append(t, x.T/60) // minutes
			rss = append(rss, x.RSSMiB)
			heap = append(heap, x.HeapMiB)
		}
	}
	mp.MeanRSSMiB = round(mean(rss), 1)
	mp.RSSSlopeMiBPerMin = round(slope(t, rss), 2)
	mp.HeapSlopeMiBPerMin = round(slope(t, heap), 2)
	if len(t) < minMemorySamples {
		mp.Verdict = "too_short"
		mp.Why = fmt.Sprintf("%d samples in the last half; a verdict needs %d (run longer: --memory %s or more)",
			len(t), minMemorySamples, (time.Duration(2*minMemorySamples) * memoryEvery).String())
		return
	}
	tol := float64(memoryTolerancePct) / 100 * mp.MeanRSSMiB
	pct := 0.0
	if mp.MeanRSSMiB > 0 {
		pct = 100 * mp.RSSSlopeMiBPerMin / mp.MeanRSSMiB
	}
	if mp.RSSSlopeMiBPerMin <= tol {
		mp.Verdict = "stable"
		mp.Why = fmt.Sprintf("over the last half RSS changed by %+.2f MiB/min (%+.1f%% of its mean %.0f MiB per minute), within the %d%%/min tolerance; heap %+.2f MiB/min",
			mp.RSSSlopeMiBPerMin, pct, mp.MeanRSSMiB, memoryTolerancePct, mp.HeapSlopeMiBPerMin)
		return
	}
	mp.Verdict = "growing"
	mp.Why = fmt.Sprintf("over the last half RSS grew by %.2f MiB/min (%.1f%% of its mean %.0f MiB per minute), beyond the %d%%/min tolerance; heap %+.2f MiB/min",
		mp.RSSSlopeMiBPerMin, pct, mp.MeanRSSMiB, memoryTolerancePct, mp.HeapSlopeMiBPerMin)
}
