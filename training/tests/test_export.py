"""Export round trip: BN folding + safetensors + the folded forward reproduce the PyTorch model."""
import json

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from findcolor_train.bins import gamut_bins
from findcolor_train.export import export, folded_forward, load_checkpoint_model
from findcolor_train.model import FindColorNet


def randomised_model(attention=32, attention8=0, fine_hints=False, attention_distance=0.0):
    torch.manual_seed(0)
    m = FindColorNet(n_bins=len(gamut_bins()), attention=attention, attention8=attention8, fine_hints=fine_hints,
                     attention_distance=attention_distance)
    for mod in m.modules():  # non-trivial BN statistics so that folding matters
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 2.0)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.2, 0.2)
    if attention:
        m.decoder.att_null.data.fill_(0.3)
    if attention8:
        m.decoder.att8_null.data.fill_(0.7)
    return m.eval()


@pytest.mark.parametrize("attention,attention8,fine_hints,distance",
                         [(0, 0, False, 0.0), (32, 0, False, 0.0), (32, 32, True, 0.0), (32, 32, True, 6.0)])
def test_export_round_trip(tmp_path, attention, attention8, fine_hints, distance):
    m = randomised_model(attention, attention8, fine_hints, distance)
    path = tmp_path / "m.safetensors"
    export(m, gamut_bins(), str(path))
    t = load_file(str(path))
    with safe_open(str(path), "pt") as f:
        cfg = json.loads(f.metadata()["findcolor"])
    assert cfg["n_bins"] == len(cfg["bin_centres"]) == len(gamut_bins())
    assert cfg["hint_attention"] == attention
    assert cfg.get("hint_attention_8", 0) == attention8 and cfg.get("fine_hints", False) == fine_hints
    assert cfg.get("hint_attention_distance", 0.0) == distance
    L = torch.rand(1, 1, 64, 96)
    hint = torch.zeros(1, 3, 64, 96)
    hint[0, :, 10:16, 20:26] = torch.tensor([0.3, -0.2, 1.0]).view(3, 1, 1)
    with torch.no_grad():
        ab, logits = m(L, hint)
        ab2, logits2 = folded_forward(t, cfg, L, hint, want_logits=True)
    assert ab.shape == (1, 2, 64, 96) and logits.shape == (1, len(gamut_bins()), 16, 24)
    assert (ab - ab2).abs().max() < 1e-5
    assert (logits - logits2).abs().max() < 1e-4


def test_grown_network_starts_where_the_smaller_one_was():
    """load_grown: a network without hint attention, loaded into one with it, computes the same."""
    small = randomised_model(attention=0)
    big = FindColorNet(n_bins=len(gamut_bins()), attention=32)
    new = big.load_grown(small.state_dict())
    assert sorted(new) == ["decoder.att_k.bias", "decoder.att_k.weight", "decoder.att_null", "decoder.att_q.bias",
                           "decoder.att_q.weight"]
    big.eval()
    L = torch.rand(1, 1, 64, 64)
    hint = torch.zeros(1, 3, 64, 64)
    hint[0, :, 30:36, 8:14] = torch.tensor([-0.4, 0.5, 1.0]).view(3, 1, 1)
    with torch.no_grad():
        # Same computation up to float32 rounding: the grown network adds the attention's output
        # (exactly zero at the start) to the same features, and kernels may sum in another order
        # (thread count, memory layout): allow 1e-6 on outputs of order 0.1–1.
        assert (small(L, hint)[0] - big(L, hint)[0]).abs().max() < 1e-6


def test_exported_model_loads_back_for_training(tmp_path):
    """load_exported: a BN-folded file as a trainable network that computes what the file computes;
    grown by the v3 parts (zero weights on their inputs), it still does."""
    from findcolor_train.export import load_exported
    m = randomised_model(32)
    path = tmp_path / "m.safetensors"
    export(m, gamut_bins(), str(path))
    back, centres = load_exported(str(path))
    assert torch.equal(centres, gamut_bins())
    v3 = FindColorNet(n_bins=len(gamut_bins()), attention=32, attention8=32, fine_hints=True)
    new = v3.load_grown(back.state_dict())
    assert sorted(new) == ["decoder.att8_k.bias", "decoder.att8_k.weight", "decoder.att8_null", "decoder.att8_q.bias",
                           "decoder.att8_q.weight"]
    v3.eval()
    L = torch.rand(1, 1, 64, 96)
    hint = torch.zeros(1, 3, 64, 96)
    hint[0, :, 10:16, 20:26] = torch.tensor([0.3, -0.2, 1.0]).view(3, 1, 1)
    with torch.no_grad():
        ref = m(L, hint)[0]
        assert (back(L, hint)[0] - ref).abs().max() < 1e-5
        assert (v3(L, hint)[0] - ref).abs().max() < 1e-5


