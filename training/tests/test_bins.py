import torch

from findcolor_train.bins import gamut_bins, nearest_bin, rebalance_weights
from findcolor_train.color import in_gamut, rgb_to_lab


def test_bins_are_in_gamut_for_some_lightness():
    c = gamut_bins().double()
    L = torch.linspace(0, 100, 1001, dtype=torch.float64)
    lab = torch.stack([L[:, None].expand(-1, len(c)), c[None, :, 0].expand(len(L), -1), c[None, :, 1].expand(len(L), -1)])
    assert in_gamut(lab).any(dim=0).all()
    # the grid is 10 apart, and every bin is unique
    assert ((c / 10).round() * 10 == c).all()
    assert len({tuple(x) for x in c.tolist()}) == len(c)


def test_bins_cover_the_srgb_gamut():
    # 99 % of sRGB colours (a 21³ grid) lie within half a grid diagonal (7.08) of a bin centre; the
    # most saturated corners of the gamut, whose bin centres are out of gamut, within 12.5.
    g = torch.linspace(0, 1, 21, dtype=torch.float64)
    rgb = torch.stack(torch.meshgrid(g, g, g, indexing="ij")).reshape(3, -1, 1)
    ab = rgb_to_lab(rgb)[1:].reshape(2, -1).T.float()
    d = torch.cdist(ab, gamut_bins()).min(dim=1).values
    assert (d <= 7.08).float().mean() >= 0.99
    assert d.max() <= 12.5


def test_nearest_bin_and_rebalancing():
    c = gamut_bins()
    ab = c[[3, 17]].T.reshape(1, 2, 1, 2)
    assert nearest_bin(ab, c).view(-1).tolist() == [3, 17]
    prior = torch.ones(len(c))
    prior[0] = 1000
    w = rebalance_weights(prior)  # no smoothing: E_p[w] = 1 under the raw prior
    p = prior / prior.sum()
    assert abs(float((w * p).sum()) - 1.0) < 1e-4  # normalised expectation
    assert w[0] < w[1:].min()  # the common colour is down-weighted
    ws = rebalance_weights(prior, centres=c)  # smoothed prior (training): still down-weights it
    assert ws[0] < ws[1:].median()
