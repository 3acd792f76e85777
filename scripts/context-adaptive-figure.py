#!/usr/bin/env python3
"""Rebuilds docs/context-adaptive.jpg: what the detail passes change on crowded photos.

The project's public-domain samples solvay-1927.jpg and detroit-1915.jpg are upscaled 4x (bicubic,
gray), coloured with `--preset fast` (the image-wise pass alone) and `--preset balanced` (plus the
detail pass), and four 600x400 crops are laid out fast | balanced, one row each.

    python3 scripts/context-adaptive-figure.py --binary .build/release/findcolor

Needs Pillow. Run from the repository root (the bundled model is found from there).
"""
import argparse
import os
import subprocess
import tempfile

from PIL import Image

# (sample, x, y) of each 600x400 crop in the 4x-upscaled photo: faces of the first and second rows
# of sitters at Solvay; signs and buildings of the Detroit street.
CROPS = [("solvay-1927", 1000, 300), ("solvay-1927", 2200, 250),
         ("detroit-1915", 1200, 1000), ("detroit-1915", 2400, 700)]
CROP_W, CROP_H, GAP = 600, 400, 10


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=".build/release/findcolor")
    ap.add_argument("--output", default="docs/context-adaptive.jpg")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        coloured = {}
        for name in sorted({c[0] for c in CROPS}):
            gray = Image.open(os.path.join("samples", f"{name}.jpg")).convert("L")
            big = gray.resize((gray.width * 4, gray.height * 4), Image.BICUBIC)
            src = os.path.join(tmp, f"{name}-4x.png")
            big.save(src)
            for preset in ("fast", "balanced"):
                out = os.path.join(tmp, f"{name}-{preset}.png")
                subprocess.run([args.binary, "colorize", src, "-o", out, "--preset", preset, "--overwrite"],
                               check=True, stdout=subprocess.DEVNULL)
                coloured[name, preset] = Image.open(out).convert("RGB")
        fig = Image.new("RGB", (2 * CROP_W + GAP, len(CROPS) * (CROP_H + GAP)), "white")
        for row, (name, x, y) in enumerate(CROPS):
            for col, preset in enumerate(("fast", "balanced")):
                crop = coloured[name, preset].crop((x, y, x + CROP_W, y + CROP_H))
                fig.paste(crop, (col * (CROP_W + GAP), row * (CROP_H + GAP)))
        fig.save(args.output, quality=90)
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
