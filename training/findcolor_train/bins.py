"""Quantised ab bins (Zhang et al. 2016): a 10-unit grid over ab, keeping the bins whose centre is
in the sRGB gamut for at least one lightness L in [0, 100]."""
import torch

from .color import in_gamut

GRID = 10.0
# Temperature of the annealed mean (Zhang et al. 2016); exported into the model configuration
# (`annealed_mean_T`), which the Swift runtime reads.
ANNEALED_MEAN_T = 0.38


def gamut_bins(grid=GRID, lmin=0.0, lmax=100.0, lsteps=201):
    """(Q, 2) float tensor of in-gamut bin centres, sorted by (a, b)."""
    r = torch.arange(-110.0, 110.0 + 1e-9, grid, dtype=torch.float64)
    a, b = torch.meshgrid(r, r, indexing="ij")
    a, b = a.reshape(-1), b.reshape(-1)
    ls = torch.linspace(lmin, lmax, lsteps, dtype=torch.float64)
    L = ls[:, None].expand(-1, a.numel())
    lab = torch.stack([L, a[None].expand_as(L), b[None].expand_as(L)], dim=0)  # (3, lsteps, N)
    ok = in_gamut(lab).any(dim=0)
    return torch.stack([a[ok], b[ok]], dim=1).float()


def nearest_bin(ab, centres):
    """ab: (B, 2, H, W) -> (B, H, W) index of the nearest bin centre."""
    B, _, H, W = ab.shape
    flat = ab.permute(0, 2, 3, 1).reshape(-1, 2)
    d = torch.cdist(flat, centres.to(ab.dtype))
    return d.argmin(dim=1).reshape(B, H, W)


def rebalance_weights(prior, lam=0.5, sigma=5.0, centres=None):
    """Zhang'16 class rebalancing: w ∝ ((1-λ) p̃ + λ/Q)^-1 with p̃ the prior smoothed by a Gaussian
    over ab distance; normalised so E_p̃[w] = 1."""
    p = prior.double() / prior.sum()
    if centres is not None and sigma > 0:
        d2 = torch.cdist(centres.double(), centres.double()) ** 2
        k = torch.exp(-d2 / (2 * sigma * sigma))
        p = (k @ p) / k.sum(dim=1)
        p = p / p.sum()
    q = p.numel()
    w = 1.0 / ((1 - lam) * p + lam / q)
    w = w / (p * w).sum()
    return w.float()
