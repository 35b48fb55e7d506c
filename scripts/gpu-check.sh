#!/usr/bin/env bash
# GPU check: run on a machine with an NVIDIA GPU, from the repository root,
# with the bundle made by `make gpu-bundle` (a dataplus binary built with
# the xla tag, the ONNX Runtime library and PP-OCR models, and real
# multi-page PDFs). It needs the GPU's driver, JAX's CUDA PJRT plugin and
# PyTorch with torchvision in the Python found as $PYTHON (default python3);
# it downloads nothing.
#
# Steps, most important first (logs and JSON under $LOGS, default
# /tmp/gpu-check; the table, the step log and the main JSON files are also
# copied to $OUT when it is set); a step that would start after $BUDGET seconds (default
# 600) is skipped and says so, so a short lease still ends with the table:
#   1. export ResNet-50 and ViT-B/16 (and, with MODELS, others) with RANDOM
#      weights using the machine's own torch;
#   2. the model stage for ResNet-50: dataplus modelbench (XLA, fp32 and
#      bf16) and PyTorch (fp32 and bf16 channels_last), same run, batch 256;
#   3. the detector's model stage at the pipeline's two canvases (batch 64,
#      input on the GPU and copied from the host: the copy's share is the
#      bound on end-to-end pages/s), then end to end: dataplus bench
#      GPU_Full on the PDFs with the bundled detector (every page rendered
#      and embedded);
#   4. the converter's conformance suite on the GPU against ONNX Runtime:
#      every op, the bundled PP-OCR models and the exports (tol 1e-2);
#   5. the model stage for ViT-B/16;
#   6. end to end with ResNet-50 and ViT-B/16;
#   7. one short table (scripts/gpu/table.py), printed last.
#
# usage: scripts/gpu-check.sh [BUNDLE]   (default gpu/bundle.tar.xz)
set -uo pipefail

bundle=${1:-gpu/bundle.tar.xz}
out=${LOGS:-/tmp/gpu-check}
py=${PYTHON:-python3}
seconds=${MODEL_SECONDS:-4}
budget=${BUDGET:-600}
models=${MODELS:-resnet50,vit_b_16}
mkdir -p "$out"
start=$SECONDS
work=$(mktemp -d /tmp/dataplus-gpu.XXXXXX)
log() { echo "== $((SECONDS - start))s $*" | tee -a "$out/steps.log"; }
# left N: true when at least N seconds of the budget remain.
left() { [ $((budget - (SECONDS - start))) -ge "$1" ] || { log "skipped (budget): $2"; return 1; }; }
table() { "$py" scripts/gpu/table.py "$out" >"$out/table.md" 2>&1; }

log "unpack $bundle"
tar -xJf "$bundle" -C "$work" || { echo "cannot unpack $bundle (make gpu-bundle makes it)"; exit 2; }
dp=$work/dataplus
export DATAPLUS_ASSETS_DIR=$work/assets
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
"$dp" version | tee -a "$out/gpu.txt"
: >"$out/modelbench.jsonl"
: >"$out/torch.jsonl"

modelstage() { # modelstage MODEL
  for p in fp32 bf16; do
    timeout 100 "$dp" modelbench --device cuda --precision "$p" --model-file "$work/models/$1.onnx" --name "$1" \
      --batch 256 --seconds "$seconds" >>"$out/modelbench.jsonl" 2>>"$out/modelbench.log" \
      || log "modelbench $1 $p failed (see modelbench.log)"
  done
  timeout 100 "$py" scripts/gpu/torch_bench.py --models "$1" --batches 256 --seconds "$seconds" \
    >>"$out/torch.jsonl" 2>>"$out/torch.log" || log "torch bench $1 failed (see torch.log)"
  table
}
e2e() { # e2e NAME [bench flags]
  local name=$1; shift
  timeout "${E2E_TIMEOUT:-180}" "$dp" bench --config GPU_Full --files "$work/corpus" --feature-pages 0 --render-fast \
    --rounds 2 --warmup 2 --no-peers --workers "$(nproc)" --log-level info --output "$out/e2e-$name.json" "$@" 2>&1 \
    | grep -v 'msg=record' >"$out/e2e-$name.log" \
    || log "bench $name failed (see e2e-$name.log)"
  table
}

log "export $models (random weights)"
timeout 150 "$py" scripts/gpu/export_models.py "$work/models" --only "$models" >"$out/export.log" 2>&1 \
  || log "export failed (see export.log)"
tail -n 4 "$out/export.log"

if left 60 "model stage resnet50"; then log "model stage: resnet50"; modelstage resnet50; fi
if left 100 "end to end, detector"; then
  log "model stage: detector at 3x512x384 and 3x320x256, batch 64"
  for shape in 3,512,384 3,320,256; do
    timeout 60 "$dp" modelbench --device cuda --model-file "$work/assets/ch_PP-OCRv4_det_infer.onnx" --name "detector-$shape" \
      --input-shape "$shape" --batch 64 --seconds 2 >>"$out/modelbench.jsonl" 2>>"$out/modelbench.log" \
      || log "modelbench detector $shape failed (see modelbench.log)"
  done
  log "end to end: detector"; e2e detector
fi
if left 50 "conformance"; then
  log "conformance on the GPU (fp32, tol 1e-2)"
  timeout "${CONFORMANCE_TIMEOUT:-150}" "$dp" conformance --device cuda --models "$work/models" --tol 1e-2 \
    --json "$out/conformance.json" >"$out/conformance.log" 2>&1
  log "conformance exit $?"
  tail -n 12 "$out/conformance.log"
  table
fi
if left 50 "model stage vit_b_16"; then log "model stage: vit_b_16"; modelstage vit_b_16; fi
for m in resnet50 vit_b_16; do
  if left 60 "end to end, $m"; then log "end to end: $m"; e2e "$m" --models-file "$work/models/models.json" --model "$m"; fi
done

log "table"
table
if [ -n "${OUT:-}" ] && [ "$OUT" != "$out" ]; then
  cat "$out"/*.log >"$out/all-logs.txt" 2>/dev/null
  cp "$out/table.md" "$out/steps.log" "$out/modelbench.jsonl" "$out/torch.jsonl" "$out/all-logs.txt" "$OUT"/ 2>/dev/null
  for f in conformance.json e2e-detector.json e2e-resnet50.json; do [ -f "$out/$f" ] && cp "$out/$f" "$OUT"/; done
fi
cat "$out/table.md"
