#!/usr/bin/env python3
"""Writes the bad-input corpus of the `findcolor` CLI into a folder (issue 11).

    python3 scripts/make-bad-inputs.py OUT_DIR

Every case is a command line (arguments relative to OUT_DIR, which is the working directory of the
run) and what must come of it, listed in OUT_DIR/cases.json:

    {"name": ..., "args": [...], "expect": "error" | "ok",
     "stderr": [substrings the one-line message must contain (case-insensitive)],
     "outputs": {"path": [width, height]}   # ok: exactly these new files, images of this size
     "runs": 2,                               # run the same command twice (resume cases)
     "user": "nobody"}                        # run without root rights (permission cases)

An "error" case must end with a clean one-line message (`findcolor: ...` or `Error: ...`), a
non-zero exit status below 128, and leave no file behind; an "ok" case must exit 0 and write
exactly `outputs`. No case may change any file of the corpus (e2e/cli/test_bad_inputs.py checks
all of this). The files are made here, by hand where a header must lie about its size: nothing
large is stored, the biggest file is the 5 MB hint document.

Only the standard library, numpy and Pillow.
"""
import io
import json
import os
import random
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

W, H = 48, 32  # the good photo; everything that must run the model is this small


def scene(w, h, seed=0):
    y, x = np.mgrid[0:h, 0:w] / np.array([max(h, 1), max(w, 1)]).reshape(2, 1, 1)
    g = 0.85 - 0.35 * y
    g = np.where((x - 0.3) ** 2 + (y - 0.35) ** 2 < 0.03, 0.62, g)
    g = np.where((x > 0.6) & (y > 0.5), 0.35 + 0.12 * np.sin(x * 90 + seed), g)
    return (np.clip(g, 0, 1) * 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# Format builders (by hand, so that headers can say anything)

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind, data, crc=None):
    if crc is None:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def ihdr(w, h, depth=8, colour=0, compression=0, filt=0, interlace=0):
    return png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour, compression, filt, interlace))


def png_gray(w, h, rows=None, filter_byte=0, depth=8):
    """A gray PNG built by hand; `rows` the raw scanlines (filter byte added here)."""
    if rows is None:
        rows = [bytes(scene(w, h)[y]) for y in range(h)]
    raw = b"".join(bytes([filter_byte]) + r for r in rows)
    return PNG_SIG + ihdr(w, h, depth) + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b"")


def replace_chunk_crc(png, kind, crc):
    """The same PNG with the CRC of the first `kind` chunk replaced."""
    pos = 8
    while pos + 8 <= len(png):
        n = struct.unpack(">I", png[pos:pos + 4])[0]
        if png[pos + 4:pos + 8] == kind:
            end = pos + 8 + n
            return png[:end] + struct.pack(">I", crc) + png[end + 4:]
        pos += 12 + n
    raise ValueError(kind)


