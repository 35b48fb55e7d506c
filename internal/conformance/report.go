package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Summary counts a report's outcomes. An op passes when every case
// testing it passed (skips aside), fails when any failed.
type Summary struct {
	Ops       Counts   `json:"ops"`
	OpCases   Counts   `json:"op_cases"`
	Models    Counts   `json:"models"`
	FailedOps []string `json:"failed_ops,omitempty"`
	Skipped   []string `json:"skipped,omitempty"`
}

// Counts are passed, failed and skipped totals.
type Counts struct {
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

func (c *Counts) add(status string) {
	switch status {
	case StatusPass:
		c.Passed++
	case StatusFail:
		c.Failed++
	default:
		c.Skipped++
	}
}

func (c Counts) String() string {
	s := fmt.Sprintf("%d passed, %d failed", c.Passed, c.Failed)
	if c.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", c.Skipped)
	}
	return s
}

// Summary counts the results.
func (r Report) Summary() Summary {
	var s Summary
	opStatus := map[string]string{}
	var ops []string
	for _, res := range r.Results {
		if res.Kind == KindModel {
			s.Models.add(res.Status)
		} else {
			s.OpCases.add(res.Status)
			prev, seen := opStatus[res.Op]
			if !seen {
				ops = append(ops, res.Op)
			}
			switch {
			case res.Status == StatusFail || prev == StatusFail:
				opStatus[res.Op] = StatusFail
			case res.Status == StatusPass || prev == StatusPass:
				opStatus[res.Op] = StatusPass
			default:
				opStatus[res.Op] = StatusSkip
			}
		}
		if res.Status == StatusSkip {
			s.Skipped = append(s.Skipped, res.Name)
		}
	}
	for _, op := range ops {
		s.Ops.add(opStatus[op])
		if opStatus[op] == StatusFail {
			s.FailedOps = append(s.FailedOps, op)
		}
	}
	slices.Sort(s.FailedOps)
	return s
}

// String is the summary line: "ops: 93 passed, 0 failed (240 cases: 240
// passed, 0 failed); models: 3 passed, 0 failed".
func (s Summary) String() string {
	var parts []string
	if n := s.OpCases.Passed + s.OpCases.Failed + s.OpCases.Skipped; n > 0 {
		parts = append(parts, fmt.Sprintf("ops: %s (%d cases: %s)", s.Ops, n, s.OpCases))
	}
	if s.Models.Passed+s.Models.Failed+s.Models.Skipped > 0 {
		parts = append(parts, "models: "+s.Models.String())
	}
	if len(parts) == 0 {
		return "no cases"
	}
	return strings.Join(parts, "; ")
}

// Passed reports whether no case failed.
func (r Report) Passed() bool { return len(r.Failed()) == 0 }

// Failed returns the failed results.
func (r Report) Failed() []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Status == StatusFail {
			out = append(out, res)
		}
	}
	return out
}

// Table writes the report as an aligned text table, one row per case,
// then each failure's full error, then the summary line.
func (r Report) Table(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "reference %s, candidate %s, tol %.0e, seed %d\n", r.Reference, r.Candidate, r.Tol, r.Seed)
	var rows strings.Builder
	tw := tabwriter.NewWriter(&rows, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tCASE\tOP\tOPSET\tREL_ERR\tREF\tCAND\tNOTE")
	for _, res := range r.Results {
		status := res.Status
		if status == StatusFail {
			status = "FAIL"
		}
		relErr := "-"
		if len(res.Outputs) > 0 {
			relErr = fmt.Sprintf("%.2e", res.RelErr)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", status, res.Name, res.Op, res.Opset, relErr,
			short(res.RefTime), short(res.CandTime), note(res.Err, 60))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	for line := range strings.Lines(rows.String()) {
		b.WriteString(strings.TrimRight(line, " \n") + "\n")
	}
	if failed := r.Failed(); len(failed) > 0 {
		fmt.Fprintf(&b, "\nfailures (seed %d):\n", r.Seed)
		for _, res := range failed {
			fmt.Fprintf(&b, "  %s: %s\n", res.Name, strings.ReplaceAll(res.Err, "\n", "\n    "))
		}
	}
	s := r.Summary()
	if len(s.FailedOps) > 0 {
		fmt.Fprintf(&b, "failed ops: %s\n", strings.Join(s.FailedOps, " "))
	}
	fmt.Fprintf(&b, "%s (%s)\n", s, time.Duration(r.Elapsed).Round(time.Millisecond))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// WriteJSON writes the report, with its summary, as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	v := struct {
		Report
		Summary Summary `json:"summary"`
	}{r, r.Summary()}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// short formats a duration for the table: "0s" style, 3 significant
// figures, "-" for zero.
func short(d Duration) string {
	t := time.Duration(d)
	switch {
	case t == 0:
		return "-"
	case t < time.Millisecond:
		return t.Round(time.Microsecond).String()
	case t < time.Second:
		return t.Round(100 * time.Microsecond).String()
	default:
		return t.Round(10 * time.Millisecond).String()
	}
}

// note is the first line of s, cut to n runes.
func note(s string, n int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}
