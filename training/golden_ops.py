#!/usr/bin/env python3
"""Golden vectors for FindColorNN's reference kernels, computed with PyTorch (CPU, float32).

Writes Tests/FindColorNNTests/Fixtures/golden_ops.safetensors. For each case <name> it stores
  <name>.input   NHWC activations (batch 1)
  <name>.hints   (hint pooling and attention) NHWC [a, b, mask]
  <name>.query, <name>.key   (hint attention) NHWC projections
  <name>.weight  OIHW convolution weights (conv cases)
  <name>.bias    convolution bias (conv cases)
  <name>.output  NHWC result
and the metadata key "cases" holds a JSON object {name: parameters}.

Usage: python3 training/golden_ops.py [output-path]
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from findcolor_train.model import hint_attention  # noqa: E402  (the training code's own function)
DEFAULT_OUTPUT = os.path.join(HERE, "..", "Tests", "FindColorNNTests", "Fixtures", "golden_ops.safetensors")

ACTIVATIONS = {
    "none": lambda x: x,
    "relu": F.relu,
    "relu6": F.relu6,
    "tanh": torch.tanh,
}


def nhwc(x):
    """NCHW (batch 1) -> NHWC, contiguous."""
    return x.permute(0, 2, 3, 1).contiguous()


def main():
    output_path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUTPUT
    torch.manual_seed(20240611)
    torch.set_num_threads(1)
    tensors = {}
    cases = {}

    def conv(name, cin, cout, h, w, k, stride, padding, groups=1, activation="none"):
        """padding = (top, left, bottom, right), applied with F.pad so it may be asymmetric."""
        x = torch.randn(1, cin, h, w)
        weight = torch.randn(cout, cin // groups, k, k) / (cin // groups * k * k) ** 0.5
        bias = torch.randn(cout) * 0.1
        top, left, bottom, right = padding
        padded = F.pad(x, (left, right, top, bottom))
        y = ACTIVATIONS[activation](F.conv2d(padded, weight, bias, stride=stride, groups=groups))
        tensors[f"{name}.input"] = nhwc(x)
        tensors[f"{name}.weight"] = weight.contiguous()
        tensors[f"{name}.bias"] = bias
        tensors[f"{name}.output"] = nhwc(y)
        cases[name] = {"op": "conv", "stride": stride, "padding": list(padding), "groups": groups,
                       "activation": activation}

    def resize(name, c, h, w, out_h, out_w):
        x = torch.randn(1, c, h, w)
        y = F.interpolate(x, size=(out_h, out_w), mode="bilinear", align_corners=False)
        tensors[f"{name}.input"] = nhwc(x)
        tensors[f"{name}.output"] = nhwc(y)
        cases[name] = {"op": "resize", "height": out_h, "width": out_w}

    def hint_pool(name, h, w, factor):
        ab = torch.rand(1, 2, h, w) * 2 - 1
        mask = (torch.rand(1, 1, h, w) < 0.15).float()
        ab = ab * mask  # hints hold values only where the mask is set
        m_avg = F.avg_pool2d(mask, factor)
        pooled = F.avg_pool2d(ab * mask, factor) / m_avg
        pooled = torch.where(m_avg > 0, pooled, torch.zeros_like(pooled))
        m_max = F.max_pool2d(mask, factor)
        tensors[f"{name}.hints"] = nhwc(torch.cat([ab, mask], 1))
        tensors[f"{name}.output"] = nhwc(torch.cat([pooled, m_max], 1))
        cases[name] = {"op": "hintpool", "factor": factor}

    def hint_attn(name, d, h, w, density, null_logit, distance_slope=0.0):
        q = torch.randn(1, d, h, w)
        k = torch.randn(1, d, h, w)
        ab = torch.rand(1, 2, h, w) * 2 - 1
        mask = (torch.rand(1, 1, h, w) < density).float()
        hints = torch.cat([ab * mask, mask], 1)
        tensors[f"{name}.query"] = nhwc(q)
        tensors[f"{name}.key"] = nhwc(k)
        tensors[f"{name}.hints"] = nhwc(hints)
        tensors[f"{name}.output"] = nhwc(hint_attention(q, k, hints, torch.tensor([null_logit]),
                                                        distance_slope=distance_slope))
        cases[name] = {"op": "hintattention", "null_logit": null_logit}
        if distance_slope:
            cases[name]["distance_slope"] = distance_slope

    conv("conv3x3_s1", cin=5, cout=7, h=9, w=11, k=3, stride=1, padding=(1, 1, 1, 1))
    conv("conv3x3_s1_relu_wide", cin=16, cout=40, h=6, w=19, k=3, stride=1, padding=(1, 1, 1, 1), activation="relu")
    conv("conv3x3_s2", cin=6, cout=18, h=11, w=10, k=3, stride=2, padding=(1, 1, 1, 1), activation="relu6")
    conv("conv3x3_s2_same", cin=4, cout=8, h=10, w=13, k=3, stride=2, padding=(0, 1, 1, 1))  # TF SAME
    conv("conv3x3_s2_same_even", cin=4, cout=8, h=10, w=12, k=3, stride=2, padding=(0, 0, 1, 1))
    conv("dw3x3_s2", cin=24, cout=24, h=13, w=12, k=3, stride=2, padding=(1, 1, 1, 1), groups=24,
         activation="relu6")
    conv("dw3x3_s1_odd", cin=19, cout=19, h=7, w=9, k=3, stride=1, padding=(1, 1, 1, 1), groups=19)
    conv("dw5x5_s2", cin=16, cout=16, h=11, w=11, k=5, stride=2, padding=(2, 2, 2, 2), groups=16)
    conv("conv1x1", cin=24, cout=20, h=7, w=9, k=1, stride=1, padding=(0, 0, 0, 0), activation="tanh")
    conv("conv3x3_groups2", cin=8, cout=6, h=6, w=7, k=3, stride=1, padding=(1, 1, 1, 1), groups=2)
    resize("resize_x2", c=3, h=5, w=7, out_h=10, out_w=14)
    resize("resize_x4", c=18, h=4, w=5, out_h=16, out_w=20)
    resize("resize_fractional", c=17, h=6, w=9, out_h=13, out_w=20)
    resize("resize_down", c=2, h=9, w=11, out_h=5, out_w=7)
    hint_pool("hintpool_f4", h=16, w=20, factor=4)
    hint_attn("hintattention_sparse", d=32, h=6, w=9, density=0.1, null_logit=0.5)
    hint_attn("hintattention_dense", d=8, h=5, w=7, density=0.6, null_logit=-1.25)
    hint_attn("hintattention_distance", d=16, h=7, w=10, density=0.15, null_logit=1.0, distance_slope=6.0)

    os.makedirs(os.path.dirname(os.path.abspath(output_path)), exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, output_path,
              metadata={"cases": json.dumps(cases, sort_keys=True),
                        "generator": "training/golden_ops.py", "torch": torch.__version__})
    print(f"wrote {len(cases)} cases, {os.path.getsize(output_path)} bytes to {output_path}")


if __name__ == "__main__":
    main()
