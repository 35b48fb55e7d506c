#!/usr/bin/env python3
"""PyTorch images/s for the model-stage comparison in the same run.

For each model: eager fp32 and bf16 autocast with channels_last, input
already on the GPU, random weights, after warm-up; the time is measured with
CUDA events over whole iterations. Prints one JSON object per line.

usage: torch_bench.py [--models resnet50,vit_b_16] [--batches 64,256] [--seconds 5]
"""
import argparse
import json
import time

import torch
import torchvision


def bench(model, x, seconds, bf16):
    ctx = torch.autocast("cuda", dtype=torch.bfloat16) if bf16 else torch.autocast("cuda", enabled=False)
    with torch.inference_mode(), ctx:
        for _ in range(5):
            model(x)
        torch.cuda.synchronize()
        n, t0 = 0, time.perf_counter()
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        while time.perf_counter() - t0 < seconds:
            model(x)
            n += 1
        end.record()
        torch.cuda.synchronize()
    return n * x.shape[0] / (start.elapsed_time(end) / 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="resnet50,vit_b_16")
    ap.add_argument("--batches", default="256")
    ap.add_argument("--seconds", type=float, default=5)
    args = ap.parse_args()
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    dev = torch.device("cuda")
    for name in args.models.split(","):
        model = getattr(torchvision.models, name)(weights=None).eval().to(dev)
        for b in map(int, args.batches.split(",")):
            x = torch.randn(b, 3, 224, 224, device=dev)
            fp32 = bench(model, x, args.seconds, False)
            m_cl = model.to(memory_format=torch.channels_last)
            bf16 = bench(m_cl, x.to(memory_format=torch.channels_last), args.seconds, True)
            model = model.to(memory_format=torch.contiguous_format)
            print(json.dumps({"model": name, "batch": b, "torch_fp32_tf32_img_s": round(fp32, 1),
                              "torch_bf16_channels_last_img_s": round(bf16, 1),
                              "torch": torch.__version__, "gpu": torch.cuda.get_device_name()}), flush=True)


if __name__ == "__main__":
    main()
