#!/usr/bin/env python3
"""Export torchvision models to ONNX with RANDOM weights (no download).

The files are for dataplus's GPU checks: the converter's conformance suite
and the model-stage benchmark. Random weights: the numbers measure speed and
agreement with ONNX Runtime, not accuracy. Writes models.json (a dataplus
models manifest using the presets) beside the files.

usage: export_models.py OUTDIR [--opset 17]
"""
import argparse
import json
import os
import sys
import time

import torch
import torchvision

MODELS = {
    # name: (constructor, preset or None, input size)
    "resnet50": (torchvision.models.resnet50, "resnet50", 224),
    "efficientnet_b0": (torchvision.models.efficientnet_b0, "efficientnet_b0", 224),
    "mobilenet_v3_small": (torchvision.models.mobilenet_v3_small, None, 224),
    "vit_b_16": (torchvision.models.vit_b_16, "vit_b16", 224),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--only", default="", help="comma-separated model names")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    torch.manual_seed(0)
    only = set(filter(None, args.only.split(",")))
    manifest = {"models": []}
    for name, (ctor, preset, size) in MODELS.items():
        if only and name not in only:
            continue
        t = time.time()
        model = ctor(weights=None).eval()
        x = torch.randn(1, 3, size, size)
        path = os.path.join(args.outdir, name + ".onnx")
        torch.onnx.export(
            model, (x,), path, input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=args.opset, dynamo=False,
        )
        print(f"exported {name} opset {args.opset} to {path} "
              f"({os.path.getsize(path) / 1e6:.1f} MB, {time.time() - t:.1f} s, random weights)", flush=True)
        if preset:
            manifest["models"].append({"name": name, "preset": preset, "file": name + ".onnx",
                                       "about": f"torchvision {name}, RANDOM weights (benchmark only)"})
    with open(os.path.join(args.outdir, "models.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
