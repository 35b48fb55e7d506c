// Package bench is the benchmark suite behind `dataplus bench` and the
// HTTP API's POST /benchmark: named configurations (metadata,
// CPU_Fallback, High_Concurrency, GPU_Full, GPU_No_Deep) run through the
// real pipeline over a fixed amount of work, after a warm-up, for several
// rounds; worker and batch-size sweeps with a recommendation; a memory
// profile with a stability verdict; peer runs (PyMuPDF, PDFium alone, ONNX
// Runtime alone); and the report as JSON, Markdown and PNG charts, with a
// comparison of two reports that names regressions beyond the noise the
// reports state. docs/bench.md documents the JSON schema.
//
// It owns measuring (wall time, CPU time from getrusage, RSS and Go heap
// sampled from /proc and runtime/metrics, batch statistics from the
// model's batchers), the statistics (medians, spread, percentiles,
// regression slopes) and the report formats. It does not build engines:
// the caller passes a Builder (the command builds them from the
// configuration, the server hands over its own), so the package imports
// pipeline, ingest, record, infer and render but must not import config,
// deep, the server or the command.
//
// Device discovery for the GPU configurations is FindGPU; this build has
// no GPU backend, so those configurations are reported as skipped with
// the reason instead of failing.
package bench
