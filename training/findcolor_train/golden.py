"""Golden vectors for the Swift port's parity tests.

Runs the exported model (the BN-folded safetensors, through `folded_forward`) on synthetic inputs
and stores inputs and outputs, NHWC float32, in one small safetensors file:

    python -m findcolor_train.golden --model ../Models/findcolor-v2.safetensors \
        --out ../Tests/FindColorTests/Fixtures/golden.safetensors

Cases: `auto_64x64` (no hints), `hints_64x96` (H=64, W=96, patches and single pixels),
`bins_32x32` (bin logits at 1/4 resolution). Tensor names: `<case>.L` (L/100, H×W×1),
`<case>.hint` (H×W×3), `<case>.ab` (ab/110, H×W×2), `<case>.logits` (H/4×W/4×Q).
"""
import argparse
import json
import math

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from .export import folded_forward


def synthetic_L(H, W):
    """A procedural gray scene (sky gradient, a disc, stripes, a dark block) as L/100."""
    y = torch.linspace(0, 1, H).view(H, 1).expand(H, W)
    x = torch.linspace(0, 1, W).view(1, W).expand(H, W)
    L = 0.85 - 0.35 * y
    disc = ((x - 0.3) ** 2 + (y - 0.35) ** 2) < 0.04
    L = torch.where(disc, torch.full_like(L, 0.6), L)
    L = torch.where((x > 0.6) & (y > 0.5), 0.3 + 0.15 * torch.sin(x * 40 * math.pi), L)
    L = torch.where((x < 0.2) & (y > 0.7), torch.full_like(L, 0.12), L)
    return L.clamp(0, 1).view(1, 1, H, W)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    t = load_file(a.model)
    with safe_open(a.model, "pt") as f:
        cfg = json.loads(f.metadata()["findcolor"])
    out = {}
    nhwc = lambda x: x[0].permute(1, 2, 0).contiguous().float()
    with torch.no_grad():
        L = synthetic_L(64, 64)
        hint = torch.zeros(1, 3, 64, 64)
        ab, _ = folded_forward(t, cfg, L, hint)
        out.update({"auto_64x64.L": nhwc(L), "auto_64x64.hint": nhwc(hint), "auto_64x64.ab": nhwc(ab)})

        L = synthetic_L(64, 96)
        hint = torch.zeros(1, 3, 64, 96)
        for (y, x, s, a_, b_) in [(10, 20, 6, 60, 40), (40, 70, 3, -30, 50), (5, 90, 1, 20, -60), (33, 33, 1, -50, -20)]:
            hint[0, 0, y:y + s, x:x + s] = a_ / 110
            hint[0, 1, y:y + s, x:x + s] = b_ / 110
            hint[0, 2, y:y + s, x:x + s] = 1
        ab, _ = folded_forward(t, cfg, L, hint)
        out.update({"hints_64x96.L": nhwc(L), "hints_64x96.hint": nhwc(hint), "hints_64x96.ab": nhwc(ab)})

        L = synthetic_L(32, 32)
        hint = torch.zeros(1, 3, 32, 32)
        hint[0, :, 12:18, 12:18] = torch.tensor([0.4, 0.2, 1.0]).view(3, 1, 1)
        ab, logits = folded_forward(t, cfg, L, hint, want_logits=True)
        out.update({"bins_32x32.L": nhwc(L), "bins_32x32.hint": nhwc(hint), "bins_32x32.ab": nhwc(ab),
                    "bins_32x32.logits": nhwc(logits)})
    save_file(out, a.out, metadata={"model": a.model.split("/")[-1], "layout": "NHWC without N, float32"})
    print(f"wrote {a.out}: {sum(v.numel() for v in out.values()) * 4 / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
