"""train.py's loss terms."""
import torch

from findcolor_train.train import chroma_shortfall


def test_chroma_shortfall_counts_only_missing_colour_of_the_weighted_crops():
    gt = torch.zeros(2, 2, 4, 4)
    gt[:, 0] = 30  # both crops: chroma 30
    ab = torch.zeros(2, 2, 4, 4, requires_grad=True)
    with torch.no_grad():
        ab[0, 0] = 10  # 20 short
        ab[1, 1] = -40  # more colourful than the truth: no penalty
    v = chroma_shortfall(ab, gt, torch.tensor([1.0, 1.0]))
    assert abs(v.item() - 1.0) < 1e-4  # (20 / 10 + 0) / 2
    assert chroma_shortfall(ab, gt, torch.tensor([0.0, 1.0])).item() == 0.0  # only the weighted crops
    v.backward()
    assert torch.isfinite(ab.grad).all()
    assert ab.grad[0, 0].lt(0).all() and ab.grad[1].abs().max() == 0  # push crop 0's chroma up, leave crop 1
    z = torch.zeros(1, 2, 4, 4, requires_grad=True)  # gray output: a finite gradient
    chroma_shortfall(z, gt[:1], torch.ones(1)).backward()
    assert torch.isfinite(z.grad).all()
