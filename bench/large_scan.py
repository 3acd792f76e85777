#!/usr/bin/env python3
"""Whole-process time of `findcolor colorize` on large scans, builds and presets side by side.

Makes 4000x3000 gray JPEGs from the project's public-domain samples (bicubic upscale, aspect
stretched: the size is what counts here), then for each round runs every (binary, preset, photo) once,
in alternating order, timing the whole process (start, model load, decode, colourize, JPEG encode,
exit). Prints the median wall time per binary and preset, and each binary's median over the first
binary's (ratios are what carries over between runs on a shared machine).

    python3 bench/large_scan.py --binaries /tmp/old-findcolor,.build/release/findcolor --rounds 5

Run from the repository root (the bundled model is found from there). Needs Pillow.
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

from PIL import Image

SAMPLES = ["detroit-1915", "solvay-1927"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binaries", default=".build/release/findcolor", help="comma-separated")
    ap.add_argument("--presets", default="fast,balanced,best")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--size", default="4000x3000")
    ap.add_argument("--precisions", default="",
                    help="comma-separated --precision values to run each binary with (e.g. fp32,auto); default: the binary's own")
    args = ap.parse_args()
    precisions = [p for p in args.precisions.split(",") if p] or [None]
    # Each binary with each precision is one configuration, alternated like the binaries.
    binaries = [(b, q) for b in args.binaries.split(",") for q in precisions]
    presets = args.presets.split(",")
    w, h = (int(v) for v in args.size.split("x"))
    times = {(b, p): [] for b in binaries for p in presets}
    with tempfile.TemporaryDirectory() as tmp:
        photos = []
        for name in SAMPLES:
            path = os.path.join(tmp, f"{name}-{w}x{h}.jpg")
            Image.open(os.path.join("samples", f"{name}.jpg")).convert("L").resize((w, h), Image.BICUBIC).save(path, quality=92)
            photos.append(path)
        out = os.path.join(tmp, "out.jpg")
        for r in range(args.rounds):
            order = [(b, p, f) for p in presets for f in photos for b in binaries]
            if r % 2:
                order.reverse()
            for config, p, f in order:
                b, q = config
                t0 = time.perf_counter()
                subprocess.run([b, "colorize", f, "-o", out, "--preset", p, "--overwrite"]
                               + (["--precision", q] if q else []), check=True, stdout=subprocess.DEVNULL)
                times[config, p].append(time.perf_counter() - t0)
    print(f"{w}x{h} gray JPEG, {len(photos)} photos x {args.rounds} rounds, whole process, median seconds")
    print("| preset | " + " | ".join(f"#{i + 1} {b}" + (f" --precision {q}" if q else "") for i, (b, q) in enumerate(binaries)) + " | " + " | ".join(f"#{i + 2} / #1" for i in range(len(binaries) - 1)) + " |")
    print("|---" * (1 + 2 * len(binaries) - 1) + "|")
    for p in presets:
        med = [statistics.median(times[b, p]) for b in binaries]
        print(f"| {p} | " + " | ".join(f"{m:.2f}" for m in med) + " | "
              + " | ".join(f"{m / med[0]:.2f}" for m in med[1:]) + " |")


if __name__ == "__main__":
    main()
