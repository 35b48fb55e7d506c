#!/usr/bin/env bash
# Metadata + routing throughput: dataplus against the PyMuPDF peer
# (scripts/peer_pymupdf.py) on the same files with the same number of
# workers, alternating runs so both see the same machine noise.
#
#   scripts/bench-metadata.sh DIR [WORKERS] [ROUNDS]
#
# Prints one line per run and a final table with medians and the ratio.
# Needs bin/dataplus (make build) and /usr/bin/python3 with fitz
# (apt-get install python3-fitz).
set -euo pipefail
dir=${1:?usage: bench-metadata.sh DIR [WORKERS] [ROUNDS]}
workers=${2:-2}
rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
bin=${DATAPLUS_BIN:-$here/../bin/dataplus}
py=/usr/bin/python3
"$py" -c 'import fitz' 2>/dev/null || { echo "bench: python3-fitz missing: apt-get install python3-fitz" >&2; exit 1; }
[ -x "$bin" ] || { echo "bench: $bin missing: make build" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

files=$(find "$dir" -type f -iname '*.pdf' | wc -l)
echo "corpus: $dir ($files PDFs), workers: $workers, rounds: $rounds, cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
dp=(); pm=(); dprss=(); pmrss=(); pages=0
for r in $(seq "$rounds"); do
  /usr/bin/time -f '%e %M' -o "$tmp/t" "$bin" process --quiet --pages=false --workers "$workers" -o "$tmp/dp.jsonl" "$dir"
  read -r secs rss < "$tmp/t"
  n=$(wc -l < "$tmp/dp.jsonl")
  pages=$("$py" -c 'import json,sys; print(sum((json.loads(l).get("route") or {}).get("pages",0) for l in open(sys.argv[1])))' "$tmp/dp.jsonl")
  fps=$("$py" -c "print(round($n/$secs,1))")
  echo "round $r dataplus: $n files $pages pages in ${secs}s = $fps files/s, peak RSS $((rss/1024)) MiB"
  dp+=("$fps"); dprss+=("$rss")
  /usr/bin/time -f '%e %M' -o "$tmp/t" "$py" "$here/peer_pymupdf.py" --workers "$workers" "$dir" > "$tmp/pm.json"
  read -r secs rss < "$tmp/t"
  fps=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["files_per_s"])' "$tmp/pm.json")
  echo "round $r pymupdf:  $(cat "$tmp/pm.json") peak RSS (main process) $((rss/1024)) MiB"
  pm+=("$fps"); pmrss+=("$rss")
done
"$py" - "${dp[*]}" "${pm[*]}" <<'PY'
import statistics, sys
dp = [float(x) for x in sys.argv[1].split()]
pm = [float(x) for x in sys.argv[2].split()]
md, mp = statistics.median(dp), statistics.median(pm)
print(f"median files/s: dataplus {md:.1f}, pymupdf {mp:.1f}, ratio {md/mp:.2f}x "
      f"(per-round ratios: {', '.join(f'{a/b:.2f}' for a, b in zip(dp, pm))})")
PY
