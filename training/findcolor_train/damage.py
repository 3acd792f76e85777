"""Synthetic damage of old prints, for training the defect detector (issue 15).

`damage(L, rng)` takes a clean L* crop (1, H, W) in [0, 100] and returns the damaged L* and the
defect mask (1 where the damage should be repaired). What is rendered, each with a random chance
per crop, so that some crops stay clean (the detector must learn to leave photos alone):

- fading (black point up, white point down, gamma), a slight blur, film grain: global, NOT defects;
- scratches: long, gently curved lines (mostly near vertical, as film scratches run), 0.5–5 px
  wide, bright or dark, opacity 0.5–1, edges blurred 0–1 px;
- hairs: short, strongly curved thin lines; cracks: jagged thin lines with branches;
- dust: 1–4 px specks, many; spots and blotches: soft irregular stains (3–30 px) lighter or darker;
- torn or missing corners: a ragged region at a corner or an edge, paper white or dark.

A pixel is a defect where a damage layer covers it with an opacity of at least 0.3 and moved L* by
at least 3 (a scratch over a same-coloured sky is invisible and is not asked for).

The evaluation protocol (`findcolor eval --protocol repair`, Sources/FindColor/RepairProtocol.swift)
renders its own damage of the same families with a different implementation and seeds, so the
published figures measure the detector on damage it was not trained on pixel for pixel.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

from .data import gaussian_kernel1d

SUPER = 2  # curves are rasterised at 2× and averaged down (anti-aliasing, sub-pixel widths)
MIN_OPACITY = 0.3
MIN_CHANGE = 3.0


def blur(x, sigma):
    if sigma < 0.2:
        return x
    k = gaussian_kernel1d(sigma)
    r = k.numel() // 2
    x = F.pad(x[None], (r, r, r, r), mode="replicate")
    x = F.conv2d(x, k.view(1, 1, 1, -1))
    x = F.conv2d(x, k.view(1, 1, -1, 1))
    return x[0]


def walk(rng, h, w, length, theta, turn, jag=0.0, step=0.35):
    """Points of a random walk (y, x) of the given length: heading theta, angular velocity changing
    by `turn` per step (smooth curves), plus abrupt heading jumps of size `jag` (cracks)."""
    y, x = rng.uniform(-0.1 * h, 1.1 * h), rng.uniform(-0.1 * w, 1.1 * w)
    n = max(2, int(length / step))
    omega = 0.0
    pts = np.empty((n, 2), np.float32)
    for i in range(n):
        pts[i] = (y, x)
        omega = 0.98 * omega + rng.normal(0, turn)
        theta += omega
        if jag and rng.random() < 0.08:
            theta += rng.normal(0, jag)
        y += step * math.sin(theta)
        x += step * math.cos(theta)
    return pts


def rasterise(h, w, curves):
    """Coverage in [0, 1] (1, H, W) of curves given as (points, width in px)."""
    out = torch.zeros(1, h, w)
    for pts, width in curves:
        canvas = torch.zeros(1, 1, h * SUPER, w * SUPER)
        p = np.round(pts * SUPER).astype(np.int64)
        ok = (p[:, 0] >= 0) & (p[:, 0] < h * SUPER) & (p[:, 1] >= 0) & (p[:, 1] < w * SUPER)
        if not ok.any():
            continue
        p = torch.from_numpy(p[ok])
        canvas[0, 0, p[:, 0], p[:, 1]] = 1
        k = max(1, int(round(width * SUPER)))
        if k > 1:
            if k % 2 == 0:
                canvas = F.pad(canvas, (0, 1, 0, 1))
                k += 1
                canvas = F.max_pool2d(canvas, k, stride=1, padding=k // 2)[..., :h * SUPER, :w * SUPER]
            else:
                canvas = F.max_pool2d(canvas, k, stride=1, padding=k // 2)
        out = torch.maximum(out, F.avg_pool2d(canvas, SUPER)[0])
    return out


def smooth_noise(rng, h, w, cell):
    """Low-frequency noise (1, H, W), standard-normal-ish, features of about `cell` px."""
    gh, gw = max(2, h // cell + 2), max(2, w // cell + 2)
    g = torch.from_numpy(rng.normal(0, 1, (1, 1, gh, gw)).astype(np.float32))
    return F.interpolate(g, size=(h, w), mode="bicubic", align_corners=True)[0]


class Layer:
    def __init__(self, alpha, target):
        self.alpha, self.target = alpha.clamp(0, 1), target


def layers(rng, h, w, L):
    s = max(h, w)
    out = []
    bright = lambda: rng.random() < 0.55  # noqa: E731
    # scratches
    if rng.random() < 0.55:
        curves = []
        for _ in range(int(rng.integers(1, 6))):
            vertical = rng.random() < 0.6
            theta = (math.pi / 2 + rng.normal(0, 0.12)) if vertical else rng.uniform(0, math.pi)
            pts = walk(rng, h, w, rng.uniform(0.3, 1.6) * s, theta, rng.uniform(0.0005, 0.004))
            curves.append((pts, float(np.exp(rng.uniform(math.log(0.5), math.log(5.0))))))
        for c in curves:
            a = blur(rasterise(h, w, [c]), rng.uniform(0, 1.0)) * rng.uniform(0.5, 1.0)
            tgt = rng.uniform(80, 100) if bright() else rng.uniform(0, 20)
            out.append(Layer(a, torch.full_like(a, tgt)))
    # hairs
    if rng.random() < 0.25:
        curves = [(walk(rng, h, w, rng.uniform(10, 70), rng.uniform(0, 2 * math.pi), rng.uniform(0.02, 0.08)),
                   rng.uniform(0.5, 1.6)) for _ in range(int(rng.integers(1, 4)))]
        a = blur(rasterise(h, w, curves), rng.uniform(0, 0.7)) * rng.uniform(0.6, 1.0)
        tgt = rng.uniform(85, 100) if bright() else rng.uniform(0, 15)
        out.append(Layer(a, torch.full_like(a, tgt)))
    # cracks
    if rng.random() < 0.2:
        curves = []
        for _ in range(int(rng.integers(1, 4))):
            pts = walk(rng, h, w, rng.uniform(0.2, 0.8) * s, rng.uniform(0, 2 * math.pi), 0.01, jag=0.9)
            curves.append((pts, rng.uniform(0.5, 1.5)))
            for _ in range(int(rng.integers(0, 3))):  # branches from a point of the crack
                o = pts[int(rng.integers(0, len(pts)))]
                b = walk(rng, h, w, rng.uniform(0.05, 0.3) * s, rng.uniform(0, 2 * math.pi), 0.01, jag=0.9)
                curves.append((b - b[0] + o, rng.uniform(0.5, 1.2)))
        a = blur(rasterise(h, w, curves), rng.uniform(0, 0.6)) * rng.uniform(0.6, 1.0)
        tgt = rng.uniform(80, 100) if bright() else rng.uniform(0, 20)
        out.append(Layer(a, torch.full_like(a, tgt)))
    # dust
    if rng.random() < 0.45:
        n = int(rng.integers(3, 60))
        yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
        a = torch.zeros(1, h, w)
        tgt = torch.zeros(1, h, w)
        for _ in range(n):
            cy, cx = rng.uniform(0, h), rng.uniform(0, w)
            r = float(np.exp(rng.uniform(math.log(0.6), math.log(4.0))))
            y0, y1 = max(0, int(cy - r - 3)), min(h, int(cy + r + 4))
            x0, x1 = max(0, int(cx - r - 3)), min(w, int(cx + r + 4))
            if y0 >= y1 or x0 >= x1:
                continue
            d = torch.sqrt((yy[y0:y1, x0:x1] - cy) ** 2 + (xx[y0:y1, x0:x1] - cx) ** 2)
            cov = (r + 0.5 - d).clamp(0, 1) * rng.uniform(0.6, 1.0)
            sub = a[0, y0:y1, x0:x1]
            take = cov > sub
            a[0, y0:y1, x0:x1] = torch.where(take, cov, sub)
            tgt[0, y0:y1, x0:x1] = torch.where(take, torch.tensor(rng.uniform(85, 100) if bright() else rng.uniform(0, 15)),
                                               tgt[0, y0:y1, x0:x1])
        out.append(Layer(a, tgt))
    # spots and blotches (stains): lighter or darker than what they cover
    if rng.random() < 0.25:
        cell = int(rng.integers(6, 24))
        noise = smooth_noise(rng, h, w, cell)
        thr = float(np.quantile(noise.numpy(), rng.uniform(0.93, 0.995)))
        a = torch.sigmoid((noise - thr) * rng.uniform(4, 12)) * rng.uniform(0.4, 0.9)
        if bright():
            tgt = torch.full_like(a, rng.uniform(75, 98))
        else:
            tgt = L * rng.uniform(0.2, 0.6)
        out.append(Layer(a, tgt))
    # torn or missing corner / edge
    if rng.random() < 0.12:
        yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
        cy, cx = (0.0 if rng.random() < 0.5 else h - 1.0), (0.0 if rng.random() < 0.5 else w - 1.0)
        depth = rng.uniform(0.1, 0.35) * s
        d = (yy - cy).abs() / depth + (xx - cx).abs() / (depth * rng.uniform(0.6, 1.6))
        ragged = smooth_noise(rng, h, w, 4)[0] * 0.06 + smooth_noise(rng, h, w, 16)[0] * 0.1
        a = ((1.0 - d + ragged) * 8).clamp(0, 1)[None]
        tgt = torch.full_like(a, rng.uniform(88, 100) if rng.random() < 0.7 else rng.uniform(0, 12))
        out.append(Layer(a, tgt))
    return out


def degrade_print(L, rng):
    """Fading, blur and grain: what a repair corrects globally, never counted as defects."""
    x = L
    if rng.random() < 0.5:  # fade: contrast squeezed towards a raised black and lowered white
        lo, hi = rng.uniform(0, 30), rng.uniform(70, 100)
        g = float(np.exp(rng.normal(0, 0.2)))
        x = lo + (hi - lo) * (x / 100).clamp(0, 1) ** g
    if rng.random() < 0.3:
        x = blur(x, rng.uniform(0.3, 1.0))
    return x


def grain(x, rng):
    if rng.random() < 0.5:
        n = torch.from_numpy(rng.normal(0, rng.uniform(0.5, 5.0), x.shape).astype(np.float32))
        x = x + blur(n, rng.uniform(0, 0.7))
    return x


def damage(L, rng, clean_p=0.1):
    """(1, H, W) clean L* -> (damaged L*, defect mask), both (1, H, W)."""
    _, h, w = L.shape
    base = degrade_print(L, rng)
    x = base
    mask = torch.zeros_like(L, dtype=torch.bool)
    if rng.random() >= clean_p:
        for layer in layers(rng, h, w, x):
            before = x
            x = before * (1 - layer.alpha) + layer.target * layer.alpha
            mask |= (layer.alpha >= MIN_OPACITY) & ((x - before).abs() >= MIN_CHANGE)
    x = grain(x, rng).clamp(0, 100)
    return x, mask.float()
