// Package accel chooses where the visual model runs and opens it there:
// ONNX Runtime on the CPU (always available once the assets are
// installed), or XLA on NVIDIA GPUs through a PJRT plugin (only in
// binaries built with the `xla` build tag; see docs/gpu.md).
//
// The device is named by a string: "cpu", "cuda" (every visible GPU),
// "cuda:N" (GPU N) or "auto" (the default). "auto" looks for a PJRT
// plugin (the --pjrt-plugin flag, then DATAPLUS_PJRT_PLUGIN, then known
// locations such as a Python environment's jax_plugins), prepares the
// environment the plugin needs, checks that a GPU answers by compiling and
// running a tiny program, and otherwise falls back to ONNX Runtime on the
// CPU, logging why. "cuda" and "cuda:N" never fall back: they fail with a
// message that says what is missing and how to get it.
//
// On the GPU each model is converted from ONNX by package convert,
// compiled once per input shape and batch bucket (a few fixed batch
// sizes; a batch is padded up to the next bucket) and kept for the life
// of the process. With several GPUs every device holds its own copy of the
// weights and each batch goes to the device with the fewest batches in
// flight.
package accel
