"""Train the defect detector on synthetic damage of the training photos (issue 15).

    python -m findcolor_train.train_repair --out runs/repair1 --steps 3000

Crops of the packed training photos (the colour model's cache, `data.pack`), L* only, random scale
and flips; `damage.damage` renders the defects and their mask. The last `--holdout` photos of the
pack are never trained on: they are the periodic evaluation (precision, recall, F1 at 0.5; share of
pixels flagged on undamaged crops). Resumable (`last.pt`); `--export FILE` writes the safetensors.

`--damage-version 2` renders damage.py's wider damage (version 1, the default, is repair1–4's);
`--scale LO,HI` the range of the crops' zoom from the pack (default 0.6,1.3, repair1–4's; larger
zooms show the photos' content at the scale of photos searched at their own size, 300–640 px, where
the pack's 176 px photos are smaller); `--init-from FILE` starts a new run from a detector's weights
(an exported .safetensors or a run's last.pt; ignored when the run resumes from its own last.pt);
`--clean-p` the share of undamaged crops (default 0.1) and `--pos-weight` the BCE weight of defect
pixels (default 3), which set how readily the detector flags (its calibration at the stored thresholds);
`--focal GAMMA` scales each pixel's BCE by (1 − p_t)^GAMMA (hard pixels count more; see `loss_fn`);
`--faint-weight W --faint-below D` weights defect pixels that the damage changed by less than D L*
(faint scratches, hairs, soft stains) 1 + W times in the BCE (`batch`).
The held-out check uses the run's damage version and zoom range.

`--native MIN` takes the crops from the training photos' own files at their own resolution instead
of the pack (only photos whose short side is at least MIN px; the held-out photos are a seeded 120 of
them): the pack upsamples 39 % of the photos to its 176 px, so their texture is softer than that of a
photo searched at its own size, and a detector trained on it learns "sharp and thin" as damage.
With `--scale` at most 1, no crop is ever upsampled.

`--hard-negatives FILE --hard-p P` (with `--native`) takes a share P of the crops from windows of
the training photos that a detector wrongly flags (`repair_mine`: these photos are undamaged, so
every flag on them is wrong), damaged or not like any crop.
"""
import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from .color import rgb_to_lab
from .damage import damage, damage_v2
from .data import PackedPhotos, list_images, pack
from .repair_model import METADATA_KEY, DefectNet


class NativePhotos:
    """The training photos at their own resolution (decoded once, kept in memory)."""

    def __init__(self, data_dir, min_short, seed=0):
        from PIL import Image
        self.files = []
        for f in list_images(data_dir):
            try:
                with Image.open(f) as im:
                    if min(im.size) >= min_short:
                        self.files.append(f)
            except Exception as e:  # unreadable file: skip, but say so
                print(f"skip {f}: {e}")
        np.random.default_rng(seed).shuffle(self.files)
        self.cache = {}

    def __len__(self):
        return len(self.files)

    def get(self, i):
        a = self.cache.get(i)
        if a is None:
            from PIL import Image
            with Image.open(self.files[i]) as im:
                a = np.asarray(im.convert("RGB"))
            self.cache[i] = a
        return a


def crop_L(photos, i, size, rng, scale=(0.6, 1.3)):
    a = photos.get(int(i))
    h, w, _ = a.shape
    win = int(round(size / rng.uniform(*scale)))
    win = max(16, min(win, h, w))
    y = int(rng.integers(0, h - win + 1))
    x = int(rng.integers(0, w - win + 1))
    return window_L(a, y, x, win, size, rng)


def window_L(a, y, x, win, size, rng):
    """L* of the `win`-px square of the photo `a` (H×W×3 uint8) at (y, x), resized to `size`
    (antialiased when shrinking), mirrored left to right half of the time."""
    t = torch.from_numpy(np.ascontiguousarray(a[y:y + win, x:x + win])).permute(2, 0, 1).float()[None] / 255.0
    if win != size:
        t = F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False, antialias=win > size)
    if rng.random() < 0.5:
        t = t.flip(-1)
    return rgb_to_lab(t.clamp(0, 1))[0, :1]


def hard_crop_L(photos, window, size, rng):
    """A crop of a mined hard negative (`repair_mine`): `window` = (photo index, y, x, win), its
    corner moved by up to an eighth of the window each way (inside the photo)."""
    i, y, x, win = window
    a = photos.get(int(i))
    h, w, _ = a.shape
    win = min(win, h, w)
    j = win // 8
    y = int(np.clip(y + rng.integers(-j, j + 1), 0, h - win))
    x = int(np.clip(x + rng.integers(-j, j + 1), 0, w - win))
    return window_L(a, y, x, win, size, rng)


