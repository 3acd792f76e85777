"""Export: checkpoint -> inference safetensors (BatchNorm folded) with the configuration as metadata.

    python -m findcolor_train.export --checkpoint runs/v5-null/last.pt --out ../Models/findcolor-v2.safetensors
"""
import argparse
import json

import torch
import torch.nn as nn
from safetensors.torch import save_file

from .bins import ANNEALED_MEAN_T
from .model import FindColorNet

VERSION = 1


def load_checkpoint_model(path):
    s = torch.load(path, map_location="cpu", weights_only=False)
    cfg = s["config"]
    # a run that learns its distance slope (train.py --att-distance-learn) keeps it as a parameter
    model = FindColorNet.from_config(cfg, learn_distance="decoder.att_dist" in s["model"])
    model.load_state_dict(s["model"])
    model.eval()
    return model, s["centres"]


def load_exported(path):
    """An exported (BN-folded) safetensors file as a trainable FindColorNet: every BatchNorm becomes
    the identity with the folded bias as its shift (running mean 0, running variance 1 − eps, scale 1),
    each conv takes the folded weight. It computes what the file computes (tested), so a new run can
    start from a bundled model when its training checkpoint is not at hand. Returns (model, centres).
    Keep its BatchNorm statistics frozen while training (`train.py --init-from` does)."""
    from safetensors import safe_open
    from safetensors.torch import load_file
    t = load_file(path)
    with safe_open(path, "pt") as f:
        cfg = json.loads(f.metadata()["findcolor"])
    model = FindColorNet.from_config(cfg)
    loaded = unfold_bn(model, t)
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, nn.Conv2d) and m not in loaded:
                m.weight.copy_(t[f"{name}.weight"])
                if m.bias is not None:
                    m.bias.copy_(t[f"{name}.bias"])
        for key in ("att_null", "att8_null"):
            if f"decoder.{key}" in t:
                getattr(model.decoder, key).copy_(t[f"decoder.{key}"])
    model.eval()
    return model, torch.tensor(cfg["bin_centres"], dtype=torch.float32)


def unfold_bn(module, tensors):
    """The inverse of `folded_convs` for loading: each conv followed by a BatchNorm in a Sequential of
    `module` takes its folded weight, and the BatchNorm becomes the identity with the folded bias as
    its shift (running mean 0, running variance 1 − eps, scale 1), so the module computes what the
    file does. Returns the set of convs loaded."""
    loaded = set()
    with torch.no_grad():
        for name, m in module.named_modules():
            if not isinstance(m, nn.Sequential):
                continue
            kids = list(m.children())
            for i, k in enumerate(kids):
                if isinstance(k, nn.Conv2d) and i + 1 < len(kids) and isinstance(kids[i + 1], nn.BatchNorm2d):
                    bn = kids[i + 1]
                    k.weight.copy_(tensors[f"{name}.{i}.weight"])
                    bn.weight.fill_(1.0)
                    bn.bias.copy_(tensors[f"{name}.{i}.bias"])
                    bn.running_mean.zero_()
                    bn.running_var.fill_(1.0 - bn.eps)
                    loaded.add(k)
    return loaded


