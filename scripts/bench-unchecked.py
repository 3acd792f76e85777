#!/usr/bin/env python3
"""What -Ounchecked buys FindColor and FindColorImage (docs/reliability.md).

Runs two release builds of `findcolor` that differ only in those two modules' flags, alternating
them round by round (A B, B A, A B, ...) so that a shared machine's drift hits both alike, and
prints the median of every measurement and the ratio unchecked / checked:

- `findcolor bench` (network forward pass at --sizes, and the whole pipeline on a synthetic photo of
  --pipeline-megapixels: lightness, network, guided upsampling, gamut mapping, JPEG encoding);
- `findcolor colorize` of a gray JPEG of --file-megapixels, end to end (decoding included).

Making the two binaries (the second is a copy of the working tree with the old flags):

    swift build -c release --product findcolor --scratch-path .build-checked
    mkdir -p /tmp/findcolor-unchecked && tar --exclude='./.build*' -cf - . | tar -xf - -C /tmp/findcolor-unchecked
    sed -i 's/"-O", "-Xcc"/"-Ounchecked", "-Xcc"/' /tmp/findcolor-unchecked/Package.swift
    (cd /tmp/findcolor-unchecked && swift build -c release --product findcolor)
    python3 scripts/bench-unchecked.py --checked .build-checked/release/findcolor \\
        --unchecked /tmp/findcolor-unchecked/.build/release/findcolor --rounds 5

Needs numpy and pillow (training/requirements.txt) for the test photo.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image


def bench(binary, args):
    cmd = [binary, "bench", "--json", "--sizes", args.sizes, "--repeat", str(args.repeat),
           "--pipeline-megapixels", str(args.pipeline_megapixels), "--preset", "fast"] + args.threads
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    results = {}
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        results[f"{r['what']} {r['size']} (ms)"] = r["median_ms"]
    return results


def colorize(binary, photo, out, threads):
    t0 = time.perf_counter()
    subprocess.run([binary, "colorize", photo, "-o", out, "--preset", "fast"] + threads, capture_output=True, check=True)
    return {"colorize file end to end (ms)": (time.perf_counter() - t0) * 1000}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checked", required=True, help="findcolor built as committed (-O, checks on)")
    ap.add_argument("--unchecked", required=True, help="findcolor with -Ounchecked on FindColor and FindColorImage")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--sizes", default="256,512")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--pipeline-megapixels", type=float, default=12)
    ap.add_argument("--file-megapixels", type=float, default=12, help="0: skip the colorize measurement")
    ap.add_argument("--threads", type=int, default=0, help="compute threads (0: findcolor's default, all cores)")
    args = ap.parse_args()
    args.threads = ["--threads", str(args.threads)] if args.threads > 0 else []

    samples = {"checked": {}, "unchecked": {}}
    binaries = {"checked": args.checked, "unchecked": args.unchecked}
    with tempfile.TemporaryDirectory(prefix="findcolor-bench-") as tmp:
        photo = os.path.join(tmp, "photo.jpg")
        if args.file_megapixels > 0:
            w = int((args.file_megapixels * 1e6 * 4 / 3) ** 0.5)
            h = w * 3 // 4
            x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
            y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
            g = 0.7 - 0.3 * y + 0.1 * np.sin(x * 60) * np.cos(y * 40)
            g = g + np.random.default_rng(0).normal(0, 0.03, size=g.shape).astype(np.float32)
            Image.fromarray(np.clip(g * 255, 0, 255).astype(np.uint8), "L").save(photo, quality=92)
        for r in range(args.rounds):
            order = ["checked", "unchecked"] if r % 2 == 0 else ["unchecked", "checked"]
            for variant in order:
                results = bench(binaries[variant], args)
                if args.file_megapixels > 0:
                    results.update(colorize(binaries[variant], photo, os.path.join(tmp, "out.jpg"), args.threads))
                for k, v in results.items():
                    samples[variant].setdefault(k, []).append(v)
                print(f"round {r + 1} {variant}: " + ", ".join(f"{k} {v:.1f}" for k, v in results.items()),
                      file=sys.stderr, flush=True)

    print(f"| measurement (median of {args.rounds} alternating runs) | checked (-O) | -Ounchecked | unchecked / checked |")
    print("|---|---|---|---|")
    for k in samples["checked"]:
        a = statistics.median(samples["checked"][k])
        b = statistics.median(samples["unchecked"][k])
        print(f"| {k} | {a:.1f} | {b:.1f} | {b / a:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
