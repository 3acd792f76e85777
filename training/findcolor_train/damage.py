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

`version=2` (repair5 on; `train_repair --damage-version 2`; version 1 stays the default and draws
exactly what it drew before) widens every family, after measuring where repair3/repair4 failed on
damage they had not seen (issue 15 gap study, 2026-12-05): stains as discrete soft blobs with a
flat interior (irregular rotated ellipses, 2–35 px, opacity 0.3–0.95, a soft edge 0.5–6 px), not
only noise-field stains; torn corners and edges up to 60 % of the crop, with a straight or ragged
tear line; cracks also as jagged polylines (steps of 2–10 px turning sharply) with branches;
hairs also as arcs; scratches also as near-straight bent lines, 0.4–6 px wide, opacity down to
0.3, some fading in and out along their length; dust also elliptic and soft. The photo itself also
gets the look of a digital photo at its own resolution before the damage (JPEG blocks and ringing,
camera sharpening halos: textures the detector must leave alone), and the damaged print the look of
a scan after it (a slight blur, JPEG). The mask rule is the same. With `network_p` (repair33 on)
version 2 also draws networks of cracks in the emulsion (`crack_network`: cell borders over a patch
of the crop, as the cracked historical prints show them; 0, the default, draws nothing).
"""
import functools
import io
import math

import numpy as np
from PIL import Image
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


# ---------------------------------------------------------------------------------------------
# version 2: wider families (see the module docstring)


def densify(pts, step=0.35):
    """A polyline (n, 2) of (y, x) resampled to points `step` px apart (for `rasterise`)."""
    out = [pts[:1]]
    for a, b in zip(pts[:-1], pts[1:]):
        n = max(1, int(math.ceil(float(np.hypot(*(b - a))) / step)))
        t = (np.arange(1, n + 1, dtype=np.float32) / n)[:, None]
        out.append(a + (b - a) * t)
    return np.concatenate(out).astype(np.float32)


def polyline_crack(rng, h, w, n, turn):
    y, x = rng.uniform(0, h), rng.uniform(0, w)
    heading = rng.uniform(0, 2 * math.pi)
    pts = [(y, x)]
    for _ in range(n):
        heading += rng.uniform(-turn, turn)
        st = rng.uniform(2, 10)
        y, x = y + st * math.sin(heading), x + st * math.cos(heading)
        pts.append((y, x))
    return np.array(pts, np.float32), heading


def bent_line(rng, h, w, length, theta):
    """A near-straight line through a random point, bent by a slow sine."""
    cy, cx = rng.uniform(0, h), rng.uniform(0, w)
    n = max(2, int(length / 0.35))
    t = (np.arange(n, dtype=np.float32) / (n - 1) - 0.5) * length
    amp = rng.uniform(0, 0.03) * length * (rng.random() < 0.7)
    bend = amp * np.sin(rng.uniform(0, 2 * math.pi) + rng.uniform(0.2, 2.0) * 2 * math.pi * (t / length + 0.5))
    dy, dx = math.sin(theta), math.cos(theta)
    return np.stack([cy + t * dy + bend * dx, cx + t * dx - bend * dy], 1).astype(np.float32)


def arc(rng, h, w):
    r, ecc = rng.uniform(4, 40), rng.uniform(0.6, 1.0)
    start, sweep = rng.uniform(0, 2 * math.pi), math.radians(rng.uniform(45, 330))
    cy, cx, rot, wob = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(0, math.pi), rng.uniform(0, 0.2)
    n = max(8, int(r * sweep / 0.35))
    t = start + sweep * np.arange(n, dtype=np.float32) / (n - 1)
    rr = r * (1 + wob * np.sin(rng.integers(2, 5) * t + rng.uniform(0, 6.3)))
    u, v = rr * np.cos(t), ecc * rr * np.sin(t)
    return np.stack([cy + u * math.sin(rot) + v * math.cos(rot), cx + u * math.cos(rot) - v * math.sin(rot)], 1).astype(np.float32)


def grid(h, w):
    return torch.meshgrid(torch.arange(h, dtype=torch.float32) + 0.5, torch.arange(w, dtype=torch.float32) + 0.5, indexing="ij")


def blob(rng, yy, xx, cy, cx, a, b, soft, ragged=0.0):
    """Coverage (H, W) in [0, 1] of a rotated ellipse with semi-axes a, b, an edge `soft` px wide
    and a boundary perturbed by a few low angular harmonics (relative amplitude `ragged`)."""
    rot = rng.uniform(0, math.pi)
    dy, dx = yy - cy, xx - cx
    u = (dx * math.cos(rot) + dy * math.sin(rot)) / a
    v = (-dx * math.sin(rot) + dy * math.cos(rot)) / b
    rho = torch.sqrt(u * u + v * v)
    if ragged:
        ang = torch.atan2(v, u)
        k = 1.0
        for m in (2, 3, 5):
            k = k + ragged * rng.uniform(-1, 1) * torch.cos(m * ang + rng.uniform(0, 6.3)) / m
        rho = rho / k.clamp(min=0.3)
    d = (rho - 1) * min(a, b)
    return (0.5 - d / soft).clamp(0, 1)


def curve_layer(rng, h, w, curves, blur_max, op_lo, tone):
    a = blur(rasterise(h, w, curves), rng.uniform(0, blur_max)) * rng.uniform(op_lo, 1.0)
    return Layer(a, torch.full_like(a, tone()))


def straight_line(rng, h, w, vertical_only=False):
    """A perfectly straight line across the whole crop: vertical or horizontal (0.8 of them; with
    `vertical_only` vertical, a film's tramline scratch, which runs along the film) or at any angle,
    through a random point."""
    u = rng.random()
    theta = math.pi / 2 if u < (0.8 if vertical_only else 0.5) else (0.0 if u < 0.8 else rng.uniform(0, math.pi))
    cy, cx = rng.uniform(0, h), rng.uniform(0, w)
    length = 2.0 * math.hypot(h, w)
    n = max(2, int(length / 0.35))
    t = (np.arange(n, dtype=np.float32) / (n - 1) - 0.5) * length
    return np.stack([cy + t * math.sin(theta), cx + t * math.cos(theta)], 1).astype(np.float32)


def texture_sampler(rng, L, p):
    """Where dust and stains are centred: with chance `p` per crop drawn in proportion to the local
    contrast of L (the standard deviation over 9×9 px, plus 1 L* so flat areas still get some), else
    uniformly; with `p` 0 it draws nothing (the draws of runs without it are unchanged)."""
    _, h, w = L.shape
    if not p or rng.random() >= p:
        return lambda: (rng.uniform(0, h), rng.uniform(0, w))
    x = L[None].float()
    m = F.avg_pool2d(x, 9, 1, 4, count_include_pad=False)
    sd = (F.avg_pool2d(x * x, 9, 1, 4, count_include_pad=False) - m * m).clamp(min=0).sqrt()[0, 0] + 1.0
    cdf = np.cumsum(sd.flatten().double().numpy())
    cdf /= cdf[-1]

    def draw():
        i = min(int(np.searchsorted(cdf, rng.random())), h * w - 1)
        return (i // w + rng.random(), i % w + rng.random())
    return draw


def bright_objects(L, rng, p):
    """With chance `p`, 1–3 bright, shaded, round things painted into the clean print before any
    damage, so that they are not defects: a lamp's globe, a white sleeve, a face in strong light. A
    paper-light stain is flat (a uniform tone over the photo, some of it showing through) with a
    soft edge; these are lit: a highlight off their centre falling off by 10–35 L* towards a crisper
    edge (0.3–2 px), sometimes a darker rim. Trained as hard negatives against the detector's flags
    on such things in real photos (historical film frame v39_0001, AustinSaloonEarly1900s); with
    `p` 0 it draws nothing."""
    if not p or rng.random() >= p:
        return L
    _, h, w = L.shape
    yy, xx = grid(h, w)
    x = L.clone()
    for _ in range(int(rng.integers(1, 4))):
        a, b = rng.uniform(4, 40), rng.uniform(4, 40)
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        cov = blob(rng, yy, xx, cy, cx, a, b, rng.uniform(0.3, 2.0))[None]
        # the light: a highlight up to half a radius off the centre, falling off quadratically
        hy, hx = cy + rng.uniform(-0.5, 0.5) * b, cx + rng.uniform(-0.5, 0.5) * a
        r2 = ((yy - hy) / b) ** 2 + ((xx - hx) / a) ** 2
        tone = (rng.uniform(85, 100) - rng.uniform(10, 35) * r2.clamp(max=1.5))[None]
        if rng.random() < 0.3:  # a darker rim (a fitting, a seam)
            rim = blob(rng, yy, xx, cy, cx, a + 1.5, b + 1.5, 1.0)[None] - cov
            x = x * (1 - rim.clamp(0, 1)) + rng.uniform(10, 40) * rim.clamp(0, 1)
        x = x * (1 - cov) + tone.clamp(0, 100) * cov
    return x


def crack_network(rng, h, w):
    """Coverage (1, H, W) of a network of cracks in the emulsion, as cracked old prints show them:
    the borders of irregular cells (a Voronoi diagram of 8–45 px cells, its coordinates bent by
    smooth noise), 0.5–2.5 px wide, drawn where a smooth mask of the crop says so (a patch of the
    crop or most of it) and there only along a random share of the borders, so that the lines
    branch and end as real crack networks do."""
    cell = float(np.exp(rng.uniform(math.log(8), math.log(45))))
    n = int(max(4, min(400, h * w / cell ** 2 * 1.3)))
    seeds = torch.from_numpy(np.stack([rng.uniform(-cell, h + cell, n), rng.uniform(-cell, w + cell, n)], 1).astype(np.float32))
    yy, xx = grid(h, w)
    bend = rng.uniform(0.1, 0.35) * cell
    py = yy + bend * smooth_noise(rng, h, w, max(4, int(cell)))[0]
    px = xx + bend * smooth_noise(rng, h, w, max(4, int(cell)))[0]
    d = ((py[None] - seeds[:, 0, None, None]) ** 2 + (px[None] - seeds[:, 1, None, None]) ** 2).sqrt()
    two = torch.topk(d, 2, dim=0, largest=False).values
    width = rng.uniform(0.5, 2.5)
    edge = ((width - (two[1] - two[0])) / 0.7).clamp(0, 1)  # d2 − d1 grows ~2 px per px off the border
    where = smooth_noise(rng, h, w, int(rng.integers(20, 80)))[0]
    region = torch.sigmoid((where - rng.uniform(-1.0, 0.6)) * 4)  # a patch, or most of the crop
    keep = smooth_noise(rng, h, w, max(3, int(cell * rng.uniform(0.4, 1.0))))[0]
    along = torch.sigmoid((keep - rng.uniform(-0.8, 0.4)) * 6)  # some borders only
    return (edge * region * along)[None]


def layers_v2(rng, h, w, L, stain_p=0.4, straight_p=0.0, straight_vertical=False, texture_p=0.0, network_p=0.0):
    """Version 2's defect layers; `stain_p`: the chance of stains on a crop (the default 0.4 keeps
    the draws of the runs that used it); `straight_p`: the chance that a scratch is a perfectly
    straight line across the crop (`straight_line`; 0, the default, draws nothing for it), with
    `straight_vertical` never a horizontal one; `texture_p`: the chance that the crop's dust and
    stains sit mostly on its busy texture (`texture_sampler`; 0, the default, draws nothing);
    `network_p`: the chance of a network of cracks (`crack_network`; 0, the default, draws nothing)."""
    s = max(h, w)
    out = []
    place = texture_sampler(rng, L, texture_p)
    bright = lambda: rng.random() < 0.55  # noqa: E731
    tone = lambda: rng.uniform(78, 100) if bright() else rng.uniform(0, 22)  # noqa: E731
    # scratches: random walks or bent straight lines; some fade in and out along their length
    if rng.random() < 0.55:
        for _ in range(int(rng.integers(1, 6))):
            vertical = rng.random() < 0.6
            theta = (math.pi / 2 + rng.normal(0, 0.12)) if vertical else rng.uniform(0, math.pi)
            length = rng.uniform(0.3, 1.8) * s
            if straight_p and rng.random() < straight_p:
                pts = straight_line(rng, h, w, straight_vertical)
            elif rng.random() < 0.5:
                pts = walk(rng, h, w, length, theta, rng.uniform(0.0005, 0.004))
            else:
                pts = bent_line(rng, h, w, length, theta)
            width = float(np.exp(rng.uniform(math.log(0.4), math.log(6.0))))
            a = blur(rasterise(h, w, [(pts, width)]), rng.uniform(0, 1.2)) * rng.uniform(0.3, 1.0)
            if rng.random() < 0.3:
                a = a * (smooth_noise(rng, h, w, int(rng.integers(10, 60))) * 0.6 + 0.8).clamp(0, 1)
            out.append(Layer(a, torch.full_like(a, tone())))
    # hairs: curly random walks or arcs
    if rng.random() < 0.3:
        curves = []
        for _ in range(int(rng.integers(1, 4))):
            if rng.random() < 0.5:
                pts = walk(rng, h, w, rng.uniform(10, 90), rng.uniform(0, 2 * math.pi), rng.uniform(0.02, 0.08))
            else:
                pts = arc(rng, h, w)
            curves.append((pts, rng.uniform(0.4, 1.8)))
        out.append(curve_layer(rng, h, w, curves, 0.7, 0.6, tone))
    # cracks: smooth jagged walks or sharp polylines, with branches
    if rng.random() < 0.3:
        curves = []
        for _ in range(int(rng.integers(1, 5))):
            width = rng.uniform(0.4, 2.0)
            if rng.random() < 0.4:
                pts = walk(rng, h, w, rng.uniform(0.2, 0.8) * s, rng.uniform(0, 2 * math.pi), 0.01, jag=0.9)
            else:
                pts = densify(polyline_crack(rng, h, w, int(rng.integers(6, 60)), rng.uniform(0.4, 1.3))[0])
            curves.append((pts, width))
            for _ in range(int(rng.integers(0, 4))):
                o = pts[int(rng.integers(0, len(pts)))]
                b = densify(polyline_crack(rng, h, w, int(rng.integers(2, 15)), rng.uniform(0.4, 1.3))[0])
                curves.append((b - b[0] + o, width * rng.uniform(0.6, 1.0)))
        out.append(curve_layer(rng, h, w, curves, 0.6, 0.6, tone))
    if network_p and rng.random() < network_p:
        a = blur(crack_network(rng, h, w), rng.uniform(0, 0.7)) * rng.uniform(0.5, 1.0)
        # mostly the paper's white through the cracked emulsion, sometimes dark (dirt in the cracks)
        out.append(Layer(a, torch.full_like(a, rng.uniform(80, 100) if rng.random() < 0.8 else rng.uniform(0, 20))))
    # dust: round or elliptic specks, hard or soft
    if rng.random() < 0.5:
        yy, xx = grid(h, w)
        a = torch.zeros(1, h, w)
        tgt = torch.zeros(1, h, w)
        for _ in range(int(rng.integers(3, 80))):
            cy, cx = place()
            r = float(np.exp(rng.uniform(math.log(0.4), math.log(5.0))))
            rb = r * rng.uniform(0.5, 1.0) if rng.random() < 0.4 else r
            y0, y1 = max(0, int(cy - r - 4)), min(h, int(cy + r + 5))
            x0, x1 = max(0, int(cx - r - 4)), min(w, int(cx + r + 5))
            if y0 >= y1 or x0 >= x1:
                continue
            cov = blob(rng, yy[y0:y1, x0:x1], xx[y0:y1, x0:x1], cy, cx, r + 0.01, rb + 0.01,
                       rng.uniform(0.3, 1.5)) * rng.uniform(0.5, 1.0)
            sub = a[0, y0:y1, x0:x1]
            take = cov > sub
            a[0, y0:y1, x0:x1] = torch.where(take, cov, sub)
            tgt[0, y0:y1, x0:x1] = torch.where(take, torch.tensor(tone()), tgt[0, y0:y1, x0:x1])
        out.append(Layer(a, tgt))
    # stains: noise-field stains (version 1's) or discrete soft blobs with a flat interior
    if rng.random() < stain_p:
        if rng.random() < 0.35:
            cell = int(rng.integers(6, 24))
            noise = smooth_noise(rng, h, w, cell)
            thr = float(np.quantile(noise.numpy(), rng.uniform(0.93, 0.995)))
            alphas = [torch.sigmoid((noise - thr) * rng.uniform(4, 12)) * rng.uniform(0.4, 0.9)]
        else:
            yy, xx = grid(h, w)
            alphas = []
            for _ in range(int(rng.integers(1, 6))):
                a_, b_ = (float(np.exp(rng.uniform(math.log(2), math.log(35)))) for _ in range(2))
                cy, cx = place()
                cov = blob(rng, yy, xx, cy, cx, a_, b_, rng.uniform(0.5, 6.0),
                           ragged=rng.uniform(0, 0.5))[None]
                if rng.random() < 0.3:  # uneven density inside
                    cov = cov * (1 + 0.25 * smooth_noise(rng, h, w, int(rng.integers(4, 16)))).clamp(0, 1.2)
                alphas.append(cov.clamp(0, 1) * rng.uniform(0.3, 0.95))
        for a in alphas:
            u = rng.random()
            if u < 0.45:
                tgt = torch.full_like(a, rng.uniform(70, 98))  # paper showing through, bleached
            elif u < 0.85:
                tgt = L * rng.uniform(0.2, 0.7)  # a darker, transparent stain
            else:
                tgt = torch.full_like(a, rng.uniform(3, 35))  # an opaque dark spot
            out.append(Layer(a, tgt))
    # torn or missing corner / edge: straight or ragged tear line
    if rng.random() < 0.15:
        yy, xx = grid(h, w)
        ragged = smooth_noise(rng, h, w, 4)[0] * rng.uniform(0, 0.08) + smooth_noise(rng, h, w, 16)[0] * rng.uniform(0, 0.12)
        if rng.random() < 0.75:  # a corner
            cy, cx = (0.0 if rng.random() < 0.5 else float(h)), (0.0 if rng.random() < 0.5 else float(w))
            depth = rng.uniform(0.1, 0.6) * s
            d = (yy - cy).abs() / depth + (xx - cx).abs() / (depth * rng.uniform(0.5, 2.0))
        else:  # a strip along an edge
            depth = rng.uniform(3, 0.2 * s)
            side = int(rng.integers(0, 4))
            dist = [yy, h - yy, xx, w - xx][side]
            d = dist / depth + 0.3 * smooth_noise(rng, h, w, int(rng.integers(8, 40)))[0]
        a = ((1.0 - d + ragged) * rng.uniform(6, 25)).clamp(0, 1)[None]
        u = rng.random()
        v = rng.uniform(85, 100) if u < 0.7 else (rng.uniform(0, 15) if u < 0.9 else rng.uniform(35, 70))
        out.append(Layer(a, torch.full_like(a, v)))
    return out


def to_u8(x):
    return (x[0] * 2.55).round().clamp(0, 255).to(torch.uint8).numpy()


def jpeg(x, quality):
    """L* (1, H, W) through an 8-bit grayscale JPEG of the given quality."""
    buf = io.BytesIO()
    Image.fromarray(to_u8(x), "L").save(buf, "JPEG", quality=int(quality))
    buf.seek(0)
    return torch.from_numpy(np.asarray(Image.open(buf), dtype=np.float32) / 2.55)[None]


def photo_look(x, rng):
    """What a clean digital photo at its own resolution has and the detector must leave alone:
    camera sharpening halos and JPEG blocks and ringing."""
    if rng.random() < 0.25:
        sigma = rng.uniform(0.5, 1.5)
        x = x + rng.uniform(0.3, 1.5) * (x - blur(x, sigma))
    if rng.random() < 0.5:
        x = jpeg(x.clamp(0, 100), rng.uniform(40, 95))
    return x


def damage(L, rng, clean_p=0.1, version=1):
    """(1, H, W) clean L* -> (damaged L*, defect mask), both (1, H, W)."""
    if version == 2:
        return damage_v2(L, rng, clean_p)
    base = degrade_print(L, rng)
    x, mask = composite(base, layers, rng, clean_p)
    x = grain(x, rng).clamp(0, 100)
    return x, mask.float()


def composite(x, make_layers, rng, clean_p):
    """Unless the crop stays clean (probability `clean_p`), every layer of `make_layers(rng, h, w, x)`
    over `x`; the mask marks pixels a layer covers with opacity >= MIN_OPACITY and moves by >= MIN_CHANGE."""
    _, h, w = x.shape
    mask = torch.zeros_like(x, dtype=torch.bool)
    if rng.random() >= clean_p:
        for layer in make_layers(rng, h, w, x):
            before = x
            x = before * (1 - layer.alpha) + layer.target * layer.alpha
            mask |= (layer.alpha >= MIN_OPACITY) & ((x - before).abs() >= MIN_CHANGE)
    return x, mask


def damage_v2(L, rng, clean_p=0.1, with_change=False, stain_p=0.4, straight_p=0.0, straight_vertical=False,
              texture_p=0.0, object_p=0.0, network_p=0.0):
    """With `with_change`, also |ΔL*| that the defects made (the composited layers against the
    print under them, before the scan's blur, grain and JPEG): how visible each defect pixel is.
    The same random draws either way. `stain_p`, `straight_p`, `straight_vertical`, `texture_p`: see
    `layers_v2`; `object_p`: see `bright_objects`; `network_p`: see `layers_v2`."""
    base = degrade_print(photo_look(bright_objects(L, rng, object_p), rng), rng)
    x, mask = composite(base, functools.partial(layers_v2, stain_p=stain_p, straight_p=straight_p,
                                                     straight_vertical=straight_vertical, texture_p=texture_p,
                                                     network_p=network_p), rng, clean_p)
    change = (x - base).abs() if with_change else None
    if rng.random() < 0.15:  # the scan: a slight blur (the mask stays the rendered one)
        x = blur(x, rng.uniform(0.3, 0.6))
    x = grain(x, rng).clamp(0, 100)
    if rng.random() < 0.2:  # and its JPEG
        x = jpeg(x, rng.uniform(60, 95))
    return (x, mask.float(), change) if with_change else (x, mask.float())
