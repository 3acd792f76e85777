"""Training data: a packed, decoded copy of the training photos and a batch sampler.

`pack` decodes every photo once into one uint8 array (short side resized to `short`, long side
centre-cropped to 1.5×short) and stores it with an index under the cache folder; grayscale photos
(mean chroma < 2) are skipped. `BatchSampler` draws random crops with scale jitter and flips, converts
to Lab, and degrades the network's L input like an old print (blur, grain, contrast and gamma).
"""
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .color import rgb_to_lab

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def list_images(root):
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_EXTS)


def load_resized(path, short):
    im = Image.open(path).convert("RGB")
    w, h = im.size
    s = short / min(w, h)
    nw, nh = max(short, round(w * s)), max(short, round(h * s))
    im = im.resize((nw, nh), Image.BICUBIC if s > 1 else Image.LANCZOS)
    cap = int(1.5 * short)
    if nw > cap:
        x0 = (nw - cap) // 2
        im = im.crop((x0, 0, x0 + cap, nh))
    if nh > cap:
        y0 = (nh - cap) // 2
        im = im.crop((0, y0, im.size[0], y0 + cap))
    return np.asarray(im, dtype=np.uint8)


MIN_CHROMA = 2.0  # mean chroma below which a photo counts as gray (skipped in training and evaluation)


def lab_chroma_mean(lab):
    """Mean chroma sqrt(a² + b²) of a (3, H, W) Lab tensor."""
    return float(torch.sqrt(lab[1] ** 2 + lab[2] ** 2).mean())


def chroma_mean(rgb_u8):
    return lab_chroma_mean(rgb_to_lab(torch.from_numpy(rgb_u8[::4, ::4]).permute(2, 0, 1).float() / 255.0))


def pack(data_dir, cache_dir, short=176, min_chroma=MIN_CHROMA):
    """Decode all photos once; returns the path of the packed file."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    out = cache_dir / f"train_{short}.npy"
    index_path = cache_dir / f"train_{short}.json"
    if out.exists() and index_path.exists():
        return out
    files = list_images(data_dir)
    arrays, index, skipped = [], [], []
    offset = 0
    t0 = time.time()
    for i, f in enumerate(files):
        try:
            a = load_resized(f, short)
        except Exception as e:  # unreadable file: skip, but say so
            print(f"skip {f}: {e}")
            continue
        if chroma_mean(a) < min_chroma:
            skipped.append(str(f))
            continue
        arrays.append(a.reshape(-1))
        index.append({"file": str(f.relative_to(data_dir)), "offset": offset, "h": a.shape[0], "w": a.shape[1]})
        offset += a.size
        if i % 2000 == 0:
            print(f"packed {i}/{len(files)} in {time.time() - t0:.0f}s", flush=True)
    flat = np.concatenate(arrays)
    tmp = cache_dir / f"train_{short}.tmp.npy"
    np.save(tmp, flat)
    os.replace(tmp, out)
    index_path.write_text(json.dumps({"short": short, "images": index, "skipped_gray": skipped}))
    print(f"packed {len(index)} photos ({flat.nbytes / 1e9:.2f} GB), skipped {len(skipped)} near-gray")
    return out


class PackedPhotos:
    def __init__(self, cache_dir, short=176):
        cache_dir = Path(cache_dir)
        self.flat = np.load(cache_dir / f"train_{short}.npy", mmap_mode="r")
        meta = json.loads((cache_dir / f"train_{short}.json").read_text())
        self.images = meta["images"]

    def __len__(self):
        return len(self.images)

    def get(self, i):
        m = self.images[i]
        n = m["h"] * m["w"] * 3
        return np.asarray(self.flat[m["offset"]:m["offset"] + n]).reshape(m["h"], m["w"], 3)


def ab_prior(photos, centres, samples=2000, seed=0):
    """Empirical distribution of ab over the bins (for class rebalancing)."""
    from .bins import nearest_bin
    rng = np.random.default_rng(seed)
    counts = torch.zeros(len(centres), dtype=torch.float64)
    for i in rng.choice(len(photos), min(samples, len(photos)), replace=False):
        a = photos.get(int(i))[::4, ::4]
        lab = rgb_to_lab(torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1).float()[None] / 255.0)
        q = nearest_bin(lab[:, 1:], centres).reshape(-1)
        counts += torch.bincount(q, minlength=len(centres)).double()
    return counts


def gaussian_kernel1d(sigma):
    r = max(1, int(math.ceil(2.5 * sigma)))
    x = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-x * x / (2 * sigma * sigma))
    return k / k.sum()


def degrade_L(L, rng):
    """Make L (B,1,H,W, in [0,100]) look like a scanned old print, per sample with random strength."""
    out = []
    for i in range(L.shape[0]):
        x = L[i:i + 1] / 100.0
        if rng.random() < 0.5:  # contrast and gamma of the print/scan
            g = float(np.exp(rng.normal(0, 0.2)))
            c = float(rng.uniform(0.75, 1.15))
            m = x.mean()
            x = ((x.clamp(0, 1) ** g - m) * c + m)
        if rng.random() < 0.3:  # slight blur (lens, print, scan)
            k = gaussian_kernel1d(float(rng.uniform(0.4, 1.3)))
            r = k.numel() // 2
            x = F.pad(x, (r, r, r, r), mode="reflect")
            x = F.conv2d(x, k.view(1, 1, 1, -1))
            x = F.conv2d(x, k.view(1, 1, -1, 1))
        if rng.random() < 0.3:  # film grain
            x = x + torch.from_numpy(rng.normal(0, rng.uniform(0.005, 0.03), x.shape)).float()
        out.append(x.clamp(0, 1) * 100.0)
    return torch.cat(out, 0)


class BatchSampler:
    """Random crops (scale jitter 0.75–1.35, horizontal flips) -> clean Lab and degraded L."""

    def __init__(self, photos, crop=128, seed=0, degrade=0.8):
        self.photos, self.crop, self.degrade = photos, crop, degrade
        self.rng = np.random.default_rng(seed)

    def state_dict(self):
        return {"bit_generator": self.rng.bit_generator.state}

    def load_state_dict(self, s):
        self.rng.bit_generator.state = s["bit_generator"]

    def crop_one(self, a):
        h, w, _ = a.shape
        c = self.crop
        win = int(round(c / self.rng.uniform(0.75, 1.35)))
        win = max(16, min(win, h, w))
        y = int(self.rng.integers(0, h - win + 1))
        x = int(self.rng.integers(0, w - win + 1))
        t = torch.from_numpy(np.ascontiguousarray(a[y:y + win, x:x + win])).permute(2, 0, 1).float()[None] / 255.0
        if win != c:
            t = F.interpolate(t, size=(c, c), mode="bilinear", align_corners=False, antialias=win > c)
        if self.rng.random() < 0.5:
            t = t.flip(-1)
        return t.clamp(0, 1)

    def __call__(self, batch):
        idx = self.rng.integers(0, len(self.photos), batch)
        rgb = torch.cat([self.crop_one(self.photos.get(int(i))) for i in idx], 0)
        lab = rgb_to_lab(rgb)
        L_in = lab[:, :1]
        if self.rng.random() < self.degrade:
            L_in = degrade_L(L_in, self.rng)
        return lab, L_in
