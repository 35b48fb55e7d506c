package features

import (
	"slices"
	"testing"
)

func TestPoolActivation(t *testing.T) {
	tests := []struct {
		name    string
		a       []float32
		c, h, w int
		want    []float32
	}{
		{"two channels", []float32{1, 2, 3, 4, -1, -2, -3, -4}, 2, 2, 2, []float32{2.5, -2.5, 4, -1}},
		{"one pixel", []float32{7, -3}, 2, 1, 1, []float32{7, -3, 7, -3}},
		{"short map gives zeros", []float32{1, 2, 3}, 2, 2, 2, []float32{0, 0, 0, 0}},
		{"empty plane gives zeros", nil, 3, 0, 4, []float32{0, 0, 0, 0, 0, 0}},
		{"no channels", []float32{1}, 0, 1, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PoolActivation(tt.a, tt.c, tt.h, tt.w)
			if !slices.Equal(got, tt.want) {
				t.Errorf("PoolActivation = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVisualBlock(t *testing.T) {
	s1 := PoolActivation([]float32{1, 3, 5, 7}, 1, 2, 2) // mean 4, max 7
	s2 := PoolActivation([]float32{2, 0}, 2, 1, 1)       // means 2 0, maxes 2 0
	got := VisualBlock([][]float32{s1, s2})
	want := []float32{4, 7, 2, 0, 2, 0}
	if !slices.Equal(got, want) {
		t.Errorf("VisualBlock = %v, want %v", got, want)
	}
	if got := VisualBlock(nil); len(got) != 0 {
		t.Errorf("VisualBlock(nil) = %v, want empty", got)
	}
}