def load_hard_negatives(path, photos, n_train):
    """`repair_mine`'s windows as (photo index, y, x, win), only those of training photos (not the
    held-out ones, not photos missing from `photos`)."""
    index = {str(f): i for i, f in enumerate(photos.files)}
    out = []
    for r in json.loads(Path(path).read_text()):
        i = index.get(r["file"])
        if i is not None and i < n_train:
            out.append((i, r["y"], r["x"], r["win"]))
    return out


def batch(photos, ids, size, rng, clean_p=0.1, version=1, scale=(0.6, 1.3), faint=None, stain_p=0.4, straight_p=0.0,
          straight_vertical=False, texture_p=0.0, object_p=0.0, hard=None, hard_p=0.0, network_p=0.0):
    """Damaged crops and their masks; with `faint` = (weight, below), also per-pixel BCE weights:
    1, and 1 + weight on defect pixels that the defect changed by less than `below` L*. With `hard`
    (mined windows, `hard_crop_L`) a share `hard_p` of the crops comes from them instead of photo
    `i` (no extra random draw without `hard`: the runs before it keep their crops)."""
    xs, ms, ws = [], [], []
    for i in ids:
        if hard and rng.random() < hard_p:
            L = hard_crop_L(photos, hard[int(rng.integers(len(hard)))], size, rng)
        else:
            L = crop_L(photos, i, size, rng, scale)
        if faint:
            x, m, change = damage_v2(L, rng, clean_p, with_change=True, stain_p=stain_p,
                                  straight_p=straight_p, straight_vertical=straight_vertical, texture_p=texture_p,
                                  object_p=object_p, network_p=network_p)
            ws.append(1 + faint[0] * m * (change < faint[1]).float())
        else:
            x, m = damage(L, rng, clean_p, version)
        xs.append(x)
        ms.append(m)
    return torch.stack(xs), torch.stack(ms), (torch.stack(ws) if faint else None)


def loss_fn(logits, mask, pos_weight=3.0, focal=0.0, weights=None):
    """BCE (defect pixels weighted `pos_weight`) + soft Dice. With `focal` = γ > 0 each pixel's BCE is
    scaled by (1 − p_t)^γ (Lin et al. 2017), p_t the probability given to its true class: pixels the
    detector already gets right (most of a photo) count less, faint defects and defect-like texture more.
    The sum is divided by the modulation's mean, a mean over the pixels weighted by their difficulty
    (so it is several times the plain BCE: repair7 logged ~0.7–3.5 against ~0.1–0.2; Adam's steps do
    not depend on that scale, its balance with the Dice term does). repair7 (model card) tried it:
    worse than the plain BCE."""
    p = torch.sigmoid(logits)
    if weights is not None:  # per-pixel weights (`batch`'s faint-defect weights), BCE's mean over them
        if focal > 0:
            raise ValueError("per-pixel weights and focal modulation are not combined")
        per = F.binary_cross_entropy_with_logits(logits, mask, pos_weight=torch.tensor(pos_weight), reduction="none")
        bce = (weights * per).sum() / weights.sum()
    elif focal > 0:
        per = F.binary_cross_entropy_with_logits(logits, mask, reduction="none")
        w = torch.where(mask > 0.5, torch.tensor(pos_weight), torch.tensor(1.0))
        pt = torch.where(mask > 0.5, p, 1 - p)
        mod = (1 - pt).detach().pow(focal)
        bce = (w * mod * per).sum() / (mod.mean() * w.numel()).clamp_min(1e-8)
    else:
        bce = F.binary_cross_entropy_with_logits(logits, mask, pos_weight=torch.tensor(pos_weight))
    inter = (p * mask).sum()
    dice = 1 - (2 * inter + 1) / (p.sum() + mask.sum() + 1)
    return bce + dice, bce, dice


@torch.no_grad()
def evaluate(model, photos, ids, size=192, seed=1234, version=1, scale=(0.6, 1.3)):
    rng = np.random.default_rng(seed)
    tp = fp = fn = 0.0
    clean_flag, clean_px = 0.0, 0.0
    model.eval()
    for i in ids:
        x, m = damage(crop_L(photos, i, size, rng, scale), rng, clean_p=0.0, version=version)
        p = (model(x[None]) > 0).float()[0]
        tp += float((p * m).sum()); fp += float((p * (1 - m)).sum()); fn += float(((1 - p) * m).sum())
        c, _ = damage(crop_L(photos, i, size, rng, scale), rng, clean_p=1.0, version=version)  # no defects
        clean_flag += float((model(c[None]) > 0).float().sum()); clean_px += c.numel()
    model.train()
    prec = tp / max(tp + fp, 1); rec = tp / max(tp + fn, 1)
    return {"precision": prec, "recall": rec, "f1": 2 * prec * rec / max(prec + rec, 1e-9),
            "clean_flagged": clean_flag / clean_px}


