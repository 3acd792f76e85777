"""train_repair's photo sources: `--native` keeps the photos' own resolution and never upsamples."""
import numpy as np
from PIL import Image

from findcolor_train.train_repair import NativePhotos, crop_L


def test_native_photos_keep_their_resolution(tmp_path):
    for name, (w, h) in {"a.jpg": (300, 200), "b.png": (150, 400), "c.jpg": (640, 480)}.items():
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(tmp_path / name)
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    photos = NativePhotos(tmp_path, min_short=160)
    assert len(photos) == 2  # b.png (short side 150) and the broken file are left out
    assert sorted(photos.get(i).shape for i in range(2)) == [(200, 300, 3), (480, 640, 3)]
    rng = np.random.default_rng(1)
    for _ in range(5):  # zoom at most 1: the window is at least the crop, then area-downsampled
        L = crop_L(photos, 0, 160, rng, scale=(0.6, 1.0))
        assert L.shape == (1, 160, 160) and 0 <= float(L.min()) and float(L.max()) <= 100


def test_focal_loss_weights_hard_pixels_and_reduces_to_bce():
    import torch
    import torch.nn.functional as F
    from findcolor_train.train_repair import loss_fn
    mask = torch.zeros(1, 1, 4, 4); mask[..., 0, :] = 1
    logits = torch.full((1, 1, 4, 4), -4.0); logits[..., 0, :2] = 4.0  # two defects found, two missed
    plain = loss_fn(logits, mask, pos_weight=2.0)[1]
    ref = F.binary_cross_entropy_with_logits(logits, mask, pos_weight=torch.tensor(2.0))
    assert torch.allclose(plain, ref)
    # γ → 0 gives the plain weighted BCE back
    assert torch.allclose(loss_fn(logits, mask, 2.0, focal=1e-9)[1], ref, atol=1e-6)
    # with γ = 2 the missed defects carry (almost) all of the loss: closed form per pixel
    focal = loss_fn(logits, mask, 2.0, focal=2.0)[1]
    p = torch.sigmoid(logits); pt = torch.where(mask > 0.5, p, 1 - p)
    per = -torch.log(pt); w = torch.where(mask > 0.5, 2.0, 1.0); mod = (1 - pt) ** 2
    assert torch.allclose(focal, (w * mod * per).sum() / (mod.mean() * 16), atol=1e-6)
    missed = (w * mod * per)[..., 0, 2:].sum() / (w * mod * per).sum()
    assert missed > 0.99


def test_faint_defect_weights_follow_the_change_the_damage_made():
    import torch
    from findcolor_train.damage import damage, damage_v2
    from findcolor_train.train_repair import batch
    L = torch.linspace(20, 80, 96 * 96).reshape(1, 96, 96)
    # the change is returned without altering the random draws: same picture and mask as damage()
    x0, m0 = damage(L.clone(), np.random.default_rng(5), clean_p=0.0, version=2)
    x1, m1, change = damage_v2(L.clone(), np.random.default_rng(5), clean_p=0.0, with_change=True)
    assert torch.equal(x0, x1) and torch.equal(m0, m1)
    assert float(change[m1 > 0.5].min()) >= 3.0 - 1e-4  # a mask pixel moved by at least MIN_CHANGE

    class One:
        def get(self, i):
            return np.random.default_rng(i).integers(0, 255, (120, 120, 3), dtype=np.uint8)
    x, m, w = batch(One(), [0, 1, 2], 64, np.random.default_rng(9), clean_p=0.0, version=2, scale=(1, 1), faint=(2.0, 12.0))
    assert x.shape == m.shape == w.shape == (3, 1, 64, 64)
    assert set(torch.unique(w).tolist()) <= {1.0, 3.0}
    assert torch.all(w[m < 0.5] == 1)  # only defect pixels get the extra weight
    assert 0 < int((w == 3).sum()) < int((m > 0.5).sum())  # some of them (the faint ones), not all
    _, _, none = batch(One(), [0], 64, np.random.default_rng(9), clean_p=0.0, version=2, scale=(1, 1))
    assert none is None


