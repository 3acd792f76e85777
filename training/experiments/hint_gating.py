"""Inference-time hint gating by the model's own belief (Models/MODEL_CARD.md, "Model v3 runs tried").

    cd training && python3 experiments/hint_gating.py MODEL.safetensors ../../shared/data/eval 40 [NULL]

Protocol A (256², seed 0, the hints of training's evaluate) on the first N photos. The network runs
without and with the hints; what the hints change (ab1 − ab0) is kept at each pixel with a weight
from the Bhattacharyya coefficient between the pixel's no-hint bin distribution and the mean
no-hint distribution of a hint's patch (the largest over the hints), through a smoothstep from
`lo` to `hi`: a hint should move only pixels the model already thinks could be of the hint's kind.
Prints PSNR@1/@10/@100 and the one-hint reach, leak and leak share for each (lo, hi). NULL, when
given, replaces the hint attention's null-slot logit (3 in training): the other lever measured.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from findcolor_train.color import rgb_uint8_from_lab
from findcolor_train.data import list_images
from findcolor_train.evaluate import colour_photos, hint_precision, psnr_u8
from findcolor_train.export import load_exported
from findcolor_train.hints import AB_SCALE, hints_from_points, protocol_points

torch.set_num_threads(2)
model = load_exported(sys.argv[1])[0].eval()
if len(sys.argv) > 4:
    model.decoder.att_null.data.fill_(float(sys.argv[4]))
files = list_images(sys.argv[2])[:int(sys.argv[3])]
KS, SIZE = (1, 10, 100), 256
GATES = [None, (0.5, 0.8), (0.6, 0.9), (0.7, 0.95), (0.8, 1.0)]
res = {g: {f"psnr@{k}": [] for k in KS} | {"reach": [], "leak": [], "share": []} for g in GATES}


def run(L, hint):
    ab, logits = model(L / 100.0, hint, want_logits=True)
    return ab[0] * AB_SCALE, logits


with torch.no_grad():
    for idx, f, gt, lab in colour_photos(files, SIZE):
        L = lab[None, :1]
        ab0, logits0 = run(L, torch.zeros(1, 3, SIZE, SIZE))
        P = F.interpolate(torch.softmax(logits0, 1), size=(SIZE, SIZE), mode="bilinear", align_corners=False)[0]
        sq = P.clamp(min=0).sqrt()
        for k in KS:
            pts = protocol_points("A", k, SIZE, SIZE, np.random.default_rng([0, idx, k]))
            hint = hints_from_points(lab[1:], pts)
            ab1, _ = run(L, hint[None])
            bc = torch.zeros(SIZE, SIZE)
            for (y, x, s) in pts:
                bc = torch.maximum(bc, torch.einsum("qhw,q->hw", sq, P[:, y:y + s, x:x + s].mean((1, 2)).sqrt()))
            for g in GATES:
                w = torch.ones_like(bc) if g is None else ((bc - g[0]) / (g[1] - g[0])).clamp(0, 1)
                w = w * w * (3 - 2 * w)
                ab = ab0 + w * (ab1 - ab0)
                res[g][f"psnr@{k}"].append(psnr_u8(rgb_uint8_from_lab(torch.cat([lab[:1], ab])), gt))
                if k == 1:
                    (y, x, s), = pts
                    r, l, sh = hint_precision(ab0, ab, lab[1:], hint[:2, y, x] * AB_SCALE, (y, x, s))
                    for key, v in (("reach", r), ("leak", l), ("share", sh)):
                        if v is not None:
                            res[g][key].append(v)
for g in GATES:
    print("no gate" if g is None else f"gate {g[0]}–{g[1]}", {k: round(float(np.mean(v)), 3) for k, v in res[g].items()})
