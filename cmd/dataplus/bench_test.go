package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dataplus/internal/assets/assetstest"
	"dataplus/internal/bench"
)

func TestSplitBenchConfigs(t *testing.T) {
	for _, tc := range []struct {
		name        string
		args        []string
		names, rest []string
	}{
		{"repeated", []string{"--config", "CPU_Fallback", "-config", "metadata", "--rounds", "1"}, []string{"CPU_Fallback", "metadata"}, []string{"--rounds", "1"}},
		{"comma and equals", []string{"--config=GPU_Full,GPU_No_Deep", "--workers=2"}, []string{"GPU_Full", "GPU_No_Deep"}, []string{"--workers=2"}},
		{"settings file", []string{"--config", "settings.json", "--config", "metadata"}, []string{"metadata"}, []string{"--config", "settings.json"}},
		{"none", []string{"--files", "x"}, nil, []string{"--files", "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			names, rest, err := splitBenchConfigs(tc.args)
			if err != nil || !slices.Equal(names, tc.names) || !slices.Equal(rest, tc.rest) {
				t.Errorf("got %q %q %v, want %q %q", names, rest, err, tc.names, tc.rest)
			}
		})
	}
	if _, _, err := splitBenchConfigs([]string{"--config"}); err == nil {
		t.Error("a trailing --config must be an error")
	}
}

// TestBench runs dataplus bench on fixtures: the report's three formats,
// GPU configurations reported as skipped, and --compare naming a
// regression against a report whose metadata was a hundred times faster.
func TestBench(t *testing.T) {
	dir := sampleDir(t, "text", "mixed", "scanned", "incremental")
	out := filepath.Join(t.TempDir(), "r", "report.json")
	stdout, _ := runOK(t, "bench", "--config", "metadata", "--config", "GPU_Full", "--files", dir, "--output", out, "--rounds", "2", "--no-peers")
	for _, want := range []string{"metadata: ", "GPU_Full: skipped: no GPU found", "wrote " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	base := strings.TrimSuffix(out, ".json")
	for _, p := range []string{out, base + ".md", base + "-stages.png"} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	rep, err := bench.ReadJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Configs[0]
	if c.Name != "metadata" || c.Status != "ok" || c.Files != 4 || len(c.Rounds) != 2 || (os.Getenv("GOGC") == "" && c.GOGC != defaultGCPercent) {
		t.Fatalf("metadata: %+v", c)
	}

	// An older report, a hundred times faster and steady: the new run is
	// a regression. (Rounds of 4 files last milliseconds; their noise can
	// pass 50%, and a drop counts only beyond both reports' noise.)
	rep.Configs[0].Summary.FilesPerSec.Median *= 100
	rep.Configs[0].Summary.FilesPerSec.NoisePct = 0
	data, _ := json.Marshal(rep)
	old := filepath.Join(t.TempDir(), "old.json")
	if err := os.WriteFile(old, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var so, se bytes.Buffer
	code := run([]string{"bench", "--config", "metadata", "--files", dir, "--output", out, "--rounds", "2", "--no-peers", "--compare", old}, nil, &so, &se)
	if code != 1 || !strings.Contains(so.String(), "REGRESSION metadata files_per_s") || !strings.Contains(se.String(), "regressions against") {
		t.Fatalf("exit %d\n%s\n%s", code, so.String(), se.String())
	}
	md, _ := os.ReadFile(base + ".md")
	if !bytes.Contains(md, []byte("regressions:**")) {
		t.Errorf("markdown lacks the comparison:\n%s", md)
	}
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "stray"},
		{"bench", "--rounds", "x"},
		{"bench", "--config"},
	} {
		var so, se bytes.Buffer
		if code := run(args, nil, &so, &se); code != 2 {
			t.Errorf("%q: exit %d, want 2: %s", args, code, se.String())
		}
	}
	var so, se bytes.Buffer
	if code := run([]string{"bench", "--files", t.TempDir(), "--config", "metadata"}, nil, &so, &se); code != 1 || !strings.Contains(se.String(), "no PDF") {
		t.Errorf("empty directory: exit %d: %s", code, se.String())
	}
}

// TestBenchFeatures: CPU_Fallback through the command's own engines.
func TestBenchFeatures(t *testing.T) {
	assetstest.Dir(t)
	dir := sampleDir(t, "text", "scanned")
	out := filepath.Join(t.TempDir(), "report.json")
	runOK(t, "bench", "--config", "CPU_Fallback", "--files", dir, "--output", out, "--rounds", "1",
		"--feature-pages", "1", "--scales", "320", "--no-peers")
	rep, err := bench.ReadJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Configs[0]
	if c.Status != "ok" || c.FeaturePages != 1 || c.Rounds[0].EmbeddedPages != 2 || c.Rounds[0].Batches == nil || c.Backend == "" {
		t.Fatalf("CPU_Fallback: %+v", c)
	}
}
