package accel

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseDevice(t *testing.T) {
	for in, want := range map[string]string{
		"": "auto", "auto": "auto", "cpu": "cpu", "CUDA": "cuda", "gpu": "cuda", "cuda:0": "cuda:0", "cuda:3": "cuda:3", "gpu:1": "cuda:1",
	} {
		d, err := ParseDevice(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDevice(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"tpu", "cuda:", "cuda:-1", "cuda:x", "metal"} {
		if _, err := ParseDevice(in); err == nil {
			t.Errorf("ParseDevice(%q) accepted", in)
		}
	}
	for in, want := range map[string]string{"": FP32, "fp32": FP32, "BF16": BF16, "bfloat16": BF16} {
		if got, err := ParsePrecision(in); err != nil || got != want {
			t.Errorf("ParsePrecision(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParsePrecision("fp8"); err == nil {
		t.Error("ParsePrecision(fp8) accepted")
	}
}

// fakeSitePackages lays out a pip install of JAX's CUDA plugin.
func fakeSitePackages(t *testing.T) (plugin, nvidia string) {
	site := t.TempDir()
	plugin = filepath.Join(site, "jax_plugins", "xla_cuda13", "xla_cuda_plugin.so")
	nvidia = filepath.Join(site, "nvidia")
	for _, d := range []string{filepath.Dir(plugin), filepath.Join(nvidia, "cu13", "lib"), filepath.Join(nvidia, "cudnn", "lib")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(plugin, []byte("not really a plugin"), 0o644); err != nil {
		t.Fatal(err)
	}
	return plugin, nvidia
}

func TestFindPluginGivenAndEnv(t *testing.T) {
	plugin, nvidia := fakeSitePackages(t)
	p, err := FindPlugin(context.Background(), plugin)
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != "flag" || p.NvidiaDir != nvidia || len(p.LibDirs) != 2 {
		t.Errorf("FindPlugin(flag) = %+v", p)
	}
	t.Setenv(PluginEnv, plugin)
	if p, err = FindPlugin(context.Background(), ""); err != nil || p.Source != PluginEnv {
		t.Errorf("FindPlugin(env) = %+v, %v", p, err)
	}
	t.Setenv(PluginEnv, filepath.Join(t.TempDir(), "missing.so"))
	if _, err = FindPlugin(context.Background(), ""); !errors.Is(err, ErrNoPlugin) || !strings.Contains(err.Error(), PluginEnv) {
		t.Errorf("missing env plugin: %v", err)
	}
	if _, err = FindPlugin(context.Background(), "/nonexistent/plugin.so"); !errors.Is(err, ErrNoPlugin) {
		t.Errorf("missing flag plugin: %v", err)
	}
}

func TestFindPluginSearchSaysWhatItTried(t *testing.T) {
	t.Setenv(PluginEnv, "")
	t.Setenv("PATH", t.TempDir()) // no python
	t.Setenv("VIRTUAL_ENV", "")
	t.Setenv("HOME", t.TempDir())
	_, err := FindPlugin(context.Background(), "")
	if err == nil {
		t.Skip("a CUDA PJRT plugin is installed on this machine")
	}
	for _, want := range []string{"no CUDA PJRT plugin", "jax", PluginEnv, "--pjrt-plugin"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestPluginEnv(t *testing.T) {
	plugin, nvidia := fakeSitePackages(t)
	p, err := FindPlugin(context.Background(), plugin)
	if err != nil {
		t.Fatal(err)
	}
	env := p.Env(func(k string) string {
		return map[string]string{"LD_LIBRARY_PATH": "/usr/lib/x", "XLA_FLAGS": "--xla_dump_to=/tmp/d"}[k]
	})
	if env["GOPJRT_CUDA_CHECKS"] != "0" {
		t.Errorf("GOPJRT_CUDA_CHECKS = %q", env["GOPJRT_CUDA_CHECKS"])
	}
	if want := "--xla_dump_to=/tmp/d --xla_gpu_cuda_data_dir=" + nvidia; env["XLA_FLAGS"] != want {
		t.Errorf("XLA_FLAGS = %q, want %q", env["XLA_FLAGS"], want)
	}
	ld := filepath.SplitList(env["LD_LIBRARY_PATH"])
	if len(ld) != 3 || ld[2] != "/usr/lib/x" || !strings.HasPrefix(ld[0], nvidia) {
		t.Errorf("LD_LIBRARY_PATH = %q", env["LD_LIBRARY_PATH"])
	}
	// Already set up: nothing changes.
	done := p.Env(func(k string) string {
		switch k {
		case "LD_LIBRARY_PATH":
			return strings.Join(p.LibDirs, ":")
		case "XLA_FLAGS":
			return "--xla_gpu_cuda_data_dir=/elsewhere"
		case "GOPJRT_CUDA_CHECKS":
			return "1"
		}
		return ""
	})
	if len(done) != 0 {
		t.Errorf("env already set, still changes %v", done)
	}
}

// TestNvidiaSMI reads a fake nvidia-smi's answers, and says "no" without one.
func TestNvidiaSMI(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	if _, ok := GPUMemoryMiB(context.Background()); ok {
		t.Fatal("GPU memory read without nvidia-smi")
	}
	script := `#!/bin/sh
case "$1" in
--query-gpu=memory.used) printf '1024\n 512\n' ;;
--query-gpu=name,memory.total) printf 'NVIDIA H200, 143771\nNVIDIA H200, 143771\n' ;;
esac
`
	if err := os.WriteFile(filepath.Join(dir, "nvidia-smi"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if mib, ok := GPUMemoryMiB(context.Background()); !ok || mib != 1536 || DeviceMiB() != 1536 {
		t.Errorf("GPUMemoryMiB = %v, %v; want 1536 summed over two GPUs", mib, ok)
	}
	if name, mib, ok := GPUName(context.Background()); !ok || name != "NVIDIA H200" || mib != 143771 {
		t.Errorf("GPUName = %q, %v, %v", name, mib, ok)
	}
}