def test_context_level_grows_from_a_detector_without_it(tmp_path):
    """DefectNet(context=C): a detector grown from one without the /16 level computes what that one
    did (d3 starts at zero), exports `context` and a multiple of 16 (what the Swift runtime reads),
    and refuses weights of another shape; once d3 is non-zero the level changes the output."""
    import json
    import torch
    from safetensors import safe_open
    from findcolor_train.repair_model import DefectNet
    from findcolor_train.train_repair import export
    torch.manual_seed(0)
    small = DefectNet((8, 16, 32, 64)).eval()
    big = DefectNet((8, 16, 32, 64), context=64).eval()
    assert sorted(big.grow_from(small.state_dict())) == ["d3.bias", "d3.weight", "e4a.bias", "e4a.weight",
                                                          "e4b.bias", "e4b.weight"]
    x = torch.rand(1, 1, 64, 96) * 100
    with torch.no_grad():
        assert torch.equal(small(x), big(x))
        big.d3.weight.normal_(0, 0.05)
        assert (small(x) - big(x)).abs().max() > 1e-3
    path = tmp_path / "d.safetensors"
    export(big, path)
    with safe_open(str(path), "pt") as f:
        cfg = json.loads(f.metadata()["findcolor_repair"])
    assert cfg["context"] == 64 and cfg["multiple"] == 16
    assert "context" not in small.config() and small.config()["multiple"] == 8
    try:
        DefectNet((8, 16, 32, 32), context=64).grow_from(small.state_dict())
        raise AssertionError("weights of a wider detector were accepted")
    except ValueError as e:
        assert "do not fit" in str(e)


def test_a_wider_detector_grown_from_a_narrower_one_starts_where_it_was():
    """`grow_from` widens every level (and the context level) keeping the old network's function:
    old tensors copied into the corners, concatenated inputs piece by piece, new inputs into old
    outputs at zero; the new channels are live (they learn, and once they reach the head they count)."""
    import torch
    from findcolor_train.repair_model import DefectNet
    torch.manual_seed(1)
    small = DefectNet((8, 16, 32, 64), context=64).eval()
    with torch.no_grad():  # a trained-looking detector: no zero tensors to hide a wrong copy
        for p in small.parameters():
            p.normal_(0, 0.2)
    wide = DefectNet((12, 24, 48, 96), context=96).eval()
    changed = wide.grow_from(small.state_dict())
    assert "head.weight" in changed and "d2.weight" in changed and "e0.weight" in changed
    x = torch.rand(2, 1, 48, 80) * 100
    with torch.no_grad():
        assert torch.allclose(small(x), wide(x), atol=1e-5, rtol=0)
        # the old tensors sit in the corners, the new channels have live incoming weights
        assert torch.equal(wide.d2.weight[:32, :64], small.d2.weight[:, :64])
        assert torch.equal(wide.d2.weight[:32, 96:128], small.d2.weight[:, 64:])
        assert wide.d2.weight[:32, 64:96].abs().max() == 0 and wide.d2.weight[32:].abs().max() > 0
        wide.head.weight[:, 8:].normal_(0, 0.5)  # the new channels now reach the output
        assert (small(x) - wide(x)).abs().max() > 1e-3
    # and the grown network learns through its new channels
    wide.train()
    wide.zero_grad()
    wide(x).mean().backward()
    assert wide.e0.weight.grad[8:].abs().max() > 0


