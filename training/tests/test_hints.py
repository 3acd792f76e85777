import numpy as np
import torch

from findcolor_train.hints import TrainingHintSampler, hints_from_points, protocol_points


def test_training_sampler_statistics():
    s = TrainingHintSampler(seed=1)
    H = W = 64
    ab = torch.randn(1, 2, H, W) * 20
    none, dense, counts, sizes = 0, 0, [], []
    n = 4000
    for _ in range(n):
        u = s.rng.random()
        if u < s.p_none:
            none += 1
        elif u < s.p_none + s.p_dense:
            dense += 1
        else:
            pts = s.sparse_points(H, W)
            counts.append(len(pts))
            sizes += [p[2] for p in pts]
    assert abs(none / n - 0.1) < 0.02 and abs(dense / n - 0.15) < 0.025
    assert abs(np.mean(counts) - 8.0) < 0.6  # geometric, p = 1/8, support >= 1
    assert min(counts) >= 1
    assert set(sizes) == set(range(1, 10))
    assert abs(np.mean(sizes) - 5.0) < 0.2


def test_sampler_batch_hints_hold_patch_means():
    s = TrainingHintSampler(p_none=0.0, p_dense=0.0, seed=3)
    ab = torch.randn(8, 2, 48, 48) * 30
    h = s(ab)
    assert h.shape == (8, 3, 48, 48)
    assert (h[:, 2].flatten(1).sum(1) > 0).all()  # every crop has hints
    assert set(h[:, 2].unique().tolist()) <= {0.0, 1.0}


def test_patch_mean():
    ab = torch.zeros(2, 10, 10)
    ab[0, 2:4, 2:4] = torch.tensor([[10.0, 20.0], [30.0, 40.0]])
    h = hints_from_points(ab, [(2, 2, 2)])
    assert torch.allclose(h[0, 2:4, 2:4] * 110, torch.full((2, 2), 25.0))
    assert h[2].sum() == 4


def test_protocol_a_placement_statistics():
    rng = np.random.default_rng(0)
    H = 256
    pts = protocol_points("A", 20000, H, H, rng)
    ys = np.array([p[0] for p in pts])
    mu, sd = (H - 6 + 1) / 2, (H - 6 + 1) / 4
    assert all(p[2] == 6 for p in pts)
    assert ys.min() >= 0 and ys.max() <= H - 6
    assert abs(ys.mean() - mu) < 1.0
    # clipping at about ±2σ shrinks the standard deviation by a few per cent
    assert 0.9 * sd < ys.std() < sd


def test_protocol_b_uniform():
    rng = np.random.default_rng(0)
    pts = protocol_points("B", 20000, 224, 224, rng)
    xs = np.array([p[1] for p in pts])
    assert xs.min() == 0 and xs.max() == 222 and abs(xs.mean() - 111) < 1.5


def test_hint_attention_closed_form():
    """Softmax of q·k/sqrt(d) over the hinted cells and a null slot (colour 0); no hints: zeros."""
    import math
    from findcolor_train.model import hint_attention
    q = torch.zeros(1, 2, 3, 4)
    q[:, 0] = 1.0  # every query along +x
    k = torch.zeros(1, 2, 3, 4)
    k[0, 0, 0, 0] = 4.0  # the first hinted cell's key along +x, the second's along +y
    k[0, 1, 2, 3] = 4.0
    s = 4 / math.sqrt(2)
    hp = torch.zeros(1, 3, 3, 4)
    hp[0, :, 0, 0] = torch.tensor([0.5, -0.25, 1.0])
    out = hint_attention(q, k, hp, torch.tensor([-1e4]))  # a null slot that never wins
    assert torch.allclose(out[0, 0], torch.full((3, 4), 0.5)) and torch.allclose(out[0, 1], torch.full((3, 4), -0.25))
    assert torch.allclose(out[0, 2], torch.full((3, 4), math.tanh(s / 4)))
    assert torch.allclose(out[0, 3], torch.ones(3, 4))
    sig = 1 / (1 + math.exp(-s))  # null slot at logit 0: the hint's weight is sigmoid(s)
    out = hint_attention(q, k, hp, torch.tensor([0.0]))
    assert torch.allclose(out[0, 0], torch.full((3, 4), 0.5 * sig)) and torch.allclose(out[0, 3], torch.full((3, 4), sig))
    hp[0, :, 2, 3] = torch.tensor([-0.5, 0.75, 1.0])
    out = hint_attention(q, k, hp, torch.tensor([1.0]))
    z = math.exp(s) + 1 + math.e
    assert abs(out[0, 0, 1, 1].item() - (math.exp(s) * 0.5 - 0.5) / z) < 1e-6
    assert abs(out[0, 1, 1, 1].item() - (math.exp(s) * -0.25 + 0.75) / z) < 1e-6
    assert abs(out[0, 3, 1, 1].item() - (math.exp(s) + 1) / z) < 1e-6
    assert torch.all(hint_attention(q, k, torch.zeros(1, 3, 3, 4), torch.tensor([0.0])) == 0)


def test_hint_attention_distance_slope_closed_form():
    """With a distance slope, two hinted cells that score alike share a cell's weight in the ratio
    exp(slope × (d2 − d1) / short side): the nearer one takes more (model.hint_attention)."""
    import math
    from findcolor_train.model import cell_distances, hint_attention
    h, w, slope = 4, 6, 6.0
    D = cell_distances(h, w)
    assert D.shape == (24, 24) and abs(D[0, 5].item() - 5 / 4) < 1e-6 and abs(D[0, 23].item() - math.hypot(3, 5) / 4) < 1e-6
    q = torch.ones(1, 2, h, w)
    k = torch.ones(1, 2, h, w)  # every score alike: q·k/sqrt(2) = sqrt(2)
    hp = torch.zeros(1, 3, h, w)
    hp[0, :, 0, 0] = torch.tensor([1.0, 0.0, 1.0])  # hinted cell (0, 0): colour a = 1
    hp[0, :, 3, 5] = torch.tensor([0.0, 1.0, 1.0])  # hinted cell (3, 5): colour b = 1
    out = hint_attention(q, k, hp, torch.tensor([-1e4]), distance_slope=slope)
    for y, x in [(0, 1), (2, 2), (3, 4)]:
        d1, d2 = math.hypot(y, x) / h, math.hypot(y - 3, x - 5) / h
        ratio = math.exp(slope * (d2 - d1))  # weight of (0, 0) over that of (3, 5)
        assert abs(out[0, 0, y, x].item() - ratio / (1 + ratio)) < 1e-5
        assert abs(out[0, 1, y, x].item() - 1 / (1 + ratio)) < 1e-5
    # the best score (channel 2) is the nearest hint's, less its distance
    assert abs(out[0, 2, 0, 1].item() - math.tanh((math.sqrt(2) - slope * 1 / h) / 4)) < 1e-6
    # slope 0 is the content-only attention
    plain = hint_attention(q, k, hp, torch.tensor([-1e4]))
    assert torch.allclose(plain[0, 0], torch.full((h, w), 0.5))
