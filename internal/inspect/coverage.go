package inspect

import (
	"math"
	"slices"
)

// rect is an axis-aligned rectangle in page space, x0 <= x1 and y0 <= y1
// when it is not empty.
type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) empty() bool { return !(r.x1 > r.x0 && r.y1 > r.y0) }

func (r rect) area() float64 {
	if r.empty() {
		return 0
	}
	return (r.x1 - r.x0) * (r.y1 - r.y0)
}

func (r rect) intersect(o rect) rect {
	return rect{max(r.x0, o.x0), max(r.y0, o.y0), min(r.x1, o.x1), min(r.y1, o.y1)}
}

// matrix is a PDF transformation matrix [a b c d e f]; points are row
// vectors, so m.mul(n) applies m first, then n (ISO 32000-1, 8.3.4).
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m matrix) apply(x, y float64) (float64, float64) {
	return x*m[0] + y*m[2] + m[4], x*m[1] + y*m[3] + m[5]
}

// bounds returns the axis-aligned bounds of r transformed by m.
func (m matrix) bounds(r rect) rect {
	x0, y0 := m.apply(r.x0, r.y0)
	out := rect{x0, y0, x0, y0}
	for _, p := range [3][2]float64{{r.x1, r.y0}, {r.x0, r.y1}, {r.x1, r.y1}} {
		x, y := m.apply(p[0], p[1])
		out.x0, out.x1 = min(out.x0, x), max(out.x1, x)
		out.y0, out.y1 = min(out.y0, y), max(out.y1, y)
	}
	return out
}

// unitBounds returns the bounds of the unit square under m: where an
// image lands on the page.
func (m matrix) unitBounds() rect {
	return rect{
		m[4] + min(0, m[0]) + min(0, m[2]), m[5] + min(0, m[1]) + min(0, m[3]),
		m[4] + max(0, m[0]) + max(0, m[2]), m[5] + max(0, m[1]) + max(0, m[3]),
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func (r rect) finite() bool {
	return finite(r.x0) && finite(r.y0) && finite(r.x1) && finite(r.y1)
}

// Coverage is measured exactly (coordinate compression) for up to
// exactBoxes boxes; past maxBoxes they are rasterised onto a grid of
// gridSize x gridSize cells over the crop box, sampled at cell centres.
const (
	exactBoxes = 64
	maxBoxes   = 1024
	gridSize   = 128
)

// coverage accumulates the image boxes of one page.
type coverage struct {
	page  rect
	boxes []rect
	grid  []bool // non-nil once there were more than maxBoxes boxes
	max   float64
}

func (c *coverage) reset(page rect) {
	c.page = page
	c.boxes = c.boxes[:0]
	c.grid = nil
	c.max = 0
}

// add records one image box, already clipped to the page.
func (c *coverage) add(r rect) {
	pa := c.page.area()
	if r.empty() || pa <= 0 {
		return
	}
	c.max = max(c.max, r.area()/pa)
	if c.grid != nil {
		c.rasterise(r)
		return
	}
	c.boxes = append(c.boxes, r)
	if len(c.boxes) > maxBoxes {
		c.grid = make([]bool, gridSize*gridSize)
		for _, b := range c.boxes {
			c.rasterise(b)
		}
		c.boxes = c.boxes[:0]
	}
}

func (c *coverage) rasterise(r rect) {
	w := (c.page.x1 - c.page.x0) / gridSize
	h := (c.page.y1 - c.page.y0) / gridSize
	// Cells whose centres lie inside r.
	i0 := max(0, int(math.Ceil((r.x0-c.page.x0)/w-0.5)))
	i1 := min(gridSize-1, int(math.Floor((r.x1-c.page.x0)/w-0.5)))
	j0 := max(0, int(math.Ceil((r.y0-c.page.y0)/h-0.5)))
	j1 := min(gridSize-1, int(math.Floor((r.y1-c.page.y0)/h-0.5)))
	for j := j0; j <= j1; j++ {
		row := c.grid[j*gridSize : (j+1)*gridSize]
		for i := i0; i <= i1; i++ {
			row[i] = true
		}
	}
}

// result returns the union share and the largest single share, 0..1.
func (c *coverage) result() (union, largest float64) {
	pa := c.page.area()
	if pa <= 0 {
		return 0, 0
	}
	if c.grid != nil {
		n := 0
		for _, v := range c.grid {
			if v {
				n++
			}
		}
		return min(1, float64(n)/float64(len(c.grid))), min(1, c.max)
	}
	if len(c.boxes) <= exactBoxes {
		return min(1, unionArea(c.boxes)/pa), min(1, c.max)
	}
	c.grid = make([]bool, gridSize*gridSize)
	for _, b := range c.boxes {
		c.rasterise(b)
	}
	return c.result()
}

// unionArea is the exact area of the union of boxes, by coordinate
// compression: O(n^3) for n boxes, meant for a few dozen.
func unionArea(boxes []rect) float64 {
	switch len(boxes) {
	case 0:
		return 0
	case 1:
		return boxes[0].area()
	}
	xs := make([]float64, 0, 2*len(boxes))
	ys := make([]float64, 0, 2*len(boxes))
	for _, b := range boxes {
		xs = append(xs, b.x0, b.x1)
		ys = append(ys, b.y0, b.y1)
	}
	slices.Sort(xs)
	slices.Sort(ys)
	xs = slices.Compact(xs)
	ys = slices.Compact(ys)
	covered := make([]bool, (len(xs)-1)*(len(ys)-1))
	stride := len(xs) - 1
	for _, b := range boxes {
		i0, _ := slices.BinarySearch(xs, b.x0)
		i1, _ := slices.BinarySearch(xs, b.x1)
		j0, _ := slices.BinarySearch(ys, b.y0)
		j1, _ := slices.BinarySearch(ys, b.y1)
		for j := j0; j < j1; j++ {
			for i := i0; i < i1; i++ {
				covered[j*stride+i] = true
			}
		}
	}
	area := 0.0
	for j := 0; j+1 < len(ys); j++ {
		for i := 0; i+1 < len(xs); i++ {
			if covered[j*stride+i] {
				area += (xs[i+1] - xs[i]) * (ys[j+1] - ys[j])
			}
		}
	}
	return area
}