def test_pretrained_features_start_at_zero_stay_frozen_and_carry_imagenet():
    """DefectNet(features=True): grown from a detector without them it computes what that one did
    (the projections start at zero); the MobileNetV2 blocks hold torchvision's ImageNet weights with
    the RGB stem folded into one L filter (a gray photo gives what the RGB network gives on gray RGB),
    never train (no gradients, BatchNorm in eval mode under model.train()), and only the projections
    are new trainable tensors; the export says `features`."""
    import torch
    import torch.nn.functional as F
    from findcolor_train.model import IMAGENET_MEAN, IMAGENET_STD
    from findcolor_train.repair_model import DefectNet
    from findcolor_train.train import pretrained_path
    torch.manual_seed(2)
    plain = DefectNet((8, 16, 32, 64), context=64).eval()
    with torch.no_grad():
        for p in plain.parameters():
            p.normal_(0, 0.2)
    feat = DefectNet((8, 16, 32, 64), context=64, features=True)
    feat.fx.load_imagenet(pretrained_path())
    assert sorted(feat.grow_from(plain.state_dict())) == ["p3.bias", "p3.weight", "p4.bias", "p4.weight"]
    feat.train()
    assert not feat.fx.training and all(not m.training for m in feat.fx.modules())
    x = torch.rand(2, 1, 64, 96) * 100
    assert torch.allclose(plain(x), feat(x), atol=1e-6, rtol=0)
    # the folded stem: the L filter on g equals torchvision's RGB stem on (g, g, g) normalised
    sd = torch.load(pretrained_path(), map_location="cpu")
    g = x[:1] / 100
    rgb = (g.repeat(1, 3, 1, 1) - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    bn = feat.fx.features[0][1]
    with torch.no_grad():
        ref = F.batch_norm(F.conv2d(rgb, sd["features.0.0.weight"], stride=2, padding=1), sd["features.0.1.running_mean"],
                           sd["features.0.1.running_var"], sd["features.0.1.weight"], sd["features.0.1.bias"], eps=bn.eps)
        got = bn(feat.fx.features[0][0](g))
    # zero padding of the normalised RGB is not zero gray, so compare away from the border
    assert torch.allclose(ref[..., 1:-1, 1:-1], got[..., 1:-1, 1:-1], atol=1e-4, rtol=1e-4)
    feat.zero_grad()
    with torch.no_grad():
        feat.p3.weight.normal_(0, 0.1)
        feat.p4.weight.normal_(0, 0.1)
    assert (plain(x) - feat(x)).abs().max() > 1e-3
    feat(x).mean().backward()
    assert all(p.grad is None for p in feat.fx.parameters())
    assert feat.p3.weight.grad.abs().max() > 0 and feat.p4.weight.grad.abs().max() > 0
    before = feat.fx.features[1].conv[0][1].running_mean.clone()
    feat(x)  # in train mode: the frozen BatchNorm does not update its statistics
    assert torch.equal(before, feat.fx.features[1].conv[0][1].running_mean)
    assert feat.config()["features"] == "mobilenet_v2_imagenet_L" and "features" not in plain.config()
    # the export folds the features' BatchNorm into their convolutions; loaded back it computes the same
    import tempfile
    from findcolor_train.repair_golden import load
    from findcolor_train.train_repair import export
    with tempfile.TemporaryDirectory() as tmp:
        export(feat, f"{tmp}/d.safetensors")
        back = load(f"{tmp}/d.safetensors")
    with torch.no_grad():
        want, got = feat.eval()(x), back(x)  # random weights: logits in the thousands
        assert (want - got).abs().max() <= 1e-5 * want.abs().max()
        assert all(torch.allclose(g, h, atol=1e-4) for g, h in zip(feat.fx(x).values(), back.fx(x).values()))
    try:
        DefectNet((8, 16, 32, 64), features=True)
        raise AssertionError("features without a context level were accepted")
    except ValueError as e:
        assert "context" in str(e)


def test_tuned_features_train_their_convolutions_keep_their_statistics_and_travel_with_the_detector():
    """`FrozenFeatures.tune()` (train_repair --tune-features): the features' convolutions get
    gradients, their BatchNorm neither trains nor updates its statistics; a detector grown from a
    tuned one (its checkpoint, or its export with BatchNorm folded) takes the tuned features."""
    import tempfile
    import torch
    from safetensors.torch import load_file
    from findcolor_train.repair_model import DefectNet
    from findcolor_train.train import pretrained_path
    from findcolor_train.train_repair import export
    torch.manual_seed(3)
    feat = DefectNet((8, 16, 32, 64), context=64, features=True)
    feat.fx.load_imagenet(pretrained_path())
    with torch.no_grad():
        feat.p3.weight.normal_(0, 0.1)
        feat.p4.weight.normal_(0, 0.1)
    feat.fx.tune()
    feat.train()
    bn = feat.fx.features[1].conv[0][1]
    before = bn.running_mean.clone()
    x = torch.rand(2, 1, 64, 96) * 100
    feat(x).mean().backward()
    assert feat.fx.features[1].conv[0][0].weight.grad.abs().max() > 0
    assert bn.weight.grad is None and not bn.weight.requires_grad
    assert torch.equal(before, bn.running_mean)
    with torch.no_grad():  # a tuning step
        for p in feat.fx.parameters():
            if p.requires_grad:
                p.add_(0.01 * torch.randn_like(p))
    feat.eval()
    want = feat(x)
    fresh = lambda: DefectNet((8, 16, 32, 64), context=64, features=True)  # noqa: E731
    a = fresh(); a.fx.load_imagenet(pretrained_path())
    a.grow_from(feat.state_dict())  # a checkpoint's tensors
    assert torch.allclose(a.eval()(x), want, atol=1e-5, rtol=0)
    with tempfile.TemporaryDirectory() as d:
        export(feat, f"{d}/t.safetensors")
        b = fresh(); b.fx.load_imagenet(pretrained_path())
        b.grow_from(load_file(f"{d}/t.safetensors"))  # an export's, BatchNorm folded
        assert torch.allclose(b.eval()(x), want, atol=1e-3, rtol=1e-4)


def test_search_probability_shares_the_features_among_mirrored_searches():
    """`search_probability` (the Swift search's reference): one search is the padded network's
    sigmoid cropped; with features four searches reuse the window's features mirrored (the features
    run once), without features each mirrored plane is padded and searched."""
    import torch
    import torch.nn.functional as F
    from findcolor_train.repair_model import DefectNet, search_probability
    from findcolor_train.train import pretrained_path
    torch.manual_seed(4)
    for features in (False, True):
        net = DefectNet((8, 16, 32, 64), context=64, features=features)
        if features:
            net.fx.load_imagenet(pretrained_path())
        with torch.no_grad():
            for n, p in net.named_parameters():
                if not n.startswith("fx."):
                    p.normal_(0, 0.2)
        net.eval()
        L = torch.rand(1, 1, 37, 50) * 100
        one = search_probability(net, L, 1)
        padded = F.pad(L, (0, 14, 0, 11), mode="reflect")
        assert torch.allclose(one, torch.sigmoid(net(padded))[..., :37, :50], atol=1e-6)
        calls = []
        if features:
            h = net.fx.register_forward_hook(lambda *a: calls.append(1))
        four = search_probability(net, L, 4)
        assert four.shape == one.shape and (four - one).abs().max() > 1e-3
        if features:
            h.remove()
            assert len(calls) == 1
        else:  # each view: the mirrored plane searched, mirrored back
            flip = search_probability(net, L.flip(3), 1).flip(3)
            views = [one, flip, search_probability(net, L.flip(2), 1).flip(2), search_probability(net, L.flip(2, 3), 1).flip(2, 3)]
            assert torch.allclose(four, sum(views) / 4, atol=1e-6)


def test_a_checkpoint_from_before_the_learning_rate_groups_resumes(tmp_path, monkeypatch):
    """A run's last.pt written before `--tune-features` (one optimizer group, no `lr_scale`; e.g. the
    committed milestones/repair17-last.pt copied into a run folder to continue it) resumes and trains."""
    import json
    import sys
    import torch
    from findcolor_train.repair_model import DefectNet
    from findcolor_train import train_repair
    data = tmp_path / "photos"
    data.mkdir()
    for i in range(4):
        Image.fromarray(np.random.default_rng(i).integers(0, 255, (200, 240, 3), dtype=np.uint8)).save(data / f"{i}.png")
    model = DefectNet((4, 4, 4, 4))
    opt = torch.optim.AdamW([p for p in model.parameters()], lr=1e-3, weight_decay=1e-4)
    out = tmp_path / "run"
    out.mkdir()
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": 3,
                "rng": np.random.default_rng(0).bit_generator.state, "config": model.config()}, out / "last.pt")
    monkeypatch.setattr(sys, "argv", ["train_repair", "--data", str(data), "--out", str(out), "--native", "160",
                                      "--channels", "4,4,4,4", "--steps", "5", "--batch", "2", "--crop", "64",
                                      "--holdout", "1", "--eval-every", "100"])
    train_repair.main()
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert log[-1]["step"] == 5 and "eval" in log[-1]
    assert torch.load(out / "last.pt", weights_only=False)["step"] == 5