def test_decoder_only_hints(tmp_path):
    """encoder_hints=False: the encoder's outputs do not depend on the hints, the file says so and
    holds zero hint filters in the stem (what the Swift runtime checks), and the folded forward of
    the file computes the model; grown from a model whose stem saw the hints, its stem's hint
    filters are zero; the training leaves the whole encoder frozen."""
    from findcolor_train.train import set_encoder_trainable
    torch.manual_seed(1)
    src = randomised_model(32)
    src.encoder.features[0][0].weight.data[:, 1:].normal_()  # a stem that sees the hints
    m = FindColorNet(n_bins=len(gamut_bins()), attention=32, fine_hints=True, encoder_hints=False)
    m.load_grown(src.state_dict())
    assert m.encoder.features[0][0].weight[:, 1:].abs().max() == 0
    m.eval()
    L = torch.rand(1, 1, 64, 96)
    hint = torch.zeros(1, 3, 64, 96)
    hint[0, :, 10:16, 20:26] = torch.tensor([0.3, -0.2, 1.0]).view(3, 1, 1)
    with torch.no_grad():
        m.encoder.features[0][0].weight.data[:, 1:].normal_()  # even if the weights drifted, the model ignores them
        ab_model = m(L, hint)[0]
        path = tmp_path / "m.safetensors"
        export(m, gamut_bins(), str(path))
        t = load_file(str(path))
        with safe_open(str(path), "pt") as f:
            cfg = json.loads(f.metadata()["findcolor"])
        assert cfg["encoder_hints"] is False
        assert t["encoder.features.0.0.weight"][:, 1:].abs().max() == 0
        assert (folded_forward(t, cfg, L, hint)[0] - ab_model).abs().max() < 1e-5
        assert (ab_model - m(L, torch.zeros_like(hint))[0]).abs().max() > 1e-3  # the hints still matter
    set_encoder_trainable(m, False)
    assert not any(p.requires_grad for p in m.encoder.parameters())
    full = randomised_model(32)
    set_encoder_trainable(full, False)
    assert all(p.requires_grad == n.startswith("features.0.") for n, p in full.encoder.named_parameters())
    assert "encoder_hints" not in full.config  # older files: absent means true


def test_learnt_distance_slope_is_exported_with_its_value(tmp_path):
    """A slope learnt in training (train.py --att-distance-learn) goes into the exported configuration
    with the value it has then, and the folded forward reproduces the model with it."""
    torch.manual_seed(0)
    m = FindColorNet(n_bins=len(gamut_bins()), attention=32, attention8=32, fine_hints=True, attention_distance=2.0,
                     learn_distance=True).eval()
    assert m.decoder.att_dist.requires_grad
    with torch.no_grad():
        m.decoder.att_dist.fill_(3.5)
    path = tmp_path / "m.safetensors"
    export(m, gamut_bins(), str(path))
    with safe_open(str(path), "pt") as f:
        cfg = json.loads(f.metadata()["findcolor"])
    assert cfg["hint_attention_distance"] == 3.5
    t = load_file(str(path))
    assert "decoder.att_dist" not in t  # a configuration value, not a tensor
    L = torch.rand(1, 1, 64, 64)
    hint = torch.zeros(1, 3, 64, 64)
    hint[0, :, 4:8, 4:8] = torch.tensor([0.3, -0.2, 1.0]).view(3, 1, 1)
    hint[0, :, 50:54, 40:44] = torch.tensor([-0.4, 0.1, 1.0]).view(3, 1, 1)
    with torch.no_grad():
        ab, _ = m(L, hint)
        ab2, _ = folded_forward(t, cfg, L, hint)
    assert (ab - ab2).abs().max() < 1e-5
    # a training checkpoint of such a run loads for export with its slope
    ck = tmp_path / "last.pt"
    torch.save({"config": m.config, "model": m.state_dict(), "centres": gamut_bins()}, ck)
    m2, _ = load_checkpoint_model(str(ck))
    assert float(m2.decoder.att_dist) == 3.5
    with torch.no_grad():
        assert torch.equal(m2(L, hint)[0], ab)
