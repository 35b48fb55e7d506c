package bench

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// MinTolerancePct is the smallest change Compare calls real, whatever the
// reports' noise.
const MinTolerancePct = 5

// Comparison is a report against an older one.
type Comparison struct {
	Old          ReportRef `json:"old"`
	Rule         string    `json:"rule"`
	Regressions  []Change  `json:"regressions"`
	Improvements []Change  `json:"improvements"`
	// StageShifts are stage times per file that moved beyond the noise
	// in a configuration whose throughput, latency and memory did not
	// get worse: a stage's time rises under contention (infer includes
	// waiting for the model) without the job being slower, so they
	// explain rather than alarm. With a headline regression they are
	// regressions.
	StageShifts []Change `json:"stage_shifts,omitempty"`
	Unchanged   int      `json:"unchanged"` // figures within the noise
	Notes       []string `json:"notes,omitempty"`
}

// ReportRef identifies a report.
type ReportRef struct {
	Created time.Time `json:"created"`
	Commit  string    `json:"commit,omitempty"`
	Version string    `json:"version,omitempty"`
}

// Change is one figure that moved beyond the noise.
type Change struct {
	Config       string  `json:"config"`
	Metric       string  `json:"metric"`
	Unit         string  `json:"unit"`
	Old          float64 `json:"old"`
	New          float64 `json:"new"`
	ChangePct    float64 `json:"change_pct"`    // (new - old) / old
	TolerancePct float64 `json:"tolerance_pct"` // both reports' noise, at least MinTolerancePct
	// Slower is true when the change is for the worse (throughput down,
	// latency, stage time or memory up).
	Slower bool   `json:"slower"`
	Text   string `json:"text"`
}

// metric is one figure Compare looks at.
type metric struct {
	name, unit   string
	higherBetter bool
	stage        bool // a stage's time per file: diagnostic
	get          func(*Summary) *Stat
}

func compared() []metric {
	ms := []metric{
		{"files_per_s", "files/s", true, false, func(s *Summary) *Stat { return &s.FilesPerSec }},
		{"pages_per_s", "pages/s", true, false, func(s *Summary) *Stat { return &s.PagesPerSec }},
		{"embedded_pages_per_s", "pages/s", true, false, func(s *Summary) *Stat { return s.EmbeddedPagesPerSec }},
		{"latency_p50_ms", "ms", false, false, func(s *Summary) *Stat { return &s.LatencyP50MS }},
		{"latency_p99_ms", "ms", false, false, func(s *Summary) *Stat { return &s.LatencyP99MS }},
		{"peak_rss_mib", "MiB", false, false, func(s *Summary) *Stat { return &s.PeakRSSMiB }},
		{"steady_rss_mib", "MiB", false, false, func(s *Summary) *Stat { return &s.SteadyRSSMiB }},
	}
	for _, st := range stageNames {
		ms = append(ms, metric{"stage_ms_per_file." + st, "ms/file", false, true, func(s *Summary) *Stat {
			if v, ok := s.StageMSPerFile[st]; ok {
				return &v
			}
			return nil
		}})
	}
	return ms
}

// MachineNotePct is the change of the machine-speed probe between two
// reports from which Compare adds a note.
const MachineNotePct = 10

