#!/usr/bin/env python3
"""Two defect detectors side by side on real old photos: flagged shares and mask overlays.

For each photo, runs `findcolor restore PHOTO --mask-out` with detector A and with detector B
(default options otherwise), prints the share of pixels each flags, and writes OUT/NAME.png: the
photo | the masks over it (red: A only, green: B only, yellow: both) | B's repair, to look at.

    python3 scripts/compare-detectors.py --a /tmp/old.safetensors --b Models/findcolor-repair-v1.safetensors \\
        --out /tmp/hist ../shared/data/historical/bopb_old_photos__old_w_scratch__a.jpg ...

Run from the repository root; needs Pillow and numpy.
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image


def restore(binary, detector, photo, tmp, tag):
    out, mask = os.path.join(tmp, f"{tag}.png"), os.path.join(tmp, f"{tag}-mask.png")
    subprocess.run([binary, "restore", photo, "-o", out, "--mask-out", mask, "--detector", detector],
                   check=True, stdout=subprocess.DEVNULL)
    return np.asarray(Image.open(out).convert("L")), np.asarray(Image.open(mask).convert("L")) > 127


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, help="detector A (.safetensors)")
    ap.add_argument("--b", required=True, help="detector B (.safetensors)")
    ap.add_argument("--binary", default=".build/release/findcolor")
    ap.add_argument("--out", required=True, help="folder for the side-by-side images")
    ap.add_argument("photos", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    print("| photo | A flagged | B flagged | both |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for photo in args.photos:
            _, ma = restore(args.binary, args.a, photo, tmp, "a")
            rb, mb = restore(args.binary, args.b, photo, tmp, "b")
            src = np.asarray(Image.open(photo).convert("L"))
            if src.shape != ma.shape:  # EXIF rotation or the like: compare what the tool saw
                src = np.asarray(Image.fromarray(src).resize(ma.shape[::-1]))
            over = np.stack([src * 0.6] * 3, -1)
            over[ma & ~mb] = (255, 0, 0)
            over[mb & ~ma] = (0, 255, 0)
            over[ma & mb] = (255, 255, 0)
            side = np.concatenate([np.stack([src] * 3, -1), over, np.stack([rb] * 3, -1)], 1)
            name = os.path.splitext(os.path.basename(photo))[0]
            Image.fromarray(side.astype(np.uint8)).save(os.path.join(args.out, f"{name}.png"))
            print(f"| {name} | {ma.mean() * 100:.2f} % | {mb.mean() * 100:.2f} % | {(ma & mb).mean() * 100:.2f} % |")


if __name__ == "__main__":
    main()
