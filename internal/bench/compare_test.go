package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareStoredReports feeds Compare two stored reports and checks
// that it names exactly what got slower beyond the noise, and by how
// much.
func TestCompareStoredReports(t *testing.T) {
	old, cur := storedReports(t)
	c := Compare(old, cur)
	want := map[string]float64{ // config metric -> change in percent
		"metadata stage_ms_per_file.scan":       60,
		"CPU_Fallback stage_ms_per_file.render": 60,
		"metadata latency_p99_ms":               50,
		"CPU_Fallback embedded_pages_per_s":     -33.3,
		"CPU_Fallback files_per_s":              -30,
		"CPU_Fallback pages_per_s":              -30,
	}
	got := map[string]float64{}
	for _, r := range c.Regressions {
		got[r.Config+" "+r.Metric] = r.ChangePct
		if !r.Slower || !strings.Contains(r.Text, r.Config) || !strings.Contains(r.Text, "worse") {
			t.Errorf("regression %+v", r)
		}
	}
	if len(got) != len(want) {
		t.Errorf("regressions %v, want %v", got, want)
	}
	for k, pct := range want {
		if g, ok := got[k]; !ok || g != pct {
			t.Errorf("%s: got %v (named: %v), want %+.1f%%", k, g, ok, pct)
		}
	}
	if c.Regressions[0].ChangePct != 60 {
		t.Errorf("worst first: %+v", c.Regressions[0])
	}
	// Within the noise: metadata files/s -3.3% (noise 3+2, floor 5) and
	// CPU_Fallback p50 +10% (noise 5+6) are not named.
	if len(c.Improvements) != 1 || c.Improvements[0].Metric != "peak_rss_mib" || c.Improvements[0].ChangePct != -25 {
		t.Errorf("improvements %+v", c.Improvements)
	}
	if c.Unchanged == 0 {
		t.Error("nothing unchanged")
	}
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "High_Concurrency: in the old report only") {
		t.Errorf("notes %q", c.Notes)
	}
	// A stage that got slower while its configuration's throughput,
	// latency and memory held is a stage shift, not a regression.
	shifted, err := ReadJSON(filepath.Join("testdata", "old.json"))
	if err != nil {
		t.Fatal(err)
	}
	infer := shifted.Configs[1].Summary.StageMSPerFile["infer"]
	infer.Median *= 1.3
	shifted.Configs[1].Summary.StageMSPerFile["infer"] = infer
	sc := Compare(old, shifted)
	if len(sc.Regressions) != 0 || len(sc.StageShifts) != 1 || sc.StageShifts[0].Metric != "stage_ms_per_file.infer" || sc.StageShifts[0].ChangePct != 30 {
		t.Errorf("stage shift: regressions %+v, shifts %+v", sc.Regressions, sc.StageShifts)
	}
	// The same report against itself: nothing moved.
	if same := Compare(cur, cur); len(same.Regressions)+len(same.Improvements) != 0 {
		t.Errorf("a report against itself: %+v", same)
	}
}

func TestReadJSONRefusesOtherSchema(t *testing.T) {
	p := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(p, []byte(`{"schema_version": 99}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadJSON(p); err == nil || !strings.Contains(err.Error(), "schema_version 99") {
		t.Fatalf("err %v", err)
	}
}

// TestCompareNotesMachineSpeed: when the probe moved, the comparison says
// so, so a slower machine is not read as a slower program.
func TestCompareNotesMachineSpeed(t *testing.T) {
	old, cur := storedReports(t)
	for i := range old.Configs {
		if s := old.Configs[i].Summary; s != nil {
			s.MachineMBps = Stat{Median: 3200}
		}
	}
	for i := range cur.Configs {
		if s := cur.Configs[i].Summary; s != nil {
			s.MachineMBps = Stat{Median: 2400}
		}
	}
	c := Compare(old, cur)
	found := false
	for _, n := range c.Notes {
		if strings.Contains(n, "CPU_Fallback: the machine-speed probe moved -25%") {
			found = true
		}
	}
	if !found {
		t.Errorf("notes %q do not mention the probe", c.Notes)
	}
}

// storedReports reads testdata's old and new reports.
func storedReports(t *testing.T) (old, cur *Report) {
	t.Helper()
	old, err := ReadJSON(filepath.Join("testdata", "old.json"))
	if err != nil {
		t.Fatal(err)
	}
	cur, err = ReadJSON(filepath.Join("testdata", "new.json"))
	if err != nil {
		t.Fatal(err)
	}
	return old, cur
}
