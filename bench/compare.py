"""Side-by-side speed of the same network with the same weights in FindColor (Swift, oneDNN),
PyTorch (channels_last) and onnxruntime, all with the same thread count, in one run.

    python3 bench/compare.py --bin .build/release/findcolor --model Models/findcolor-v2.safetensors

Rounds alternate the three runtimes (noise on a shared machine hits all of them); each round takes
the median of --repeat forward passes after warm-up; the table reports the median over rounds and
the ratios. FindColor's forward is timed inside its own process (`findcolor bench --json`), the
same way the Python runtimes are timed inside this one. Then the whole FindColor pipeline
(decode excluded, colorize + JPEG encode) and its peak memory at --pipeline megapixels, one
process per size. Requires: pip install onnx onnxruntime (see bench/requirements.txt).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))
from findcolor_train.export import folded_forward  # noqa: E402


class Folded(torch.nn.Module):
    """The exported (BN-folded) network as a module, for PyTorch and ONNX export."""

    def __init__(self, tensors, cfg):
        super().__init__()
        self.names = sorted(tensors)
        for i, n in enumerate(self.names):
            self.register_buffer(f"w{i}", tensors[n].contiguous(memory_format=torch.channels_last) if tensors[n].dim() == 4 else tensors[n])
        self.cfg = cfg

    def forward(self, L, hint):
        t = {n: getattr(self, f"w{i}") for i, n in enumerate(self.names)}
        return folded_forward(t, self.cfg, L, hint)[0]


def median_ms(fn, repeat, warmup=2):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ts)


def findcolor_forward(binary, model, size, repeat, threads, precision="fp32"):
    out = subprocess.run([binary, "bench", "--sizes", str(size), "--repeat", str(repeat), "--json", "--model", model,
                          "--threads", str(threads), "--precision", precision], capture_output=True, text=True, check=True)
    rec = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")][0]
    return rec["median_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=".build/release/findcolor")
    ap.add_argument("--model", default="Models/findcolor-v2.safetensors")
    ap.add_argument("--sizes", default="256,512")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--pipeline", default="12,24", help="megapixels for the whole-pipeline runs ('' for none)")
    ap.add_argument("--reduced", default="",
                    help="also time FindColor at these reduced precisions, e.g. 'mixed,bf16' (AVX-512 BF16 CPUs), "
                         "in a table of their own; the main table is fp32 against fp32")
    a = ap.parse_args()

    import onnxruntime as ort
    from safetensors import safe_open
    from safetensors.torch import load_file

    torch.set_num_threads(a.threads)
    tensors = {k: v.float() for k, v in load_file(a.model).items()}
    with safe_open(a.model, "pt") as f:
        cfg = json.loads(f.metadata()["findcolor"])
    module = Folded(tensors, cfg).eval()
    sizes = [int(s) for s in a.sizes.split(",") if s]

    onnx_path = Path(tempfile.mkdtemp()) / "findcolor.onnx"
    L0, h0 = torch.rand(1, 1, 256, 256), torch.zeros(1, 3, 256, 256)
    torch.onnx.export(module, (L0, h0), str(onnx_path), input_names=["L", "hint"], output_names=["ab"],
                      dynamic_axes={"L": {2: "H", 3: "W"}, "hint": {2: "H", 3: "W"}, "ab": {2: "H", 3: "W"}},
                      opset_version=17, dynamo=False)
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])

    results = {s: {"FindColor": [], "onnxruntime": [], "PyTorch": []} for s in sizes}
    reduced = [p for p in a.reduced.split(",") if p]
    for s in sizes:
        for p in reduced:
            results[s][f"FindColor {p}"] = []
    for s in sizes:  # the three agree on the output before anything is timed
        L = torch.rand(1, 1, s, s)
        h = torch.zeros(1, 3, s, s)
        with torch.inference_mode():
            ref = module(L.contiguous(memory_format=torch.channels_last), h.contiguous(memory_format=torch.channels_last)).numpy()
        o = sess.run(None, {"L": L.numpy(), "hint": h.numpy()})[0]
        print(f"{s}²: max |Δab| onnxruntime vs PyTorch = {np.abs(o - ref).max() * 110:.2e}")
    for r in range(a.rounds):
        for s in sizes:
            L = torch.rand(1, 1, s, s).contiguous(memory_format=torch.channels_last)
            h = torch.zeros(1, 3, s, s).contiguous(memory_format=torch.channels_last)
            with torch.inference_mode():
                results[s]["PyTorch"].append(median_ms(lambda: module(L, h), a.repeat))
            feeds = {"L": L.contiguous().numpy(), "hint": h.contiguous().numpy()}
            results[s]["onnxruntime"].append(median_ms(lambda: sess.run(None, feeds), a.repeat))
            results[s]["FindColor"].append(findcolor_forward(a.bin, a.model, s, a.repeat, a.threads))
            for p in reduced:
                results[s][f"FindColor {p}"].append(findcolor_forward(a.bin, a.model, s, a.repeat, a.threads, p))
        print(f"round {r + 1}/{a.rounds}: " + ", ".join(f"{s}: " + " ".join(f"{k} {v[-1]:.1f}" for k, v in results[s].items()) for s in sizes), flush=True)

    print(f"\nForward pass, median of {a.rounds} rounds × median of {a.repeat} runs, {a.threads} threads, "
          f"{platform.processor() or platform.machine()}, {time.strftime('%Y-%m-%d')}, torch {torch.__version__}, onnxruntime {ort.__version__}\n")
    print("| input | FindColor (ms) | onnxruntime (ms) | PyTorch channels_last (ms) | onnxruntime / FindColor | PyTorch / FindColor |")
    print("|---|---|---|---|---|---|")
    for s in sizes:
        m = {k: statistics.median(v) for k, v in results[s].items()}
        print(f"| {s}×{s} | {m['FindColor']:.1f} | {m['onnxruntime']:.1f} | {m['PyTorch']:.1f} | "
              f"{m['onnxruntime'] / m['FindColor']:.2f}× | {m['PyTorch'] / m['FindColor']:.2f}× |")

    for p in reduced:
        print(f"\nFindColor --precision {p} (onnxruntime and PyTorch in fp32):\n")
        print(f"| input | FindColor {p} (ms) | FindColor fp32 / {p} | onnxruntime / FindColor {p} | PyTorch / FindColor {p} |")
        print("|---|---|---|---|---|")
        for s in sizes:
            m = {k: statistics.median(v) for k, v in results[s].items()}
            b = m[f"FindColor {p}"]
            print(f"| {s}×{s} | {b:.1f} | {m['FindColor'] / b:.2f}× | {m['onnxruntime'] / b:.2f}× | {m['PyTorch'] / b:.2f}× |")

    mps = [float(x) for x in a.pipeline.split(",") if x]
    if mps:
        print("\n| photo | whole pipeline (s) | peak memory (MB) |\n|---|---|---|")
        for mp in mps:
            out = subprocess.run([a.bin, "bench", "--sizes", "", "--pipeline-megapixels", str(mp), "--preset", "fast", "--repeat", "3", "--json",
                                  "--model", a.model, "--threads", str(a.threads)], capture_output=True, text=True, check=True)
            rec = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")][0]
            print(f"| {rec['size']} ({mp:g} MP) | {rec['median_ms'] / 1e3:.2f} | {rec['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
