# dataplus: the two commands in the README are `make run` and `make test`.
GO        ?= go
BIN       := bin/dataplus
SAMPLES   := testdata/samples
OUT       := out
WORKERS   ?= 2
FUZZTIME  ?= 5m
# Packages that start goroutines: run under the race detector.
RACE_PKGS := ./internal/pipeline/... ./internal/ingest/... ./internal/jobs/... ./internal/server/... ./cmd/...

.PHONY: all build samples run test vet fmt-check deps fuzz bench bench-metadata loadtest clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/dataplus

# Sample PDFs made by the project's own generator (no downloads).
samples:
	$(GO) run ./cmd/fixturegen -samples -o $(SAMPLES)

# The main job on the bundled samples: records to out/samples.jsonl, summary on stderr.
run: build samples
	@mkdir -p $(OUT)
	$(BIN) process --workers $(WORKERS) -o $(OUT)/samples.jsonl $(SAMPLES)
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

test: deps fmt-check vet
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race $(RACE_PKGS)

# Each fuzz target for FUZZTIME (make fuzz FUZZTIME=5m).
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzOpen$$' -fuzztime=$(FUZZTIME) -parallel=1 ./internal/pdf
	$(GO) test -run='^$$' -fuzz='^FuzzContent$$' -fuzztime=$(FUZZTIME) -parallel=1 ./internal/inspect
	$(GO) test -run='^$$' -fuzz='^FuzzPage$$' -fuzztime=$(FUZZTIME) -parallel=1 ./internal/route

bench:
	$(GO) test -run='^$$' -bench=. -benchtime=3x ./internal/...

# dataplus against the PyMuPDF peer on a directory (default: the shared corpus).
bench-metadata: build
	scripts/bench-metadata.sh $(or $(DIR),../shared/corpus/good)

# The HTTP load test: starts bin/dataplus serve on loopback over DIR and
# drives it with 32 clients for 40 s (LOADTEST_FLAGS to change that).
LOADTEST_FLAGS ?= --duration 40s --clients 32
loadtest: build
	@mkdir -p $(OUT)
	$(GO) build -trimpath -o bin/loadtest ./cmd/loadtest
	bin/loadtest --server-bin $(BIN) --addr 127.0.0.1:8003 --dir $(or $(DIR),../shared/corpus/good) --json $(OUT)/loadtest.json $(LOADTEST_FLAGS)

clean:
	rm -rf bin $(OUT) $(SAMPLES)
