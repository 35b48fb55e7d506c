package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"dataplus/internal/infer"
	"dataplus/internal/ingest"
	"dataplus/internal/pipeline"
	"dataplus/internal/record"
)

// noiseRule is what Stat.NoisePct means, stated in every report.
const noiseRule = "noise_pct is the largest distance of a round from the median, in percent of the median. The rounds " +
	"of all configurations take turns (round 1 of each, then round 2 of each, ...), so each configuration's rounds " +
	"span the whole run and its spread includes the machine's load drift over it. A run at another time can still " +
	"land further off when the background load differs (see other_cores_used), so --compare counts a change only " +
	"beyond the sum of both reports' noise, and at least 5%."

// Run runs what opt asks for (configurations, their peers, sweeps, the
// memory profile) and returns the report. A configuration that cannot run
// here is in the report as skipped and one that broke as failed, with the
// reason; Run itself fails only on bad options or when ctx ends.
func Run(ctx context.Context, opt Options) (*Report, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	opt.defaults()
	start := time.Now()
	gpu := opt.GPU()
	rep := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          "dataplus bench",
		Created:       start.UTC().Truncate(time.Second),
		Environment:   Environment{Hardware: hardware(gpu), Software: software(opt.Version)},
		Settings: Settings{
			Files:         opt.FilesLabel,
			FilesFound:    len(opt.Sources),
			Configs:       slices.Clone(opt.Configs),
			Rounds:        opt.Rounds,
			MaxFiles:      opt.MaxFiles,
			MinDurationMS: float64(opt.Duration.Milliseconds()),
			Sample: fmt.Sprintf("metadata configurations take every file, feature configurations %d (--max-files overrides both), "+
				"evenly spaced over the files in path order; the warm-up pass reads the first %d (metadata) or %d (features) of them, untimed",
				DefaultFeatureMaxFiles, DefaultMetadataWarmup, DefaultFeatureWarmup),
			NoiseRule: noiseRule,
		},
	}
	r := &runner{opt: opt, rep: rep, gpu: gpu}
	configs, err := r.configs(ctx)
	if err != nil {
		return nil, err
	}
	rep.Configs = configs
	for _, param := range opt.Sweeps {
		sw, err := r.sweep(ctx, param)
		if err != nil {
			return nil, err
		}
		rep.Sweeps = append(rep.Sweeps, sw)
	}
	rep.Recommendation = recommend(rep.Sweeps)
	if opt.Memory > 0 {
		mp, err := r.memory(ctx)
		if err != nil {
			return nil, err
		}
		rep.Memory = mp
	}
	rep.Speedups = speedups(rep.Configs)
	rep.Environment.Software.ONNXRuntime = infer.ORTVersion()
	rep.Environment.Software.PDFEngine = record.EngineDataplus
	rep.WallMS = float64(time.Since(start).Milliseconds())
	return rep, nil
}

type runner struct {
	opt Options
	rep *Report
	gpu GPU
}

func (r *runner) progress(format string, args ...any) {
	fmt.Fprintf(r.opt.Progress, "bench: "+format+"\n", args...)
}

// build builds an engine. When it cannot, the engine is nil and status
// and reason say why (skipped: not available here; failed: broken); err
// is only ctx's.
func (r *runner) build(ctx context.Context, p Params) (eng *Engine, status, reason string, err error) {
	eng, err = r.opt.Build(ctx, p)
	switch {
	case err == nil:
		return eng, "", "", nil
	case ctx.Err() != nil:
		return nil, "", "", ctx.Err()
	case errors.Is(err, record.ErrUnavailable):
		status = StatusSkipped
	default:
		status = StatusFailed
	}
	r.opt.Log.Warn("benchmark engine not built", "config", p.Config, "status", status, "err", err)
	return nil, status, err.Error(), nil
}

// closeEngine releases an engine and hands its memory back to the OS,
// so that the next run's RSS figures are its own, not the last one's
// leftovers (PDFium's WebAssembly memory lives in the Go heap).
func (r *runner) closeEngine(eng *Engine) {
	if eng.Close != nil {
		if err := eng.Close(); err != nil {
			r.opt.Log.Warn("close benchmark engine", "err", err)
		}
	}
	debug.FreeOSMemory()
}

