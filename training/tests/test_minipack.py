"""The mini pack for a lent GPU machine (findcolor_train.minipack) and the training options that use
it (--pack, --workers, --minutes)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from findcolor_train.minipack import MiniPack, build
from findcolor_train.train import lr_at

ROOT = Path(__file__).resolve().parents[2]


class FakePhotos:
    """Smooth colour photos of a few sizes (WebP keeps them within a few levels)."""

    def __init__(self, n=12):
        self.arrays = []
        for i in range(n):
            h, w = 176, 176 + 16 * (i % 4)
            y, x = np.mgrid[0:h, 0:w]
            a = np.stack([100 + 80 * np.sin(x / 30 + i), 90 + 60 * np.cos(y / 25), 60 + 40 * np.sin((x + y) / 40)], -1)
            self.arrays.append(a.clip(0, 255).astype(np.uint8))
        self.images = [{"file": f"photo{i}.jpg"} for i in range(n)]

    def __len__(self):
        return len(self.arrays)

    def get(self, i):
        return self.arrays[i]


def test_pack_round_trip_sizes_and_budget(tmp_path):
    photos = FakePhotos()
    path = tmp_path / "p.fcpk"
    n = build(photos, path, short=128, quality=90, max_bytes=1 << 30)
    assert n == len(photos)
    pack = MiniPack(path)
    assert len(pack) == n
    by_source = dict(zip(pack.header["sources"], range(n)))
    for i in range(n):
        a = pack.get(by_source[f"photo{i}.jpg"])
        src = photos.get(i)
        assert a.dtype == np.uint8 and a.shape[0] == 128  # short side 128, aspect kept
        assert abs(a.shape[1] - round(src.shape[1] * 128 / 176)) <= 1
    # A budget keeps a prefix of the same seeded order: a smaller pack is a subset of a larger one.
    sizes = pack.header["sizes"]
    small = tmp_path / "s.fcpk"
    m = build(photos, small, short=128, quality=90, max_bytes=sum(sizes[:5]))
    assert m == 5
    assert MiniPack(small).header["sources"] == pack.header["sources"][:5]


def test_pack_content_is_close_to_the_photo(tmp_path):
    photos = FakePhotos(2)
    path = tmp_path / "p.fcpk"
    build(photos, path, short=176, quality=90, max_bytes=1 << 30)
    pack = MiniPack(path)
    i = pack.header["sources"].index("photo0.jpg")
    err = np.abs(pack.get(i).astype(int) - photos.get(0).astype(int))
    assert err.mean() < 3  # smooth content; lossy WebP, chroma at half resolution


def test_damaged_packs_are_refused(tmp_path):
    bad = tmp_path / "bad.fcpk"
    bad.write_bytes(b"not a pack at all")
    with pytest.raises(ValueError, match="not a FindColor mini pack"):
        MiniPack(bad)
    path = tmp_path / "p.fcpk"
    build(FakePhotos(3), path, max_bytes=1 << 30)
    with open(path, "ab") as f:
        f.write(b"trailing")
    with pytest.raises(ValueError, match="bytes after the last image"):
        MiniPack(path)


class Args:
    lr, warmup, steps, final_lr_frac = 1e-3, 10, 1000, 0.05


def test_time_budget_drives_the_cosine():
    a = Args()
    assert lr_at(500, a) == pytest.approx(a.lr * (0.05 + 0.95 * 0.5))  # by steps: half way
    assert lr_at(500, a, prog=1.0) == pytest.approx(a.lr * 0.05)  # the budget spent: at the floor
    assert lr_at(500, a, prog=0.0) == pytest.approx(a.lr)


def small_training_run(tmp_path, *extra):
    """A pack of FakePhotos in tmp_path and the command line of a tiny CPU training run on it from
    the bundled model (64-px crops, one thread), `extra` appended: (argv, run folder, pack)."""
    pack = tmp_path / "p.fcpk"
    build(FakePhotos(), pack, short=128, max_bytes=1 << 30)
    out = tmp_path / "run"
    argv = [sys.executable, "-m", "findcolor_train.train", "--pack", str(pack), "--out", str(out),
            "--cache", str(tmp_path / "cache"), "--init-from", str(ROOT / "Models/findcolor-v2.safetensors"),
            "--attention", "32", "--freeze-bn", "all", "--crop", "64", "--late-frac", "0", "--frozen-steps", "0",
            "--threads", "1", "--device", "cpu", *extra]
    return argv, out, pack


@pytest.mark.skipif(not (ROOT / "Models/findcolor-v2.safetensors").exists(), reason="needs the bundled model")
def test_training_on_a_pack_with_workers_stops_at_its_time_budget(tmp_path):
    cmd, out, pack = small_training_run(tmp_path, "--batch", "2", "--steps", "100000", "--minutes", "0.05", "--workers", "1")
    r = subprocess.run(cmd, cwd=ROOT / "training", capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "time budget spent" in r.stdout
    assert (out / "last.pt").exists()
    s = torch.load(out / "last.pt", weights_only=False)
    assert s["minutes"] >= 0.05
    # Resumed with the same budget: the minutes already spent count, so it stops where it was.
    r = subprocess.run(cmd, cwd=ROOT / "training", capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "resumed from" in r.stdout and "time budget spent" in r.stdout
    assert torch.load(out / "last.pt", weights_only=False)["step"] == s["step"]
    r = subprocess.run([sys.executable, "-m", "findcolor_train.train", "--pack", str(pack), "--out", str(out),
                        "--workers", "1", "--pairs", "2"], cwd=ROOT / "training", capture_output=True, text=True)
    assert r.returncode != 0 and "--workers" in r.stderr
    for bad, message in ((["--pack", str(tmp_path / "none.fcpk")], "no such file"), (["--pack", str(pack), "--minutes", "0"], "above 0")):
        r = subprocess.run([sys.executable, "-m", "findcolor_train.train", "--out", str(out), *bad],
                           cwd=ROOT / "training", capture_output=True, text=True)
        assert r.returncode == 2 and message in r.stderr, r.stderr


def test_the_tree_and_the_mini_pack_fit_what_a_lent_gpu_receives():
    """A lent GPU machine receives the working tree with the carried pack, 64 MiB in all (the
    device tool's limit); the pack is 28.5 MiB (README, "On a lent GPU"), so the tracked files must
    stay under 64 − 30 MiB: finished runs' checkpoints belong in git history, not in the tree."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = [ROOT / f for f in listed.decode().split("\0") if f]
    total = sum(f.stat().st_size for f in files if f.is_file())
    assert total <= (64 - 30) * 2**20, f"the tracked files take {total / 2**20:.1f} MiB"
