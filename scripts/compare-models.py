#!/usr/bin/env python3
"""Side-by-side sheets of two models on the same photos: gray | model A | model B, one row per photo.

    python3 scripts/compare-models.py --bin .build/release/findcolor \
        --a Models/findcolor-v2.safetensors --b Models/findcolor-v3.safetensors \
        --out /tmp/compare ../shared/data/historical/*.jpg

Each photo is colourized by `findcolor colorize` with each model (default settings, or --preset),
resized for the sheet to a short side of --tile pixels, and written into sheet-NN.png (--rows per
sheet) with a caption line per row in sheets.txt. For looking at, not for measuring.
"""
import argparse
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageOps


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("photos", nargs="+")
    ap.add_argument("--bin", default=".build/release/findcolor")
    ap.add_argument("--a", required=True, help="first model file")
    ap.add_argument("--b", required=True, help="second model file")
    ap.add_argument("--preset", default=None)
    ap.add_argument("--tile", type=int, default=320, help="height of a tile in the sheet")
    ap.add_argument("--rows", type=int, default=4)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows, captions = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i, photo in enumerate(a.photos):
            tiles = [ImageOps.grayscale(Image.open(photo)).convert("RGB")]
            for tag, model in (("a", a.a), ("b", a.b)):
                dst = Path(tmp) / f"{i}-{tag}.png"
                cmd = [a.bin, "colorize", photo, "-o", str(dst), "--model", model]
                if a.preset:
                    cmd += ["--preset", a.preset]
                subprocess.run(cmd, check=True, capture_output=True)
                tiles.append(Image.open(dst).convert("RGB"))
            tiles = [t.resize((max(1, round(t.width * a.tile / t.height)), a.tile), Image.LANCZOS) for t in tiles]
            row = Image.new("RGB", (sum(t.width for t in tiles) + 8 * (len(tiles) - 1), a.tile), "white")
            x = 0
            for t in tiles:
                row.paste(t, (x, 0))
                x += t.width + 8
            rows.append(row)
            captions.append(Path(photo).name)
    for s in range(0, len(rows), a.rows):
        chunk = rows[s:s + a.rows]
        sheet = Image.new("RGB", (max(r.width for r in chunk), sum(r.height for r in chunk) + 8 * (len(chunk) - 1)), "white")
        y = 0
        for r in chunk:
            sheet.paste(r, (0, y))
            y += r.height + 8
        sheet.save(out / f"sheet-{s // a.rows:02d}.png")
    (out / "sheets.txt").write_text("".join(f"sheet-{i // a.rows:02d} row {i % a.rows}: {c}\n" for i, c in enumerate(captions)))
    print(f"wrote {(len(rows) + a.rows - 1) // a.rows} sheets to {out}")


if __name__ == "__main__":
    main()
