"""The defect detector (issue 15): a small U-Net from L* to a defect logit per pixel.

Full resolution 8 channels, then /2 (16), /4 (32), /8 (64); decoder back up with bilinear upsampling
(align_corners False) and skip concatenations; every layer a 3×3 convolution with bias and ReLU, the
head a 1×1 convolution. No normalisation layers, so the exported file is these tensors as they are.
Sources/FindColor/DefectDetector.swift is the Swift copy, layer for layer (tested against goldens).
Input: L*/50 − 1, H and W multiples of 8 (the runtime pads by reflection). Output: logits (N, 1, H, W).
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
    def __init__(self, channels=CHANNELS):
        super().__init__()
        c0, c1, c2, c3 = channels
        self.channels = tuple(channels)
        self.e0 = conv(1, c0)
        self.e1a, self.e1b = conv(c0, c1, 2), conv(c1, c1)
        self.e2a, self.e2b = conv(c1, c2, 2), conv(c2, c2)
        self.e3a, self.e3b = conv(c2, c3, 2), conv(c3, c3)
        self.d2 = conv(c3 + c2, c2)
        self.d1 = conv(c2 + c1, c1)
        self.d0 = conv(c1 + c0, c0)
        self.head = conv(c0, 1, k=1)

    @staticmethod
    def up(x, like):
        return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)

    def forward(self, L):
        x = L / 50.0 - 1.0
        f0 = F.relu(self.e0(x))
        f1 = F.relu(self.e1b(F.relu(self.e1a(f0))))
        f2 = F.relu(self.e2b(F.relu(self.e2a(f1))))
        f3 = F.relu(self.e3b(F.relu(self.e3a(f2))))
        d2 = F.relu(self.d2(torch.cat([self.up(f3, f2), f2], 1)))
        d1 = F.relu(self.d1(torch.cat([self.up(d2, f1), f1], 1)))
        d0 = F.relu(self.d0(torch.cat([self.up(d1, f0), f0], 1)))
        return self.head(d0)

    def config(self):
        return {"kind": "defect-detector", "version": 1, "channels": list(self.channels),
                "input": "L/50-1", "multiple": MULTIPLE, "threshold": THRESHOLD,
                "seed_threshold": SEED_THRESHOLD}