def fold_bn(conv, bn):
    """Conv (no bias or bias) followed by BatchNorm in eval mode -> one conv's (weight, bias)."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    w = conv.weight * scale.view(-1, 1, 1, 1)
    b0 = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    b = (b0 - bn.running_mean) * scale + bn.bias
    return w.detach().float().contiguous(), b.detach().float().contiguous()


def folded_convs(module, prefix=""):
    """name -> tensor for every conv of `module`: `<name>.weight` (OIHW) and `<name>.bias`, named after
    the PyTorch module path of the conv (with `prefix.` before it), a BatchNorm that follows a conv in
    a Sequential folded into it."""
    out = {}
    mods = {(f"{prefix}.{n}" if prefix else n): m for n, m in module.named_modules() if n}
    for name, m in mods.items():
        if isinstance(m, nn.Sequential):
            kids = list(m.children())
            for i, k in enumerate(kids):
                if isinstance(k, nn.Conv2d) and i + 1 < len(kids) and isinstance(kids[i + 1], nn.BatchNorm2d):
                    w, b = fold_bn(k, kids[i + 1])
                    out[f"{name}.{i}.weight"], out[f"{name}.{i}.bias"] = w, b
    for name, m in mods.items():
        if isinstance(m, nn.Conv2d) and f"{name}.weight" not in out:
            out[f"{name}.weight"] = m.weight.detach().float().contiguous()
            out[f"{name}.bias"] = (m.bias.detach().float() if m.bias is not None else torch.zeros(m.out_channels)).contiguous()
    return out


def folded_tensors(model):
    """name -> tensor. Each conv becomes `<name>.weight` (OIHW) and `<name>.bias`, named after the
    PyTorch module path of the conv (e.g. `encoder.features.2.conv.0.0`)."""
    out = folded_convs(model)
    if not model.encoder_hints:  # the encoder sees L alone: its stem's hint filters are zero in the file
        out["encoder.features.0.0.weight"][:, 1:] = 0
    if getattr(model.decoder, "attention", 0):
        out["decoder.att_null"] = model.decoder.att_null.detach().float().reshape(1).contiguous()
    if getattr(model.decoder, "attention8", 0):
        out["decoder.att8_null"] = model.decoder.att8_null.detach().float().reshape(1).contiguous()
    return out


def config_json(model, centres, extra=None):
    cfg = {
        "format": "findcolor", "version": VERSION, **model.config,
        "input": {"L_scale": 1 / 100.0, "ab_scale": 110.0, "multiple_of": 32,
                  "hint_channels": ["a/ab_scale", "b/ab_scale", "mask"]},
        "output": {"ab": "tanh * ab_scale at input resolution", "bins": "logits at 1/4 resolution"},
        "bin_centres": centres.tolist(), "annealed_mean_T": ANNEALED_MEAN_T,
    }
    if hasattr(model.decoder, "att_dist"):  # a learnt distance slope: its value now
        cfg["hint_attention_distance"] = float(model.decoder.att_dist.detach().reshape(-1)[0])
    if extra:
        cfg.update(extra)
    return json.dumps(cfg)


def export(model, centres, path, extra=None, dtype=torch.float32):
    t = {k: v.to(dtype) for k, v in folded_tensors(model).items()}
    save_file(t, path, metadata={"findcolor": config_json(model, centres, extra)})
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--fp16", action="store_true", help="store weights as float16 (half the size)")
    a = ap.parse_args()
    model, centres = load_checkpoint_model(a.checkpoint)
    s = torch.load(a.checkpoint, map_location="cpu", weights_only=False)
    t = export(model, centres, a.out, {"trained_steps": s["step"]}, torch.float16 if a.fp16 else torch.float32)
    print(f"wrote {a.out}: {len(t)} tensors, {sum(v.numel() for v in t.values())} parameters")


if __name__ == "__main__":
    main()


def folded_forward(t, cfg, L, hint, want_logits=False):
    """The network run from exported (BN-folded) tensors alone: what the Swift runtime implements.
    t: name -> tensor; cfg: the exported configuration (dict); L (B,1,H,W) = L/100; hint (B,3,H,W)."""
    import torch.nn.functional as F

    from .model import MBV2_SETTINGS, SKIPS, hint_attention, hint_features, pool_hints, spread_hints, up2

    def conv(x, name, stride=1, groups=1, act=None):
        w = t[name + ".weight"].float()
        y = F.conv2d(x, w, t[name + ".bias"].float(), stride, (w.shape[-1] - 1) // 2, groups=groups)
        return {None: y, "relu": F.relu(y), "relu6": F.relu6(y)}[act]

    x = conv(torch.cat([L, hint], 1), "encoder.features.0.0", 2, act="relu6")
    skips, i, cin = [], 1, 32
    for tt, c, n, s in MBV2_SETTINGS:
        for r in range(n):
            stride, p = (s if r == 0 else 1), f"encoder.features.{i}.conv"
            h = x
            if tt == 1:
                h = conv(h, p + ".0.0", stride, groups=cin, act="relu6")
                h = conv(h, p + ".1")
            else:
                h = conv(h, p + ".0.0", act="relu6")
                h = conv(h, p + ".1.0", stride, groups=cin * tt, act="relu6")
                h = conv(h, p + ".2")
            x = x + h if stride == 1 and cin == c else h
            if i in SKIPS:
                skips.append(x)
            i, cin = i + 1, c
    s2, s4, s8, s16, s32 = skips
    w2 = cfg["decoder_widths"][4]
    x = conv(s32, "decoder.lat32.0", act="relu")
    k = cfg["hint_spread"]
    f16 = torch.cat([up2(x), s16], 1)
    hp16 = pool_hints(hint, 16)
    att16, att8 = [], []
    if cfg.get("hint_attention", 0):
        att = hint_attention(conv(f16, "decoder.att_q"), conv(f16, "decoder.att_k"), hp16, t["decoder.att_null"],
                            distance_slope=cfg.get("hint_attention_distance", 0.0))
        att16, att8 = [att], [up2(att)]
    x = conv(torch.cat([f16, hp16, spread_hints(hp16, k)] + att16, 1), "decoder.d16.0.0", act="relu")
    x = conv(x, "decoder.d16.1.0", act="relu")
    f8 = torch.cat([up2(x), s8], 1)
    hp8 = pool_hints(hint, 8)
    fine8, fine4 = [], []
    if cfg.get("hint_attention_8", 0):
        a8 = hint_attention(conv(f8, "decoder.att8_q"), conv(f8, "decoder.att8_k"), hp8, t["decoder.att8_null"],
                           distance_slope=cfg.get("hint_attention_distance", 0.0))
        fine8, fine4 = [a8], [up2(a8)]
    x = conv(torch.cat([f8, hp8, spread_hints(hp8, k)] + att8 + fine8, 1), "decoder.d8.0.0", act="relu")
    x = conv(x, "decoder.d8.1.0", act="relu")
    x4 = conv(torch.cat([up2(x), s4, hint_features(hint, 4, k)] + fine4, 1), "decoder.d4.0", act="relu")
    h2 = hint_features(hint, 2, k) if cfg.get("fine_hints", False) else pool_hints(hint, 2)
    x = conv(torch.cat([up2(x4), s2, h2], 1), "decoder.d2.0.0", act="relu")
    x = conv(x, "decoder.d2.1.0", groups=w2, act="relu")
    coarse = up2(conv(x, "decoder.ab2"))
    r = conv(torch.cat([coarse, L, hint], 1), "decoder.refine1", act="relu")
    ab = torch.tanh(coarse + conv(r, "decoder.refine2"))
    return (ab, conv(x4, "decoder.classify")) if want_logits else (ab, None)
