"""sRGB (IEC 61966-2-1) <-> CIE Lab (D65), the same formulas as Swift's FindColorImage/Lab.swift.

Tensors are channel-first: (..., 3, H, W) or (3,) per colour. Float64 input gives float64 output.
"""
import torch

# Linear sRGB -> XYZ (D65). The white point is this matrix's row sums.
M_RGB2XYZ = torch.tensor([[0.4124564, 0.3575761, 0.1804375],
                          [0.2126729, 0.7151522, 0.0721750],
                          [0.0193339, 0.1191920, 0.9503041]], dtype=torch.float64)
M_XYZ2RGB = torch.linalg.inv(M_RGB2XYZ)
WHITE = (0.95047, 1.0, 1.08883)
EPS = 216.0 / 24389.0
KAPPA = 24389.0 / 27.0


def srgb_to_linear(c):
    return torch.where(c <= 0.04045, c / 12.92, ((c.clamp(min=0.0) + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c):
    return torch.where(c <= 0.0031308, c * 12.92, 1.055 * c.clamp(min=0.0) ** (1.0 / 2.4) - 0.055)


def _mix(m, x):
    """Apply a 3x3 matrix over the channel axis (-3)."""
    m = m.to(x.dtype)
    x0, x1, x2 = x.unbind(-3)
    return torch.stack([m[i, 0] * x0 + m[i, 1] * x1 + m[i, 2] * x2 for i in range(3)], dim=-3)


def _f(t):
    return torch.where(t > EPS, t.clamp(min=EPS) ** (1.0 / 3.0), (KAPPA * t + 16.0) / 116.0)


def _finv(f):
    f3 = f ** 3
    return torch.where(f3 > EPS, f3, (116.0 * f - 16.0) / KAPPA)


def rgb_to_lab(rgb):
    """sRGB-encoded values in [0,1], channel axis -3 -> Lab (L in [0,100])."""
    xyz = _mix(M_RGB2XYZ, srgb_to_linear(rgb))
    x, y, z = xyz.unbind(-3)
    fx, fy, fz = _f(x / WHITE[0]), _f(y / WHITE[1]), _f(z / WHITE[2])
    return torch.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], dim=-3)


def lab_to_rgb(lab, clip=True):
    """Lab -> sRGB-encoded values; clipped to [0,1] unless clip=False."""
    L, a, b = lab.unbind(-3)
    fy = (L + 16.0) / 116.0
    fx = fy + a / 500.0
    fz = fy - b / 200.0
    xyz = torch.stack([_finv(fx) * WHITE[0], _finv(fy) * WHITE[1], _finv(fz) * WHITE[2]], dim=-3)
    rgb = linear_to_srgb(_mix(M_XYZ2RGB, xyz))
    return rgb.clamp(0.0, 1.0) if clip else rgb


def in_gamut(lab, tol=1e-6):
    rgb = lab_to_rgb(lab, clip=False)
    return ((rgb >= -tol) & (rgb <= 1.0 + tol)).all(dim=-3)


def rgb_uint8_from_lab(lab):
    """Lab -> sRGB uint8 (round half up after clipping), as used by every PSNR in this project."""
    return (lab_to_rgb(lab) * 255.0 + 0.5).floor().clamp(0, 255).to(torch.uint8)
