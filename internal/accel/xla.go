//go:build xla

package accel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"github.com/gomlx/go-xla/pkg/pjrt"
	"github.com/gomlx/gomlx/backends"
	gxla "github.com/gomlx/gomlx/backends/xla"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

const gpuBuilt = true

// reexecEnv marks a process that already restarted itself with the
// plugin's environment, so it never loops.
const reexecEnv = "DATAPLUS_ACCEL_REEXEC"

// openGPU finds and loads the CUDA PJRT plugin, checks that every chosen
// GPU runs a tiny program, and wraps the backend.
func openGPU(ctx context.Context, dev Device, opts Options, prec string, log *slog.Logger) (*GoMLX, string, error) {
	nodes, _ := filepath.Glob("/dev/nvidia[0-9]*")
	if len(nodes) == 0 {
		return nil, "", errors.New("no NVIDIA GPU device (/dev/nvidia0 ...) on this machine")
	}
	plugin, err := FindPlugin(ctx, opts.Plugin)
	if err != nil {
		return nil, "", err
	}
	if err := applyEnv(plugin, log); err != nil {
		return nil, "", err
	}
	gxla.EnableAutoInstall(false) // never download: use the plugin found
	frac := opts.MemoryFraction
	if frac == 0 {
		frac = DefaultMemoryFraction
	}
	clientOpts := pjrt.NamedValuesMap{
		"memory_fraction": float32(frac),
		"preallocate":     false,
	}
	be, err := gxla.NewWithOptions(plugin.Path, clientOpts)
	if err != nil {
		return nil, "", fmt.Errorf("load PJRT plugin %s (found by %s): %w", plugin.Path, plugin.Source, err)
	}
	ok := false
	defer func() {
		if !ok {
			be.Finalize()
		}
	}()
	n := be.NumDevices()
	if n == 0 {
		return nil, "", fmt.Errorf("PJRT plugin %s sees no GPU", plugin.Path)
	}
	var devices []backends.DeviceNum
	if dev.Index >= 0 {
		if dev.Index >= n {
			return nil, "", fmt.Errorf("device cuda:%d does not exist: the plugin sees %d GPU(s), cuda:0 to cuda:%d", dev.Index, n, n-1)
		}
		devices = []backends.DeviceNum{backends.DeviceNum(dev.Index)}
	} else {
		for i := range n {
			devices = append(devices, backends.DeviceNum(i))
		}
	}
	for _, d := range devices {
		if err := probe(be, d); err != nil {
			return nil, "", fmt.Errorf("GPU %d (%s) does not answer: %w", d, be.DeviceDescription(d), err)
		}
	}
	g, err := NewGoMLX(GoMLXOptions{Backend: be, Devices: devices, Name: "xla-cuda", DType: dtypeOf(prec), Buckets: opts.Buckets, Logger: log})
	if err != nil {
		return nil, "", err
	}
	ok = true
	return g, plugin.Path, nil
}

// probe compiles and runs x+1 on device d.
func probe(be backends.Backend, d backends.DeviceNum) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("probe panicked: %v", r)
		}
	}()
	exec, err := graph.NewExec(be, func(x *graph.Node) *graph.Node { return graph.AddScalar(x, 1) })
	if err != nil {
		return err
	}
	defer exec.Finalize()
	out, err := exec.ExecOnDevice(d, []float32{1, 2})
	if err != nil {
		return err
	}
	got := out[0].Value().([]float32)
	if len(got) != 2 || got[0] != 2 || got[1] != 3 {
		return fmt.Errorf("1+[1 2] gave %v", got)
	}
	return nil
}

// applyEnv sets what the plugin needs. LD_LIBRARY_PATH is read by the
// dynamic loader only when a process starts, so when it must change the
// process restarts itself once with the new environment (same arguments,
// same stdin); the other variables are set in place.
func applyEnv(p Plugin, log *slog.Logger) error {
	env := p.Env(os.Getenv)
	if ld, ok := env["LD_LIBRARY_PATH"]; ok && os.Getenv(reexecEnv) == "" {
		for k, v := range env {
			os.Setenv(k, v)
		}
		os.Setenv(reexecEnv, "1")
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("restart with the CUDA libraries on LD_LIBRARY_PATH: %w", err)
		}
		log.Info("restarting with the CUDA libraries on LD_LIBRARY_PATH", "LD_LIBRARY_PATH", ld)
		if err := syscall.Exec(self, os.Args, os.Environ()); err != nil {
			return fmt.Errorf("restart with the CUDA libraries on LD_LIBRARY_PATH: %w", err)
		}
	}
	for k, v := range env {
		if k == "LD_LIBRARY_PATH" {
			continue // restarted once already; keep going with what the loader has
		}
		os.Setenv(k, v)
	}
	return nil
}
