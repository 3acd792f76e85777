"""An adversarial term for automatic colour (issue 10's "small adversarial term"; `train.py --adv-weight`).

A regression network answers an uncertain pixel with the mean of the colours it thinks possible, so
automatic colour is timid (CF 63 % of the ground truth's with v2). A critic that tells real (L, ab)
crops from the network's own makes a greyish answer cost something that PSNR does not see.

The critic is a small PatchGAN (Isola et al. 2017): three strided 4×4 convolutions and two 3×3 ones
with spectral normalisation over [L/100, a/110, b/110] at the crop's resolution, one score per 8-px
cell (a 46-px receptive field), hinge losses (Miyato et al. 2018). It never runs at inference: only the
colour network is exported.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .hints import AB_SCALE


class PatchCritic(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm
        chans = [3, width, width * 2, width * 4, width * 4]
        layers = []
        for i in range(4):  # three 4×4 stride-2 convolutions, then a 3×3 one: one score per 8-px cell
            conv = nn.Conv2d(chans[i], chans[i + 1], 4, 2, 1) if i < 3 else nn.Conv2d(chans[i], chans[i + 1], 3, 1, 1)
            layers += [sn(conv), nn.LeakyReLU(0.2)]
        layers.append(sn(nn.Conv2d(chans[-1], 1, 3, padding=1)))
        self.net = nn.Sequential(*layers)

    def forward(self, L, ab):
        """L: (B, 1, H, W) in L* units; ab: (B, 2, H, W) in ab units. One score per cell."""
        return self.net(torch.cat([L / 100.0, ab / AB_SCALE], 1))


def critic_loss(real_scores, fake_scores):
    """Hinge loss of the critic: real scores pushed above 1, the network's below −1."""
    return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()


def generator_loss(fake_scores):
    """What the colour network pays: the critic's doubt about its colours."""
    return -fake_scores.mean()
