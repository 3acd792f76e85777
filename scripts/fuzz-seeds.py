#!/usr/bin/env python3
"""Seed corpora for the libFuzzer targets in fuzz/ (run by scripts/fuzz.sh).

    python3 scripts/fuzz-seeds.py OUTDIR    # writes OUTDIR/{decode,hints,multipart}/*

Small valid inputs, made here rather than committed: JPEG/PNG/TIFF images in the layouts the
decoders handle (Pillow, plus a hand-written TIFF writer for tiles, separate planes, 16 bits and
big-endian byte order), hint documents and hint changes, and multipart/form-data bodies whose
first line is the Content-Type (the multipart target reads it as such). Deterministic.
"""
import io
import json
import os
import struct
import sys

from PIL import Image


def gradient(mode, w, h):
    """A small image with varied samples in `mode` (L, LA, RGB, RGBA, CMYK, I;16)."""
    img = Image.new("RGB", (w, h))
    img.putdata([((x * 255) // max(w - 1, 1), (y * 255) // max(h - 1, 1), ((x + y) * 97) % 256)
                 for y in range(h) for x in range(w)])
    if mode == "I;16":
        g = Image.new("I;16", (w, h))
        g.putdata([(x * 4099 + y * 977) % 65536 for y in range(h) for x in range(w)])
        return g
    if mode in ("LA", "RGBA"):
        out = img.convert(mode)
        alpha = Image.new("L", (w, h))
        alpha.putdata([(x * 31 + y * 7) % 256 for y in range(h) for x in range(w)])
        out.putalpha(alpha)
        return out
    return img.convert(mode)


def saved(img, fmt, **options):
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def exif_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def tiff(w, h, spp=1, bps=8, tile=None, rows_per_strip=None, separate=False, photometric=None,
         big_endian=False, orientation=1, extra_samples=None, min_is_white=False):
    """An uncompressed TIFF written by hand (layouts Pillow does not write: tiles, planes, MM)."""
    e = ">" if big_endian else "<"
    photometric = photometric if photometric is not None else (2 if spp >= 3 else (0 if min_is_white else 1))
    sample_bytes = bps // 8
    planes = spp if separate else 1
    per_pixel = 1 if separate else spp

    def sample(x, y, s):
        v = (x * 37 + y * 11 + s * 71) % 256
        return v * 257 if bps == 16 else v

    def pack(values):
        return struct.pack(e + ("H" if bps == 16 else "B") * len(values), *values)

    chunks = []  # bytes of each strip or tile, plane by plane
    if tile:
        tw, th = tile
        for p in range(planes):
            for ty in range(0, h, th):
                for tx in range(0, w, tw):
                    vals = []
                    for y in range(ty, ty + th):
                        for x in range(tx, tx + tw):
                            for s in range(per_pixel):
                                ss = p if separate else s
                                vals.append(sample(x, y, ss) if x < w and y < h else 0)
                    chunks.append(pack(vals))
    else:
        rps = rows_per_strip or h
        for p in range(planes):
            for y0 in range(0, h, rps):
                vals = []
                for y in range(y0, min(h, y0 + rps)):
                    for x in range(w):
                        for s in range(per_pixel):
                            vals.append(sample(x, y, p if separate else s))
                chunks.append(pack(vals))

    header = (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8)
    entries = []  # (tag, type, values)
    entries.append((256, 4, [w]))
    entries.append((257, 4, [h]))
    entries.append((258, 3, [bps] * spp))
    entries.append((259, 3, [1]))
    entries.append((262, 3, [photometric]))
    entries.append((274, 3, [orientation]))
    entries.append((277, 3, [spp]))
    entries.append((284, 3, [2 if separate else 1]))
    if extra_samples is not None:
        entries.append((338, 3, [extra_samples]))
    entries.append((339, 3, [1] * spp))
    offsets_tag, counts_tag = (324, 325) if tile else (273, 279)
    if tile:
        entries.append((322, 4, [tile[0]]))
        entries.append((323, 4, [tile[1]]))
    else:
        entries.append((278, 4, [rows_per_strip or h]))
    entries.append((offsets_tag, 4, [0] * len(chunks)))  # filled in below
    entries.append((counts_tag, 4, [len(c) for c in chunks]))
    entries.sort(key=lambda t: t[0])

    ifd_size = 2 + 12 * len(entries) + 4
    extra_at = 8 + ifd_size
    # Arrays longer than 4 bytes go after the IFD, then the pixel data.
    sizes = {3: 2, 4: 4}
    layout = []
    cursor = extra_at
    for tag, typ, vals in entries:
        nbytes = sizes[typ] * len(vals)
        if nbytes > 4:
            layout.append(cursor)
            cursor += nbytes + (nbytes & 1)
        else:
            layout.append(None)
    data_at = cursor
    offsets = []
    pos = data_at
    for c in chunks:
        offsets.append(pos)
        pos += len(c)
    entries = [(t, ty, offsets if t == offsets_tag else v) for t, ty, v in entries]

    ifd = struct.pack(e + "H", len(entries))
    extra = b""
    for (tag, typ, vals), at in zip(entries, layout):
        code = "H" if typ == 3 else "I"
        raw = struct.pack(e + code * len(vals), *vals)
        if at is None:
            ifd += struct.pack(e + "HHI", tag, typ, len(vals)) + raw.ljust(4, b"\0")
        else:
            ifd += struct.pack(e + "HHII", tag, typ, len(vals), at)
            extra += raw + (b"\0" if len(raw) & 1 else b"")
    ifd += struct.pack(e + "I", 0)
    return header + ifd + extra + b"".join(chunks)


def decode_seeds():
    s = {}
    s["gray.jpg"] = saved(gradient("L", 16, 16), "JPEG", quality=80)
    s["rgb420.jpg"] = saved(gradient("RGB", 24, 16), "JPEG", quality=75, subsampling=2)
    s["rgb444.jpg"] = saved(gradient("RGB", 17, 9), "JPEG", quality=90, subsampling=0)
    s["progressive.jpg"] = saved(gradient("RGB", 20, 20), "JPEG", quality=70, progressive=True)
    s["cmyk.jpg"] = saved(gradient("CMYK", 12, 10), "JPEG", quality=80)
    s["exif-rotated.jpg"] = saved(gradient("RGB", 16, 8), "JPEG", quality=60, exif=exif_orientation(6))
    s["restart.jpg"] = saved(gradient("RGB", 32, 16), "JPEG", quality=50, restart_marker_blocks=1)
    s["gray.png"] = saved(gradient("L", 16, 16), "PNG")
    s["gray-alpha.png"] = saved(gradient("LA", 9, 7), "PNG")
    s["rgb.png"] = saved(gradient("RGB", 16, 12), "PNG")
    s["rgba.png"] = saved(gradient("RGBA", 10, 10), "PNG")
    s["gray16.png"] = saved(gradient("I;16", 8, 8), "PNG")
    s["bilevel.png"] = saved(gradient("L", 19, 5).convert("1"), "PNG")
    pal = gradient("RGB", 12, 12).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    s["palette.png"] = saved(pal, "PNG")
    s["palette-trns.png"] = saved(pal, "PNG", transparency=3)
    s["rgb-lzw.tif"] = saved(gradient("RGB", 16, 16), "TIFF", compression="tiff_lzw")
    s["rgb-deflate.tif"] = saved(gradient("RGB", 12, 8), "TIFF", compression="tiff_adobe_deflate")
    s["gray-packbits.tif"] = saved(gradient("L", 16, 9), "TIFF", compression="packbits")
    s["rgb-jpeg.tif"] = saved(gradient("RGB", 16, 16), "TIFF", compression="jpeg")
    s["rgba.tif"] = saved(gradient("RGBA", 8, 8), "TIFF")
    s["gray16.tif"] = saved(gradient("I;16", 8, 6), "TIFF")
    s["bilevel-g4.tif"] = saved(gradient("L", 32, 8).convert("1"), "TIFF", compression="group4")
    s["palette.tif"] = saved(pal, "TIFF")
    s["cmyk.tif"] = saved(gradient("CMYK", 6, 6), "TIFF")
    s["tiled-rgb.tif"] = tiff(20, 18, spp=3, tile=(16, 16))
    s["tiled-gray16-be.tif"] = tiff(17, 17, spp=1, bps=16, tile=(16, 16), big_endian=True)
    s["tiled-separate.tif"] = tiff(16, 16, spp=3, tile=(16, 16), separate=True)
    s["strips-separate.tif"] = tiff(9, 7, spp=3, rows_per_strip=2, separate=True)
    s["strips-rgba16.tif"] = tiff(5, 5, spp=4, bps=16, rows_per_strip=3, extra_samples=2)
    s["miniswhite-orient.tif"] = tiff(7, 5, spp=1, min_is_white=True, orientation=8)
    s["gray-alpha-assoc.tif"] = tiff(6, 4, spp=2, extra_samples=1, orientation=3)
    return s


def hints_seeds():
    docs = [
        {"hints": []},
        {"hints": [{"x": 3, "y": 4, "ab": [10, 20]}]},
        {"hints": [{"x": 1, "y": 2, "size": 3, "color": "#a03020", "spread": "local"}]},
        {"hints": [{"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "x": 0, "y": 0, "size": 1,
                    "ab": [-12.5, 40.25], "spread": "similar"},
                   {"id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "x": 60, "y": 44, "size": 4,
                    "color": "#00ff00"}]},
        {"hints": [{"x": 63, "y": 47, "ab": [127.9, -128]}, {"x": 64, "y": 0, "ab": [0, 0]}]},
        {"hints": [{"x": 1048576, "y": 0, "size": 1048576, "ab": [1e-3, 2e2]}]},
        {"hints": [{"x": -1, "y": 0.5, "ab": [1, 2], "extra": True}]},
        {"x": 5},
        {"y": 7, "size": 2},
        {"ab": [3, -4]},
        {"color": "#ffffff", "spread": "local"},
        {"id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "x": 9223372036854775807},
        {"x": 2, "y": 3, "ab": [1, 2], "color": "#000000"},
    ]
    s = {f"doc{i:02}.json": json.dumps(d).encode() for i, d in enumerate(docs)}
    s["nested.json"] = b'{"hints": [[[[[{"x": 1}]]]]]}'
    s["numbers.json"] = b'{"hints": [{"x": 1e400, "y": 0x10, "ab": [NaN, -0.0], "size": 1.0}]}'
    s["escapes.json"] = b'{"hints": [{"color": "#\\u0061bc123", "spread": "lo\\ncal", "x": 1, "y": 1}]}'
    return s


BOUNDARY = "FuzzB0undary"  # the multipart target's fixed boundary


def multipart(parts, boundary=BOUNDARY, content_type=None, close=True, epilogue=b""):
    ct = content_type or f"multipart/form-data; boundary={boundary}"
    body = ct.encode() + b"\r\n"  # first line: the Content-Type (a preamble to the parser)
    for headers, content in parts:
        body += b"--" + boundary.encode() + b"\r\n"
        for h in headers:
            body += h.encode() + b"\r\n"
        body += b"\r\n" + content + b"\r\n"
    if close:
        body += b"--" + boundary.encode() + b"--\r\n" + epilogue
    return body


def multipart_seeds():
    png = saved(gradient("L", 4, 4), "PNG")
    s = {}
    s["fields.txt"] = multipart([(['Content-Disposition: form-data; name="preset"'], b"fast"),
                                 (['Content-Disposition: form-data; name="format"'], b" png \r\n")])
    s["file.txt"] = multipart([(['Content-Disposition: form-data; name="image"; filename="a.png"',
                                 "Content-Type: image/png"], png),
                               (['Content-Disposition: form-data; name="hints"'],
                                b'{"hints": [{"x": 1, "y": 1, "ab": [5, 5]}]}')])
    s["quoted.txt"] = multipart([(['content-disposition: form-data; name="a;b"; filename="x \\"y\\".jpg"'],
                                  b"--FuzzB0undar\r\n--not it\r\n")],
                                content_type=f'Multipart/Form-Data; charset=utf-8; boundary="{BOUNDARY}"')
    s["other-boundary.txt"] = multipart([(['Content-Disposition: form-data; name="x"'], b"1")],
                                        boundary="----WebKitFormBoundary7MA4YWxkTrZu0gW",
                                        content_type="multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW")
    s["no-headers.txt"] = multipart([([], b"orphan"), (['Content-Disposition: form-data; name="n"'], b"")])
    s["truncated.txt"] = multipart([(['Content-Disposition: form-data; name="image"'], b"\x00\xff\r\n\r")],
                                   close=False)
    s["epilogue.txt"] = multipart([(['Content-Disposition: form-data; name="k"   ', "X-Other:  v "], b"v")],
                                  epilogue=b"trailing junk\r\n--FuzzB0undary\r\n")
    s["whitespace.txt"] = (b"multipart/form-data;boundary=FuzzB0undary\r\n--FuzzB0undary \t\r\n"
                           b"Content-Disposition: attachment; name=\"q\"\r\n\r\nz\r\n--FuzzB0undary--")
    s["json.txt"] = b"application/json\r\n{}"
    s["bad-utf8.txt"] = multipart([(['Content-Disposition: form-data; name="\xc3\x28"'.encode("latin-1").decode("latin-1")],
                                    b"\xc3\x28")])
    return s


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    for name, seeds in (("decode", decode_seeds()), ("hints", hints_seeds()), ("multipart", multipart_seeds())):
        os.makedirs(os.path.join(out, name), exist_ok=True)
        for file, data in seeds.items():
            with open(os.path.join(out, name, file), "wb") as f:
                f.write(data)
        print(f"{name}: {len(seeds)} seeds, largest {max(map(len, seeds.values()))} bytes")


if __name__ == "__main__":
    main()
