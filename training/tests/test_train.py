"""train.py's loss terms."""
import torch

from findcolor_train.train import chroma_mismatch


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
