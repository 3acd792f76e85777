"""Evaluation with the protocols of the literature (PyTorch side; Swift has `findcolor eval`).

Protocol A (Zhang et al. 2017): every photo resized to 256×256 (PIL bicubic on sRGB), k hints of
6×6 patches holding the patch's mean ab of the ground truth, top-left corners ~ N((H-P+1)/2,
(H-P+1)/4) clipped, seeded per image; PSNR on RGB uint8 (L from the ground truth, ab predicted).
CF = Hasler–Süsstrunk colourfulness on RGB uint8. Photos whose ground truth is itself gray (mean
chroma < 2, the rule that also keeps gray photos out of training) are skipped and counted: there is
no colour to recover, and their gray-baseline PSNR is infinite.

    python -m findcolor_train.evaluate --checkpoint runs/v1/last.pt --data ../../shared/data/eval
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .bins import ANNEALED_MEAN_T
from .color import rgb_to_lab, rgb_uint8_from_lab
from .data import MIN_CHROMA, lab_chroma_mean, list_images
from .hints import AB_SCALE, hints_from_points, protocol_points, protocol_size

KS = (0, 1, 2, 5, 10, 20, 50, 100)


def load_square(path, size):
    im = Image.open(path).convert("RGB").resize((size, size), Image.BICUBIC)
    return torch.from_numpy(np.asarray(im, dtype=np.uint8).copy()).permute(2, 0, 1)


def psnr_u8(a, b):
    mse = ((a.double() - b.double()) ** 2).mean().item()
    return 99.0 if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def colourfulness(rgb_u8):
    r, g, b = rgb_u8.double().unbind(0)
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(torch.sqrt(rg.var(unbiased=False) + yb.var(unbiased=False)) + 0.3 * torch.sqrt(rg.mean() ** 2 + yb.mean() ** 2))


def annealed_mean(logits, centres, T=ANNEALED_MEAN_T):
    p = torch.softmax(logits / T, dim=1)
    return torch.einsum("bqhw,qc->bchw", p, centres.to(p.dtype))


@torch.no_grad()
def predict(model, L, hint, output="regression", centres=None, T=ANNEALED_MEAN_T):
    """L: (B,1,H,W) in [0,100]; hint (B,3,H,W) -> ab (B,2,H,W) in Lab units."""
    ab, logits = model(L / 100.0, hint, want_logits=output != "regression")
    if output == "regression":
        return ab * AB_SCALE
    am = F.interpolate(annealed_mean(logits, centres, T), size=L.shape[-2:], mode="bilinear", align_corners=False)
    if output == "annealed":
        return am
    raise ValueError(output)



def colour_photos(files, size, skipped=None):
    """(index, path, 8-bit RGB (3, size, size), Lab) of each photo with colour, its index in `files`
    (the protocols' hint seeds use it); gray ground truths are left out (their names appended to
    `skipped`)."""
    for idx, f in enumerate(files):
        gt_u8 = load_square(f, size)
        lab = rgb_to_lab(gt_u8.float() / 255.0)
        if lab_chroma_mean(lab) < MIN_CHROMA:
            if skipped is not None:
                skipped.append(f.name)
            continue
        yield idx, f, gt_u8, lab


def evaluate(model, files, protocol="A", ks=KS, seed=0, output="regression", centres=None, limit=None, skipped=None):
    size = protocol_size(protocol)
    files = files[:limit] if limit else files
    rows = []
    t0 = time.time()
    for idx, f, gt_u8, lab in colour_photos(files, size, skipped):
        row = {"file": f.name, "gray": psnr_u8(rgb_uint8_from_lab(torch.cat([lab[:1], torch.zeros(2, size, size)])), gt_u8),
               "cf_gt": colourfulness(gt_u8)}
        for k in ks:
            rng = np.random.default_rng([seed, idx, k])
            hint = hints_from_points(lab[1:], protocol_points(protocol, k, size, size, rng))
            ab = predict(model, lab[None, :1], hint[None], output, centres)[0]
            out = rgb_uint8_from_lab(torch.cat([lab[:1], ab]))
            row[f"psnr@{k}"] = psnr_u8(out, gt_u8)
            if k == 0:
                row["cf@0"] = colourfulness(out)
                row["invented@0"], row["timid@0"] = gross_colour_errors(out, lab)
        rows.append(row)
    secs = (time.time() - t0) / max(1, len(files))
    return rows, secs


GROSS_DISTANCE, GROSS_MARGIN = 30.0, 15.0


def gross_colour_errors(out_u8, gt_lab):
    """Gross errors of an automatic output (Swift: `GrossColourErrors` in FindColor/Evaluation.swift).

    out_u8: the 8-bit sRGB output (3, H, W); gt_lab: the ground truth's Lab (3, H, W). Among the
    pixels whose ab (of the output read back as Lab) is more than GROSS_DISTANCE from the truth's,
    the share of all pixels, in %, whose chroma exceeds the truth's by more than GROSS_MARGIN
    (invented colour) and the share whose chroma falls short of it by more than GROSS_MARGIN (timid)."""
    ab = rgb_to_lab(out_u8.float() / 255.0)[1:]
    gt = gt_lab[1:].float()
    far = (ab - gt).norm(dim=0) > GROSS_DISTANCE
    c, tc = ab.norm(dim=0), gt.norm(dim=0)
    invented = (far & (c > tc + GROSS_MARGIN)).double().mean().item() * 100
    timid = (far & (c < tc - GROSS_MARGIN)).double().mean().item() * 100
    return invented, timid


REACH_RADIUS, LEAK_DISTANCE, LEAK_MOVE, MARGIN = 10.0, 30.0, 5.0, 8


def hint_precision(ab0, ab1, gt_ab, hint_ab, box):
    """One-hint precision of one photo (issue 10; Swift: `HintPrecision` in FindColor/Evaluation.swift).

    ab0, ab1: outputs (2, H, W) without and with the hint; gt_ab the ground truth; hint_ab (2,) the
    hint's colour; box (y, x, size) its patch. Each pixel's movement towards the hint is the
    projection of ab1 − ab0 on the unit vector from ab0 to the hint colour. Pixels within MARGIN of
    the patch are left out. Returns (reach, leak, leak_share): reach = mean positive movement over
    pixels whose ground truth is within REACH_RADIUS of the hint colour; leak = the same over pixels
    more than LEAK_DISTANCE away; leak_share = fraction of those moved more than LEAK_MOVE. A value
    is None when the photo has no such pixels."""
    _, H, W = ab0.shape
    to_hint = hint_ab.view(2, 1, 1) - ab0
    norm = to_hint.norm(dim=0)
    move = torch.where(norm > 1e-6, ((ab1 - ab0) * to_hint).sum(0) / norm.clamp(min=1e-6), torch.zeros_like(norm))
    y, x, s = box
    keep = torch.ones(H, W, dtype=torch.bool)
    keep[max(0, y - MARGIN):y + s + MARGIN, max(0, x - MARGIN):x + s + MARGIN] = False
    dist = (gt_ab - hint_ab.view(2, 1, 1)).norm(dim=0)
    near, far = keep & (dist <= REACH_RADIUS), keep & (dist > LEAK_DISTANCE)
    pos = move.clamp(min=0)
    reach = float(pos[near].mean()) if near.any() else None
    leak = float(pos[far].mean()) if far.any() else None
    share = float((move[far] > LEAK_MOVE).double().mean()) if far.any() else None
    return reach, leak, share


def evaluate_precision(model, files, protocol="A", seed=0, limit=None):
    """hint_precision over photos: the hint is the one of PSNR@1 (same seed, same photo index).
    Returns a dict of means over the photos that have such pixels, and their counts."""
    size = protocol_size(protocol)
    files = files[:limit] if limit else files
    vals = {"reach": [], "leak": [], "leak_share": []}
    for idx, f, gt_u8, lab in colour_photos(files, size):
        (y, x, s), = protocol_points(protocol, 1, size, size, np.random.default_rng([seed, idx, 1]))
        hint = hints_from_points(lab[1:], [(y, x, s)])
        ab0 = predict(model, lab[None, :1], torch.zeros_like(hint)[None])[0]
        ab1 = predict(model, lab[None, :1], hint[None])[0]
        for key, v in zip(vals, hint_precision(ab0, ab1, lab[1:], hint[:2, y, x] * AB_SCALE, (y, x, s))):
            if v is not None:
                vals[key].append(v)
    return {k: (float(np.mean(v)) if v else float("nan")) for k, v in vals.items()} | {f"n_{k}": len(v) for k, v in vals.items()}


def summarise(rows):
    keys = [k for k in rows[0] if k != "file"]
    return {k: (float(np.mean([r[k] for r in rows])), float(np.std([r[k] for r in rows]))) for k in keys}


def main():
    from .export import load_checkpoint_model, load_exported
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--protocol", default="A")
    ap.add_argument("--ks", default=",".join(map(str, KS)))
    ap.add_argument("--output", default="regression", choices=["regression", "annealed"])
    ap.add_argument("--limit", type=int)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write the summary here")
    ap.add_argument("--precision", action="store_true", help="also the one-hint precision (reach, leak, leak share)")
    ap.add_argument("--exported", action="store_true", help="--checkpoint is an exported .safetensors model")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, centres = (load_exported if a.exported else load_checkpoint_model)(a.checkpoint)
    skipped = []
    rows, secs = evaluate(model, list_images(a.data), a.protocol, [int(k) for k in a.ks.split(",")],
                          output=a.output, centres=centres, limit=a.limit, skipped=skipped)
    s = summarise(rows)
    print(f"{len(rows)} photos, protocol {a.protocol}, output {a.output}, {secs:.2f} s/photo; "
          f"skipped {len(skipped)} with gray ground truth: {', '.join(skipped)}")
    for k, (m, sd) in s.items():
        print(f"{k:>10}: {m:7.3f} ± {sd:.3f}")
    prec = None
    if a.precision:
        prec = evaluate_precision(model, list_images(a.data), a.protocol, limit=a.limit)
        print("one hint: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in prec.items()))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"n": len(rows), "protocol": a.protocol, "output": a.output, "summary": s, "skipped_gray": skipped,
                       "precision": prec, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