def test_mined_windows_hold_the_most_flags_and_become_training_crops(tmp_path):
    """repair_mine's window search (closed form on a synthetic flag map), its output for a detector,
    and train_repair's crops from the mined windows."""
    import json
    import torch
    from findcolor_train.repair_mine import best_window, mine
    from findcolor_train.repair_model import DefectNet
    from findcolor_train.train_repair import NativePhotos, batch, load_hard_negatives
    flagged = np.zeros((300, 400), bool)
    flagged[200:230, 310:340] = True  # 900 pixels in one square, 10 elsewhere
    flagged[5, :10] = True
    n, y, x, win = best_window(flagged, 64)
    assert (n, win) == (900, 64) and y <= 200 and y + 64 >= 230 and x <= 310 and x + 64 >= 340
    assert best_window(flagged[:50, :40], 64)[3] == 40  # the window is clipped to a small plane

    # photos: the last one's right half is white, where the windows point
    for k in range(3):
        a = np.full((200, 240, 3), 40 + 30 * k, np.uint8)
        if k == 2:
            a[:, 120:] = 255
        Image.fromarray(a).save(tmp_path / f"p{k}.png")
    photos = NativePhotos(tmp_path, min_short=160)
    white = [i for i in range(3) if photos.get(i)[0, -1, 0] == 255][0]
    torch.manual_seed(0)
    net = DefectNet((4, 6, 8, 10)).eval()
    totals = {}
    found = mine(net, photos, range(3), win=64, mirrors=2, min_flagged=0, totals=totals)
    assert totals["pixels"] == 3 * 200 * 240 and totals["flagged"] >= sum(r["flagged"] for r in found)  # a window holds a part
    assert len(found) == 3 and all(set(r) == {"file", "y", "x", "win", "flagged"} for r in found)
    assert [r["flagged"] for r in found] == sorted((r["flagged"] for r in found), reverse=True)

    records = [{"file": str(photos.files[white]), "y": 60, "x": 150, "win": 64, "flagged": 99},
               {"file": str(tmp_path / "elsewhere.png"), "y": 0, "x": 0, "win": 64, "flagged": 50}]
    (tmp_path / "hard.json").write_text(json.dumps(records))
    hard = load_hard_negatives(tmp_path / "hard.json", photos, n_train=3)
    assert hard == [(white, 60, 150, 64)]  # the unknown photo is left out
    assert load_hard_negatives(tmp_path / "hard.json", photos, n_train=white) == []  # held out: not trained on
    others = [i for i in range(3) if i != white]
    x, m, _ = batch(photos, others * 2, 32, np.random.default_rng(3), clean_p=1.0, version=2, scale=(1, 1),
                    hard=hard, hard_p=1.0)
    # every crop from the white window (the print's look and fading move it from L* 100, not to the gray photos' < 40)
    assert float(x.mean((1, 2, 3)).min()) > 75 and float(m.sum()) == 0
    plain = batch(photos, others, 32, np.random.default_rng(3), clean_p=1.0, version=2, scale=(1, 1))[0]
    assert torch.equal(plain, batch(photos, others, 32, np.random.default_rng(3), clean_p=1.0, version=2, scale=(1, 1),
                                    hard=[], hard_p=0.5)[0])  # no windows: the same draws as before
    assert float(plain.mean((1, 2, 3)).max()) < 50
