#!/usr/bin/env bash
# Rendering throughput: dataplus's PDFium pool (cmd/renderbench) against the
# PyMuPDF peer (scripts/peer_pymupdf_render.py) on the same files with the
# same number of workers, first page of each file, in two modes: 224 px
# thumbnails (longer side) and 150 dpi. Runs alternate so both engines see
# the same machine noise.
#
#   scripts/bench-render.sh DIR [WORKERS] [ROUNDS]
#
# Prints one line per run and, per mode, the medians and the ratio.
# BENCH_UNINTERRUPTIBLE=1 adds a third engine: renderbench --uninterruptible
# (PDFium compiled without wazero's termination checks).
# Needs bin/renderbench (go build -o bin/renderbench ./cmd/renderbench;
# RENDERBENCH_BIN overrides) and /usr/bin/python3 with fitz
# (apt-get install python3-fitz).
set -euo pipefail
dir=${1:?usage: bench-render.sh DIR [WORKERS] [ROUNDS]}
workers=${2:-2}
rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
bin=${RENDERBENCH_BIN:-$here/../bin/renderbench}
py=/usr/bin/python3
"$py" -c 'import fitz' 2>/dev/null || { echo "bench: python3-fitz missing: apt-get install python3-fitz" >&2; exit 1; }
[ -x "$bin" ] || { echo "bench: $bin missing: go build -o bin/renderbench ./cmd/renderbench" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

engines=(pdfium pymupdf)
[ "${BENCH_UNINTERRUPTIBLE:-0}" = 1 ] && engines=(pdfium pdfium-fast pymupdf)

files=$(find "$dir" -type f -iname '*.pdf' | wc -l)
echo "corpus: $dir ($files PDFs), workers: $workers, rounds: $rounds, cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# Warm the compilation cache so no run pays for compiling PDFium.
"$bin" --instances 1 "$(find "$dir" -type f -iname '*.pdf' | sort | head -1)" > /dev/null
[ "${BENCH_UNINTERRUPTIBLE:-0}" = 1 ] && "$bin" --uninterruptible --instances 1 "$(find "$dir" -type f -iname '*.pdf' | sort | head -1)" > /dev/null

for mode in "--long-side 224" "--dpi 150"; do
  echo "== mode: $mode, first page"
  : > "$tmp/runs.jsonl"
  for r in $(seq "$rounds"); do
    for e in "${engines[@]}"; do
      case $e in
        pdfium) "$bin" --instances "$workers" $mode "$dir" > "$tmp/out.json" ;;
        pdfium-fast) "$bin" --uninterruptible --instances "$workers" $mode "$dir" > "$tmp/out.json" ;;
        pymupdf) "$py" "$here/peer_pymupdf_render.py" --workers "$workers" $mode "$dir" > "$tmp/out.json" ;;
      esac
      echo "round $r $e: $(cat "$tmp/out.json")"
      "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["run"]=sys.argv[2]; print(json.dumps(d))' \
        "$tmp/out.json" "$e" >> "$tmp/runs.jsonl"
    done
  done
  "$py" - "$tmp/runs.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in runs:
    by.setdefault(r["run"], []).append(r)
med = {}
for name, rs in by.items():
    pps = statistics.median(r["pages_per_s"] for r in rs)
    rss = statistics.median(r["peak_rss_mib"] for r in rs)
    med[name] = pps
    print(f"median {name}: {pps:.1f} pages/s, peak RSS {rss:.0f} MiB, "
          f"pages {rs[0]['pages']}, errors {rs[0]['errors']}")
for name in med:
    if name != "pymupdf" and "pymupdf" in med:
        print(f"ratio {name}/pymupdf: {med[name] / med['pymupdf']:.2f}x")
PY
done
