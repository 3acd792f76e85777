"""The one-hint precision measure and the gross colour errors (issue 10), and the locality loss, on hand-made outputs."""
import torch

from findcolor_train.evaluate import hint_precision
from findcolor_train.hints import TrainingHintSampler
from findcolor_train.train import locality_loss


def scene():
    # 40×40; ground truth: left half ab (30, 0) like the hint, right half (−40, 0). No-hint output gray.
    gt = torch.zeros(2, 40, 40)
    gt[0, :, :20] = 30
    gt[0, :, 20:] = -40
    ab0 = torch.zeros(2, 40, 40)
    ab1 = torch.zeros(2, 40, 40)
    ab1[0, :, :20] = 12       # towards the hint
    ab1[0, :10, 20:] = 6      # right half, rows < 10: towards the hint (a leak)
    ab1[0, 10:, 20:] = -3     # elsewhere away from it (not a movement towards)
    return gt, ab0, ab1


def test_hint_precision_closed_form():
    """The same case as the Swift test HintReach.precisionMeasureClosedForm."""
    gt, ab0, ab1 = scene()
    reach, leak, share = hint_precision(ab0, ab1, gt, torch.tensor([30.0, 0.0]), (36, 0, 4))
    assert reach == 12.0
    assert abs(leak - 6.0 * 10 / 40) < 1e-6
    assert abs(share - 0.25) < 1e-9


def test_hint_precision_without_such_pixels():
    gt, ab0, ab1 = scene()
    like_hint = torch.zeros_like(gt)
    like_hint[0] = 30.0  # every pixel's true colour is the hint's: nothing can leak
    reach, leak, share = hint_precision(ab0, ab1, like_hint, torch.tensor([30.0, 0.0]), (0, 0, 4))
    assert reach is not None and leak is None and share is None


def test_locality_loss_penalises_only_far_movement_towards_the_hint():
    gt, ab0, ab1 = scene()
    h = torch.tensor([[30.0, 0.0]])
    loss = locality_loss(ab1[None], ab0[None], gt[None], h, margin=1.0)
    # Far pixels: the right half (800 px); 200 moved 6 (penalised 6 − 1 = 5), the rest moved −3 (0).
    assert abs(loss.item() - (5.0 * 200 / 800) / 10) < 1e-6
    # Moving the look-alike (left) half costs nothing; not moving at all costs nothing.
    assert locality_loss(ab0[None], ab0[None], gt[None], h).item() == 0.0


def test_one_patch_and_many_hints():
    s = TrainingHintSampler(p_none=0.0, p_dense=0.0, p_many=1.0, seed=5)
    ab = torch.randn(4, 2, 64, 64) * 20
    h = s(ab)
    # 10–80 patches of side 1–9 on every crop: at least 10 hinted pixels each.
    assert (h[:, 2].flatten(1).sum(1) >= 10).all()
    hint, (y, x, size) = s.one_patch(ab[0])
    assert hint[2].sum() == size * size and hint[2, y, x] == 1


def test_attention_match_loss_prefers_matching_hints_and_the_null_slot():
    """Two cells at 1/16 of a 16×32 crop: cell 0 is hinted (true colour (40, 0), hint (40, 0)); cell 1's
    true colour is (−40, 0). Target: cell 0 attends to the hint; cell 1 to the null slot."""
    from findcolor_train.train import attention_match_loss
    gt = torch.zeros(1, 2, 16, 32)
    gt[0, 0, :, :16] = 40
    gt[0, 0, :, 16:] = -40
    hp = torch.zeros(1, 3, 1, 2)
    hp[0, 0, 0, 0], hp[0, 2, 0, 0] = 40 / 110, 1
    hinted = torch.tensor([[True, False]])

    def weights(on_hint_1):  # rows: cells; columns: [cell 0, cell 1, null]
        return torch.tensor([[[0.9, 0.0, 0.1], [on_hint_1, 0.0, 1 - on_hint_1]]])

    precise = attention_match_loss(weights(0.02), hinted, hp, gt, 16)
    leaky = attention_match_loss(weights(0.8), hinted, hp, gt, 16)
    assert precise < leaky
    # At the target itself the loss is the target's entropy (the minimum of the cross-entropy).
    q0 = torch.tensor([1.0, 0.2]) / 1.2
    target = torch.tensor([[[q0[0], 0.0, q0[1]], [0.0, 0.0, 1.0]]])
    entropy = -(q0 * q0.log()).sum() / 2
    assert abs(attention_match_loss(target, hinted, hp, gt, 16).item() - entropy.item()) < 1e-5


def test_gross_colour_errors_closed_form():
    """The same five cases as Swift's GrossColourErrorTests: timid, invented, neither (near),
    neither (exact), neither (a wrong hue of the same chroma)."""
    from findcolor_train.color import rgb_to_lab
    from findcolor_train.evaluate import gross_colour_errors
    gray, red = [128, 128, 128], [255, 0, 0]
    out = torch.tensor([gray, red, gray, red, red], dtype=torch.uint8).T.reshape(3, 1, 5)
    ra, rb = rgb_to_lab(torch.tensor([1.0, 0.0, 0.0]).reshape(3, 1, 1))[1:, 0, 0].tolist()
    assert ra > 70 and rb > 60
    ab = torch.tensor([[40, 0], [0, 0], [10, 0], [ra, rb], [-ra, rb]], dtype=torch.float32).T.reshape(2, 1, 5)
    gt = torch.cat([torch.full((1, 1, 5), 50.0), ab])
    invented, timid = gross_colour_errors(out, gt)
    assert abs(invented - 20.0) < 1e-9 and abs(timid - 20.0) < 1e-9
    assert gross_colour_errors(out, rgb_to_lab(out.float() / 255.0)) == (0.0, 0.0)
