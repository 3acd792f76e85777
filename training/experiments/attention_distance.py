"""A distance penalty in the hint attention, at inference only (Models/MODEL_CARD.md, issue 10).

    cd training && python3 experiments/attention_distance.py MODEL.safetensors N SLOPES...

The hint attention (model.hint_attention) scores a cell against a hinted cell by content alone, so a
hint's colour reaches look-alike regions however far away they are. Here the score loses
`slope × distance`, the distance between the two cells in units of the grid's short side (so the
same at any resolution), in both attentions (1/16 and 1/8); a model trained with a slope
(`hint_attention_distance`) keeps it and SLOPES are added to it. Measured on N training photos
drawn (seed 7) from every source of ../../shared/data/train (DATA=folder: drawn from that folder
instead) at protocol A (256², the hints of training's evaluate): PSNR@0/@1/@10 and the one-hint
reach, leak and leak share for each slope (0 = the model as it is).

MODE=temperature: the values are instead factors on the attentions' logits (the scores and the null
slot's logit alike, a softmax temperature of 1/value; 1 = the model as it is; a model's own distance
slope is kept, not scaled): does a sharper attention keep a hint off the cells that resemble its own
only weakly?
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

torch.set_num_threads(int(os.environ.get("THREADS", "2")))
model = load_exported(sys.argv[1])[0].eval()
N = int(sys.argv[2])
SLOPES = [float(s) for s in sys.argv[3:]] or [0.0]
SIZE = 256
root = os.environ.get("DATA") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data/train")
allf = list_images(root)
files = [allf[i] for i in np.random.default_rng(7).choice(len(allf), size=N, replace=False)]

slope_now = {"v": 0.0}
orig = M.hint_attention


TEMPERATURE = os.environ.get("MODE") == "temperature"


def dist_attention(q, k, hp, null_logit, keep=None, distance_slope=0.0):
    if TEMPERATURE:  # every logit (q·k/√d and the null slot's) times the value
        return orig(q * slope_now["v"], k, hp, null_logit * slope_now["v"], keep, distance_slope)
    # the model's own slope (0 for models trained without one) plus the one measured here
    return orig(q, k, hp, null_logit, keep, distance_slope + slope_now["v"])


M.hint_attention = dist_attention
res = {s: {"psnr@0": [], "psnr@1": [], "psnr@10": [], "reach": [], "leak": [], "share": []} for s in SLOPES}
with torch.no_grad():
    for idx, f, gt, lab in colour_photos(files, SIZE):
        L = lab[None, :1]
        for sl in SLOPES:
            slope_now["v"] = sl
            r = res[sl]
            ab0 = predict(model, L, torch.zeros(1, 3, SIZE, SIZE))[0]
            r["psnr@0"].append(psnr_u8(rgb_uint8_from_lab(torch.cat([lab[:1], ab0])), gt))
            for k in (1, 10):
                pts = protocol_points("A", k, SIZE, SIZE, np.random.default_rng([0, idx, k]))
                hint = hints_from_points(lab[1:], pts)
                ab1 = predict(model, L, hint[None])[0]
                r[f"psnr@{k}"].append(psnr_u8(rgb_uint8_from_lab(torch.cat([lab[:1], ab1])), gt))
                if k == 1:
                    (y, x, s), = pts
                    for key, v in zip(("reach", "leak", "share"),
                                      hint_precision(ab0, ab1, lab[1:], hint[:2, y, x] * AB_SCALE, (y, x, s))):
                        if v is not None:
                            r[key].append(v)
for sl in SLOPES:
    r = res[sl]
    print(f"{'factor' if TEMPERATURE else 'slope'} {sl:5.2f}  " + "  ".join(f"{k} {np.mean(v):.3f}" for k, v in r.items()) + f"  (n {len(r['psnr@0'])})",
          flush=True)
