#!/usr/bin/env python3
"""Whole-process time of `findcolor colorize` on large scans, builds and presets side by side.

Makes 4000x3000 gray JPEGs from the project's public-domain samples (bicubic upscale, aspect
stretched: the size is what counts here), then for each round runs every (binary, preset, photo) once,
in alternating order, timing the whole process (start, model load, decode, colourize, JPEG encode,
exit). Prints the median wall time per binary and preset, and each binary's median over the first
binary's (ratios are what carries over between runs on a shared machine).

    python3 bench/large_scan.py --binaries /tmp/old-findcolor,.build/release/findcolor --rounds 5

`--args` adds configurations of one binary with extra arguments (each a quoted string, repeated;
the first configuration is the binary as it is), e.g. what the repair adds and what it costs with
another detector:

    python3 bench/large_scan.py --presets balanced --rounds 3 \
        --args=--repair --args="--repair --detector /tmp/other-detector.safetensors"

Also prints each configuration's median peak resident memory (the child's maxrss from wait4).

`--sepia` writes the scans as colour (RGB) JPEGs, the photos toned like an old print (the way
many archives scan black-and-white prints); the default is gray JPEGs.

Run from the repository root (the bundled model is found from there). Needs Pillow.
"""
import argparse
import os
import shlex
import statistics
import subprocess
import tempfile
import time

from PIL import Image, ImageOps

SAMPLES = ["detroit-1915", "solvay-1927"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binaries", default=".build/release/findcolor", help="comma-separated")
    ap.add_argument("--presets", default="fast,balanced,best")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--size", default="4000x3000")
    ap.add_argument("--precisions", default="",
                    help="comma-separated --precision values to run each binary with (e.g. fp32,auto); default: the binary's own")
    ap.add_argument("--sepia", action="store_true", help="scan the photos as sepia-toned colour JPEGs instead of gray ones")
    ap.add_argument("--args", action="append", default=[], metavar="ARGS",
                    help="a configuration of extra colorize arguments (repeatable; with one binary)")
    args = ap.parse_args()
    precisions = [p for p in args.precisions.split(",") if p] or [None]
    if args.args and (len(args.binaries.split(",")) > 1 or precisions != [None]):
        ap.error("--args takes one binary and no --precisions")
    # A configuration: (binary, extra arguments). Each binary with each precision, or the binary as
    # it is and with each --args; configurations are alternated within a round.
    if args.args:
        configs = [(args.binaries, "")] + [(args.binaries, a) for a in args.args]
    else:
        configs = [(b, f"--precision {q}" if q else "") for b in args.binaries.split(",") for q in precisions]
    presets = args.presets.split(",")
    w, h = (int(v) for v in args.size.split("x"))
    times = {(c, p): [] for c in configs for p in presets}
    peaks = {(c, p): [] for c in configs for p in presets}
    with tempfile.TemporaryDirectory() as tmp:
        photos = []
        for name in SAMPLES:
            path = os.path.join(tmp, f"{name}-{w}x{h}.jpg")
            gray = Image.open(os.path.join("samples", f"{name}.jpg")).convert("L").resize((w, h), Image.BICUBIC)
            if args.sepia:  # a toned print: dark brown to warm white
                gray = ImageOps.colorize(gray, black=(40, 26, 13), white=(255, 240, 205))
            gray.save(path, quality=92)
            photos.append(path)
        out = os.path.join(tmp, "out.jpg")
        for r in range(args.rounds):
            order = [(c, p, f) for p in presets for f in photos for c in configs]
            if r % 2:
                order.reverse()
            for config, p, f in order:
                b, extra = config
                t0 = time.perf_counter()
                child = subprocess.Popen([b, "colorize", f, "-o", out, "--preset", p, "--overwrite"] + shlex.split(extra),
                                         stdout=subprocess.DEVNULL)
                _, status, usage = os.wait4(child.pid, 0)
                times[config, p].append(time.perf_counter() - t0)
                child.returncode = os.waitstatus_to_exitcode(status)
                if child.returncode != 0:
                    raise SystemExit(f"{b} colorize {f} {extra}: exit {child.returncode}")
                peaks[config, p].append(usage.ru_maxrss / 1024)  # KiB -> MiB
    print(f"{w}x{h} {'sepia colour' if args.sepia else 'gray'} JPEG, {len(photos)} photos x {args.rounds} rounds, whole process, median seconds (peak RSS MiB)")
    print("| preset | " + " | ".join(f"#{i + 1} {b} {e}".rstrip() for i, (b, e) in enumerate(configs)) + " | "
          + " | ".join(f"#{i + 2} / #1" for i in range(len(configs) - 1)) + " |")
    print("|---" * (1 + 2 * len(configs) - 1) + "|")
    for p in presets:
        med = [statistics.median(times[c, p]) for c in configs]
        mem = [statistics.median(peaks[c, p]) for c in configs]
        print(f"| {p} | " + " | ".join(f"{m:.2f} ({r:.0f})" for m, r in zip(med, mem)) + " | "
              + " | ".join(f"{m / med[0]:.2f}" for m in med[1:]) + " |")


if __name__ == "__main__":
    main()
