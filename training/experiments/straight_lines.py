"""Are straight scratches found? A line across the whole photo, by orientation (issue 15).

    python3 training/experiments/straight_lines.py [--data DIR] [--n 20] [--detector F ...]

Run from the repository root with a release build. For each of N photos of DIR (every k-th, sorted;
default ../shared/data/train/bsds500), one straight line 2 px wide is drawn across the whole photo,
horizontal, vertical or slanted (a seeded position; white on a dark photo, black on a light one,
opaque), and `findcolor restore --mask-out --no-fade` is run with each detector given (default: the
bundled one). Prints, per detector and orientation, the mean share of the line's pixels (coverage
>= 0.5) that the detected mask holds (recall), and the share of the other pixels flagged.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def line_alpha(shape, kind, rng, width=2.0):
    H, W = shape
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    if kind == "horizontal":
        d = np.abs(yy - rng.uniform(0.2, 0.8) * H)
    elif kind == "vertical":
        d = np.abs(xx - rng.uniform(0.2, 0.8) * W)
    else:  # slanted: about 30-60 degrees, through the middle part of the photo
        t = rng.uniform(0.5, 1.7)
        c = rng.uniform(0.3, 0.7)
        d = np.abs((xx - c * W) * np.sin(t) - (yy - 0.5 * H) * np.cos(t))
    return np.clip(width / 2 + 0.5 - d, 0, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "train", "bsds500"))
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "findcolor"))
    ap.add_argument("--detector", action="append", help="detector file (repeatable; default: the bundled one)")
    a = ap.parse_args()
    files = sorted(f for f in os.listdir(a.data) if f.lower().endswith((".jpg", ".jpeg", ".png")))
    files = files[:: max(1, len(files) // a.n)][: a.n]
    detectors = a.detector or [None]
    with tempfile.TemporaryDirectory() as tmp:
        for det in detectors:
            for kind in ("horizontal", "vertical", "slanted"):
                rng = np.random.default_rng(1)
                recall, flagged = [], []
                for f in files:
                    g = np.asarray(Image.open(os.path.join(a.data, f)).convert("L")).astype(np.float32)
                    alpha = line_alpha(g.shape, kind, rng)
                    value = 255.0 if g[alpha > 0].mean() < 128 else 0.0
                    Image.fromarray((g * (1 - alpha) + value * alpha).round().clip(0, 255).astype(np.uint8)).save(
                        os.path.join(tmp, "in.png"))
                    cmd = [a.bin, "restore", os.path.join(tmp, "in.png"), "-o", os.path.join(tmp, "out.png"),
                           "--mask-out", os.path.join(tmp, "mask.png"), "--no-fade"]
                    if det:
                        cmd += ["--detector", det]
                    subprocess.run(cmd, check=True, capture_output=True)
                    mask = np.asarray(Image.open(os.path.join(tmp, "mask.png")).convert("L")) > 127
                    recall.append(mask[alpha >= 0.5].mean())
                    flagged.append(mask[alpha == 0].mean())
                print(f"{os.path.basename(det) if det else 'bundled'}  {kind:10s}  recall {np.mean(recall):.3f}  "
                      f"other pixels flagged {100 * np.mean(flagged):.2f} %  (n {len(files)})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
