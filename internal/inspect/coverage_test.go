package inspect

import (
	"math"
	"testing"
)

func TestUnionArea(t *testing.T) {
	tests := []struct {
		name  string
		boxes []rect
		want  float64
	}{
		{"none", nil, 0},
		{"one", []rect{{0, 0, 2, 3}}, 6},
		{"disjoint", []rect{{0, 0, 1, 1}, {2, 2, 3, 3}}, 2},
		{"overlapping", []rect{{0, 0, 2, 2}, {1, 1, 3, 3}}, 7},
		{"nested", []rect{{0, 0, 4, 4}, {1, 1, 2, 2}}, 16},
		{"identical", []rect{{0, 0, 1, 1}, {0, 0, 1, 1}, {0, 0, 1, 1}}, 1},
		{"strips", []rect{{0, 0, 10, 1}, {0, 1, 10, 2}, {0, 2, 10, 3}}, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unionArea(tt.boxes); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("unionArea = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCoverageManyBoxes(t *testing.T) {
	// 2,000 horizontal strips over the lower half of the page: past
	// maxBoxes the grid takes over and must still give about 0.5.
	var c coverage
	c.reset(letter)
	for i := range 2000 {
		y := float64(i) * 396 / 2000
		c.add(rect{0, y, 612, y + 396.0/2000})
	}
	union, largest := c.result()
	if math.Abs(union-0.5) > 0.02 {
		t.Errorf("union = %v, want about 0.5", union)
	}
	if math.Abs(largest-1.0/4000) > 1e-9 {
		t.Errorf("largest = %v", largest)
	}
	// Between exactBoxes and maxBoxes boxes: rasterised at the end.
	c.reset(letter)
	for i := range 100 {
		x := float64(i) * 6.12
		c.add(rect{x, 0, x + 6.12, 792})
	}
	if union, _ := c.result(); math.Abs(union-1) > 0.02 {
		t.Errorf("union of 100 columns = %v, want about 1", union)
	}
}

func TestMatrix(t *testing.T) {
	m := matrix{2, 0, 0, 3, 10, 20}.mul(matrix{0, 1, -1, 0, 0, 0}) // scale, then rotate 90°
	x, y := m.apply(1, 1)
	if math.Abs(x+23) > 1e-9 || math.Abs(y-12) > 1e-9 {
		t.Errorf("apply = %v %v, want -23 12", x, y)
	}
	if b := m.unitBounds(); b != (rect{-23, 10, -20, 12}) {
		t.Errorf("unitBounds = %+v", b)
	}
}
