package infer

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkDetector measures the bundled detector on ONNX Runtime with two
// intra-op threads, on square text pages, in images/s:
//
//	go test -run '^$' -bench Detector -benchtime 3x ./internal/infer
func BenchmarkDetector(b *testing.B) {
	backend, dir := testBackend(b)
	l := loadDetector(b, backend, dir)
	for _, size := range []int{320, 640} {
		im, _ := textPage(size, size)
		x, _, err := Preprocess(l.Model.Input, im, size)
		if err != nil {
			b.Fatal(err)
		}
		for _, batch := range []int{1, 4, 8} {
			items := make([]Tensor, batch)
			for i := range items {
				items[i] = x
			}
			in, err := Stack(items)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("px%d/batch%d", size, batch), func(b *testing.B) {
				ctx := context.Background()
				// The first Run of a shape plans memory; keep it out of the timing.
				if _, err := l.Session.Run(ctx, map[string]Tensor{l.Input: in}); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := l.Session.Run(ctx, map[string]Tensor{l.Input: in}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}