# JPEG: a minimal hand-made stream. One DC and one AC Huffman table, each with the single 2-bit
# code 00 (DC: difference category 0; AC: end of block), so every 8×8 block is the 4 bits 0000.
def jseg(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


DQT = jseg(0xDB, b"\x00" + bytes([1] * 64))
DHT = jseg(0xC4, b"\x00" + bytes([0, 1] + [0] * 14) + b"\x00") + jseg(0xC4, b"\x10" + bytes([0, 1] + [0] * 14) + b"\x00")


def sof(marker, w, h, comps=1, precision=8, sampling=0x11):
    body = struct.pack(">BHHB", precision, h, w, comps)
    for i in range(comps):
        body += bytes([i + 1, sampling if i == 0 else 0x11, 0])
    return jseg(marker, body)


def sos(comps=1, ss=0, se=63, ahal=0):
    body = bytes([comps]) + b"".join(bytes([i + 1, 0x00]) for i in range(comps)) + bytes([ss, se, ahal])
    return jseg(0xDA, body)


def jpeg(w, h, marker=0xC0, comps=1, precision=8, scan_bytes=b"\x00" * 16, eoi=True, sampling=0x11, extra=b""):
    s = b"\xFF\xD8" + extra + DQT + sof(marker, w, h, comps, precision, sampling) + DHT
    if marker in (0xC2, 0xC6, 0xCA, 0xCE):
        s += sos(comps, 0, 0, 0)  # progressive: a DC-first scan
    else:
        s += sos(comps)
    s += scan_bytes
    return s + (b"\xFF\xD9" if eoi else b"")


# TIFF: classic little-endian, one IFD. Pixel data right after the header (offset 8), then the IFD,
# then the values that do not fit in an entry.
SHORT, LONG = 3, 4


def tiff(tags, pixels=b"", next_ifd=0, order="<", magic=42, ifd_offset=None):
    """`tags`: (tag, type, [values]) in any order; StripOffsets/TileOffsets may use the value -1
    for "the pixel data" (offset 8)."""
    tags = sorted(tags)
    ifd_at = 8 + len(pixels) + (len(pixels) & 1)
    n = len(tags)
    extra_at = ifd_at + 2 + 12 * n + 4
    entries, extra = b"", b""
    for tag, kind, values in tags:
        values = [8 if v == -1 else v for v in values]
        fmt = "H" if kind == SHORT else "I"
        packed = struct.pack(order + fmt * len(values), *values)
        if len(packed) <= 4:
            field = packed.ljust(4, b"\0")
        else:
            field = struct.pack(order + "I", extra_at + len(extra))
            extra += packed + (b"\0" if len(packed) & 1 else b"")
        entries += struct.pack(order + "HHI", tag, kind, len(values)) + field
    head = (b"II" if order == "<" else b"MM") + struct.pack(order + "HI", magic, ifd_at if ifd_offset is None else ifd_offset)
    body = pixels + (b"\0" if len(pixels) & 1 else b"")
    return head + body + struct.pack(order + "H", n) + entries + struct.pack(order + "I", next_ifd) + extra


def tiff_gray_tags(w, h, nbytes, bits=8, spp=1, photometric=1, compression=1, rows=None):
    return [
        (256, LONG, [w]), (257, LONG, [h]), (258, SHORT, [bits] * spp), (259, SHORT, [compression]),
        (262, SHORT, [photometric]), (273, LONG, [-1]), (277, SHORT, [spp]),
        (278, LONG, [rows if rows is not None else h]), (279, LONG, [nbytes]),
    ]


def tiled_tiff(w, h, tw, tl, tiles=1, nbytes=16):
    tags = [(256, LONG, [w]), (257, LONG, [h]), (258, SHORT, [8]), (259, SHORT, [1]), (262, SHORT, [1]),
            (277, SHORT, [1]), (322, LONG, [tw]), (323, LONG, [tl]),
            (324, LONG, [-1] * tiles), (325, LONG, [nbytes] * tiles)]
    return tiff(tags, b"\0" * nbytes)


def pil_bytes(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()


# ---------------------------------------------------------------------------------------------

class Corpus:
    def __init__(self, root):
        self.root = Path(root)
        self.cases = []

    def file(self, rel, data):
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())
        return rel

    def case(self, name, args, expect="error", stderr=(), outputs=None, **extra):
        assert all(c["name"] != name for c in self.cases), name
        c = {"name": name, "args": [str(a) for a in args], "expect": expect, "stderr": list(stderr)}
        if outputs is not None:
            c["outputs"] = outputs
        c.update(extra)
        self.cases.append(c)

    def bad_image(self, name, data, ext, stderr=()):
        """`colorize` on a damaged image: a clean error naming the file."""
        rel = self.file(f"img/{name}.{ext}", data)
        self.case(f"image-{name}", ["colorize", rel, "-o", f"out/{name}.png", "--preset", "fast"],
                  stderr=[f"{name}.{ext}", *stderr])

    def odd_image(self, name, data, ext, size):
        """`colorize` on a strange but readable image: a correct result of `size`."""
        rel = self.file(f"img/{name}.{ext}", data)
        self.case(f"image-{name}", ["colorize", rel, "-o", f"out/{name}.png", "--preset", "fast"],
                  expect="ok", outputs={f"out/{name}.png": list(size)})


def build(root):
    c = Corpus(root)
    rng = random.Random(11)
    (c.root / "out").mkdir(parents=True, exist_ok=True)

    # -- good material -------------------------------------------------------------------------
    gray = Image.fromarray(scene(W, H))
    c.file("good/g.png", pil_bytes(gray, "PNG"))
    c.file("good/g.jpg", pil_bytes(gray.convert("RGB"), "JPEG", quality=92))
    c.file("good/g.tif", pil_bytes(gray, "TIFF"))
    c.file("good/g2.png", pil_bytes(Image.fromarray(scene(W, H, 3)), "PNG"))
    rgb = np.dstack([scene(W, H), scene(W, H, 1), np.roll(scene(W, H, 2), 7, axis=1)])
    c.file("good/ref.png", pil_bytes(Image.fromarray(rgb), "PNG"))
    c.file("good/ref-gray.png", pil_bytes(gray, "PNG"))
    c.file("good/ref-gray-rgb.jpg", pil_bytes(gray.convert("RGB"), "JPEG", quality=95))
    mask = np.zeros((H, W), np.uint8)
    mask[:, : W // 2] = 255
    c.file("good/mask.png", pil_bytes(Image.fromarray(mask), "PNG"))
    c.file("good/mask-small.png", pil_bytes(Image.fromarray(mask[:10, :10]), "PNG"))
    c.file("good/mask-tall.png", pil_bytes(Image.fromarray(np.zeros((W, H), np.uint8)), "PNG"))
    c.file("good/hints.json", json.dumps({"hints": [{"x": 5, "y": 5, "size": 4, "color": "#c02020"}]}))
    c.file("good/notes.txt", "not an image\n")
    G = "good/g.png"

    # -- 1. not images at all, with image extensions ----------------------------------------------
    for ext in ("jpg", "png", "tif"):
        c.bad_image(f"empty-{ext}", b"", ext, ["empty"])
        c.bad_image(f"text-{ext}", b"this is not an image at all\n" * 20, ext, ["not a JPEG, PNG or TIFF"])
        c.bad_image(f"random-{ext}", bytes(rng.randrange(256) for _ in range(4096)), ext)
        c.bad_image(f"zeros-{ext}", b"\0" * 1024, ext)
    c.bad_image("gif-as-png", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
                b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", "png", ["not a JPEG, PNG or TIFF"])
    c.bad_image("bmp-as-jpg", pil_bytes(gray, "BMP"), "jpg", ["not a JPEG, PNG or TIFF"])
    c.bad_image("webp-as-png", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\0" * 40, "png")
    c.bad_image("pdf-as-tif", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "tif")
    c.bad_image("zip-as-jpg", b"PK\x03\x04" + b"\0" * 60, "jpg")
    c.bad_image("html-as-png", b"<!doctype html><html><body>hello</body></html>\n", "png")
    c.bad_image("utf16-text-as-jpg", "\ufeffnot an image".encode("utf-16"), "jpg")
    c.bad_image("two-bytes-of-jpeg-magic", b"\xff\xd8", "png")

    # -- 2. nearly-right magic numbers ----------------------------------------------------------
    c.bad_image("jpeg-soi-only", b"\xff\xd8\xff", "jpg")
    c.bad_image("jpeg-soi-eoi", b"\xff\xd8\xff\xd9", "jpg")
    c.bad_image("jpeg-magic-garbage", b"\xff\xd8\xff garbage that is not a marker segment" * 4, "jpg")
    c.bad_image("png-signature-only", PNG_SIG, "png")
    c.bad_image("png-signature-wrong-byte", b"\x89PNG\r\n\x1a\x00" + png_gray(8, 8)[8:], "png", ["not a JPEG, PNG or TIFF"])
    c.bad_image("png-signature-lowercase", b"\x89png\r\n\x1a\n" + png_gray(8, 8)[8:], "png", ["not a JPEG, PNG or TIFF"])
    c.bad_image("tiff-header-only", b"II*\x00", "tif")
    c.bad_image("tiff-ifd-beyond-eof", b"II*\x00" + struct.pack("<I", 1 << 30), "tif")
    c.bad_image("tiff-ifd-at-zero", b"MM\x00*" + struct.pack(">I", 0) + b"\0" * 16, "tif")
    c.bad_image("bigtiff-garbage", b"II+\x00\x08\x00\x00\x00" + b"\xff" * 32, "tif")
    c.bad_image("tiff-wrong-version", b"II\x2b\x01" + b"\0" * 64, "tif", ["not a JPEG, PNG or TIFF"])

    # -- 3. truncated good files ---------------------------------------------------------------
    jpg = (c.root / "good/g.jpg").read_bytes()
    progressive = pil_bytes(gray, "JPEG", quality=90, progressive=True)
    pngb = (c.root / "good/g.png").read_bytes()
    tifb = pil_bytes(gray, "TIFF")  # uncompressed, the IFD first and the pixels at the end (Pillow's layout)
    lzw = pil_bytes(gray, "TIFF", compression="tiff_lzw")
    for frac in (0.1, 0.5, 0.9):
        c.bad_image(f"jpeg-truncated-{int(frac * 100)}", jpg[: int(len(jpg) * frac)], "jpg")
        c.bad_image(f"png-truncated-{int(frac * 100)}", pngb[: int(len(pngb) * frac)], "png")
    c.bad_image("jpeg-progressive-truncated", progressive[: len(progressive) * 2 // 3], "jpg")
    c.bad_image("jpeg-no-eoi-half", jpg[:-200], "jpg")
    c.bad_image("png-no-iend-no-idat", pngb[:33], "png")
    c.bad_image("tiff-truncated-last-strip", tifb[:-20], "tif")
    c.bad_image("tiff-truncated-before-ifd", tiff(tiff_gray_tags(W, H, W * H), bytes(W * H))[: 8 + W * H // 3], "tif")
    c.bad_image("tiff-lzw-truncated", lzw[: len(lzw) // 2], "tif")
    c.bad_image("tiff-strip-beyond-eof", tiff(tiff_gray_tags(W, H, W * H * 1000), bytes(64)), "tif")

    # -- 4. PNG damage -------------------------------------------------------------------------
    c.bad_image("png-bad-ihdr-crc", replace_chunk_crc(pngb, b"IHDR", 0xDEADBEEF), "png")
    c.bad_image("png-bad-idat-crc", replace_chunk_crc(png_gray(W, H), b"IDAT", 0x12345678), "png")
    c.bad_image("png-bad-zlib", PNG_SIG + ihdr(W, H) + png_chunk(b"IDAT", b"\x78\x9c" + b"\xff" * 200) + png_chunk(b"IEND", b""), "png")
    c.bad_image("png-too-few-rows", PNG_SIG + ihdr(W, H) + png_chunk(b"IDAT", zlib.compress(b"\0" * (W + 1) * 3)) + png_chunk(b"IEND", b""), "png")
    c.bad_image("png-bad-filter-byte", png_gray(W, H, filter_byte=7), "png")
    c.bad_image("png-bit-depth-3", PNG_SIG + ihdr(W, H, depth=3) + png_chunk(b"IDAT", zlib.compress(b"\0" * 400)) + png_chunk(b"IEND", b""), "png")
    c.bad_image("png-colour-type-5", PNG_SIG + ihdr(W, H, colour=5) + png_chunk(b"IDAT", zlib.compress(b"\0" * 400)) + png_chunk(b"IEND", b""), "png")
    c.bad_image("png-compression-1", PNG_SIG + ihdr(W, H, compression=1) + png_chunk(b"IDAT", zlib.compress(b"\0" * 400)) + png_chunk(b"IEND", b""), "png")
    c.bad_image("png-interlace-2", PNG_SIG + ihdr(W, H, interlace=2) + png_chunk(b"IDAT", zlib.compress(b"\0" * 400)) + png_chunk(b"IEND", b""), "png")
    c.bad_image("png-ihdr-too-short", PNG_SIG + png_chunk(b"IHDR", struct.pack(">II", W, H)) + png_chunk(b"IEND", b""), "png")
    c.bad_image("png-chunk-length-huge", PNG_SIG + ihdr(W, H) + struct.pack(">I", 0x7FFFFFFF) + b"IDAT" + b"\0" * 64, "png")
    c.bad_image("png-idat-before-ihdr", PNG_SIG + png_chunk(b"IDAT", zlib.compress(b"\0" * 400)) + ihdr(W, H) + png_chunk(b"IEND", b""), "png")
    c.bad_image("png-palette-without-plte", PNG_SIG + ihdr(W, H, colour=3) + png_chunk(b"IDAT", zlib.compress(b"\0" * (W + 1) * H)) + png_chunk(b"IEND", b""), "png")
    # 50 MB of rows for a 48×32 image: libpng reads the rows it needs and ignores the rest.
    c.odd_image("png-zlib-bomb-rows", PNG_SIG + ihdr(W, H) + png_chunk(b"IDAT", zlib.compress(b"\0" * 50_000_000, 9))
                + png_chunk(b"IEND", b""), "png", (W, H))

    # -- 5. absurd declared sizes --------------------------------------------------------------
    def png_declaring(w, h, **kw):
        return PNG_SIG + ihdr(w, h, **kw) + png_chunk(b"IDAT", zlib.compress(b"\0" * 256)) + png_chunk(b"IEND", b"")

    c.bad_image("png-65535x65535", png_declaring(65535, 65535), "png", ["pixels"])
    c.bad_image("png-200000x200000", png_declaring(200000, 200000), "png", ["pixels"])
    c.bad_image("png-2p31x1", png_declaring(0x7FFFFFFF, 1), "png")
    c.bad_image("png-width-2p31", png_declaring(0x80000000, 1), "png")
    c.bad_image("png-16bit-65535x65535", png_declaring(65535, 65535, depth=16, colour=6), "png", ["pixels"])
    c.bad_image("png-zero-width", png_declaring(0, 10), "png")
    c.bad_image("png-zero-height", png_declaring(10, 0), "png")
    c.bad_image("png-zero-both", png_declaring(0, 0), "png")
    c.bad_image("jpeg-progressive-65344x255", jpeg(65344, 255, marker=0xC2, comps=3, scan_bytes=b"\x00" * 600), "jpg")
    c.bad_image("jpeg-progressive-65344x255-gray", jpeg(65344, 255, marker=0xC2, comps=1, scan_bytes=b"\x00" * 600), "jpg")
    c.bad_image("jpeg-baseline-65535x65535", jpeg(65535, 65535), "jpg", ["pixels"])
    c.bad_image("jpeg-baseline-65500x1600", jpeg(65500, 1600), "jpg", ["pixels"])
    c.bad_image("jpeg-zero-width", jpeg(0, 16), "jpg")
    c.bad_image("jpeg-zero-height", jpeg(16, 0), "jpg")
    c.bad_image("jpeg-zero-components", jpeg(16, 16, comps=0), "jpg")
    c.bad_image("jpeg-five-components", jpeg(16, 16, comps=5), "jpg")
    c.bad_image("jpeg-sampling-0", jpeg(16, 16, comps=3, sampling=0x00), "jpg")
    c.bad_image("jpeg-sampling-5x5", jpeg(16, 16, comps=3, sampling=0x55), "jpg")
    c.bad_image("jpeg-precision-7", jpeg(16, 16, precision=7), "jpg")
    c.odd_image("jpeg-arithmetic-sof9", jpeg(16, 16, marker=0xC9), "jpg", (16, 16))  # libjpeg-turbo decodes it
    c.bad_image("jpeg-lossless-sof3", jpeg(16, 16, marker=0xC3), "jpg")
    c.bad_image("jpeg-sos-before-sof", b"\xFF\xD8" + DQT + DHT + sos() + b"\0" * 16 + b"\xFF\xD9", "jpg")
    c.bad_image("jpeg-segment-longer-than-file", b"\xFF\xD8" + b"\xFF\xE1\xFF\xF0Exif\0\0II*\0" + b"\0" * 16, "jpg")
    c.bad_image("jpeg-many-scans", b"\xFF\xD8" + DQT + sof(0xC2, 16, 16) + DHT + (sos(1, 0, 0, 0) + b"\0" * 4) * 3000 + b"\xFF\xD9", "jpg", ["scans"])
    c.bad_image("tiff-tiled-2p18-tiles", tiled_tiff(64, 64, 1 << 18, 1 << 18), "tif", ["memory"])
    c.bad_image("tiff-tiled-65536-tiles", tiled_tiff(64, 64, 65536, 65536), "tif")
    c.bad_image("tiff-tiled-16-of-2p16", tiled_tiff(1 << 16, 256, 1 << 16, 16, tiles=16), "tif")
    c.bad_image("tiff-tiled-zero-tile", tiled_tiff(64, 64, 0, 0), "tif")
    c.bad_image("tiff-tiled-odd-tile", tiled_tiff(64, 64, 17, 17, tiles=16), "tif")
    c.bad_image("tiff-4g-by-4g", tiff(tiff_gray_tags(0xFFFFFFFF, 0xFFFFFFFF, 64), bytes(64)), "tif")
    c.bad_image("tiff-200000x200000", tiff(tiff_gray_tags(200000, 200000, 64), bytes(64)), "tif", ["pixels"])
    c.bad_image("tiff-zero-width", tiff(tiff_gray_tags(0, H, 64), bytes(64)), "tif")
    c.bad_image("tiff-zero-height", tiff(tiff_gray_tags(W, 0, 64), bytes(64)), "tif")
    c.bad_image("tiff-rows-per-strip-huge", tiff(tiff_gray_tags(60000, 1600, 64, rows=0xFFFFFFFF), bytes(64)), "tif")
    c.bad_image("tiff-no-width-tag", tiff([t for t in tiff_gray_tags(W, H, W * H) if t[0] != 256], bytes(W * H)), "tif")

    # -- 6. TIFF layouts and damage ------------------------------------------------------------
    def tiff_variant(name, stderr=(), **kw):
        tags = tiff_gray_tags(W, H, W * H, **{k: v for k, v in kw.items() if k in ("bits", "spp", "photometric", "compression", "rows")})
        for tag in kw.get("add", []):
            tags.append(tag)
        c.bad_image(name, tiff(tags, kw.get("pixels", bytes(W * H))), "tif", stderr)

    tiff_variant("tiff-float32", bits=32, add=[(339, SHORT, [3])], pixels=bytes(W * H * 4))
    tiff_variant("tiff-bits-0", bits=0)
    tiff_variant("tiff-bits-99", bits=99)
    tiff_variant("tiff-spp-0", spp=0)
    tiff_variant("tiff-compression-unknown", compression=50000)
    tiff_variant("tiff-deflate-garbage", compression=8, pixels=b"\xff" * (W * H))
    tiff_variant("tiff-lzw-garbage", compression=5, pixels=b"\xff" * (W * H))
    tiff_variant("tiff-jpeg-garbage", compression=7, pixels=b"\xff" * (W * H))
    tiff_variant("tiff-ojpeg-garbage", compression=6, pixels=b"\xff" * (W * H))
    tiff_variant("tiff-photometric-99", photometric=99)
    c.odd_image("tiff-palette-no-colormap", tiff(tiff_gray_tags(W, H, W * H, photometric=3), bytes(W * H)), "tif", (W, H))
    # An IFD whose "next IFD" points at itself, and one whose entry count runs past the end.
    loop = bytearray(tiff(tiff_gray_tags(W, H, W * H), bytes(W * H)))
    ifd_at = struct.unpack("<I", loop[4:8])[0]
    n = struct.unpack("<H", loop[ifd_at:ifd_at + 2])[0]
    loop[ifd_at + 2 + 12 * n: ifd_at + 6 + 12 * n] = struct.pack("<I", ifd_at)
    c.file("valid/ifd-loop.tif", bytes(loop))  # the first page is fine: a correct result (section 15)
    long_count = bytearray(tiff(tiff_gray_tags(W, H, W * H), bytes(W * H)))
    long_count[ifd_at:ifd_at + 2] = struct.pack("<H", 0xFFFF)
    c.bad_image("tiff-ifd-count-past-eof", bytes(long_count), "tif")
    strip_count = bytearray(tiff(tiff_gray_tags(W, H, W * H), bytes(W * H)))
    # StripOffsets with a count of 2^30 values at an offset past the end.
    for i in range(n):
        at = ifd_at + 2 + 12 * i
        if struct.unpack("<H", strip_count[at:at + 2])[0] == 273:
            strip_count[at + 4:at + 12] = struct.pack("<II", 1 << 30, 0x7FFFFFF0)
    c.bad_image("tiff-strip-count-2p30", bytes(strip_count), "tif")

    # -- 7. the --max-megapixels limit (0.01 MP = 10,000 pixels) -------------------------------
    over = Image.fromarray(scene(101, 100))
    c.file("limit/over.png", pil_bytes(over, "PNG"))
    c.file("limit/over.jpg", pil_bytes(over, "JPEG"))
    c.file("limit/over.tif", pil_bytes(over, "TIFF"))
    c.file("limit/over-tiled.tif", tiff([(256, LONG, [101]), (257, LONG, [100]), (258, SHORT, [8]), (259, SHORT, [1]),
                                         (262, SHORT, [1]), (277, SHORT, [1]), (322, LONG, [16]), (323, LONG, [16]),
                                         (324, LONG, [-1] * 49), (325, LONG, [256] * 49)], bytes(256)))
    c.file("limit/exact.png", pil_bytes(Image.fromarray(scene(100, 100)), "PNG"))
    for f in ("over.png", "over.jpg", "over.tif", "over-tiled.tif"):
        c.case(f"limit-{f}", ["colorize", f"limit/{f}", "-o", f"out/limit-{f}.png", "--max-megapixels", "0.01"],
               stderr=["10100", "10000"])
    c.case("limit-reference-over", ["colorize", G, "-o", "out/limit-ref.png", "--max-megapixels", "0.01",
                                    "--reference", "limit/over.png"], stderr=["reference", "10100"])
    c.case("limit-mask-over", ["colorize", G, "-o", "out/limit-mask.png", "--max-megapixels", "0.01",
                               "--reference", "good/ref.png", "--region", "limit/over.png"], stderr=["mask", "10100"])
    c.case("limit-suggest-over", ["suggest", "limit/over.png", "--x", "1", "--y", "1", "--max-megapixels", "0.01"],
           stderr=["10100"])
    c.case("limit-exact-ok", ["colorize", "limit/exact.png", "-o", "out/limit-exact.png", "--max-megapixels", "0.01",
                              "--preset", "fast"], expect="ok", outputs={"out/limit-exact.png": [100, 100]})
    # JPEG output stops at 65500 pixels a side: refused before any work.
    c.file("limit/wide.png", pil_bytes(Image.fromarray(np.full((2, 65510), 128, np.uint8)), "PNG"))
    c.case("limit-jpeg-output-65510", ["colorize", "limit/wide.png", "-o", "out/wide.jpg"], stderr=["65500"])

    # -- 8. hint documents ---------------------------------------------------------------------
    def hint_case(name, text, stderr=("hint",)):
        rel = c.file(f"hints/{name}.json", text)
        c.case(f"hints-{name}", ["colorize", G, "-o", f"out/hints-{name}.png", "--hints", rel, "--preset", "fast"],
               stderr=list(stderr))

    def h(**kw):
        d = {"x": 1, "y": 1, "size": 2, "ab": [10, 20]}
        d.update(kw)
        return json.dumps({"hints": [{k: v for k, v in d.items() if v is not None}]})

    hint_case("empty-file", b"", ["hint", "empty"])
    hint_case("whitespace", b"  \n\t \n", ["hint", "empty"])
    hint_case("open-brace", "{", ["hint", "JSON"])
    hint_case("truncated", h()[:-5], ["hint", "JSON"])
    hint_case("trailing-garbage", h() + " }}", ["hint", "JSON"])
    hint_case("top-level-array", "[]")
    hint_case("top-level-null", "null")
    hint_case("top-level-number", "42")
    hint_case("hints-is-object", '{"hints": {}}', ["hint", "array"])
    hint_case("hints-missing", '{}')
    hint_case("unknown-top-field", '{"hints": [], "hint": []}', ["unknown field"])
    hint_case("unknown-hint-field", h(colour="#ff0000"), ["unknown field", "colour"])
    hint_case("x-int64-max", h(x=9223372036854775807), ["x", "range"])
    hint_case("x-int64-min", h(x=-9223372036854775808), ["x", "range"])
    hint_case("x-int64-max-plus-1", h().replace('"x": 1', '"x": 9223372036854775808'), ["x"])
    hint_case("x-huge-digits", h().replace('"x": 1', '"x": ' + "9" * 400), ["number 9999", "out of range"])
    hint_case("y-1e400", h().replace('"y": 1', '"y": 1e400'), ["number 1e400", "out of range"])
    hint_case("ab-1e400", h().replace("[10, 20]", "[1e400, 0]"), ["1e400", "out of range"])
    hint_case("ab-minus-1e400", h().replace("[10, 20]", "[0, -1e400]"), ["-1e400", "out of range"])
    hint_case("size-1e400", h().replace('"size": 2', '"size": 1e400'), ["1e400", "out of range"])
    hint_case("x-float", h(x=1.5), ["x", "integer"])
    rel = c.file("hints/x-float-integral.json", h().replace('"x": 1', '"x": 3.0'))  # 3.0 is the integer 3
    c.case("hints-x-float-integral", ["colorize", G, "-o", "out/hints-3.0.png", "--hints", rel, "--preset", "fast"],
           expect="ok", outputs={"out/hints-3.0.png": [W, H]})
    hint_case("x-string", h(x="10"), ["x", "integer"])
    hint_case("x-null", h().replace('"x": 1', '"x": null'), ["x"])
    hint_case("x-bool", h(x=True), ["x", "integer"])
    hint_case("x-missing", h(x=None), ["missing", "x"])
    hint_case("x-negative", h(x=-1), ["outside"])
    hint_case("x-outside-image", h(x=W), ["outside"])
    hint_case("patch-past-edge", h(x=W - 1, size=2), ["outside"])
    hint_case("size-negative", h(size=-3), ["size"])
    hint_case("size-zero", h(size=0), ["size"])
    hint_case("size-bigger-than-image", h(x=0, y=0, size=H + 1), ["outside"])
    hint_case("size-huge", h(size=1 << 40), ["size"])
    hint_case("ab-out-of-range", h(ab=[0, 500]), ["ab"])
    hint_case("ab-nan-token", h().replace("[10, 20]", "[NaN, 0]"), ["hint", "JSON"])
    hint_case("ab-infinity-token", h().replace("[10, 20]", "[Infinity, 0]"), ["hint", "JSON"])
    hint_case("ab-three-numbers", h(ab=[1, 2, 3]), ["ab"])
    hint_case("ab-strings", h(ab=["1", "2"]), ["ab"])
    hint_case("colour-bad-hex", h(ab=None, color="#12345g"), ["color"])
    hint_case("colour-name", h(ab=None, color="red"), ["color"])
    hint_case("colour-and-ab", h(color="#ff0000"), ["ab", "color"])
    hint_case("no-colour", h(ab=None), ["ab", "color"])
    hint_case("spread-unknown", h(spread="global"), ["spread"])
    hint_case("id-not-uuid", h(id="not-a-uuid"), ["id"])
    hint_case("id-twice", json.dumps({"hints": [{"id": "6f1c0c5e-1c2b-4c55-9a43-0d6c5f1a2b3c", "x": 1, "y": 1, "ab": [1, 1]}] * 2}),
              ["id", "twice"])
    hint_case("10001-hints", json.dumps({"hints": [{"x": 1, "y": 1, "ab": [1, 1]}] * 10_001}), ["10001", "10000"])
    big = json.dumps({"hints": [{"x": 1, "y": 1, "ab": [1, 1]}] * 10_000})
    hint_case("5-mb-document", big + " " * (5 * 1024 * 1024 - len(big)), ["bytes"])
    hint_case("deep-nesting-arrays", "[" * 100_000 + "]" * 100_000, ["hint"])
    hint_case("deep-nesting-in-hints", '{"hints": ' + "[" * 50_000 + "]" * 50_000 + "}", ["hint"])
    hint_case("deep-nesting-objects", '{"a":' * 50_000 + "1" + "}" * 50_000, ["hint"])
    hint_case("non-utf8", b'{"hints": [{"x": 1, "y": 1, "ab": [1, 1], "spread": "\xff\xfe\xc3"}]}', ["hint"])
    hint_case("nul-bytes", b'{"hints": [\x00\x00]}', ["hint"])
    hint_case("binary-png", pngb, ["hint"])
    c.case("hints-file-missing", ["colorize", G, "-o", "out/hints-missing.png", "--hints", "hints/nope.json"],
           stderr=["hints/nope.json"])
    c.case("hints-file-is-folder", ["colorize", G, "-o", "out/hints-folder.png", "--hints", "hints"], stderr=["hint"])
    c.case("hints-dev-zero", ["colorize", G, "-o", "out/hints-zero.png", "--hints", "/dev/zero"], stderr=["/dev/zero", "bytes"])
    c.case("hints-dev-urandom", ["colorize", G, "-o", "out/hints-urandom.png", "--hints", "/dev/urandom"], stderr=["/dev/urandom", "bytes"])
    c.case("suggest-hints-bad", ["suggest", G, "--x", "1", "--y", "1", "--hints", "hints/y-1e400.json"], stderr=["1e400"])

    # -- 9. masks and references ---------------------------------------------------------------
    c.case("mask-wrong-size", ["colorize", G, "-o", "out/mask1.png", "--reference", "good/ref.png",
                               "--region", "good/mask-small.png", "--preset", "fast"], stderr=["mask", "10×10"])
    c.case("mask-transposed", ["colorize", G, "-o", "out/mask2.png", "--reference", "good/ref.png",
                               "--region", "good/mask-tall.png", "--preset", "fast"], stderr=["mask"])
    c.case("mask-not-an-image", ["colorize", G, "-o", "out/mask3.png", "--reference", "good/ref.png",
                                 "--region", "good/notes.txt"], stderr=["mask", "notes.txt"])
    c.case("mask-missing", ["colorize", G, "-o", "out/mask4.png", "--reference", "good/ref.png",
                            "--region", "good/nope.png"], stderr=["mask", "nope.png"])
    c.case("mask-without-reference", ["colorize", G, "-o", "out/mask5.png", "--region", "good/mask.png"],
           stderr=["--region", "--reference"], usage=True)
    c.case("reference-gray", ["colorize", G, "-o", "out/ref1.png", "--reference", "good/ref-gray.png"],
           stderr=["reference", "colour"])
    # Gray content stored as RGB is a colour photo to the decoder: accepted, it lends no colour.
    c.case("reference-gray-stored-as-rgb", ["colorize", G, "-o", "out/ref2.png", "--reference", "good/ref-gray-rgb.jpg",
                                            "--preset", "fast"], expect="ok", outputs={"out/ref2.png": [W, H]})
    c.case("reference-corrupt", ["colorize", G, "-o", "out/ref3.png", "--reference", "img/jpeg-truncated-50.jpg"],
           stderr=["reference", "jpeg-truncated-50.jpg"])
    c.case("reference-empty", ["colorize", G, "-o", "out/ref4.png", "--reference", "img/empty-png.png"],
           stderr=["reference", "empty"])
    c.case("reference-missing", ["colorize", G, "-o", "out/ref5.png", "--reference", "good/nope.jpg"],
           stderr=["reference", "nope.jpg"])
    c.case("transfer-global-without-reference", ["colorize", G, "-o", "out/ref6.png", "--transfer-global"],
           stderr=["--reference"], usage=True)

    # -- 10. option values ---------------------------------------------------------------------
    def opt(name, extra, stderr, cmd="colorize", usage=True):
        """A wrong option value: refused while parsing, followed by the usage (`usage`)."""
        base = ["colorize", G, "-o", f"out/opt-{name}.png"] if cmd == "colorize" else [cmd, G]
        c.case(f"option-{name}", [*base, *extra], stderr=stderr, usage=usage)

    opt("vividness-2", ["--vividness", "2"], ["vividness"])
    opt("vividness-negative", ["--vividness=-0.5"], ["vividness"])
    opt("vividness-nan", ["--vividness", "nan"], ["vividness"])
    opt("vividness-inf", ["--vividness", "inf"], ["vividness"])
    opt("vividness-word", ["--vividness", "lots"], ["vividness"])
    opt("quality-0", ["--quality", "0"], ["quality"])
    opt("quality-101", ["--quality", "101"], ["quality"])
    opt("quality-overflow", ["--quality", "99999999999999999999999"], ["quality"])
    opt("shard-5-of-3", ["--shard", "5/3"], ["shard"])
    opt("shard-3-of-3", ["--shard", "3/3"], ["shard"])
    opt("shard-negative", ["--shard", "-1/3"], ["shard"])
    opt("shard-of-zero", ["--shard", "0/0"], ["shard"])
    opt("shard-words", ["--shard", "a/b"], ["shard"])
    opt("shard-three-parts", ["--shard", "1/3/5"], ["shard"])
    opt("working-size-10", ["--working-size", "10"], ["working-size"])
    opt("working-size-huge", ["--working-size", "99999"], ["working-size"])
    opt("format-gif", ["--format", "gif"], ["format"])
    opt("preset-unknown", ["--preset", "ultra"], ["preset"])
    opt("backend-unknown", ["--backend", "gpu"], ["backend"])
    opt("threads-0", ["--threads", "0"], ["threads"])
    opt("threads-1000", ["--threads", "1000"], ["threads"])
    opt("max-megapixels-0", ["--max-megapixels", "0"], ["max-megapixels"])
    opt("max-megapixels-negative", ["--max-megapixels=-5"], ["max-megapixels"])
    opt("max-megapixels-nan", ["--max-megapixels", "nan"], ["max-megapixels"])
    opt("max-megapixels-huge", ["--max-megapixels", "1e300"], ["max-megapixels"])
    opt("unknown-flag", ["--colourful"], ["colourful"])
    c.case("option-output-extension-unknown", ["colorize", G, "-o", "out/opt.gif", "--preset", "fast"], stderr=["format"])
    c.case("option-missing-output", ["colorize", G], stderr=["output"], usage=True)
    c.case("option-no-inputs", ["colorize", "-o", "out/x.png"], stderr=["inputs"], usage=True)
    opt("suggest-x-negative", ["--x", "-1", "--y", "0"], ["outside"], cmd="suggest", usage=False)
    opt("suggest-y-negative", ["--x", "0", "--y", "-1"], ["outside"], cmd="suggest", usage=False)
    opt("suggest-x-outside", ["--x", str(W), "--y", "0"], ["outside"], cmd="suggest", usage=False)
    opt("suggest-x-int64-max", ["--x", "9223372036854775807", "--y", "0"], ["outside"], cmd="suggest", usage=False)
    opt("suggest-x-overflow", ["--x", "99999999999999999999", "--y", "0"], ["x"], cmd="suggest")
    opt("suggest-x-word", ["--x", "left", "--y", "0"], ["x"], cmd="suggest")
    opt("suggest-top-0", ["--x", "0", "--y", "0", "--top", "0"], ["top"], cmd="suggest")
    opt("suggest-top-65", ["--x", "0", "--y", "0", "--top", "65"], ["top"], cmd="suggest")
    c.case("suggest-bad-image", ["suggest", "img/png-bad-idat-crc.png", "--x", "1", "--y", "1"], stderr=["png-bad-idat-crc.png"])

    # -- 11. model files -----------------------------------------------------------------------
    c.file("models/empty.safetensors", b"")
    c.file("models/text.safetensors", "hello\n" * 10)
    c.file("models/header-2p60.safetensors", struct.pack("<Q", 1 << 60) + b"{}")
    c.file("models/header-not-json.safetensors", struct.pack("<Q", 16) + b"this is not json")
    c.file("models/tensor-past-eof.safetensors", (lambda hd: struct.pack("<Q", len(hd)) + hd)(
        json.dumps({"w": {"dtype": "F32", "shape": [1 << 20, 1 << 20], "data_offsets": [0, 4 << 40]}}).encode()))
    for m in ("empty", "text", "header-2p60", "header-not-json", "tensor-past-eof"):
        c.case(f"model-{m}", ["colorize", G, "-o", f"out/model-{m}.png", "--model", f"models/{m}.safetensors"],
               stderr=["model"])
    c.case("model-missing", ["colorize", G, "-o", "out/model-missing.png", "--model", "models/nope.safetensors"],
           stderr=["nope.safetensors"])

    # -- 12. inputs that are not regular image files --------------------------------------------
    c.case("input-missing", ["colorize", "good/nope.png", "-o", "out/nope.png"], stderr=["nope.png"])
    c.case("input-dev-null", ["colorize", "/dev/null", "-o", "out/devnull.png"], stderr=["/dev/null", "empty"])
    c.case("input-proc-file", ["colorize", "/proc/self/status", "-o", "out/status.png", "--format", "png"],
           stderr=["status"])
    c.case("input-dev-zero", ["colorize", "/dev/zero", "-o", "out/zero.png"], stderr=["/dev/zero", "not a JPEG, PNG or TIFF"])
    c.case("input-dev-urandom", ["colorize", "/dev/urandom", "-o", "out/urandom.png"], stderr=["/dev/urandom"])
    c.case("input-is-a-folder-among-files", ["colorize", G, "good/nope-folder", "-o", "out/several"], stderr=["nope-folder"])
    os.symlink("loop-b.png", c.root / "loop-a.png")
    os.symlink("loop-a.png", c.root / "loop-b.png")
    c.case("input-symlink-loop", ["colorize", "loop-a.png", "-o", "out/loop.png"], stderr=["loop-a.png"])
    (c.root / "empty-folder").mkdir()
    c.case("input-empty-folder", ["colorize", "empty-folder", "-o", "out/empty-folder"], stderr=["no images"])
    c.file("bad-folder/a.png", b"\x89PNG\r\n\x1a\n garbage")
    c.file("bad-folder/b.jpg", b"")
    c.case("batch-only-bad-files", ["colorize", "bad-folder", "-o", "out/bad-folder", "--preset", "fast"],
           stderr=["2 of 2", "failed"], list=2)
    c.file("secret/secret.png", pngb)
    os.chmod(c.root / "secret/secret.png", 0)
    c.case("input-unreadable", ["colorize", "secret/secret.png", "-o", "out/secret.png"], stderr=["secret.png", "permission denied"],
           user="nobody", once=["secret.png"])
    c.case("reference-unreadable", ["colorize", G, "-o", "out/secret-ref.png", "--reference", "secret/secret.png"],
           stderr=["reference", "secret.png", "permission denied"], user="nobody", once=["secret.png"])

    # -- 13. outputs that cannot be written ----------------------------------------------------
    c.case("output-in-proc", ["colorize", G, "-o", "/proc/out.png", "--preset", "fast"], stderr=["/proc/out.png"])
    c.case("output-under-a-file", ["colorize", G, "-o", "good/notes.txt/x.png", "--preset", "fast"],
           stderr=["notes.txt/x.png", "notes.txt is a file, not a folder"])
    c.case("output-under-a-png", ["colorize", G, "-o", "good/g2.png/x.png", "--preset", "fast"],
           stderr=["g2.png/x.png", "g2.png is a file, not a folder"])
    (c.root / "readonly").mkdir()
    os.chmod(c.root / "readonly", 0o555)
    c.case("output-readonly-folder", ["colorize", G, "-o", "readonly/x.png", "--preset", "fast"],
           stderr=["readonly/x.png", "permission denied"], user="nobody", once=["readonly/x.png"])
    c.case("output-name-too-long", ["colorize", G, "-o", "out/" + "n" * 300 + ".png", "--preset", "fast"],
           stderr=["name too long"])
    long_ok = "out/" + "n" * 251 + ".png"  # 255 bytes, the most a name may have: the temporary name must not be longer
    c.case("output-name-255-bytes", ["colorize", G, "-o", long_ok, "--preset", "fast"], expect="ok", outputs={long_ok: [W, H]})
    c.case("output-is-a-folder-name", ["colorize", G, "-o", "out/", "--format", "png", "--preset", "fast"],
           expect="ok", outputs={"out/g.png": [W, H]})

    # -- 14. output = input --------------------------------------------------------------------
    c.file("same/a.jpg", jpg)
    c.file("same/b.png", pngb)
    os.link(c.root / "same/b.png", c.root / "same/b-hardlink.png")
    os.symlink("b.png", c.root / "same/b-symlink.png")
    never = ["never replaces an original"]
    c.case("same-file", ["colorize", "same/a.jpg", "-o", "same/a.jpg"], stderr=never)
    c.case("same-file-dot-path", ["colorize", "same/a.jpg", "-o", "./same/../same/a.jpg"], stderr=never)
    c.case("same-file-hard-link", ["colorize", "same/b.png", "-o", "same/b-hardlink.png"], stderr=never)
    c.case("same-file-symlink-output", ["colorize", "same/b.png", "-o", "same/b-symlink.png"], stderr=never)
    c.case("same-file-symlink-input", ["colorize", "same/b-symlink.png", "-o", "same/b.png"], stderr=never)
    c.case("same-file-batch-folder", ["colorize", "same", "-o", "same", "--overwrite"], stderr=never)
    c.case("same-file-batch-format", ["colorize", "same", "-o", "same", "--overwrite", "--format", "png"], stderr=never)
    c.case("batch-output-is-a-file", ["colorize", "same", "-o", "good/notes.txt", "--preset", "fast"],
           stderr=["good/notes.txt is a file"])

    # -- 15. correct results -------------------------------------------------------------------
    valid = {
        "gray16.png": Image.fromarray((scene(W, H).astype(np.uint16) * 257)).convert("I;16"),
        "palette.png": Image.fromarray(scene(W, H)).convert("P"),
        "gray-alpha.png": Image.fromarray(scene(W, H)).convert("LA"),
        "rgba.png": Image.fromarray(rgb).convert("RGBA"),
        "bilevel.png": Image.fromarray(scene(W, H)).convert("1"),
        "progressive.jpg": gray,
        "cmyk.jpg": Image.fromarray(rgb).convert("CMYK"),
        "lzw.tif": gray,
        "rgb16.tif": None,
        "odd-1x1.png": Image.fromarray(np.full((1, 1), 90, np.uint8)),
        "thin-1x40.png": Image.fromarray(scene(1, 40)),
    }
    sizes = {}
    for name, img in valid.items():
        if name == "progressive.jpg":
            data = pil_bytes(img, "JPEG", quality=90, progressive=True)
        elif name == "cmyk.jpg":
            data = pil_bytes(img, "JPEG", quality=90)
        elif name == "lzw.tif":
            data = pil_bytes(img, "TIFF", compression="tiff_lzw")
        elif name == "rgb16.tif":
            px = (np.dstack([scene(W, H)] * 3).astype("<u2") * 257).tobytes()
            data = tiff([(256, LONG, [W]), (257, LONG, [H]), (258, SHORT, [16, 16, 16]), (259, SHORT, [1]),
                         (262, SHORT, [2]), (273, LONG, [-1]), (277, SHORT, [3]), (278, LONG, [H]),
                         (279, LONG, [len(px)]), (284, SHORT, [1])], px)
        else:
            data = pil_bytes(img, "PNG")
        c.file(f"valid/{name}", data)
        sizes[name] = (1, 1) if name.startswith("odd") else (1, 40) if name.startswith("thin") else (W, H)
    tiled = tiff([(256, LONG, [W]), (257, LONG, [H]), (258, SHORT, [8]), (259, SHORT, [1]), (262, SHORT, [1]),
                  (277, SHORT, [1]), (322, LONG, [16]), (323, LONG, [16]),
                  (324, LONG, [8 + 256 * i for i in range(6)]), (325, LONG, [256] * 6)],
                 bytes(np.repeat(np.arange(6, dtype=np.uint8) * 40, 256)))
    c.file("valid/tiled.tif", tiled)
    sizes["tiled.tif"] = (W, H)
    sizes["ifd-loop.tif"] = (W, H)
    c.case("valid-formats-batch", ["colorize", "valid", "-o", "out/valid", "--format", "png", "--preset", "fast"],
           expect="ok", outputs={f"out/valid/{Path(n).stem}.png": list(s) for n, s in sizes.items()})

    c.file("inside/a.png", pil_bytes(gray, "PNG"))
    c.file("inside/sub/b.jpg", jpg)
    c.case("batch-output-inside-input-overwrite", ["colorize", "inside", "-o", "inside/out", "--overwrite", "--preset", "fast"],
           expect="ok", runs=2, outputs={"inside/out/a.png": [W, H], "inside/out/sub/b.jpg": [W, H]})
    c.file("resume/a.png", pil_bytes(gray, "PNG"))
    c.file("resume/b.png", pil_bytes(gray, "PNG"))
    c.file("resume/out/a.png", b"")  # a 0-byte output of a killed run is not "done"
    c.case("batch-resume-zero-byte-output", ["colorize", "resume/a.png", "resume/b.png", "-o", "resume/out", "--preset", "fast"],
           expect="ok", outputs={"resume/out/a.png": [W, H], "resume/out/b.png": [W, H]}, replaces=["resume/out/a.png"])
    c.case("hints-and-reference-ok", ["colorize", G, "-o", "out/hinted.jpg", "--hints", "good/hints.json",
                                      "--reference", "good/ref.png", "--region", "good/mask.png", "--preset", "fast"],
           expect="ok", outputs={"out/hinted.jpg": [W, H]})
    c.case("suggest-ok", ["suggest", G, "--x", str(W - 1), "--y", str(H - 1), "--top", "3"], expect="ok", outputs={})

    manifest = {"width": W, "height": H, "cases": c.cases}
    (c.root / "cases.json").write_text(json.dumps(manifest, indent=1))
    return c.cases


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-bad-inputs.py OUT_DIR")
    out = Path(sys.argv[1])
    if out.exists() and any(out.iterdir()):
        sys.exit(f"make-bad-inputs.py: {out} is not empty")
    cases = build(out)
    print(f"{len(cases)} cases in {out}/cases.json")


if __name__ == "__main__":
    main()