def export(model, path):
    """The detector's tensors as they are; the frozen features' convolutions with their BatchNorm
    folded in (`fx.<module path>.weight` and `.bias`, as the colour model's encoder is exported)."""
    t = {k: v.detach().float().contiguous() for k, v in model.state_dict().items() if not k.startswith("fx.")}
    if model.features:
        from .export import folded_convs
        t.update(folded_convs(model.fx, "fx"))
    save_file(t, str(path), metadata={METADATA_KEY: json.dumps(model.config())})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../../shared/data/train")
    ap.add_argument("--cache", default="cache")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--crop", type=int, default=160)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--holdout", type=int, default=120)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--channels", default="8,16,32,64",
                    help="channels at full resolution, /2, /4 and /8 (the Swift runtime reads them from the export)")
    ap.add_argument("--export", help="write the safetensors of the checkpoint in --out and stop")
    ap.add_argument("--damage-version", type=int, default=1, choices=(1, 2), help="damage.py's renderer version")
    ap.add_argument("--scale", default="0.6,1.3", help="zoom range LO,HI of the crops from the pack")
    ap.add_argument("--clean-p", type=float, default=0.1, help="share of training crops left undamaged")
    ap.add_argument("--pos-weight", type=float, default=3.0,
                    help="BCE weight of defect pixels (lower: fewer flags on clean texture at the stored thresholds)")
    ap.add_argument("--focal", type=float, default=0.0, metavar="GAMMA",
                    help="focal modulation (1 - p_t)^GAMMA of the BCE (0, the default: plain BCE)")
    ap.add_argument("--faint-weight", type=float, default=0.0, metavar="W",
                    help="extra BCE weight W on defect pixels changed by less than --faint-below L* (damage version 2)")
    ap.add_argument("--faint-below", type=float, default=12.0, metavar="D")
    ap.add_argument("--stain-p", type=float, default=0.4,
                    help="chance of stains on a training crop (damage version 2 with --faint-weight; the held-out check keeps 0.4)")
    ap.add_argument("--straight-p", type=float, default=0.0,
                    help="chance that a training scratch is a perfectly straight line across the crop, mostly vertical or "
                         "horizontal (damage version 2 with --faint-weight; the held-out check keeps 0)")
    ap.add_argument("--straight-vertical", action="store_true",
                    help="with --straight-p: no horizontal straight lines (film tramlines run along the film)")
    ap.add_argument("--texture-p", type=float, default=0.0,
                    help="chance that a training crop's dust and stains sit mostly on its busy texture, drawn in proportion "
                         "to the local contrast (damage version 2 with --faint-weight; the held-out check keeps 0)")
    ap.add_argument("--object-p", type=float, default=0.0,
                    help="chance that a training crop gets 1-3 bright, shaded, round things painted into its clean print as hard "
                         "negatives (damage.bright_objects; damage version 2 with --faint-weight; the held-out check keeps 0)")
    ap.add_argument("--network-p", type=float, default=0.0,
                    help="chance that a training crop gets a network of cracks in the emulsion (damage.crack_network: the "
                         "cell borders real cracked prints show; damage version 2 with --faint-weight; the held-out check keeps 0)")
    ap.add_argument("--hard-negatives", metavar="FILE",
                    help="windows of the training photos the detector wrongly flags (repair_mine's JSON; needs --native)")
    ap.add_argument("--hard-p", type=float, default=0.0,
                    help="with --hard-negatives: the share of training crops taken from those windows")
    ap.add_argument("--native", type=int, metavar="MIN",
                    help="crop the photos' own files at their own resolution (short side >= MIN) instead of the pack")
    ap.add_argument("--init-from", help="start a new run from these weights (.safetensors or a run's .pt); they may be a narrower "
                         "detector (fewer channels, no or a smaller context level): DefectNet.grow_from")
    ap.add_argument("--context", type=int, default=0, metavar="C",
                    help="add a /16 context level of C channels (repair_model.DefectNet); --init-from may lack it")
    ap.add_argument("--features", action="store_true",
                    help="add frozen ImageNet MobileNetV2 features at /8 and /16 (repair_model.FrozenFeatures; needs "
                         "--context); --init-from may lack them (their projections start at zero)")
    ap.add_argument("--tune-features", type=float, default=0.0, metavar="S",
                    help="train the --features convolutions too, at S times --lr (no weight decay; their "
                         "BatchNorm statistics stay ImageNet's)")
    a = ap.parse_args()
    scale = tuple(float(v) for v in a.scale.split(","))
    if len(scale) != 2 or not 0 < scale[0] <= scale[1]:
        ap.error(f"--scale needs LO,HI with 0 < LO <= HI, not {a.scale!r}")
    if a.faint_weight > 0 and a.damage_version != 2:
        ap.error("--faint-weight needs --damage-version 2")
    torch.set_num_threads(a.threads)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    channels = tuple(int(c) for c in a.channels.split(","))
    if len(channels) != 4:
        ap.error(f"--channels needs 4 numbers, not {a.channels!r}")
    if a.features and not a.context:
        ap.error("--features needs --context")
    if a.tune_features and not a.features:
        ap.error("--tune-features needs --features")
    model = DefectNet(channels, a.context, a.features)
    if a.features:
        from .train import pretrained_path
        model.fx.load_imagenet(pretrained_path())
        if a.tune_features:
            model.fx.tune()
    model = model.to(memory_format=torch.channels_last)
    own = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("fx.")]
    groups = [{"params": own, "lr_scale": 1.0}]
    if a.tune_features:
        groups.append({"params": [p for p in model.fx.parameters() if p.requires_grad],
                       "lr_scale": a.tune_features, "weight_decay": 0.0})
    opt = torch.optim.AdamW(groups, lr=a.lr, weight_decay=1e-4)
    rng = np.random.default_rng(a.seed)
    step = 0
    ck = out / "last.pt"
    if ck.exists():
        s = torch.load(ck, weights_only=False)
        model.load_state_dict(s["model"]); opt.load_state_dict(s["opt"]); step = s["step"]
        rng.bit_generator.state = s["rng"]
        print(f"resumed at step {step}")
    elif a.init_from:
        if a.init_from.endswith(".safetensors"):
            from safetensors.torch import load_file
            weights = load_file(a.init_from)
        else:
            weights = torch.load(a.init_from, weights_only=False)["model"]
        new = model.grow_from(weights)
        print(f"initialised from {a.init_from}" + (f"; new: {', '.join(new)}" if new else ""))
    if a.export:
        export(model, a.export)
        print(f"exported step {step} to {a.export}")
        return
    if a.native:
        photos = NativePhotos(a.data, a.native)
        print(f"{len(photos)} photos with a short side of at least {a.native} px", flush=True)
    else:
        pack(a.data, a.cache)
        photos = PackedPhotos(a.cache)
    n_train = len(photos) - a.holdout
    held = list(range(n_train, len(photos)))
    hard = None
    if a.hard_negatives:
        if not a.native:
            ap.error("--hard-negatives needs --native")
        hard = load_hard_negatives(a.hard_negatives, photos, n_train)
        print(f"{len(hard)} hard-negative windows from {a.hard_negatives}", flush=True)
    log = open(out / "log.jsonl", "a")
    t0 = time.time()
    while step < a.steps:
        lr = a.lr * (min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * step / a.steps)))
        for g in opt.param_groups:
            g["lr"] = lr * g.get("lr_scale", 1.0)  # (checkpoints before --tune-features have one group, no scale)
        faint = (a.faint_weight, a.faint_below) if a.faint_weight > 0 else None
        x, m, w = batch(photos, rng.integers(0, n_train, a.batch), a.crop, rng, a.clean_p, a.damage_version, scale, faint,
                        a.stain_p, a.straight_p, a.straight_vertical, a.texture_p, a.object_p, hard, a.hard_p, a.network_p)
        logits = model(x.to(memory_format=torch.channels_last))
        loss, bce, dice = loss_fn(logits, m, a.pos_weight, a.focal, w)
        opt.zero_grad(); loss.backward(); opt.step()
        step += 1
        if step % 50 == 0:
            rec = {"step": step, "loss": float(loss), "bce": float(bce), "dice": float(dice), "lr": lr,
                   "hours": (time.time() - t0) / 3600}
            print(json.dumps(rec), flush=True); log.write(json.dumps(rec) + "\n"); log.flush()
        if step % a.eval_every == 0 or step == a.steps:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                        "rng": rng.bit_generator.state, "config": model.config()}, out / "last.tmp")
            (out / "last.tmp").replace(ck)
            ev = evaluate(model, photos, held, version=a.damage_version, scale=scale)
            rec = {"step": step, "eval": ev}
            print(json.dumps(rec), flush=True); log.write(json.dumps(rec) + "\n"); log.flush()


if __name__ == "__main__":
    main()
