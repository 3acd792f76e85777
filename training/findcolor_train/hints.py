"""Hint simulation.

A hint is a square patch whose pixels carry the patch's mean ab; the network sees a 3-channel hint
tensor [a/110, b/110, mask]. Training draws hints the way users and the reference matcher place them
(Zhang et al. 2017); evaluation uses the fixed, seeded protocols of the literature.
"""

import math

import numpy as np
import torch

AB_SCALE = 110.0


def patch_hint(hint, ab, y, x, size):
    """Write one hint: the mean ab of ab[:, y:y+size, x:x+size] into hint (3, H, W) in place."""
    patch = ab[:, y:y + size, x:x + size]
    mean = patch.reshape(2, -1).mean(dim=1)
    hint[0, y:y + size, x:x + size] = mean[0] / AB_SCALE
    hint[1, y:y + size, x:x + size] = mean[1] / AB_SCALE
    hint[2, y:y + size, x:x + size] = 1.0


class TrainingHintSampler:
    """Draws a hint tensor for each crop of a batch.

    - with probability p_none: no hints (automatic colorization);
    - with probability p_dense: reference-like dense hints: single pixels at a random density of
      0.5–5 % inside a random rectangle, with Gaussian noise on ab (matching is imperfect);
    - with probability p_many: many patches, N log-uniform in [10, 80] (what 50–100 hints on a whole
      photo are on a crop of it: the upper end of the evaluation curve);
    - otherwise: N ~ Geometric(p) >= 1 square patches of side U{1..max_size}, placed centre-biased
      (N((H-s+1)/2, (H-s+1)/4)) or uniformly, each holding its patch's mean ab.
    `one_patch` draws a single such patch (the crops of train.py's locality pairs).
    """

    def __init__(self, p_none=0.1, p_dense=0.15, geometric_p=1 / 8, max_size=9, dense_noise=4.0, seed=0, p_many=0.0):
        self.p_none, self.p_dense, self.geometric_p, self.p_many = p_none, p_dense, geometric_p, p_many
        self.max_size, self.dense_noise = max_size, dense_noise
        self.rng = np.random.default_rng(seed)

    def state_dict(self):
        return {"bit_generator": self.rng.bit_generator.state}

    def load_state_dict(self, s):
        self.rng.bit_generator.state = s["bit_generator"]

    def sparse_points(self, H, W, n=None):
        n = int(self.rng.geometric(self.geometric_p)) if n is None else n
        pts = []
        centred = self.rng.random() < 0.5
        for _ in range(n):
            s = int(self.rng.integers(1, self.max_size + 1))
            s = min(s, H, W)
            if centred:
                y = int(np.clip(round(self.rng.normal((H - s + 1) / 2, (H - s + 1) / 4)), 0, H - s))
                x = int(np.clip(round(self.rng.normal((W - s + 1) / 2, (W - s + 1) / 4)), 0, W - s))
            else:
                y = int(self.rng.integers(0, H - s + 1))
                x = int(self.rng.integers(0, W - s + 1))
            pts.append((y, x, s))
        return pts

    def dense(self, hint, ab):
        _, H, W = ab.shape
        h = int(self.rng.integers(H // 3, H + 1))
        w = int(self.rng.integers(W // 3, W + 1))
        y0 = int(self.rng.integers(0, H - h + 1))
        x0 = int(self.rng.integers(0, W - w + 1))
        density = self.rng.uniform(0.005, 0.05)
        n = max(1, int(density * h * w))
        ys = torch.from_numpy(self.rng.integers(y0, y0 + h, n))
        xs = torch.from_numpy(self.rng.integers(x0, x0 + w, n))
        noise = torch.from_numpy(self.rng.normal(0, self.dense_noise, (2, n))).float()
        vals = ab[:, ys, xs] + noise
        hint[0, ys, xs] = vals[0] / AB_SCALE
        hint[1, ys, xs] = vals[1] / AB_SCALE
        hint[2, ys, xs] = 1.0

    def __call__(self, ab):
        """ab: (B, 2, H, W) ground truth -> hints (B, 3, H, W)."""
        B, _, H, W = ab.shape
        hints = torch.zeros(B, 3, H, W)
        for i in range(B):
            u = self.rng.random()
            if u < self.p_none:
                continue
            if u < self.p_none + self.p_dense:
                self.dense(hints[i], ab[i])
            else:
                n = None
                if u < self.p_none + self.p_dense + self.p_many:
                    n = int(round(math.exp(self.rng.uniform(math.log(10), math.log(80)))))
                for (y, x, s) in self.sparse_points(H, W, n):
                    patch_hint(hints[i], ab[i], y, x, s)
        return hints

    def one_patch(self, ab):
        """ab (2, H, W) -> (hint (3, H, W) with one patch, (y, x, size))."""
        _, H, W = ab.shape
        (y, x, s), = self.sparse_points(H, W, 1)
        hint = torch.zeros(3, H, W)
        patch_hint(hint, ab, y, x, s)
        return hint, (y, x, s)


def protocol_points(protocol, k, H, W, rng):
    """Hint patches (y, x, size) of an evaluation protocol, top-left corners.

    A (Zhang et al. 2017): 6×6 patches, corners ~ N((H-P+1)/2, (H-P+1)/4) clipped to [0, H-P].
    B (iColoriT 2023): 2×2 patches, corners uniform over [0, H-P].
    """
    if protocol == "A":
        P = 6
        ys = np.clip(np.round(rng.normal((H - P + 1) / 2, (H - P + 1) / 4, k)), 0, H - P).astype(int)
        xs = np.clip(np.round(rng.normal((W - P + 1) / 2, (W - P + 1) / 4, k)), 0, W - P).astype(int)
    elif protocol == "B":
        P = 2
        ys = rng.integers(0, H - P + 1, k)
        xs = rng.integers(0, W - P + 1, k)
    else:
        raise ValueError(f"unknown protocol {protocol!r}")
    return [(int(y), int(x), P) for y, x in zip(ys, xs)]


def hints_from_points(ab, points):
    """ab (2, H, W) + [(y, x, size)] -> hint tensor (3, H, W); later patches overwrite earlier ones."""
    hint = torch.zeros(3, ab.shape[1], ab.shape[2])
    for (y, x, s) in points:
        patch_hint(hint, ab, y, x, s)
    return hint


def protocol_size(protocol):
    return {"A": 256, "B": 224}[protocol]


