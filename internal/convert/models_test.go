package convert

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"dataplus/internal/assets"
	"dataplus/internal/assets/assetstest"
	"dataplus/internal/infer"
)

// The bundled PaddleOCR models load, and the direction classifier and
// the detector (at a small size) match ONNX Runtime.
func TestBundledModels(t *testing.T) {
	dir := assetstest.Dir(t)
	tests := []struct {
		file  string
		opset int64
		shape []int64 // nil: Load only
	}{
		{assets.OCRDirection, 9, []int64{1, 3, 48, 192}},
		{assets.OCRDetector, 11, []int64{1, 3, 64, 64}},
		{"ch_PP-OCRv4_rec_infer.onnx", 9, []int64{1, 3, 48, 64}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Load(data)
			if err != nil {
				t.Fatal(err)
			}
			if m.Opset() != tt.opset {
				t.Errorf("opset %d, want %d", m.Opset(), tt.opset)
			}
			if len(m.Inputs()) != 1 || m.Inputs()[0].Name != "x" || len(m.Outputs()) != 1 {
				t.Fatalf("inputs %v, outputs %v", m.Inputs(), m.Outputs())
			}
			if tt.shape == nil {
				return
			}
			in := map[string]infer.Tensor{"x": textImage(tt.shape)}
			start := time.Now()
			got := runGo(t, data, Options{}, in)
			t.Logf("simplego: %v", time.Since(start))
			name := m.Outputs()[0].Name
			want := runORT(t, data, nil, in)
			checkClose(t, name, got[name], want[name], 1e-4)
			t.Logf("relative error %.2g (max |ref| %.3g)", relErr(got[name].Data, want[name].Data), maxAbs(want[name].Data))
		})
	}
}

// textImage is a normalised NCHW page of dark bars ("text lines") on
// white, so that the detector's probabilities span [0, 1] (on noise they
// are all below 1e-6, where ONNX Runtime's sigmoid approximation is only
// accurate to about 6e-8 absolute).
func textImage(shape []int64) infer.Tensor {
	x := infer.NewTensor(shape...)
	h, w := int(shape[2]), int(shape[3])
	mean := []float32{0.485, 0.456, 0.406}
	std := []float32{0.229, 0.224, 0.225}
	for c := range 3 {
		for y := range h {
			for xx := range w {
				v := float32(1)
				line := y % 16
				if line >= 4 && line < 10 && xx >= 4 && xx < w-4 && (xx/5)%4 != 3 {
					v = 0.1
				}
				x.Data[(c*h+y)*w+xx] = (v - mean[c]) / std[c]
			}
		}
	}
	return x
}

func maxAbs(vs []float32) float32 {
	var m float32
	for _, v := range vs {
		m = max(m, v, -v)
	}
	return m
}
