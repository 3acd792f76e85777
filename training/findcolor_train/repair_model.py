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
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

CHANNELS = (8, 16, 32, 64)
MULTIPLE = 8
# Metadata key of the exported file, and the default thresholds written into it: a pixel is a
# defect above THRESHOLD when its connected region reaches SEED_THRESHOLD somewhere (hysteresis;
# chosen on training photos with the Swift damage renderer: see repair_threshold.py, the model card).
METADATA_KEY = "findcolor_repair"
THRESHOLD = 0.5
SEED_THRESHOLD = 0.98


def conv(cin, cout, stride=1, k=3):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2)


class DefectNet(nn.Module):
    def __init__(self, channels=CHANNELS, context=0):
        super().__init__()
        c0, c1, c2, c3 = channels
        self.channels = tuple(channels)
        self.context = context
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

    @property
    def multiple(self):
        return 16 if self.context else MULTIPLE

    def grow_from(self, state):
        """Load a detector's weights that lack this one's context level (which keeps its
        initialisation, d3 at zero: the same output as the smaller network). Returns the new names."""
        missing, unexpected = self.load_state_dict(state, strict=False)
        if unexpected or any(not n.startswith(("e4a.", "e4b.", "d3.")) for n in missing):
            raise ValueError(f"not a smaller detector of this shape: missing {missing}, unexpected {unexpected}")
        return missing

    @staticmethod
    def up(x, like):
        return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)

    def forward(self, L):
        x = L / 50.0 - 1.0
        f0 = F.relu(self.e0(x))
        f1 = F.relu(self.e1b(F.relu(self.e1a(f0))))
        f2 = F.relu(self.e2b(F.relu(self.e2a(f1))))
        f3 = F.relu(self.e3b(F.relu(self.e3a(f2))))
        if self.context:
            f4 = F.relu(self.e4b(F.relu(self.e4a(f3))))
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
        return cfg
