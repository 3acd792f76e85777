"""train.py's loss terms and encoder training."""
import subprocess
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from findcolor_train.train import chroma_mismatch
from test_minipack import small_training_run

ROOT = Path(__file__).resolve().parents[2]


def test_chroma_mismatch_of_the_weighted_crops():
    gt = torch.zeros(2, 2, 4, 4)
    gt[:, 0] = 30  # both crops: chroma 30
    ab = torch.zeros(2, 2, 4, 4, requires_grad=True)
    with torch.no_grad():
        ab[0, 0] = 10  # 20 short
        ab[1, 1] = -40  # more colourful than the truth: no penalty
    v = chroma_mismatch(ab, gt, torch.tensor([1.0, 1.0]), shortfall_only=True)
    assert abs(v.item() - 1.0) < 1e-4  # (20 / 10 + 0) / 2
    assert chroma_mismatch(ab, gt, torch.tensor([0.0, 1.0]), shortfall_only=True).item() == 0.0  # only weighted crops
    v.backward()
    assert torch.isfinite(ab.grad).all()
    assert ab.grad[0, 0].lt(0).all() and ab.grad[1].abs().max() == 0  # push crop 0's chroma up, leave crop 1
    ab.grad = None
    both = chroma_mismatch(ab, gt, torch.tensor([1.0, 1.0]))  # too much colour counts too
    assert abs(both.item() - 1.5) < 1e-4  # (20 / 10 + 10 / 10) / 2
    both.backward()
    # crop 0: a = 10 is pushed up (negative gradient); crop 1: b = −40 has too much colour, the loss
    # grows with |b|, so its gradient is negative too and a descent step moves b towards −30
    assert ab.grad[0, 0].lt(0).all() and ab.grad[1, 1].lt(0).all() and ab.grad[1, 0].abs().max() == 0
    z = torch.zeros(1, 2, 4, 4, requires_grad=True)  # gray output: a finite gradient
    chroma_mismatch(z, gt[:1], torch.ones(1)).backward()
    assert torch.isfinite(z.grad).all()


@pytest.mark.skipif(not (ROOT / "Models/findcolor-v2.safetensors").exists(), reason="needs the bundled model")
@pytest.mark.parametrize("train_encoder", [False, True])
def test_decoder_hints_train_the_encoder_only_when_asked(tmp_path, train_encoder):
    """--decoder-hints alone keeps the encoder as it was; with --train-encoder it learns on L alone,
    its stem's hint filters held at zero (the exported file's `encoder_hints: false` stays true)."""
    cmd, out, _ = small_training_run(tmp_path, "--decoder-hints", "--batch", "4", "--steps", "3", "--lr", "1e-3",
                                     "--warmup", "0", *(["--train-encoder"] if train_encoder else []))
    r = subprocess.run(cmd, cwd=ROOT / "training", capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    model = torch.load(out / "last.pt", weights_only=False)["model"]
    before = load_file(str(ROOT / "Models/findcolor-v2.safetensors"))  # BatchNorm folded: the run's starting convs
    stem = model["encoder.features.0.0.weight"]
    assert stem[:, 1:].abs().max() == 0
    shared = [k for k in before if k.startswith("encoder.") and k in model and before[k].shape == model[k].shape]
    assert len(shared) > 50
    stem_key = "encoder.features.0.0.weight"
    before[stem_key] = before[stem_key][:, :1]  # the stem's L filters (its hint filters were zeroed at the start)
    model[stem_key] = model[stem_key][:, :1]
    changed = [k for k in shared if not torch.equal(before[k], model[k].to(before[k].dtype))]
    assert bool(changed) == train_encoder
    assert not torch.equal(before["decoder.d4.0.weight"], model["decoder.d4.0.weight"])


@pytest.mark.skipif(not (ROOT / "Models/findcolor-v2.safetensors").exists(), reason="needs the bundled model")
def test_bf16_autocast_trains_float32_weights(tmp_path):
    """--bf16: the forward and backward run under bfloat16 autocast; the weights and their optimiser
    moments stay float32 and finite, gradients reach the optimiser and the weights move; the v3 parts
    (1/8 attention, fine hints, hints only in the decoder) and the attention's colour loss run through it."""
    cmd, out, _ = small_training_run(tmp_path, "--bf16", "--batch", "4", "--steps", "3", "--lr", "1e-3", "--warmup", "0",
                                     "--attention8", "32", "--fine-hints", "--decoder-hints", "--train-encoder",
                                     "--att-weight", "1.0", "--reg-rebalance", "0.5")
    r = subprocess.run(cmd, cwd=ROOT / "training", capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    s = torch.load(out / "last.pt", weights_only=False)
    assert all(v.dtype == torch.float32 for v in s["model"].values() if v.is_floating_point())
    before = load_file(str(ROOT / "Models/findcolor-v2.safetensors"))
    assert not torch.equal(before["decoder.d4.0.weight"], s["model"]["decoder.d4.0.weight"].to(before["decoder.d4.0.weight"].dtype))
    moments = [t for st in s["opt"]["state"].values() for k, t in st.items() if k in ("exp_avg", "exp_avg_sq")]
    assert moments and all(t.dtype == torch.float32 and torch.isfinite(t).all() for t in moments)
    assert any(t.abs().max() > 0 for t in moments)  # gradients reached the optimiser
