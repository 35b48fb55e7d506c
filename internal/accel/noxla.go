//go:build !xla

package accel

import (
	"context"
	"errors"
	"log/slog"
)

const gpuBuilt = false

// errNotBuilt says how to get a binary with the GPU backend.
var errNotBuilt = errors.New("this dataplus binary was built without the GPU backend: build it with `make build-gpu` " +
	"(go build -tags xla; needs cgo and gcc) and install JAX's CUDA PJRT plugin " +
	"(the Python packages jax-cuda13-plugin and jax-cuda13-pjrt, e.g. pip install \"jax[cuda13]\")")

func openGPU(context.Context, Device, Options, string, *slog.Logger) (*GoMLX, string, error) {
	return nil, "", errNotBuilt
}
