"""The synthetic damage of the defect detector's training (issue 15) and the detector's shape."""
import numpy as np
import torch

from findcolor_train.damage import MIN_CHANGE, damage
from findcolor_train.repair_model import DefectNet


def scene(h=96, w=128):
    y, x = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    return (30 + 40 * x + 10 * torch.sin(6 * y))[None]


def test_damage_is_seeded_and_in_range():
    L = scene()
    a, ma = damage(L, np.random.default_rng(3))
    b, mb = damage(L, np.random.default_rng(3))
    assert torch.equal(a, b) and torch.equal(ma, mb)
    assert a.shape == L.shape and ma.shape == L.shape
    assert a.min() >= 0 and a.max() <= 100
    assert set(ma.unique().tolist()) <= {0.0, 1.0}


def test_masked_pixels_are_visibly_changed_and_clean_crops_have_no_mask():
    L = scene()
    masked = 0
    for seed in range(20):
        x, m = damage(L, np.random.default_rng(seed), clean_p=0.0)
        masked += int(m.sum())
        # Global fading and grain change every pixel a little, defects a lot: on average the masked
        # pixels moved far more than the minimum change.
        if m.sum() > 0:
            assert (x - L)[m > 0].abs().mean() > MIN_CHANGE
        c, mc = damage(L, np.random.default_rng(seed), clean_p=1.0)
        assert mc.sum() == 0
    assert masked > 0


def test_detector_keeps_the_size():
    net = DefectNet()
    out = net(scene(64, 96)[None])
    assert out.shape == (1, 1, 64, 96)


def test_version_2_is_seeded_in_range_and_masks_visible_damage():
    L = scene()
    a, ma = damage(L, np.random.default_rng(3), version=2)
    b, mb = damage(L, np.random.default_rng(3), version=2)
    assert torch.equal(a, b) and torch.equal(ma, mb)
    assert a.shape == L.shape and ma.shape == L.shape
    masked = 0
    for seed in range(20):
        x, m = damage(L, np.random.default_rng(seed), clean_p=0.0, version=2)
        assert x.min() >= 0 and x.max() <= 100 and set(m.unique().tolist()) <= {0.0, 1.0}
        masked += int(m.sum())
        if m.sum() > 0:
            assert (x - L)[m > 0].abs().mean() > MIN_CHANGE
        _, mc = damage(L, np.random.default_rng(seed), clean_p=1.0, version=2)
        assert mc.sum() == 0
    assert masked > 0


def test_version_1_is_unchanged_by_version_2():
    # Version 1 is the default and draws what it drew before version 2 existed (runs stay reproducible).
    L = scene()
    a, ma = damage(L, np.random.default_rng(11))
    b, mb = damage(L, np.random.default_rng(11), version=1)
    assert torch.equal(a, b) and torch.equal(ma, mb)


