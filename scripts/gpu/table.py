#!/usr/bin/env python3
"""Print the GPU check's short table from the files scripts/gpu-check.sh wrote.

usage: table.py OUTDIR
"""
import glob
import json
import os
import sys


def jsonl(path):
    rows = []
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def main():
    out = sys.argv[1]
    gpu = open(os.path.join(out, "gpu.txt")).readline().strip() if os.path.exists(os.path.join(out, "gpu.txt")) else "?"
    print(f"GPU: {gpu}\n")

    conf = os.path.join(out, "conformance.json")
    if os.path.exists(conf):
        c = json.load(open(conf))
        print(f"Conformance on the GPU vs ONNX Runtime: {c.get('summary', '?')}\n")

    ours = {}
    for r in jsonl(os.path.join(out, "modelbench.jsonl")):
        ours[(r["name"], r["precision"])] = r
    torch = {r["model"]: r for r in jsonl(os.path.join(out, "torch.jsonl"))}
    print("Model stage, images/s at batch 256 (random weights, input on the GPU):\n")
    print("| model | dataplus XLA fp32 | dataplus XLA bf16 | PyTorch fp32 (TF32) | PyTorch bf16 channels_last | best dataplus / PyTorch bf16 |")
    print("|---|---|---|---|---|---|")
    for m in ("resnet50", "vit_b_16"):
        f = ours.get((m, "fp32"), {}).get("images_per_s")
        b = ours.get((m, "bf16"), {}).get("images_per_s")
        t = torch.get(m, {})
        tf, tb = t.get("torch_fp32_tf32_img_s"), t.get("torch_bf16_channels_last_img_s")
        best = max([x for x in (f, b) if x] or [0])
        ratio = f"{best / tb:.2f}x" if best and tb else "-"
        fmt = lambda x: f"{x:,.0f}" if x else "-"
        print(f"| {m} | {fmt(f)} | {fmt(b)} | {fmt(tf)} | {fmt(tb)} | {ratio} |")

    det = [r for r in jsonl(os.path.join(out, "modelbench.jsonl")) if r["name"].startswith("detector-")]
    if det:
        print("\nThe detector's model stage, batch 64, fp32 (what one page costs the GPU at each canvas):\n")
        print("| input | images/s, input on the GPU | images/s, input copied from the host | compile s |")
        print("|---|---|---|---|")
        for r in det:
            fmt = lambda x: f"{x:,.0f}" if x else "-"
            print(f"| {r['name'][9:]} | {fmt(r.get('images_per_s'))} | {fmt(r.get('images_per_s_host_input'))} | {r.get('compile_s', 0):.1f} |")

    print("\nEnd to end (dataplus bench GPU_Full, every page rendered and embedded, medians over rounds):\n")
    print("| model | pages/s | files/s | GPU busy | render share | infer share | mean batch | GPU MiB | peak RSS MiB | status |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path in sorted(glob.glob(os.path.join(out, "e2e-*.json"))):
        name = os.path.basename(path)[4:-5]
        rep = json.load(open(path))
        for c in rep.get("configs", []):
            if c.get("name") != "GPU_Full":
                continue
            s = c.get("summary") or {}
            if c.get("status") != "ok" or not s:
                print(f"| {name} | - | - | - | - | - | - | - | - | {c.get('status')}: {c.get('reason', '')[:120]} |")
                continue
            emb = (s.get("embedded_pages_per_s") or {}).get("median", 0)
            busy = (s.get("model_busy_share") or {}).get("median", 0)
            mb = (s.get("mean_batch") or {}).get("median", 0)
            sh = s.get("stage_share", {})
            dev = max([r.get("memory", {}).get("device_mib", 0) for r in c.get("rounds", [])] or [0])
            print(f"| {name} | {emb:,.0f} | {s['files_per_s']['median']:.1f} | {100 * busy:.0f}% | "
                  f"{100 * sh.get('render', 0):.0f}% | {100 * sh.get('infer', 0):.0f}% | {mb:.1f} | {dev:,.0f} | "
                  f"{s['peak_rss_mib']['median']:,.0f} | ok |")


if __name__ == "__main__":
    main()
