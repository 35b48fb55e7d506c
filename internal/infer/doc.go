// Package infer runs neural networks on images: it owns the backend
// interface (Backend, Session, Tensor), the ONNX Runtime CPU backend, the
// model registry (the bundled PP-OCRv4 detector, user models from a
// models.json manifest, and presets for torchvision ResNet-50,
// EfficientNet-B0 and ViT-B/16), image preprocessing, pooling of
// embeddings, and the dynamic batcher that turns many single-image
// requests into one Run per batch.
//
// Model work is split into preprocess (Preprocess), forward (Session.Run,
// usually through a Batcher) and postprocess (Pool). A backend only runs
// graphs; graph surgery (exposing an inner embedding tensor as an output)
// happens in the registry with package onnx, before Backend.Load, so every
// backend gets the same graph. A GPU backend can be added behind a build
// tag by implementing Backend.
//
// The package imports assets (file locations and hashes), onnx (graph
// inspection and rewriting) and record (error kinds). It must not import
// the pipeline, the server or the command.
package infer
