package bench

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Write writes the report as JSON to path, the Markdown summary beside it
// (the same name ending in .md) and the charts (NAME-KIND.png), and
// returns the files written.
func Write(rep *Report, path string) ([]string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("write report: %w", err)
	}
	base := strings.TrimSuffix(path, filepath.Ext(path))
	if err := WriteJSON(path, rep); err != nil {
		return nil, err
	}
	files := []string{path}
	charts, err := writeCharts(rep, base)
	for _, c := range charts {
		files = append(files, c.Path)
	}
	if err != nil {
		return files, err
	}
	md := base + ".md"
	f, err := os.Create(md)
	if err != nil {
		return files, fmt.Errorf("write summary: %w", err)
	}
	w := bufio.NewWriter(f)
	WriteMarkdown(w, rep, charts)
	if err := w.Flush(); err != nil {
		f.Close()
		return files, fmt.Errorf("write summary: %w", err)
	}
	if err := f.Close(); err != nil {
		return files, fmt.Errorf("write summary: %w", err)
	}
	return append(files, md), nil
}

// num formats a figure with about three significant digits.
func num(x float64) string {
	switch ax := abs(x); {
	case ax == 0:
		return "0"
	case ax >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case ax >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case ax >= 1:
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}

// stat formats a median and its noise.
func stat(s Stat) string {
	if s.N == 0 {
		return "–"
	}
	if s.N == 1 {
		return num(s.Median)
	}
	return fmt.Sprintf("%s ±%.1f%%", num(s.Median), s.NoisePct)
}

func kinds(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// WriteMarkdown writes the report for people: the results table first,
// then the details, the peers, the sweeps, the memory profile and the
// comparison. charts are linked by file name (they sit beside it).
func WriteMarkdown(w io.Writer, rep *Report, charts []Chart) {
	chart := func(kind string) {
		for _, c := range charts {
			if c.Kind == kind {
				fmt.Fprintf(w, "\n![%s](%s)\n", c.Title, filepath.Base(c.Path))
			}
		}
	}
	env := rep.Environment
	hw, sw := env.Hardware, env.Software
	fmt.Fprintf(w, "# dataplus bench\n\n")
	commit := sw.Commit
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if commit == "" {
		commit = "unknown"
	}
	if sw.Modified {
		commit += ", modified"
	}
	fmt.Fprintf(w, "%s · dataplus %s (commit %s) · %s", rep.Created.Format("2006-01-02 15:04 MST"), sw.Dataplus, commit, sw.Go)
	if sw.ONNXRuntime != "" {
		fmt.Fprintf(w, " · ONNX Runtime %s", sw.ONNXRuntime)
	}
	fmt.Fprintf(w, "\n\n")
	gpu := "none: " + hw.GPU.Reason
	if hw.GPU.Found {
		gpu = fmt.Sprintf("%s (%s, %.0f MiB)", hw.GPU.Name, hw.GPU.Backend, hw.GPU.MemoryMiB)
	}
	fmt.Fprintf(w, "- **Machine:** %s × %d CPUs (GOMAXPROCS %d), %.0f MiB, %s/%s %s\n", hw.CPUModel, hw.CPUs, hw.GOMAXPROCS, hw.MemoryMiB, hw.OS, hw.Arch, hw.Kernel)
	fmt.Fprintf(w, "- **GPU:** %s\n", gpu)
	st := rep.Settings
	fmt.Fprintf(w, "- **Files:** `%s` (%d PDFs); %d rounds per configuration after an untimed warm-up", st.Files, st.FilesFound, st.Rounds)
	if st.MinDurationMS > 0 {
		fmt.Fprintf(w, "; each round repeats its files for at least %s", time.Duration(st.MinDurationMS)*time.Millisecond)
	}
	fmt.Fprintf(w, ". %s.\n", capitalize(st.Sample))
	fmt.Fprintf(w, "- **Noise:** figures are medians over the rounds, ±noise_pct: %s\n", st.NoiseRule)
	fmt.Fprintf(w, "- **Whole benchmark:** %s\n", (time.Duration(rep.WallMS) * time.Millisecond).Round(time.Second))

	fmt.Fprintf(w, "\n## Results\n\n")
	fmt.Fprintf(w, "| configuration | status | workers | files per pass | files/s | pages/s | embedded pages/s | latency p50 / p90 / p99 ms | cores used (others) | peak / steady RSS MiB | errors (one pass) |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range rep.Configs {
		if c.Status != StatusOK || c.Summary == nil {
			fmt.Fprintf(w, "| %s | %s: %s | | | | | | | | | |\n", c.Name, c.Status, mdCell(c.Reason))
			continue
		}
		s := c.Summary
		emb := "–"
		if s.EmbeddedPagesPerSec != nil {
			emb = stat(*s.EmbeddedPagesPerSec)
		}
		fmt.Fprintf(w, "| %s | ok | %d | %d | %s | %s | %s | %s / %s / %s | %s (%s) | %s / %s | %s |\n",
			c.Name, c.Workers, c.Files, stat(s.FilesPerSec), stat(s.PagesPerSec), emb,
			num(s.LatencyP50MS.Median), num(s.LatencyP90MS.Median), num(s.LatencyP99MS.Median),
			num(s.CPUCores.Median), num(s.OtherCores.Median), num(s.PeakRSSMiB.Median), num(s.SteadyRSSMiB.Median), kinds(s.ErrorsByKind))
	}
	for _, sp := range rep.Speedups {
		fmt.Fprintf(w, "\n%s is %.2f× %s on %s.\n", sp.Config, sp.Factor, sp.Over, sp.Metric)
	}

	fmt.Fprintf(w, "\n## Where the time goes\n\nEach stage's share of the summed per-file stage time (median round); `infer` includes waiting for a batch.\n")
	chart("stages")
	fmt.Fprintf(w, "\n| configuration | %s |\n|---|%s\n", strings.Join(stageNames, " | "), strings.Repeat("---|", len(stageNames)))
	for _, c := range rep.Configs {
		if c.Status != StatusOK || c.Summary == nil {
			continue
		}
		var cells []string
		for _, v := range c.Summary.StageShare.values() {
			cells = append(cells, fmt.Sprintf("%.0f%%", 100*v))
		}
		fmt.Fprintf(w, "| %s | %s |\n", c.Name, strings.Join(cells, " | "))
	}

	for _, c := range rep.Configs {
		if c.Status != StatusOK || c.Summary == nil {
			continue
		}
		writeConfig(w, c)
	}
	writePeers(w, rep.Peers)
	writeSweeps(w, rep, chart)
	if mp := rep.Memory; mp != nil {
		fmt.Fprintf(w, "\n## Memory profile: %s\n\n", mp.Config)
		if mp.Status != StatusOK {
			fmt.Fprintf(w, "%s: %s\n", mp.Status, mp.Reason)
		} else {
			fmt.Fprintf(w, "**%s.** %s. %d files in %s, %d samples every %.0f ms, peak RSS %s MiB.\n",
				mp.Verdict, capitalize(mp.Why), mp.Files, (time.Duration(mp.DurationMS) * time.Millisecond).Round(time.Second),
				len(mp.Samples), mp.SampleEveryMS, num(mp.PeakRSSMiB))
			chart("memory")
		}
	}
	if c := rep.Comparison; c != nil {
		writeComparison(w, c)
	}
	fmt.Fprintf(w, "\n---\nHow to read this report, and the JSON schema: docs/bench.md.\n")
}

func writeConfig(w io.Writer, c ConfigResult) {
	fmt.Fprintf(w, "\n## %s\n\n%s. ", c.Name, capitalize(c.Description))
	fmt.Fprintf(w, "%d workers, %d files per pass, %d warm-up files, GOGC %d", c.Workers, c.Files, c.WarmupFiles, c.GOGC)
	if c.Backend != "" {
		fmt.Fprintf(w, "; %s on %s, batch %d (wait %s ms), scales %v, %d pages per document", c.Model, c.Backend, c.Batch, num(c.BatchWaitMS), c.Scales, c.FeaturePages)
		if c.RenderFast {
			fmt.Fprintf(w, ", --render-fast")
		}
	}
	fmt.Fprintf(w, ".\n\n| round | files | pages | embedded | seconds | files/s | pages/s | embedded pages/s | cores (others) | machine MB/s | peak RSS MiB | model busy | mean batch |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for i, rd := range c.Rounds {
		busy, mb := "–", "–"
		if rd.Batches != nil {
			busy, mb = fmt.Sprintf("%.0f%%", 100*rd.Batches.BusyShare), num(rd.Batches.Mean)
		}
		emb, embS := "–", "–"
		if c.Summary.EmbeddedPagesPerSec != nil {
			emb, embS = strconv.Itoa(rd.EmbeddedPages), num(rd.EmbeddedPagesPerSec)
		}
		fmt.Fprintf(w, "| %d | %d | %d | %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s |\n", i+1, rd.Files, rd.Pages, emb,
			num(rd.ElapsedMS/1000), num(rd.FilesPerSec), num(rd.PagesPerSec), embS,
			num(rd.CPU.Cores), num(rd.CPU.OtherCores), num(rd.MachineMBps), num(rd.Memory.PeakRSSMiB), busy, mb)
	}
	s := c.Summary
	var parts []string
	for _, name := range stageNames {
		if v, ok := s.StageMSPerFile[name]; ok {
			parts = append(parts, fmt.Sprintf("%s %s", name, num(v.Median)))
		}
	}
	fmt.Fprintf(w, "\nStage time per file (median ms): %s.\n", strings.Join(parts, ", "))
	if len(s.BatchSizes) > 0 {
		sizes := slices.SortedFunc(maps.Keys(s.BatchSizes), func(a, b string) int {
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			return x - y
		})
		var hist []string
		for _, k := range sizes {
			hist = append(hist, fmt.Sprintf("%s×%d", k, s.BatchSizes[k]))
		}
		busy := s.ModelBusyShare.scale(100)
		fmt.Fprintf(w, "Batch sizes seen (size×batches, all rounds): %s; mean %s; the model was busy %.0f%% of the wall time (±%.1f%%).\n",
			strings.Join(hist, ", "), stat(*s.MeanBatch), busy.Median, busy.NoisePct)
	}
	if len(c.Rounds) > 0 && len(c.Rounds[0].FeatureErrorsByKind) > 0 {
		fmt.Fprintf(w, "Feature errors (one pass; metadata and routes stand): %s.\n", kinds(c.Rounds[0].FeatureErrorsByKind))
	}
	if len(c.Rounds) > 0 && c.Rounds[0].Memory.PeakScope == "process" {
		fmt.Fprintf(w, "Peak RSS is the process's peak so far (the kernel did not let it be reset per round).\n")
	}
}

// scale multiplies a Stat's values (not its noise), e.g. to percent.
func (s *Stat) scale(f float64) Stat {
	if s == nil {
		return Stat{}
	}
	return Stat{Median: s.Median * f, Min: s.Min * f, Max: s.Max * f, NoisePct: s.NoisePct, N: s.N}
}

func writePeers(w io.Writer, peers []Peer) {
	if len(peers) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Peers\n\nSame files, same workers; ratio = dataplus / peer (medians), above 1 dataplus is faster.\n\n")
	fmt.Fprintf(w, "| peer | beside | unit | peer | dataplus | ratio | what |\n|---|---|---|---|---|---|---|\n")
	for _, p := range peers {
		if p.Status != StatusOK {
			fmt.Fprintf(w, "| %s | %s | | %s: %s | | | %s |\n", p.Name, p.Beside, p.Status, mdCell(p.Reason), mdCell(p.What))
			continue
		}
		ours := "–"
		if p.Ours != nil {
			ours = stat(*p.Ours)
		}
		name := p.Name
		if p.Version != "" {
			name += " (" + p.Version + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %.2f× | %s; dataplus: %s |\n", name, p.Beside, p.Unit, stat(p.Throughput), ours, p.Ratio, mdCell(p.What), mdCell(p.OursWhat))
	}
}

func writeSweeps(w io.Writer, rep *Report, chart func(string)) {
	for _, sw := range rep.Sweeps {
		fmt.Fprintf(w, "\n## Sweep: %s (%s, %s)\n\n", sw.Param, sw.Config, sw.Fixed)
		if sw.Status != StatusOK {
			fmt.Fprintf(w, "%s: %s\n", sw.Status, sw.Reason)
			continue
		}
		chart(sw.Param)
		fmt.Fprintf(w, "\n| %s | embedded pages/s | gain | files/s | cores (others) | render | infer | model busy | mean batch | peak RSS MiB |\n|---|---|---|---|---|---|---|---|---|---|\n", sw.Param)
		for _, pt := range sw.Points {
			rd := pt.Round
			busy, mb := "–", "–"
			if rd.Batches != nil {
				busy, mb = fmt.Sprintf("%.0f%%", 100*rd.Batches.BusyShare), num(rd.Batches.Mean)
			}
			fmt.Fprintf(w, "| %d | %s | %+.1f%% | %s | %s (%s) | %.0f%% | %.0f%% | %s | %s | %s |\n", pt.Value, num(pt.Throughput), pt.GainPct,
				num(rd.FilesPerSec), num(rd.CPU.Cores), num(rd.CPU.OtherCores), 100*rd.StageShare.Render, 100*rd.StageShare.Infer, busy, mb, num(rd.Memory.PeakRSSMiB))
		}
		fmt.Fprintf(w, "\n**Recommended %s: %d** (best measured %d). Scaling stops at %d: **%s**. %s.\n", sw.Param, sw.Recommended, sw.Best, sw.StopsScalingAt, sw.Bound, capitalize(sw.Why))
		fmt.Fprintf(w, "One run per point: read differences under the configuration's noise as no difference.\n")
	}
}

func writeComparison(w io.Writer, c *Comparison) {
	ref := c.Old.Created.Format("2006-01-02 15:04 MST")
	if c.Old.Commit != "" {
		ref += ", commit " + c.Old.Commit[:min(12, len(c.Old.Commit))]
	}
	fmt.Fprintf(w, "\n## Compared with the report of %s\n\n%s.\n\n", ref, capitalize(c.Rule))
	if len(c.Regressions) == 0 {
		fmt.Fprintf(w, "**No regression** beyond the noise.\n")
	} else {
		fmt.Fprintf(w, "**%d regressions:**\n\n", len(c.Regressions))
		for _, ch := range c.Regressions {
			fmt.Fprintf(w, "- %s\n", ch.Text)
		}
	}
	if len(c.Improvements) > 0 {
		fmt.Fprintf(w, "\nImprovements:\n\n")
		for _, ch := range c.Improvements {
			fmt.Fprintf(w, "- %s\n", ch.Text)
		}
	}
	if len(c.StageShifts) > 0 {
		fmt.Fprintf(w, "\nStage shifts (the configuration's throughput, latency and memory held):\n\n")
		for _, ch := range c.StageShifts {
			fmt.Fprintf(w, "- %s\n", ch.Text)
		}
	}
	fmt.Fprintf(w, "\n%d figures unchanged within the noise.\n", c.Unchanged)
	for _, n := range c.Notes {
		fmt.Fprintf(w, "- Note: %s\n", n)
	}
}

func mdCell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Headlines are one line per configuration and peer, for a terminal.
func (rep *Report) Headlines() []string {
	var out []string
	for _, c := range rep.Configs {
		if c.Status != StatusOK || c.Summary == nil {
			out = append(out, fmt.Sprintf("%s: %s: %s", c.Name, c.Status, c.Reason))
			continue
		}
		s := c.Summary
		line := fmt.Sprintf("%s: %s files/s, %s pages/s", c.Name, stat(s.FilesPerSec), stat(s.PagesPerSec))
		if s.EmbeddedPagesPerSec != nil {
			line += fmt.Sprintf(", %s embedded pages/s", stat(*s.EmbeddedPagesPerSec))
		}
		line += fmt.Sprintf(", p99 %s ms, %s cores, peak RSS %s MiB (%d rounds of %d files, %d workers)",
			num(s.LatencyP99MS.Median), num(s.CPUCores.Median), num(s.PeakRSSMiB.Median), len(c.Rounds), c.Files, c.Workers)
		out = append(out, line)
	}
	for _, p := range rep.Peers {
		if p.Status != StatusOK {
			out = append(out, fmt.Sprintf("peer %s: %s: %s", p.Name, p.Status, p.Reason))
			continue
		}
		ours := "–"
		if p.Ours != nil {
			ours = stat(*p.Ours)
		}
		out = append(out, fmt.Sprintf("peer %s: %s %s, dataplus %s: %.2f×", p.Name, stat(p.Throughput), p.Unit, ours, p.Ratio))
	}
	if rec := rep.Recommendation; rec != nil {
		for _, w := range rec.Why {
			out = append(out, "recommended: "+w)
		}
	}
	if mp := rep.Memory; mp != nil {
		out = append(out, fmt.Sprintf("memory (%s): %s %s", mp.Config, mp.Verdict, mp.Why))
	}
	if c := rep.Comparison; c != nil {
		for _, ch := range c.Regressions {
			out = append(out, "REGRESSION "+ch.Text)
		}
		for _, ch := range c.StageShifts {
			out = append(out, "stage shift "+ch.Text)
		}
		if len(c.Regressions) == 0 {
			out = append(out, fmt.Sprintf("no regression beyond the noise (%d improvements, %d stage shifts, %d unchanged)",
				len(c.Improvements), len(c.StageShifts), c.Unchanged))
		}
	}
	return out
}
