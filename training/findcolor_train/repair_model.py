"""The defect detector (issue 15): a small U-Net from L* to a defect logit per pixel.

Full resolution 8 channels, then /2 (16), /4 (32), /8 (64); decoder back up with bilinear upsampling
(align_corners False) and skip concatenations; every layer a 3×3 convolution with bias and ReLU, the
head a 1×1 convolution. No normalisation layers, so the exported file is these tensors as they are.
Sources/FindColor/DefectDetector.swift is the Swift copy, layer for layer (tested against goldens).
Input: L*/50 − 1, H and W multiples of 8 (16 with the context level; the runtime pads by
reflection). Output: logits (N, 1, H, W).

`context` > 0 adds a /16 level of that many channels (two 3×3 convolutions, the first of stride 2)
whose output, upsampled and concatenated with the /8 features, goes through a 3×3 convolution that
is added to them (f3 ← ReLU(f3 + d3([up(f4), f3]))): the receptive field grows from about 60 to
about 170 px, for stains and spots larger than the /8 level sees and for the context that tells a
scratch from a wire. d3 starts at zero, so a network grown from one without the level
(`grow_from`) starts computing exactly what that one did.

`features` True (with a context level) adds frozen ImageNet features: torchvision's MobileNetV2
`features[0..13]` with its RGB stem folded into one L filter (the colour model's
`MobileNetV2Encoder.load_imagenet`), fed L/100; its /8 output (32 channels) and /16 output (96) are
projected by 1×1 convolutions and added to the detector's /8 and /16 features before their ReLU
(f3 ← ReLU(e3b(·) + p3(g8)), f4 ← ReLU(e4b(·) + p4(g16))). The projections start at zero, so a
detector grown into this one starts computing what it did, and the network learns how much of what
an ImageNet classifier knows (sky, skin, foliage, fabric: the photo's own patches and lines) tells a
stain or a scratch from the photo. The encoder is never trained (its BatchNorm stays in eval mode).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .model import MobileNetV2Encoder

CHANNELS = (8, 16, 32, 64)
MULTIPLE = 8
# Metadata key of the exported file, and the default thresholds written into it: a pixel is a
# defect above THRESHOLD when its connected region reaches SEED_THRESHOLD somewhere (hysteresis;
# chosen on training photos with the Swift damage renderer: see repair_threshold.py, the model card).
METADATA_KEY = "findcolor_repair"
THRESHOLD = 0.5
SEED_THRESHOLD = 0.98
# `features`: the MobileNetV2 blocks kept (0..FEATURE_BLOCKS-1) and the ones whose outputs are used.
FEATURE_BLOCKS = 14
FEATURE_TAPS = {6: "g8", 13: "g16"}  # /8, 32 channels; /16, 96 channels


class FrozenFeatures(nn.Module):
    """MobileNetV2 blocks 0..13 on L alone, ImageNet weights; frozen unless `tune()` is called (then
    their convolutions train, their BatchNorm keeps its running statistics)."""

    def __init__(self):
        super().__init__()
        self.tuned = False
        enc = MobileNetV2Encoder()
        enc.features[0][0] = nn.Conv2d(1, 32, 3, 2, 1, bias=False)
        self.features = nn.Sequential(*list(enc.features)[:FEATURE_BLOCKS])
        for p in self.parameters():
            p.requires_grad_(False)

    def load_imagenet(self, path):
        enc = MobileNetV2Encoder()
        enc.load_imagenet(path)  # stem over [L, a, b, mask]; only its L filter is used here
        own = self.state_dict()
        for name, v in enc.state_dict().items():
            if name in own:
                own[name] = v[:, :1].clone() if name == "features.0.0.weight" else v
        self.load_state_dict(own)

    def load_folded(self, tensors):
        """Load an export's folded tensors (`export.folded_convs(self)`, names without `fx.`): each
        conv takes its folded weight and the BatchNorm after it becomes the identity plus the folded
        bias, so this module computes what the file does."""
        from .export import unfold_bn
        loaded = unfold_bn(self, tensors)
        n_convs = sum(isinstance(m, nn.Conv2d) for m in self.modules())
        if len(loaded) != n_convs or len(tensors) != 2 * n_convs:  # every conv here is followed by a BatchNorm
            raise ValueError(f"{len(tensors)} folded tensors for {n_convs} convolutions")

    def tune(self):
        """Let the convolutions train (train_repair --tune-features); BatchNorm stays as loaded."""
        self.tuned = True
        for name, p in self.named_parameters():
            p.requires_grad_(not isinstance(self.get_submodule(name.rsplit(".", 1)[0]), nn.BatchNorm2d))

    def train(self, mode=True):  # BatchNorm always uses its running statistics
        return super().train(False)

    def forward(self, L):
        with torch.set_grad_enabled(self.tuned and torch.is_grad_enabled()):
            x, taps = L / 100.0, {}
            for i, f in enumerate(self.features):
                x = f(x)
                if i in FEATURE_TAPS:
                    taps[FEATURE_TAPS[i]] = x
            return taps


def conv(cin, cout, stride=1, k=3):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2)


class DefectNet(nn.Module):
    def __init__(self, channels=CHANNELS, context=0, features=False):
        super().__init__()
        c0, c1, c2, c3 = channels
        self.channels = tuple(channels)
        self.context = context
        self.features = bool(features)
        if features and not context:
            raise ValueError("features need a context level (their /16 output is added to it)")
        self.e0 = conv(1, c0)
        self.e1a, self.e1b = conv(c0, c1, 2), conv(c1, c1)
        self.e2a, self.e2b = conv(c1, c2, 2), conv(c2, c2)
        self.e3a, self.e3b = conv(c2, c3, 2), conv(c3, c3)
        self.d2 = conv(c3 + c2, c2)
        self.d1 = conv(c2 + c1, c1)
        self.d0 = conv(c1 + c0, c0)
        self.head = conv(c0, 1, k=1)
        if context:
            self.e4a, self.e4b = conv(c3, context, 2), conv(context, context)
            self.d3 = conv(context + c3, c3)
            nn.init.zeros_(self.d3.weight)
            nn.init.zeros_(self.d3.bias)
        if features:
            self.fx = FrozenFeatures()
            self.p3, self.p4 = conv(32, c3, k=1), conv(96, context, k=1)
            for p in (self.p3, self.p4):
                nn.init.zeros_(p.weight)
                nn.init.zeros_(p.bias)

    @property
    def multiple(self):
        return 16 if self.context else MULTIPLE

    def grow_from(self, state):
        """Load the weights of a smaller detector: one that lacks this one's context level (which
        keeps its initialisation, d3 at zero) and/or has fewer channels per level (each old tensor
        is copied into the corner of the new one, concatenated inputs piece by piece; the new
        channels keep their random incoming weights, and every weight from a new channel into an
        old one, or into the head, starts at zero). Either way the grown network computes exactly
        what the smaller one did and the new channels learn from there. Returns the names of the
        tensors that were not copied whole (new or widened)."""
        own = {n: v for n, v in self.state_dict().items() if not n.startswith("fx.")}
        fx = {n[3:]: v for n, v in state.items() if n.startswith("fx.")}
        if fx and self.features:  # features trained by --tune-features travel with their detector
            if any(n.endswith(".running_mean") for n in fx):
                self.fx.load_state_dict(fx)  # a checkpoint's
            else:
                self.fx.load_folded(fx)  # an export's

        state = {n: v for n, v in state.items() if not n.startswith("fx.")}
        extra = [n for n in state if n not in own]
        if extra:
            raise ValueError(f"not a smaller detector of this shape: unexpected {extra}")
        missing = [n for n in own if n not in state]
        if any(not n.startswith(("e4a.", "e4b.", "d3.", "p3.", "p4.")) for n in missing):
            raise ValueError(f"not a smaller detector of this shape: missing {missing}")
        old_c = tuple(int(state[f"{n}.weight"].shape[0]) for n in ("e0", "e1a", "e2a", "e3a"))
        new_c = self.channels
        if any(o > n for o, n in zip(old_c, new_c)):
            raise ValueError(f"channels {old_c} do not fit in {new_c}")
        old_ctx = int(state["e4a.weight"].shape[0]) if "e4a.weight" in state else 0
        if old_ctx > self.context or (old_ctx and not self.context):
            raise ValueError(f"context {old_ctx} does not fit in {self.context}")
        c0, c1, c2, c3 = old_c
        # each layer's input: the pieces it concatenates, in forward's order, as (old width, new width)
        inputs = {"e0": [(1, 1)], "e1a": [(c0, new_c[0])], "e1b": [(c1, new_c[1])],
                  "e2a": [(c1, new_c[1])], "e2b": [(c2, new_c[2])], "e3a": [(c2, new_c[2])],
                  "e3b": [(c3, new_c[3])], "d2": [(c3, new_c[3]), (c2, new_c[2])],
                  "d1": [(c2, new_c[2]), (c1, new_c[1])], "d0": [(c1, new_c[1]), (c0, new_c[0])],
                  "head": [(c0, new_c[0])], "e4a": [(c3, new_c[3])], "e4b": [(old_ctx, self.context)],
                  "d3": [(old_ctx, self.context), (c3, new_c[3])]}
        changed = list(missing)
        with torch.no_grad():
            for name, module in self.named_children():
                if f"{name}.weight" not in state:  # (the frozen features were left out above)
                    continue
                w, b = state[f"{name}.weight"], state[f"{name}.bias"]
                if w.shape == module.weight.shape:
                    module.weight.copy_(w)
                    module.bias.copy_(b)
                    continue
                changed += [f"{name}.weight", f"{name}.bias"]
                out_old = w.shape[0]
                nw = module.weight.clone()
                # a new output may read every input, but no new input may reach an old output
                nw[:out_old] = 0
                o_old = o_new = 0
                for old_w, new_w in inputs[name]:
                    nw[:out_old, o_new:o_new + old_w] = w[:, o_old:o_old + old_w]
                    o_old += old_w
                    o_new += new_w
                module.weight.copy_(nw)
                module.bias[:out_old] = b
                module.bias[out_old:] = 0
        return changed

    @staticmethod
    def up(x, like):
        return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)

    def forward(self, L, taps=None):
        """Logits for L* (N×1×H×W); `taps`: the features' outputs to use instead of computing them
        from L (`search_probability` shares one window's among its mirrored searches)."""
        x = L / 50.0 - 1.0
        f0 = F.relu(self.e0(x))
        f1 = F.relu(self.e1b(F.relu(self.e1a(f0))))
        f2 = F.relu(self.e2b(F.relu(self.e2a(f1))))
        g = (taps if taps is not None else self.fx(L)) if self.features else None
        f3 = self.e3b(F.relu(self.e3a(f2)))
        f3 = F.relu(f3 + self.p3(g["g8"]) if g else f3)
        if self.context:
            f4 = self.e4b(F.relu(self.e4a(f3)))
            f4 = F.relu(f4 + self.p4(g["g16"]) if g else f4)
            f3 = F.relu(f3 + self.d3(torch.cat([self.up(f4, f3), f3], 1)))
        d2 = F.relu(self.d2(torch.cat([self.up(f3, f2), f2], 1)))
        d1 = F.relu(self.d1(torch.cat([self.up(d2, f1), f1], 1)))
        d0 = F.relu(self.d0(torch.cat([self.up(d1, f0), f0], 1)))
        return self.head(d0)

    def config(self):
        cfg = {"kind": "defect-detector", "version": 1, "channels": list(self.channels),
               "input": "L/50-1", "multiple": self.multiple, "threshold": THRESHOLD,
               "seed_threshold": SEED_THRESHOLD}
        if self.context:  # absent from older files: no context level
            cfg["context"] = self.context
        if self.features:  # absent from older files: no pretrained features
            cfg["features"] = "mobilenet_v2_imagenet_L"
        return cfg


MIRRORS = {1: [], 2: [(True, False)], 4: [(True, False), (False, True), (True, True)]}


def _flip(t, fx, fy):
    dims = ([3] if fx else []) + ([2] if fy else [])
    return t.flip(dims) if dims else t


@torch.no_grad()
def search_probability(net, L, mirrors=1):
    """The defect probability of one L* plane (1×1×H×W) searched whole, as the Swift runtime searches a
    window (`DefectDetector.tiledProbability`): reflect-padded at the bottom and right to the
    network's multiple, the mean of `mirrors` searches (as it is; mirrored left to right; top to
    bottom; both; each mirrored back), cropped. Without features each mirrored search pads the
    mirrored plane; with features the padded window is mirrored and its features, computed once, are
    mirrored with it (they cost about half of the detector's own layers, so four searches cost 4.5
    of those instead of 6; on 120 held-out crops F1 0.693 against 0.691 with the features of every
    mirrored window, 0.681 with one search)."""
    H, W = L.shape[-2:]
    m = net.multiple
    pad = lambda t: F.pad(t, (0, (-W) % m, 0, (-H) % m), mode="reflect")  # noqa: E731
    if net.features:
        x = pad(L)
        taps = net.fx(x)

    def search(fx, fy):  # one view, mirrored back, cropped to the plane
        if net.features:
            return _flip(torch.sigmoid(net(_flip(x, fx, fy), {k: _flip(v, fx, fy) for k, v in taps.items()})), fx, fy)[..., :H, :W]
        return _flip(torch.sigmoid(net(pad(_flip(L, fx, fy))))[..., :H, :W], fx, fy)

    views = [(False, False)] + MIRRORS[mirrors]
    return sum(search(fx, fy) for fx, fy in views) / len(views)
