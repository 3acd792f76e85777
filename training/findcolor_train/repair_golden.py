"""Golden vectors of the defect detector for the Swift parity tests (issue 15).

Loads the exported detector (safetensors, as the Swift runtime reads it) into `DefectNet` and
stores synthetic inputs and outputs, NHWC float32 without N, in one small safetensors file:

    python -m findcolor_train.repair_golden --model ../Models/findcolor-repair-v1.safetensors \
        --out ../Tests/FindColorTests/Fixtures/repair_golden.safetensors

With `--random-model FILE --channels 4,6,8,10 --context 12` it first writes a detector with random
weights of that shape to FILE (a test fixture for shapes the bundled detector does not have, e.g. the
context level) and makes the goldens from it; `--features` adds the frozen ImageNet features (their
real weights, folded as the export folds them; the projections random like the rest).

Cases: `net_64x96.L` (L*, H×W×1) and `net_64x96.logits` (the network on L*, sizes multiples of 8);
`pad_75x83.L` and `pad_75x83.probability` (a size that is not: reflect-padded at the bottom and
right to 80×88 (80×96 with the context level's multiple of 16), sigmoid, cropped — what `DefectDetector.probability` does
with one search) and `pad_75x83.probability_mirrors4` (four mirrored searches averaged,
`repair_model.search_probability`).
"""
import argparse
import json
import math

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from .repair_model import DefectNet, search_probability


def scene(H, W):
    """L* of a procedural gray scene with a bright scratch, dark dust and a smooth ramp."""
    y = torch.linspace(0, 1, H).view(H, 1).expand(H, W)
    x = torch.linspace(0, 1, W).view(1, W).expand(H, W)
    L = 30 + 40 * x + 10 * torch.sin(y * 6 * math.pi)
    L = torch.where(((x - 0.5 - 0.1 * y).abs() < 0.012), torch.full_like(L, 95.0), L)  # scratch
    for cy, cx in [(0.2, 0.2), (0.7, 0.8), (0.5, 0.3)]:
        L = torch.where(((y - cy) ** 2 + (x - cx) ** 2) < 0.0008, torch.full_like(L, 5.0), L)  # dust
    return L.clamp(0, 100).view(1, 1, H, W)


def load(path):
    with safe_open(path, "pt") as f:
        cfg = json.loads(f.metadata()["findcolor_repair"])
    net = DefectNet(tuple(cfg["channels"]), cfg.get("context", 0), bool(cfg.get("features")))
    t = load_file(path)
    if net.features:
        net.fx.load_folded({k[len("fx."):]: v for k, v in t.items() if k.startswith("fx.")})
        t = {k: v for k, v in t.items() if not k.startswith("fx.")}
        t.update({f"fx.{k}": v for k, v in net.fx.state_dict().items()})
    net.load_state_dict(t)
    return net.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--random-model", action="store_true", help="write a random detector to --model first")
    ap.add_argument("--channels", default="8,16,32,64")
    ap.add_argument("--context", type=int, default=0)
    ap.add_argument("--features", action="store_true", help="with --random-model: frozen MobileNetV2 features (ImageNet)")
    a = ap.parse_args()
    if a.random_model:
        from .train_repair import export
        torch.manual_seed(0)
        rnd = DefectNet(tuple(int(c) for c in a.channels.split(",")), a.context, a.features)
        if a.features:
            from .train import pretrained_path
            rnd.fx.load_imagenet(pretrained_path())  # the real features (random ones explode through 14 blocks)
        with torch.no_grad():
            for n, p in rnd.named_parameters():  # every layer non-zero (d3, p3, p4 start at zero when trained)
                if not n.startswith("fx."):
                    p.normal_(0, 0.3)
        export(rnd, a.model)
    net = load(a.model)
    nhwc = lambda x: x[0].permute(1, 2, 0).contiguous().float()  # noqa: E731
    out = {}
    with torch.no_grad():
        L = scene(64, 96)
        out.update({"net_64x96.L": nhwc(L), "net_64x96.logits": nhwc(net(L))})
        L = scene(75, 83)
        m = net.multiple
        ph, pw = (75 + m - 1) // m * m, (83 + m - 1) // m * m
        padded = F.pad(L, (0, pw - 83, 0, ph - 75), mode="reflect")
        p = torch.sigmoid(net(padded))[..., :75, :83]
        out.update({"pad_75x83.L": nhwc(L), "pad_75x83.probability": nhwc(p),
                    "pad_75x83.probability_mirrors4": nhwc(search_probability(net, L, 4))})
    save_file(out, a.out, metadata={"model": a.model.split("/")[-1], "layout": "NHWC without N, float32"})
    print(f"wrote {a.out}: {sum(v.numel() for v in out.values()) * 4 / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
