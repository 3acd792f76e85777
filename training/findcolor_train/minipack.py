"""A compact pack of the training photos for a machine that gets only a small copy of the tree.

The device machine that lends a GPU (issue 10: a prepared run there is worth more than a day of CPU)
receives the working tree and at most 64 MiB in all, and it cannot reach ../shared/data. This packs
the photos of the regular pack (`data.pack`: the gray-filtered training photos at a short side of
176 px) at a smaller short side as WebP, in one file, until a size budget is reached (a seeded random
order, so a smaller budget is a subset of a larger one):

    python -m findcolor_train.minipack --out pack/train-128.fcpk --short 128 --quality 75 --max-mib 28

Format: 8 bytes "FCPK0001", 8 bytes little-endian length n of a UTF-8 JSON header
{"short", "quality", "count", "sizes": [bytes of each image], "sources": [file of each image]},
then the images' WebP bytes one after another. Measured on 200 photos of the pack (2026-12-05):
WebP q75 at a short side of 128 px ~2.9 KiB per photo (41 MiB for all 14,418), q85 4.1 KiB; JPEG
q85 without chroma subsampling 6.5 KiB. Lossy WebP stores the chroma at half resolution: the
network's colour targets are that smooth anyway at the crop sizes used there.

`MiniPack(path)` reads it with the interface of `data.PackedPhotos` (`len`, `get(i)` → H×W×3 uint8),
decoding every image once into memory.
"""
import argparse
import io
import json
import struct
from pathlib import Path

import numpy as np
from PIL import Image

MAGIC = b"FCPK0001"


def build(photos, out, short=128, quality=75, max_bytes=28 << 20, seed=0):
    """Writes the pack; returns how many photos it holds."""
    order = np.random.default_rng(seed).permutation(len(photos))
    blobs, sources, total = [], [], 0
    for i in order:
        a = photos.get(int(i))
        h, w, _ = a.shape
        s = short / min(h, w)
        im = Image.fromarray(a)
        if s != 1:
            im = im.resize((max(short, round(w * s)), max(short, round(h * s))), Image.LANCZOS)
        b = io.BytesIO()
        im.save(b, "WEBP", quality=quality, method=4)
        blob = b.getvalue()
        if total + len(blob) > max_bytes:
            break
        blobs.append(blob)
        sources.append(photos.images[int(i)]["file"] if hasattr(photos, "images") else str(int(i)))
        total += len(blob)
    header = json.dumps({"short": short, "quality": quality, "count": len(blobs),
                         "sizes": [len(b) for b in blobs], "sources": sources}).encode()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with open(tmp, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        for b in blobs:
            f.write(b)
    tmp.replace(out)
    return len(blobs)


class MiniPack:
    """The photos of a pack written by `build`, decoded once (`data.PackedPhotos`' interface)."""

    def __init__(self, path):
        data = Path(path).read_bytes()
        if data[:8] != MAGIC:
            raise ValueError(f"{path}: not a FindColor mini pack (no {MAGIC!r} at its start)")
        (n,) = struct.unpack("<Q", data[8:16])
        self.header = json.loads(data[16:16 + n])
        offset = 16 + n
        self.arrays = []
        for size in self.header["sizes"]:
            with Image.open(io.BytesIO(data[offset:offset + size])) as im:
                self.arrays.append(np.asarray(im.convert("RGB"), dtype=np.uint8))
            offset += size
        if offset != len(data):
            raise ValueError(f"{path}: {len(data) - offset} bytes after the last image (a damaged pack?)")

    def __len__(self):
        return len(self.arrays)

    def get(self, i):
        return self.arrays[i]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../../shared/data/train", help="the training photos (for the regular pack)")
    ap.add_argument("--cache", default="cache", help="where the regular pack is (made if missing)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--short", type=int, default=128)
    ap.add_argument("--quality", type=int, default=75)
    ap.add_argument("--max-mib", type=float, default=28)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    from .data import PackedPhotos, pack
    pack(a.data, a.cache)
    photos = PackedPhotos(a.cache)
    n = build(photos, a.out, a.short, a.quality, int(a.max_mib * (1 << 20)), a.seed)
    print(f"wrote {a.out}: {n} of {len(photos)} photos, {Path(a.out).stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
