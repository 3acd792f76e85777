"""Where a model's one-hint leak comes from (Models/MODEL_CARD.md, "Where the one-hint leak comes from").

    cd training && DATA=../../shared/data/eval python3 experiments/hint_paths.py MODEL.safetensors N

N photos drawn (seed 7) from DATA at protocol A (256², one plain pass, the hint of training's evaluate):
PSNR@1 and the one-hint reach, leak and leak share with the hint attentions as they are ("none": nothing
switched off), with the 1/16 one's output set to zero (as for a photo without hints), the 1/8 one's,
or both ("all"); the spread and pooled hints stay. The same photos and hints as
experiments/attention_distance.py.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import findcolor_train.model as M
from findcolor_train.color import rgb_uint8_from_lab
from findcolor_train.data import list_images
from findcolor_train.evaluate import colour_photos, hint_precision, predict, psnr_u8
from findcolor_train.export import load_exported
from findcolor_train.hints import AB_SCALE, hints_from_points, protocol_points
torch.set_num_threads(int(os.environ.get("THREADS", "1")))
model = load_exported(sys.argv[1])[0].eval()
N = int(sys.argv[2]); SIZE = 256
allf = list_images(os.environ["DATA"])
files = [allf[i] for i in np.random.default_rng(7).choice(len(allf), size=N, replace=False)]
orig = M.hint_attention
mode = {"v": "none"}


def att(q, k, hp, null_logit, keep=None, distance_slope=0.0):
    out = orig(q, k, hp, null_logit, keep, distance_slope)
    if mode["v"] == "all" or (mode["v"] == "att16" and q.shape[-2] * 16 == SIZE) or (mode["v"] == "att8" and q.shape[-2] * 8 == SIZE):
        return torch.zeros_like(out)
    return out


M.hint_attention = att
modes = ["none", "att16", "att8", "all"]
res = {m: {"psnr@1": [], "reach": [], "leak": [], "share": []} for m in modes}
with torch.no_grad():
    for idx, f, gt, lab in colour_photos(files, SIZE):
        L = lab[None, :1]
        ab0 = predict(model, L, torch.zeros(1, 3, SIZE, SIZE))[0]
        pts = protocol_points("A", 1, SIZE, SIZE, np.random.default_rng([0, idx, 1]))
        hint = hints_from_points(lab[1:], pts)
        for m in modes:
            mode["v"] = m
            ab1 = predict(model, L, hint[None])[0]
            r = res[m]
            r["psnr@1"].append(psnr_u8(rgb_uint8_from_lab(torch.cat([lab[:1], ab1])), gt))
            (y, x, s), = pts
            for key, v in zip(("reach", "leak", "share"), hint_precision(ab0, ab1, lab[1:], hint[:2, y, x] * AB_SCALE, (y, x, s))):
                if v is not None:
                    r[key].append(v)
        mode["v"] = "none"
for m in modes:
    print(m, "  ".join(f"{k} {np.mean(v):.3f}" for k, v in res[m].items()) + f"  (n {len(res[m]['psnr@1'])})", flush=True)
