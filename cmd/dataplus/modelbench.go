package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"dataplus/internal/accel"
	"dataplus/internal/assets"
	"dataplus/internal/config"
	"dataplus/internal/infer"
)

const modelbenchUsage = `Usage: dataplus modelbench --model-file FILE.onnx [--device auto|cpu|cuda|cuda:N]
                           [--precision fp32|bf16] [--batch N (default 64)] [--input-shape C,H,W] [--seconds S]

Measures the model stage alone: images per second through one ONNX model on
the chosen device, with random inputs, after a warm-up (and, on a GPU, after
compiling for the batch size). Prints one JSON object:
  images_per_s             the input already on the device (GPU only: the
                           figure to compare with PyTorch benchmarks)
  images_per_s_host_input  the input copied from the host each batch, as
                           the pipeline does
  compile_s                the GPU compile for this shape (0 on the CPU)

Flags:
`

// modelbenchResult is modelbench's output.
type modelbenchResult struct {
	Name                 string  `json:"name"`
	File                 string  `json:"file"`
	Device               string  `json:"device"`
	Backend              string  `json:"backend"`
	Precision            string  `json:"precision"`
	Batch                int     `json:"batch"`
	InputShape           []int64 `json:"input_shape"`
	CompileS             float64 `json:"compile_s"`
	ImagesPerS           float64 `json:"images_per_s,omitempty"`
	ImagesPerSHostInput  float64 `json:"images_per_s_host_input"`
	BatchesDevice        int     `json:"batches_device,omitempty"`
	BatchesHost          int     `json:"batches_host"`
	Seconds              float64 `json:"seconds"`
	RandomInputsNotTruth string  `json:"note"`
}

func modelbenchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("modelbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("model-file", "", "the ONNX model (required)")
	name := fs.String("name", "", "name in the output (default: the file's base name)")
	shapeFlag := fs.String("input-shape", "", "C,H,W of one image (default: from the model, 3,224,224 where dynamic)")
	seconds := fs.Float64("seconds", 5, "measured seconds per mode")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), modelbenchUsage)
		fs.PrintDefaults()
	}
	cfg, err := config.Load(fs, args, os.Getenv, 0)
	if err != nil {
		return loadError("modelbench", stderr, err)
	}
	batch := &cfg.Features.Batch // --batch: images per batch
	if *batch == 0 {
		*batch = 64
	}
	if *file == "" || *seconds <= 0 {
		fmt.Fprintln(stderr, "dataplus modelbench: --model-file is required; --batch and --seconds must be positive")
		return errUsage
	}
	if *name == "" {
		*name = strings.TrimSuffix(filepath.Base(*file), ".onnx")
	}
	f := cfg.Features
	dir, _ := assets.Dir(f.AssetsDir)
	log := newLogger(stderr, cfg.LogLevel)
	buckets := []int{*batch}
	opened, err := accel.Open(ctx, accel.Options{
		Device: f.Device, Plugin: f.PJRTPlugin, MemoryFraction: f.GPUMemoryFraction, Precision: f.Precision,
		Buckets: buckets, AssetsDir: dir, Threads: f.Threads, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("modelbench: %w", err)
	}
	defer opened.Close()
	sess, err := opened.Backend.Load(ctx, infer.Spec{Name: *name, File: *file, IntraOpThreads: f.Threads})
	if err != nil {
		return fmt.Errorf("modelbench: %w", err)
	}
	defer sess.Close()
	if len(sess.Inputs()) != 1 {
		return fmt.Errorf("modelbench: %s has %d inputs; modelbench runs single-input image models", *file, len(sess.Inputs()))
	}
	in := sess.Inputs()[0]
	shape, err := benchShape(in.Shape, *shapeFlag, *batch)
	if err != nil {
		return fmt.Errorf("modelbench: %w", err)
	}
	x := infer.NewTensor(shape...)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	res := modelbenchResult{
		Name: *name, File: *file, Device: opened.Device, Backend: opened.Version(), Precision: f.Precision,
		Batch: *batch, InputShape: shape[1:], Seconds: *seconds,
		RandomInputsNotTruth: "random inputs; speed only",
	}
	if opened.GPU == nil {
		res.Precision = "fp32"
	}
	inputs := map[string]infer.Tensor{in.Name: x}
	t := time.Now()
	if w, ok := sess.(accel.Warmer); ok {
		item := append([]int64{1}, shape[1:]...)
		if err := w.Warm(ctx, item); err != nil {
			return fmt.Errorf("modelbench: %w", err)
		}
		res.CompileS = round3(time.Since(t).Seconds())
	}
	run := func(step func() error) (float64, int, error) {
		for range 3 { // warm-up
			if err := step(); err != nil {
				return 0, 0, err
			}
		}
		n, start := 0, time.Now()
		for time.Since(start).Seconds() < *seconds {
			if err := ctx.Err(); err != nil {
				return 0, 0, err
			}
			if err := step(); err != nil {
				return 0, 0, err
			}
			n++
		}
		return float64(n**batch) / time.Since(start).Seconds(), n, nil
	}
	if res.ImagesPerSHostInput, res.BatchesHost, err = run(func() error {
		_, err := sess.Run(ctx, inputs)
		return err
	}); err != nil {
		return fmt.Errorf("modelbench: %w", err)
	}
	if r, ok := sess.(accel.ResidentRunner); ok {
		step, free, err := r.Resident(x)
		if err != nil {
			return fmt.Errorf("modelbench: %w", err)
		}
		res.ImagesPerS, res.BatchesDevice, err = run(step)
		free()
		if err != nil {
			return fmt.Errorf("modelbench: %w", err)
		}
	}
	res.ImagesPerS, res.ImagesPerSHostInput = round3(res.ImagesPerS), round3(res.ImagesPerSHostInput)
	return json.NewEncoder(stdout).Encode(res)
}

// benchShape is the batch input shape: the model's, with dynamic
// dimensions from --input-shape or 3×224×224.
func benchShape(model []int64, flagShape string, batch int) ([]int64, error) {
	var item []int64
	if flagShape != "" {
		for _, p := range strings.Split(flagShape, ",") {
			var v int64
			if _, err := fmt.Sscan(strings.TrimSpace(p), &v); err != nil || v < 1 {
				return nil, fmt.Errorf("--input-shape %q: want C,H,W", flagShape)
			}
			item = append(item, v)
		}
	} else {
		def := []int64{3, 224, 224}
		if len(model) != 4 {
			return nil, fmt.Errorf("model input has rank %d; give --input-shape", len(model))
		}
		for i, d := range model[1:] {
			if d <= 0 {
				d = def[i]
			}
			item = append(item, d)
		}
	}
	if len(model) > 0 && len(model) != len(item)+1 {
		return nil, fmt.Errorf("--input-shape %v has %d dimensions, the model's input %d besides the batch", item, len(item), len(model)-1)
	}
	return append([]int64{int64(batch)}, item...), nil
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }
