#!/usr/bin/env python3
"""Peak memory of `findcolor colorize` by photo size and shape (docs/reliability.md).

Makes gray PNGs (gradients, discs and noise; nothing is committed; `24mp-rgb` is a colour JPEG) of the sizes below in a
temporary folder, colourizes each with `/usr/bin/time -v` around the release binary, and prints a
Markdown table: peak resident set size (max RSS), bytes per input pixel, wall time.

    swift build -c release
    python3 scripts/measure-memory.py --binary .build/release/findcolor [--preset balanced] [--only 1mp,strip]

Needs numpy and pillow (training/requirements.txt) and GNU time (/usr/bin/time).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

SIZES = {
    "1mp": (1155, 866),
    "12mp": (4000, 3000),
    "24mp": (6000, 4000),
    "100mp": (11547, 8660),
    "strip": (390625, 256),      # 100 MP as one 256-pixel strip
    "strip65k": (65535, 256),    # the 66 KB PNG
    "24mp-rgb": (6000, 4000),    # a colour JPEG (its L* is used)
}


def make_gray(width, height, seed=0):
    """A gray scene built row block by row block (a 100 MP image needs no 100 MP float arrays)."""
    rng = np.random.default_rng(seed)
    out = np.empty((height, width), dtype=np.uint8)
    x = np.linspace(0.0, 1.0, width, dtype=np.float32)
    step = max(1, 4_000_000 // width)
    for y0 in range(0, height, step):
        y1 = min(height, y0 + step)
        v = (np.arange(y0, y1, dtype=np.float32) / max(1, height - 1))[:, None]
        g = 0.8 - 0.4 * v + 0.1 * np.sin(x[None, :] * 40.0) * np.cos(v * 25.0)
        disc = (x[None, :] - 0.35) ** 2 + (v - 0.4) ** 2 < 0.04
        g = np.where(disc, 0.55, g)
        g = g + rng.normal(0.0, 0.03, size=g.shape).astype(np.float32)
        out[y0:y1] = np.clip(g * 255.0, 0, 255).astype(np.uint8)
    return Image.fromarray(out, mode="L")


def measure(binary, path, out, preset, extra):
    cmd = ["/usr/bin/time", "-v", binary, "colorize", path, "-o", out, "--preset", preset] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", p.stderr)
    seconds = 0.0
    if wall:
        for part in wall.group(1).split(":"):
            seconds = seconds * 60 + float(part)
    error = "" if p.returncode == 0 else p.stderr.strip().splitlines()[0]
    return (int(rss.group(1)) * 1024 if rss else None), seconds, p.returncode, error


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=".build/release/findcolor")
    ap.add_argument("--preset", default="balanced")
    ap.add_argument("--only", default=",".join(SIZES), help="comma-separated: " + ", ".join(SIZES))
    ap.add_argument("--extra", default="", help="more colorize arguments, e.g. '--threads 2'")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n]
    print(f"| photo | pixels | peak RSS | bytes / pixel | wall time | preset {args.preset} |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="findcolor-mem-") as tmp:
        for name in names:
            w, h = SIZES[name]
            if name.endswith("-rgb"):
                src = os.path.join(tmp, f"{name}.jpg")
                g = make_gray(w, h)
                Image.merge("RGB", (g, g.point(lambda v: v * 0.9), g.point(lambda v: v * 0.7))).save(src, quality=90)
            else:
                src = os.path.join(tmp, f"{name}.png")
                make_gray(w, h).save(src, compress_level=1)
            rss, seconds, rc, error = measure(args.binary, src, os.path.join(tmp, f"{name}-out.png"),
                                              args.preset, args.extra.split())
            os.remove(src)
            pixels = w * h
            note = "" if rc == 0 else f"exit {rc}: {error}"
            rss_text = f"{rss / 1e9:.2f} GB" if rss else "?"
            bpp = f"{rss / pixels:.0f}" if rss else "?"
            print(f"| {w}×{h} | {pixels / 1e6:.1f} MP | {rss_text} | {bpp} | {seconds:.1f} s | {note} |", flush=True)
            for f in os.listdir(tmp):
                os.remove(os.path.join(tmp, f))
    return 0


if __name__ == "__main__":
    sys.exit(main())
