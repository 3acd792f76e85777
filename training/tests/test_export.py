"""Export round trip: BN folding + safetensors + the folded forward reproduce the PyTorch model."""
import json

import torch
from safetensors import safe_open
from safetensors.torch import load_file

from findcolor_train.bins import gamut_bins
from findcolor_train.export import export, folded_forward
from findcolor_train.model import FindColorNet


def randomised_model():
    torch.manual_seed(0)
    m = FindColorNet(n_bins=len(gamut_bins()))
    for mod in m.modules():  # non-trivial BN statistics so that folding matters
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 2.0)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.2, 0.2)
    return m.eval()


def test_export_round_trip(tmp_path):
    m = randomised_model()
    path = tmp_path / "m.safetensors"
    export(m, gamut_bins(), str(path))
    t = load_file(str(path))
    with safe_open(str(path), "pt") as f:
        cfg = json.loads(f.metadata()["findcolor"])
    assert cfg["n_bins"] == len(cfg["bin_centres"]) == len(gamut_bins())
    L = torch.rand(1, 1, 64, 96)
    hint = torch.zeros(1, 3, 64, 96)
    hint[0, :, 10:16, 20:26] = torch.tensor([0.3, -0.2, 1.0]).view(3, 1, 1)
    with torch.no_grad():
        ab, logits = m(L, hint)
        ab2, logits2 = folded_forward(t, cfg, L, hint, want_logits=True)
    assert ab.shape == (1, 2, 64, 96) and logits.shape == (1, len(gamut_bins()), 16, 24)
    assert (ab - ab2).abs().max() < 1e-5
    assert (logits - logits2).abs().max() < 1e-4
