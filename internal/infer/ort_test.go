package infer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"dataplus/internal/record"
)

func TestNewORTMissingLibrary(t *testing.T) {
	dir := t.TempDir()
	_, err := NewORT(ORTOptions{AssetsDir: dir})
	if !errors.Is(err, record.ErrUnavailable) {
		t.Fatalf("NewORT = %v, want record.ErrUnavailable", err)
	}
	if record.KindOf(err) != record.KindBackendUnavailable {
		t.Errorf("kind %s", record.KindOf(err))
	}
	for _, want := range []string{"libonnxruntime.so.1", dir, "make setup", "dataplus setup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestLoadMissingModel(t *testing.T) {
	b, _ := testBackend(t)
	dir := t.TempDir()
	r, err := NewRegistry(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := r.Model(DetectorName)
	_, err = Load(context.Background(), b, m)
	if !errors.Is(err, record.ErrUnavailable) || !strings.Contains(err.Error(), "make setup") || !strings.Contains(err.Error(), m.File) {
		t.Errorf("Load = %v, want ErrUnavailable naming %s and make setup", err, m.File)
	}
}

// whitePage returns a white w×h image.
func whitePage(w, h int) Image {
	im := Image{Width: w, Height: h, Pix: make([]byte, 3*w*h)}
	for i := range im.Pix {
		im.Pix[i] = 255
	}
	return im
}

// textBox is a line of "characters" in image pixels.
type textBox struct{ x0, y0, x1, y1 int }

// textPage draws lines of dark glyph-sized blocks on white: the
// detector's input statistics without a font.
func textPage(w, h int) (Image, []textBox) {
	im := whitePage(w, h)
	var lines []textBox
	for y := 24; y+14 <= h-16; y += 36 {
		line := textBox{x0: 20, y0: y, x1: w - 40, y1: y + 14}
		lines = append(lines, line)
		for x := line.x0; x+8 <= line.x1; x += 11 {
			gw := 6 + (x/11)%3 // glyphs of varying width
			for yy := y; yy < y+14; yy++ {
				for xx := x; xx < x+gw; xx++ {
					i := 3 * (yy*w + xx)
					im.Pix[i], im.Pix[i+1], im.Pix[i+2] = 20, 20, 20
				}
			}
		}
	}
	return im, lines
}

// detect runs one image through the detector and returns the cropped
// probability map [1, 1, h, w] and the pooled embedding.
func detect(t *testing.T, l *Loaded, im Image, longSide int) (Tensor, Tensor, Region) {
	t.Helper()
	x, reg, err := Preprocess(l.Model.Input, im, longSide)
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.Session.Run(context.Background(), map[string]Tensor{l.Input: x})
	if err != nil {
		t.Fatal(err)
	}
	prob, err := reg.Crop(out[DetectorMap])
	if err != nil {
		t.Fatal(err)
	}
	emb, err := Pool(out[l.Embedding], l.Model.Embedding.Pool)
	if err != nil {
		t.Fatal(err)
	}
	return prob, emb, reg
}

func TestDetector(t *testing.T) {
	b, dir := testBackend(t)
	l := loadDetector(t, b, dir)
	if l.Input != "x" || l.Embedding != detectorBackbone {
		t.Fatalf("input %q, embedding %q", l.Input, l.Embedding)
	}
	t.Logf("onnxruntime %s; inputs %v; outputs %v", ORTVersion(), l.Session.Inputs(), l.Session.Outputs())
	if !strings.HasPrefix(ORTVersion(), "1.30") {
		t.Errorf("ORT version %q, want 1.30.x", ORTVersion())
	}

	white, wEmb, reg := detect(t, l, whitePage(320, 224), 320)
	if reg.InputWidth != 320 || reg.InputHeight != 256 {
		t.Fatalf("white page input %dx%d, want the 320×256 canvas", reg.InputWidth, reg.InputHeight)
	}
	if got := white.Shape; got[2] != 224 || got[3] != 320 {
		t.Fatalf("map shape %v", got)
	}
	if mx := maxOf(white.Data); mx > 0.05 {
		t.Errorf("white page: max text probability %.3f, want near 0", mx)
	}
	if int(wEmb.Shape[1]) != l.Model.Embedding.Dims {
		t.Errorf("embedding %v, want %d dims", wEmb.Shape, l.Model.Embedding.Dims)
	}

	im, lines := textPage(320, 224)
	prob, emb, _ := detect(t, l, im, 320)
	w := int(prob.Shape[3])
	// DBNet marks each text region shrunk towards its centre line, so a
	// line's box is about half covered; far from every line it is 0.
	near := make([]bool, len(prob.Data))
	for i, ln := range lines {
		var sum float64
		var mx float32
		for y := ln.y0; y < ln.y1; y++ {
			for x := ln.x0; x < ln.x1; x++ {
				v := prob.Data[y*w+x]
				sum += float64(v)
				mx = max(mx, v)
			}
		}
		mean := sum / float64((ln.y1-ln.y0)*(ln.x1-ln.x0))
		t.Logf("line %d: mean probability %.3f, max %.3f", i, mean, mx)
		if mean < 0.3 || mx < 0.9 {
			t.Errorf("line %d: mean probability %.3f, max %.3f; want > 0.3 and > 0.9", i, mean, mx)
		}
		for y := max(0, ln.y0-8); y < min(int(prob.Shape[2]), ln.y1+8); y++ {
			for x := range w {
				near[y*w+x] = true
			}
		}
	}
	var farSum float64
	var farN int
	var farMax float32
	for i, v := range prob.Data {
		if !near[i] {
			farSum += float64(v)
			farN++
			farMax = max(farMax, v)
		}
	}
	if farSum/float64(farN) > 0.02 || farMax > 0.3 {
		t.Errorf("between lines: mean probability %.3f, max %.3f; want near 0", farSum/float64(farN), farMax)
	}
	if _, same := closeRel(emb.Data, wEmb.Data, 1e-3); same {
		t.Error("text and white pages have the same embedding")
	}

	// Deterministic: the same input gives the same bits.
	prob2, emb2, _ := detect(t, l, im, 320)
	if i, ok := closeRel(prob.Data, prob2.Data, 0); !ok {
		t.Errorf("second run differs at %d", i)
	}
	if i, ok := closeRel(emb.Data, emb2.Data, 0); !ok {
		t.Errorf("second run's embedding differs at %d", i)
	}
}

func TestDetectorPadding(t *testing.T) {
	b, dir := testBackend(t)
	l := loadDetector(t, b, dir)
	// 300×200 at long side 300: the 320×256 canvas, filled along its
	// width: 320×213 valid.
	im, _ := textPage(300, 200)
	prob, _, reg := detect(t, l, im, 300)
	if reg.InputWidth != 320 || reg.InputHeight != 256 || reg.Width != 320 || reg.Height != 213 {
		t.Fatalf("region %+v", reg)
	}
	if prob.Shape[2] != 213 || prob.Shape[3] != 320 {
		t.Errorf("cropped map %v, want 213×320", prob.Shape)
	}
}

func TestRunErrors(t *testing.T) {
	b, dir := testBackend(t)
	l := loadDetector(t, b, dir)
	ctx := context.Background()
	tests := []struct {
		name   string
		inputs map[string]Tensor
		want   string
	}{
		{"no inputs", map[string]Tensor{}, "got 0 inputs"},
		{"wrong name", map[string]Tensor{"y": NewTensor(1, 3, 32, 32)}, `missing input "x"`},
		{"wrong channels", map[string]Tensor{"x": NewTensor(1, 4, 32, 32)}, "model wants"},
		{"short data", map[string]Tensor{"x": {Shape: []int64{1, 3, 32, 32}, Data: make([]float32, 5)}}, "needs 3072 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Session.Run(ctx, tt.inputs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run = %v, want %q", err, tt.want)
			}
		})
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Session.Run(canceled, map[string]Tensor{"x": NewTensor(1, 3, 32, 32)}); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a canceled context = %v", err)
	}
	l.Session.Close()
	if _, err := l.Session.Run(ctx, map[string]Tensor{"x": NewTensor(1, 3, 32, 32)}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Run after Close = %v", err)
	}
}

func TestRunCancelInFlight(t *testing.T) {
	b, dir := testBackend(t)
	l := loadDetector(t, b, dir)
	x := NewTensor(8, 3, 640, 640) // about a second of work on 2 cores
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := l.Session.Run(ctx, map[string]Tensor{l.Input: x})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %v, want DeadlineExceeded", err)
	}
	t.Logf("terminated after %v", time.Since(start))
	// The session still works.
	if _, err := l.Session.Run(context.Background(), map[string]Tensor{l.Input: NewTensor(1, 3, 64, 64)}); err != nil {
		t.Fatal(err)
	}
}

func maxOf(v []float32) float32 {
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