// live is a configuration being measured: its engine stays open while
// the rounds of every configuration take turns.
type live struct {
	d     def
	files []ingest.Source
	res   ConfigResult
	eng   *Engine // nil when the configuration is skipped or failed
	peers []peerRun
}

// configs measures every configuration: each is built and warmed up,
// then the rounds take turns (round 1 of each, round 2 of each, ...), so
// that every configuration's spread covers the whole run's load drift
// and no configuration gets the quiet minute alone; then each is
// summarised and its engine closed.
func (r *runner) configs(ctx context.Context) ([]ConfigResult, error) {
	var ls []*live
	defer func() {
		for _, l := range ls {
			if l.eng != nil {
				r.closeEngine(l.eng)
				l.eng = nil
			}
		}
	}()
	for _, name := range r.opt.Configs {
		l, err := r.prepare(ctx, name)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	for i := range r.opt.Rounds {
		for _, l := range ls {
			if l.eng == nil {
				continue
			}
			if err := r.round(ctx, l, i); err != nil {
				return nil, err
			}
		}
	}
	out := make([]ConfigResult, 0, len(ls))
	for _, l := range ls {
		if err := r.finish(ctx, l); err != nil {
			return nil, err
		}
		out = append(out, l.res)
	}
	return out, nil
}

// prepare builds a configuration's engine and runs its warm-up pass. A
// configuration that cannot run here comes back with its status and no
// engine.
func (r *runner) prepare(ctx context.Context, name string) (*live, error) {
	d, _ := lookup(name)
	files := sample(r.opt.Sources, r.opt.maxFiles(d))
	l := &live{d: d, files: files, res: ConfigResult{
		Name: d.name, Description: d.description, Device: d.device,
		Workers: r.opt.Workers * d.workerFactor, Files: len(files), WarmupFiles: r.opt.warmup(d, len(files)),
	}}
	res := &l.res
	if d.device == DeviceGPU && !r.gpu.Found {
		res.Status, res.Reason = StatusSkipped, "no GPU found: "+r.gpu.Reason
		r.progress("%s: skipped: %s", name, res.Reason)
		return l, nil
	}
	t0 := time.Now()
	eng, status, reason, err := r.build(ctx, Params{Config: name, Features: d.features, Device: d.device, Workers: res.Workers})
	if err != nil {
		return nil, err
	}
	built := time.Since(t0)
	if eng == nil {
		res.Status, res.Reason = status, reason
		r.progress("%s: %s: %s", name, status, reason)
		return l, nil
	}
	l.eng = eng
	res.describe(eng)
	l.peers = r.peers(ctx, d, files, res.Workers)
	t1 := time.Now()
	if _, err := r.pass(ctx, eng, files[:res.WarmupFiles], 0, sampleEvery); err != nil {
		return nil, err
	}
	// Said before the first round, so a run cut short still shows where
	// its time went (a GPU compiles every input shape while it builds).
	r.progress("%s: ready: built in %.1f s, warm-up (%d files) %.1f s", name, built.Seconds(), res.WarmupFiles, time.Since(t1).Seconds())
	return l, nil
}

// round measures round i of a configuration, followed by a round of its
// interleaved peers so both see the same machine noise.
func (r *runner) round(ctx context.Context, l *live, i int) error {
	speed := probeSpeed()
	rd, err := r.pass(ctx, l.eng, l.files, r.opt.Duration, sampleEvery)
	if err != nil {
		return err
	}
	rd.MachineMBps = speed
	l.res.Rounds = append(l.res.Rounds, rd)
	line := fmt.Sprintf("%s round %d/%d: %d files in %.1f s: %.2f files/s, %.1f pages/s (machine probe %.0f MB/s)",
		l.d.name, i+1, r.opt.Rounds, rd.Files, rd.ElapsedMS/1000, rd.FilesPerSec, rd.PagesPerSec, speed)
	if l.d.features {
		line += fmt.Sprintf(", %.2f embedded pages/s", rd.EmbeddedPagesPerSec)
	}
	r.progress("%s", line)
	for _, p := range l.peers {
		if p.interleaved() {
			p.round(ctx)
		}
	}
	return ctx.Err()
}

// finish runs the peers that do not interleave, summarises the rounds and
// closes the engine.
func (r *runner) finish(ctx context.Context, l *live) error {
	if l.eng == nil {
		return nil
	}
	defer func() {
		r.closeEngine(l.eng)
		l.eng = nil
	}()
	res, peers := &l.res, l.peers
	for _, p := range peers {
		if !p.interleaved() {
			p.round(ctx)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	res.Status = StatusOK
	res.Summary = summarize(res.Rounds)
	for _, p := range peers {
		pr := p.result(res)
		if pr.Version != "" && pr.Status == StatusOK && r.rep.Environment.Software.PyMuPDF == "" && pr.Name != peerORT {
			r.rep.Environment.Software.PyMuPDF = pr.Version
		}
		r.rep.Peers = append(r.rep.Peers, pr)
		if pr.Status == StatusOK && pr.Ours != nil {
			r.progress("peer %s: %s %s, dataplus %s: %.2f×", pr.Name, num(pr.Throughput.Median), pr.Unit, num(pr.Ours.Median), pr.Ratio)
		} else if pr.Status != StatusOK {
			r.progress("peer %s: %s: %s", pr.Name, pr.Status, pr.Reason)
		}
	}
	return nil
}

func (res *ConfigResult) describe(eng *Engine) {
	res.Backend, res.Model, res.Batch = eng.Backend, eng.Model, eng.Batch
	res.BatchWaitMS = float64(eng.BatchWait.Microseconds()) / 1000
	res.FeaturePages, res.Scales, res.RenderFast = eng.FeaturePages, eng.Scales, eng.RenderFast
	res.GOGC = gcPercent()
	if eng.GOGC > 0 && os.Getenv("GOGC") == "" {
		res.GOGC = eng.GOGC
	}
}

// pass runs files through the pipeline once (or, with minDur, repeatedly
// until minDur has passed) and measures it. Its only errors are ctx's.
func (r *runner) pass(ctx context.Context, eng *Engine, files []ingest.Source, minDur, every time.Duration) (Round, error) {
	return r.passSamples(ctx, eng, files, minDur, every, nil)
}

// passSamples is pass that also hands back the memory samples.
func (r *runner) passSamples(ctx context.Context, eng *Engine, files []ingest.Source, minDur, every time.Duration, keep *[]MemSample) (Round, error) {
	if len(files) == 0 {
		return Round{}, nil
	}
	if eng.GOGC > 0 && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(eng.GOGC)
	}
	proc := pipeline.NewProcessor(eng.Pipeline, r.opt.Log, nil)
	var before map[string]infer.BatchStats
	if eng.Batches != nil {
		before = eng.Batches()
	}
	var busyBefore time.Duration
	if eng.DeviceBusy != nil {
		busyBefore = eng.DeviceBusy()
	}
	scope := "process"
	if resetPeak() {
		scope = "round"
	}
	t := newTally()
	smp := startSampler(every)
	use := startUsage()
	start := time.Now()

	src := make(chan ingest.Source, eng.Pipeline.Workers)
	var g errgroup.Group
	g.Go(func() error {
		defer close(src)
		seq := 0
		for pass := 0; ; pass++ {
			for _, s := range files {
				if pass > 0 && time.Since(start) >= minDur {
					return nil
				}
				s.Index = seq
				seq++
				select {
				case src <- s:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if minDur <= 0 || time.Since(start) >= minDur {
				return nil
			}
		}
	})
	runErr := proc.Run(ctx, src, func(rec record.Record) error {
		t.add(&rec)
		if r.opt.OnRecord != nil {
			r.opt.OnRecord(&rec)
		}
		return nil
	})
	feedErr := g.Wait()
	elapsed := time.Since(start)
	cpu := use.done()
	samples := smp.Stop()
	peak := peakMiB()
	if err := cmp.Or(runErr, feedErr); err != nil {
		return Round{}, fmt.Errorf("benchmark pass: %w", err)
	}
	if keep != nil {
		*keep = samples
	}
	rd := t.round(elapsed)
	rd.CPU = cpu
	rd.Memory = memoryOf(samples, peak, scope)
	if eng.DeviceMiB != nil {
		rd.Memory.DeviceMiB = round(eng.DeviceMiB(), 1)
	}
	if eng.Batches != nil {
		rd.Batches = batchesOf(before, eng.Batches(), elapsed)
		if eng.DeviceBusy != nil && elapsed > 0 {
			// Batches overlap on a GPU: the device's own busy time
			// (some batch running) is the share that means something.
			rd.Batches.BusyShare = round((eng.DeviceBusy()-busyBefore).Seconds()/elapsed.Seconds(), 3)
		}
	}
	return rd, nil
}

// tally sums records up.
type tally struct {
	files, pages, embedded, skipped int
	stages                          Stages
	lat                             []float64
	errs, ferrs                     map[string]int
}

func newTally() *tally { return &tally{errs: map[string]int{}, ferrs: map[string]int{}} }

func (t *tally) add(rec *record.Record) {
	t.files++
	if rec.Route != nil {
		t.pages += rec.Route.Pages
	}
	if rec.Error != nil {
		t.errs[string(rec.Error.Kind)]++
	}
	if f := rec.Features; f != nil {
		t.embedded += f.Pages
		t.skipped += f.Skipped
		if f.Error != nil {
			t.ferrs[f.Error.Kind]++
		}
	}
	tm := rec.Timings
	s := &t.stages
	s.Read += tm.Read
	s.Parse += tm.Parse
	s.Scan += tm.Scan
	s.Route += tm.Route
	s.Render += tm.Render
	s.Infer += tm.Infer
	s.Fuse += tm.Fuse
	t.lat = append(t.lat, tm.Total)
}

func (t *tally) round(elapsed time.Duration) Round {
	ms := float64(elapsed.Microseconds()) / 1000
	rd := Round{
		Files: t.files, Pages: t.pages, EmbeddedPages: t.embedded, SkippedPages: t.skipped,
		ElapsedMS:    round(ms, 1),
		FilesPerSec:  round(perSec(t.files, ms), 3),
		PagesPerSec:  round(perSec(t.pages, ms), 2),
		StageMS:      t.stages.scale(1), // a copy
		LatencyMS:    percentiles(t.lat),
		ErrorsByKind: t.errs,
	}
	if t.embedded > 0 || t.skipped > 0 {
		rd.EmbeddedPagesPerSec = round(perSec(t.embedded, ms), 3)
	}
	if len(t.ferrs) > 0 {
		rd.FeatureErrorsByKind = t.ferrs
	}
	if sum := t.stages.sum(); sum > 0 {
		rd.StageShare = t.stages.scale(1 / sum)
	}
	return rd
}

// batchesOf is what the batchers did between two snapshots.
func batchesOf(before, after map[string]infer.BatchStats, wall time.Duration) *Batches {
	b := &Batches{Sizes: map[string]int64{}}
	var busy time.Duration
	for shape, a := range after {
		p := before[shape]
		b.Batches += a.Batches - p.Batches
		b.Items += a.Items - p.Items
		b.Errors += a.Errors - p.Errors
		busy += a.Busy - p.Busy
		for n, c := range a.Sizes {
			var was int64
			if n < len(p.Sizes) {
				was = p.Sizes[n]
			}
			if c-was > 0 {
				b.Sizes[strconv.Itoa(n)] += c - was
			}
		}
	}
	b.BusyMS = round(float64(busy.Microseconds())/1000, 1)
	if b.Batches > 0 {
		b.Mean = round(float64(b.Items)/float64(b.Batches), 2)
	}
	if b.Items > 0 {
		b.MSPerItem = round(b.BusyMS/float64(b.Items), 2)
	}
	if wall > 0 {
		b.BusyShare = round(busy.Seconds()/wall.Seconds(), 3)
	}
	return b
}

// summarize gives the medians and spread of the rounds.
func summarize(rounds []Round) *Summary {
	col := func(f func(Round) float64) Stat {
		v := make([]float64, len(rounds))
		for i, rd := range rounds {
			v[i] = f(rd)
		}
		return statOf(v)
	}
	s := &Summary{
		FilesPerSec:    col(func(r Round) float64 { return r.FilesPerSec }),
		PagesPerSec:    col(func(r Round) float64 { return r.PagesPerSec }),
		LatencyP50MS:   col(func(r Round) float64 { return r.LatencyMS.P50 }),
		LatencyP90MS:   col(func(r Round) float64 { return r.LatencyMS.P90 }),
		LatencyP99MS:   col(func(r Round) float64 { return r.LatencyMS.P99 }),
		CPUCores:       col(func(r Round) float64 { return r.CPU.Cores }),
		OtherCores:     col(func(r Round) float64 { return r.CPU.OtherCores }),
		MachineMBps:    col(func(r Round) float64 { return r.MachineMBps }),
		PeakRSSMiB:     col(func(r Round) float64 { return r.Memory.PeakRSSMiB }),
		SteadyRSSMiB:   col(func(r Round) float64 { return r.Memory.SteadyRSSMiB }),
		StageMSPerFile: map[string]Stat{},
	}
	if len(rounds) > 0 {
		s.ErrorsByKind = rounds[0].ErrorsByKind
	}
	for i, name := range stageNames {
		st := col(func(r Round) float64 { return r.StageMS.values()[i] / float64(max(r.Files, 1)) })
		if st.Max > 0 {
			s.StageMSPerFile[name] = st
		}
	}
	mid := s.FilesPerSec.Median
	best := -1
	for i, rd := range rounds {
		if best < 0 || abs(rd.FilesPerSec-mid) < abs(rounds[best].FilesPerSec-mid) {
			best = i
		}
	}
	if best >= 0 {
		s.StageShare = rounds[best].StageShare
	}
	features := false
	for _, rd := range rounds {
		features = features || rd.EmbeddedPages > 0 || rd.SkippedPages > 0 || rd.Batches != nil
	}
	if features {
		e := col(func(r Round) float64 { return r.EmbeddedPagesPerSec })
		s.EmbeddedPagesPerSec = &e
	}
	if len(rounds) > 0 && rounds[0].Batches != nil {
		busy := col(func(r Round) float64 { return r.Batches.BusyShare })
		mb := col(func(r Round) float64 { return r.Batches.Mean })
		s.ModelBusyShare, s.MeanBatch = &busy, &mb
		s.BatchSizes = map[string]int64{}
		for _, rd := range rounds {
			for k, v := range rd.Batches.Sizes {
				s.BatchSizes[k] += v
			}
		}
	}
	return s
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// speedups compares GPU configurations with their CPU twins when both ran.
func speedups(cs []ConfigResult) []Speedup {
	byName := map[string]*ConfigResult{}
	for i := range cs {
		if cs[i].Status == StatusOK && cs[i].Summary != nil {
			byName[cs[i].Name] = &cs[i]
		}
	}
	var out []Speedup
	if g, c := byName[GPUFull], byName[CPUFallback]; g != nil && c != nil &&
		g.Summary.EmbeddedPagesPerSec != nil && c.Summary.EmbeddedPagesPerSec != nil && c.Summary.EmbeddedPagesPerSec.Median > 0 {
		out = append(out, Speedup{GPUFull, CPUFallback, "embedded_pages_per_s",
			round(g.Summary.EmbeddedPagesPerSec.Median/c.Summary.EmbeddedPagesPerSec.Median, 2)})
	}
	if g, c := byName[GPUNoDeep], byName[Metadata]; g != nil && c != nil && c.Summary.FilesPerSec.Median > 0 {
		out = append(out, Speedup{GPUNoDeep, Metadata, "files_per_s",
			round(g.Summary.FilesPerSec.Median/c.Summary.FilesPerSec.Median, 2)})
	}
	return out
}
