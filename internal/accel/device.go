package accel

import (
	"fmt"
	"strconv"
	"strings"
)

// Device kinds.
const (
	Auto = "auto"
	CPU  = "cpu"
	CUDA = "cuda"
)

// Device is a parsed device name.
type Device struct {
	Kind  string // Auto, CPU or CUDA
	Index int    // the GPU for "cuda:N"; -1 for every visible GPU
}

// String formats the device as ParseDevice reads it.
func (d Device) String() string {
	if d.Kind == CUDA && d.Index >= 0 {
		return fmt.Sprintf("cuda:%d", d.Index)
	}
	return d.Kind
}

// GPU reports whether the device may be a GPU.
func (d Device) GPU() bool { return d.Kind == CUDA || d.Kind == Auto }

// ParseDevice reads "auto", "cpu", "cuda", "cuda:N" (also "gpu" and
// "gpu:N"). The empty string is "auto".
func ParseDevice(s string) (Device, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "", Auto:
		return Device{Kind: Auto, Index: -1}, nil
	case CPU:
		return Device{Kind: CPU, Index: -1}, nil
	case CUDA, "gpu":
		return Device{Kind: CUDA, Index: -1}, nil
	}
	for _, p := range []string{"cuda:", "gpu:"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			n, err := strconv.Atoi(rest)
			if err != nil || n < 0 {
				return Device{}, fmt.Errorf("device %q: want cuda:N with N a GPU number (0, 1, ...)", s)
			}
			return Device{Kind: CUDA, Index: n}, nil
		}
	}
	return Device{}, fmt.Errorf("device %q: want auto, cpu, cuda or cuda:N", s)
}

// Precision names.
const (
	FP32 = "fp32"
	BF16 = "bf16"
)

// ParsePrecision checks a precision name ("" is fp32).
func ParsePrecision(s string) (string, error) {
	switch strings.ToLower(s) {
	case "", FP32, "float32":
		return FP32, nil
	case BF16, "bfloat16":
		return BF16, nil
	}
	return "", fmt.Errorf("precision %q: want fp32 or bf16", s)
}
