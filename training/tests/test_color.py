"""Lab conversion against closed-form reference values (computed in float64 from the CIE
definitions with the sRGB matrix's D65 white; tolerance 1e-3 in L, a, b)."""
import torch

from findcolor_train.color import lab_to_rgb, rgb_to_lab, rgb_uint8_from_lab

REFERENCE = [
    ((1.0, 1.0, 1.0), (100.0, 0.0, 0.0)),
    ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
    ((1.0, 0.0, 0.0), (53.2408, 80.0925, 67.2032)),
    ((0.0, 1.0, 0.0), (87.7347, -86.1827, 83.1793)),
    ((0.0, 0.0, 1.0), (32.2970, 79.1875, -107.8602)),
]


def test_reference_values():
    for rgb, lab in REFERENCE:
        got = rgb_to_lab(torch.tensor(rgb, dtype=torch.float64).view(3, 1, 1)).view(3)
        assert torch.allclose(got, torch.tensor(lab, dtype=torch.float64), atol=1e-3), (rgb, got)


def test_gray_is_neutral_and_L_is_closed_form():
    # For R=G=B=v: Y = lin(v) (the matrix row sums to 1 up to 1e-7), L = 116 f(Y) - 16, a = b = 0,
    # with f(t) = t^(1/3) above (6/29)^3 and the linear segment below.
    for v in (0.02, 0.05, 0.2, 0.5, 0.8):
        lin = v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
        f = lin ** (1 / 3) if lin > 216 / 24389 else (24389 / 27 * lin + 16) / 116
        got = rgb_to_lab(torch.full((3, 1, 1), v, dtype=torch.float64)).view(3)
        assert abs(got[0].item() - (116 * f - 16)) < 1e-4
        assert abs(got[1].item()) < 1e-4 and abs(got[2].item()) < 1e-4  # white = matrix row sums


def test_round_trip():
    g = torch.linspace(0, 1, 17, dtype=torch.float64)
    rgb = torch.stack(torch.meshgrid(g, g, g, indexing="ij")).reshape(3, 17 * 17, 17)
    back = lab_to_rgb(rgb_to_lab(rgb))
    assert (back - rgb).abs().max() < 1e-9
    back32 = lab_to_rgb(rgb_to_lab(rgb.float()))
    assert (back32 - rgb.float()).abs().max() < 1e-4


def test_uint8_rounding():
    lab = rgb_to_lab(torch.tensor([0.5, 0.25, 1.0], dtype=torch.float64).view(3, 1, 1))
    assert rgb_uint8_from_lab(lab).view(3).tolist() == [128, 64, 255]