// Compare names what changed from old to cur beyond the noise both
// reports state: a figure counts as changed when it moved by more than
// the sum of both medians' noise_pct, and at least MinTolerancePct.
// Stage times that got worse are regressions when their configuration
// also regressed in throughput, latency or memory, and stage shifts
// otherwise. Configurations that ran in only one of the reports are
// noted, and so is a machine-speed probe that moved by MachineNotePct.
func Compare(old, cur *Report) *Comparison {
	c := &Comparison{
		Old: ReportRef{Created: old.Created, Commit: old.Environment.Software.Commit, Version: old.Environment.Software.Dataplus},
		Rule: fmt.Sprintf("a figure changed when new and old medians differ by more than the sum of both reports' noise_pct, and at least %d%%; "+
			"a stage time per file that got worse is a regression only beside a throughput, latency or memory regression of its configuration, "+
			"else a stage shift", MinTolerancePct),
		Regressions:  []Change{},
		Improvements: []Change{},
	}
	if old.Environment.Hardware.CPUModel != cur.Environment.Hardware.CPUModel || old.Environment.Hardware.CPUs != cur.Environment.Hardware.CPUs {
		c.Notes = append(c.Notes, fmt.Sprintf("different machines: %s × %d then, %s × %d now",
			old.Environment.Hardware.CPUModel, old.Environment.Hardware.CPUs, cur.Environment.Hardware.CPUModel, cur.Environment.Hardware.CPUs))
	}
	olds := map[string]*ConfigResult{}
	for i := range old.Configs {
		if old.Configs[i].Status == StatusOK && old.Configs[i].Summary != nil {
			olds[old.Configs[i].Name] = &old.Configs[i]
		}
	}
	seen := map[string]bool{}
	for i := range cur.Configs {
		nc := &cur.Configs[i]
		if nc.Status != StatusOK || nc.Summary == nil {
			continue
		}
		seen[nc.Name] = true
		oc, ok := olds[nc.Name]
		if !ok {
			c.Notes = append(c.Notes, nc.Name+": not in the old report")
			continue
		}
		if oc.Files != nc.Files || oc.Workers != nc.Workers {
			c.Notes = append(c.Notes, fmt.Sprintf("%s: different work (%d files, %d workers then; %d files, %d workers now)",
				nc.Name, oc.Files, oc.Workers, nc.Files, nc.Workers))
		}
		if op, np := oc.Summary.MachineMBps.Median, nc.Summary.MachineMBps.Median; op > 0 && np > 0 {
			if d := 100 * (np - op) / op; d >= MachineNotePct || d <= -MachineNotePct {
				c.Notes = append(c.Notes, fmt.Sprintf("%s: the machine-speed probe moved %+.0f%% (%.0f to %.0f MB/s): part of any change is the machine's, not dataplus's",
					nc.Name, d, op, np))
			}
		}
		var headline, stages []Change
		for _, m := range compared() {
			ost, nst := m.get(oc.Summary), m.get(nc.Summary)
			if ost == nil || nst == nil || ost.Median == 0 {
				continue
			}
			ch := change(nc.Name, m, *ost, *nst)
			switch {
			case ch == nil:
				c.Unchanged++
			case !ch.Slower:
				c.Improvements = append(c.Improvements, *ch)
			case m.stage:
				stages = append(stages, *ch)
			default:
				headline = append(headline, *ch)
			}
		}
		c.Regressions = append(c.Regressions, headline...)
		if len(headline) > 0 {
			c.Regressions = append(c.Regressions, stages...)
		} else {
			c.StageShifts = append(c.StageShifts, stages...)
		}
	}
	for name := range olds {
		if !seen[name] {
			c.Notes = append(c.Notes, name+": in the old report only")
		}
	}
	slices.Sort(c.Notes)
	// Worst first.
	worst := func(a, b Change) int { return cmp.Compare(math.Abs(b.ChangePct), math.Abs(a.ChangePct)) }
	slices.SortStableFunc(c.Regressions, worst)
	slices.SortStableFunc(c.Improvements, worst)
	slices.SortStableFunc(c.StageShifts, worst)
	return c
}

// change is the change of one figure, or nil when within the noise.
func change(config string, m metric, o, n Stat) *Change {
	tol := max(o.NoisePct+n.NoisePct, MinTolerancePct)
	pct := 100 * (n.Median - o.Median) / math.Abs(o.Median)
	if math.Abs(pct) <= tol {
		return nil
	}
	slower := (pct < 0) == m.higherBetter
	word := "better"
	if slower {
		word = "worse"
	}
	return &Change{
		Config: config, Metric: m.name, Unit: m.unit,
		Old: o.Median, New: n.Median, ChangePct: round(pct, 1), TolerancePct: round(tol, 1), Slower: slower,
		Text: fmt.Sprintf("%s %s: %.4g → %.4g %s (%+.1f%%, %s; noise ±%.1f%%)", config, m.name, o.Median, n.Median, m.unit, pct, word, tol),
	}
}