def test_stain_probability_adds_stains_and_keeps_the_default_draws():
    import numpy as np
    import torch
    from findcolor_train.damage import damage_v2
    L = torch.full((1, 96, 96), 50.0)
    # The default is the runs' recipe: passing 0.4 changes no draw.
    a = damage_v2(L, np.random.default_rng(3), clean_p=0.0)
    b = damage_v2(L, np.random.default_rng(3), clean_p=0.0, stain_p=0.4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    share = {p: np.mean([float(damage_v2(L, np.random.default_rng(s), clean_p=0.0, stain_p=p)[1].mean())
                         for s in range(24)]) for p in (0.0, 1.0)}
    assert share[1.0] > share[0.0] * 1.3, share


def test_straight_lines_cross_the_whole_crop():
    """`straight_line` (train_repair --straight-p): vertical, horizontal or slanted, end to end."""
    from findcolor_train.damage import rasterise, straight_line
    rng = np.random.default_rng(0)
    kinds = set()
    for _ in range(40):
        m = rasterise(96, 128, [(straight_line(rng, 96, 128), 2.0)])[0] >= 0.5
        rows, cols = int(m.any(1).sum()), int(m.any(0).sum())
        if cols == 128 and rows <= 3:
            kinds.add("horizontal")
        elif rows == 96 and cols <= 3:
            kinds.add("vertical")
        else:
            kinds.add("slanted")
            sides = int(m[0].any()) + int(m[-1].any()) + int(m[:, 0].any()) + int(m[:, -1].any())
            assert sides >= 2  # it enters and leaves the crop
    assert kinds == {"horizontal", "vertical", "slanted"}


def test_straight_p_zero_keeps_the_draws():
    """straight_p 0 draws nothing more: the runs made before it see the same damage."""
    from findcolor_train.damage import damage_v2
    L = torch.rand(1, 64, 64) * 100
    a = damage_v2(L, np.random.default_rng(5), 0.1)
    b = damage_v2(L, np.random.default_rng(5), 0.1, straight_p=0.0)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_vertical_only_straight_lines_are_never_horizontal():
    from findcolor_train.damage import rasterise, straight_line
    rng = np.random.default_rng(3)
    for _ in range(40):
        m = rasterise(96, 128, [(straight_line(rng, 96, 128, vertical_only=True), 2.0)])[0] >= 0.5
        assert not (int(m.any(0).sum()) == 128 and int(m.any(1).sum()) <= 3)


def test_texture_sampler_follows_the_local_contrast_and_p_zero_keeps_the_draws():
    """`texture_sampler` (train_repair --texture-p): with p 1 dust and stains are centred in proportion
    to the local contrast (+1 L*), so on a crop half flat and half busy nearly all land on the busy
    half; with p 0 it draws nothing more than the runs made before it."""
    from findcolor_train.damage import damage_v2, texture_sampler
    L = torch.full((1, 64, 96), 50.0)
    L[:, :, 48:] = torch.from_numpy(np.random.default_rng(0).uniform(0, 100, (64, 48)).astype(np.float32))
    rng = np.random.default_rng(1)
    draw = texture_sampler(rng, L, 1.0)
    xs = np.array([draw()[1] for _ in range(2000)])
    assert xs.min() >= 0 and xs.max() < 96
    # the busy half's contrast is ~29 L* against 1 on the flat half (the 9-px window straddles the edge)
    assert np.mean(xs >= 44) > 0.9, np.mean(xs >= 44)
    uniform = texture_sampler(np.random.default_rng(1), L, 0.0)
    assert 0.4 < np.mean([uniform()[1] >= 48 for _ in range(2000)]) < 0.6
    a = damage_v2(L, np.random.default_rng(5), 0.1)
    b = damage_v2(L, np.random.default_rng(5), 0.1, texture_p=0.0)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_bright_objects_are_painted_into_the_print_not_the_mask_and_p_zero_keeps_the_draws():
    """`bright_objects` (train_repair --object-p): with p 1 bright shaded things change the clean
    print (brighter somewhere, within [0, 100]) and the defect mask stays what the damage made; the
    same seed gives the same mask shape; with p 0 the draws are unchanged."""
    from findcolor_train.damage import bright_objects, damage_v2
    L = torch.full((1, 96, 96), 40.0)
    x = bright_objects(L, np.random.default_rng(3), 1.0)
    assert x.max() > 80 and x.min() >= 0 and x.max() <= 100
    assert (x != L).float().mean() > 0.002
    assert torch.equal(bright_objects(L, np.random.default_rng(3), 0.0), L)
    a = damage_v2(L, np.random.default_rng(5), 1.0)  # clean_p 1: no defects at all
    b = damage_v2(L, np.random.default_rng(5), 1.0, object_p=1.0)
    assert a[1].sum() == 0 and b[1].sum() == 0 and not torch.equal(a[0], b[0])
    c = damage_v2(L, np.random.default_rng(5), 0.1, object_p=0.0)
    d = damage_v2(L, np.random.default_rng(5), 0.1)
    assert torch.equal(c[0], d[0]) and torch.equal(c[1], d[1])


def test_crack_networks_are_thin_borders_and_p_zero_keeps_the_draws():
    """A crack network (`network_p`) covers a thin web of cell borders: a small share of the crop,
    each covered pixel near a border (few full pixels in a 7×7 window); with
    network_p 0 (the default) the draws are those of the runs before it."""
    from findcolor_train.damage import crack_network, damage_v2
    shares = []
    for seed in range(8):
        a = crack_network(np.random.default_rng(seed), 128, 160)
        assert a.shape == (1, 128, 160) and float(a.min()) >= 0 and float(a.max()) <= 1
        on = (a[0] > 0.5).float()
        shares.append(float(on.mean()))
        if on.sum() > 0:
            # thin: a covered pixel's 7×7 neighbourhood is mostly uncovered
            density = torch.nn.functional.avg_pool2d(on[None, None], 7, stride=1, padding=3)[0, 0]
            assert float(density[on > 0].median()) < 0.5
    assert 0 < np.median(shares) < 0.2 and max(shares) > 0.01, shares
    L = scene()
    a = damage_v2(L, np.random.default_rng(3), 0.1)
    b = damage_v2(L, np.random.default_rng(3), 0.1, network_p=0.0)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    # with network_p 1 every damaged crop has one: more of the crop is masked than without
    with_net = [float(damage_v2(L, np.random.default_rng(s), 0.0, network_p=1.0)[1].mean()) for s in range(6)]
    without = [float(damage_v2(L, np.random.default_rng(s), 0.0)[1].mean()) for s in range(6)]
    assert sum(with_net) > sum(without)
