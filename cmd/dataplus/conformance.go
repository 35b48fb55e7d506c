package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"

	"dataplus/internal/accel"
	"dataplus/internal/assets"
	"dataplus/internal/config"
	"dataplus/internal/conformance"
)

const conformanceUsage = `Usage: dataplus conformance [--device cpu|cuda|cuda:N] [--precision fp32|bf16]
                            [--models DIR] [--tol T] [--seed N] [--json FILE]

Checks dataplus's ONNX-to-XLA converter against ONNX Runtime: every ONNX op
the converter supports (small single-op models, fresh random inputs) and
every model in the assets dir (the bundled PP-OCR models) and in --models
(e.g. torchvision exports), comparing each output by relative error
max|ours - ORT| / max|ORT|. On --device cpu the converter runs on GoMLX's
pure-Go backend (small inputs: it is slow); on cuda it runs on the GPU
through XLA, at the sizes the pipeline uses. Prints a table; exit status 1
when a case fails.

Flags:
`

func conformanceCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	models := fs.String("models", "", "directory of more .onnx models to check (besides the assets dir)")
	tol := fs.Float64("tol", 0, "largest relative error that passes (default 1e-4 on the CPU, 1e-2 on a GPU)")
	seed := fs.Uint64("seed", 0, "random seed for the inputs (default: from the clock; the report prints it)")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	opsOnly := fs.Bool("ops-only", false, "check the ops only, not the models")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), conformanceUsage)
		fs.PrintDefaults()
	}
	cfg, err := config.Load(fs, args, os.Getenv, 0)
	if err != nil {
		return loadError("conformance", stderr, err)
	}
	f := cfg.Features
	dir, _ := assets.Dir(f.AssetsDir)
	log := newLogger(stderr, cfg.LogLevel)
	dev, err := accel.ParseDevice(f.Device)
	if err != nil {
		return fmt.Errorf("conformance: %w", err)
	}
	prec, err := accel.ParsePrecision(f.Precision)
	if err != nil {
		return fmt.Errorf("conformance: %w", err)
	}

	ref, err := conformance.NewORTRunner(dir, f.Threads)
	if err != nil {
		return fmt.Errorf("conformance: the reference (ONNX Runtime): %w", err)
	}
	defer ref.Close()

	var cand *conformance.GoMLXRunner
	sizes := conformance.CPUSizes()
	if dev.Kind == accel.CPU {
		be, err := simplego.New("ops_sequential")
		if err != nil {
			return fmt.Errorf("conformance: %w", err)
		}
		defer be.Finalize()
		cand = &conformance.GoMLXRunner{Backend: be, DType: dtypes.Float32}
		if prec == accel.BF16 {
			cand.DType = dtypes.BFloat16
		}
	} else {
		opened, err := accel.Open(ctx, accel.Options{
			Device: f.Device, Plugin: f.PJRTPlugin, MemoryFraction: f.GPUMemoryFraction, Precision: prec,
			AssetsDir: dir, Threads: f.Threads, Logger: log,
		})
		if err != nil {
			return fmt.Errorf("conformance: %w", err)
		}
		defer opened.Close()
		if opened.GPU == nil {
			return fmt.Errorf("conformance: no GPU (%s); use --device cpu to check on GoMLX's pure-Go backend", opened.Fallback)
		}
		g := opened.GPU
		cand = &conformance.GoMLXRunner{Backend: g.Backend(), DType: g.DType(), Device: g.DeviceNums()[0]}
		sizes = conformance.GPUSizes()
		if *tol == 0 {
			*tol = 1e-2
		}
	}
	defer cand.Close()

	cases := conformance.OpCases()
	if !*opsOnly {
		for _, d := range []string{dir, *models} {
			if d == "" {
				continue
			}
			mc, err := conformance.ModelCases(d, sizes)
			if err != nil {
				return fmt.Errorf("conformance: %w", err)
			}
			cases = append(cases, mc...)
		}
	}
	rep := conformance.Run(ctx, ref, cand, cases, conformance.Options{Tol: *tol, Seed: *seed})
	if err := rep.Table(stdout); err != nil {
		return err
	}
	if *jsonOut != "" {
		fh, err := os.Create(*jsonOut)
		if err != nil {
			return fmt.Errorf("conformance: %w", err)
		}
		if err := errors.Join(rep.WriteJSON(fh), fh.Close()); err != nil {
			return fmt.Errorf("conformance: %w", err)
		}
	}
	if !rep.Passed() {
		return fmt.Errorf("conformance: %d case(s) failed", len(rep.Failed()))
	}
	return nil
}
