"""The adversarial term (findcolor_train.adversarial, train.py --adv-weight)."""
import subprocess
from pathlib import Path

import pytest
import torch

from findcolor_train.adversarial import PatchCritic, critic_loss, generator_loss
from test_minipack import small_training_run

ROOT = Path(__file__).resolve().parents[2]


def test_hinge_losses_closed_form():
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 1.0])
    # real: relu(1 - s) = 0, 0.5, 2 -> mean 0.8333; fake: relu(1 + s) = 0, 1, 2 -> mean 1
    assert critic_loss(real, fake).item() == pytest.approx(0.8333 + 1.0, abs=1e-4)
    assert generator_loss(fake).item() == pytest.approx(1 / 3, abs=1e-6)


def test_critic_learns_to_tell_colour_from_gray():
    """A few hundred steps on smooth colour crops (real) against the same crops' gray (fake): the
    critic separates them, and the generator's gradient on the gray crops points towards colour."""
    torch.manual_seed(0)
    critic = PatchCritic(width=8)
    opt = torch.optim.Adam(critic.parameters(), lr=2e-3, betas=(0.5, 0.999))
    y, x = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    L = (50 + 20 * torch.sin(x / 5)).expand(4, 1, 32, 32)
    ab = torch.stack([30 * torch.cos(y / 7), 30 * torch.sin(x / 9)]).expand(4, 2, 32, 32)
    gray = torch.zeros_like(ab)
    for _ in range(150):
        loss = critic_loss(critic(L, ab), critic(L, gray))
        opt.zero_grad()
        loss.backward()
        opt.step()
    critic.eval()
    assert critic(L, ab).mean() > critic(L, gray).mean() + 1.0
    g = gray.clone().requires_grad_(True)
    generator_loss(critic(L, g)).backward()
    # descending the generator's loss moves the gray crop's colour towards the real one's
    assert (-(g.grad) * ab).sum() > 0


@pytest.mark.skipif(not (ROOT / "Models/findcolor-v2.safetensors").exists(), reason="needs the bundled model")
def test_training_with_the_critic_resumes_it(tmp_path):
    base, out, _ = small_training_run(tmp_path, "--decoder-hints", "--batch", "4", "--p-none", "0.5",
                                      "--adv-weight", "0.05", "--adv-warmup", "2", "--ckpt-every", "2")
    r = subprocess.run(base + ["--steps", "6", "--stop-at", "4"], cwd=ROOT / "training", capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    s = torch.load(out / "last.pt", weights_only=False)
    assert s["step"] == 4 and s["adv_from"] == 2 and "critic" in s and "critic_opt" in s
    r = subprocess.run(base + ["--steps", "6"], cwd=ROOT / "training", capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "resumed from" in r.stdout
    s2 = torch.load(out / "last.pt", weights_only=False)
    assert s2["step"] == 6
    changed = [k for k in s["critic"] if not torch.equal(s["critic"][k], s2["critic"][k])]
    assert changed  # the resumed critic went on learning
    r = subprocess.run(base[:-6] + ["--adv-weight", "-1"], cwd=ROOT / "training", capture_output=True, text=True)
    assert r.returncode == 2 and "--adv-weight" in r.stderr
