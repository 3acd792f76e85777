"""Hard negatives for the defect detector, mined from the clean training photos (issue 15).

    python -m findcolor_train.repair_mine --model runs/repair28/last.pt --out runs/hard-negatives.json

The training photos are undamaged colour photos, so every pixel a detector flags on them is a wrong
flag: the thin real structures (wires, rigging, spectacle frames, lapel edges) and lit things that
it also flags on real old photos. This searches `--photos` of them (drawn with `--seed` from the
photos `train_repair --native MIN` trains on, never its held-out ones) as the runtime searches a
photo (`search_probability`, `--mirrors` searches, the whole photo at its own size), counts the
pixels above 0.5, and writes, for each photo with at least `--min-flagged` such pixels in one
window, the `--win`-px square window that holds the most of them (JSON: file, y, x, win, flagged;
the most flagged first). `train_repair --hard-negatives FILE --hard-p P` then takes a share P of its
crops from these windows (damaged or not like any crop: what the detector flagged there stays
unmasked). With `--held-out` it searches the held-out photos instead and is a measure: the share of
their pixels a detector wrongly flags (above 0.5, before the runtime's hysteresis), on unseen
photos without damage.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .color import rgb_to_lab
from .repair_model import DefectNet, search_probability


def load_detector(path):
    """A detector from a run's checkpoint (`last.pt`) or an exported .safetensors."""
    if str(path).endswith(".safetensors"):
        from .repair_golden import load
        return load(path)
    s = torch.load(path, weights_only=False)
    cfg = s["config"]
    net = DefectNet(tuple(cfg["channels"]), cfg.get("context", 0), bool(cfg.get("features")))
    net.load_state_dict(s["model"])
    return net.eval()


def best_window(flagged, win, stride=8):
    """(count, y, x, win) of the square window of `win` px (clipped to the plane's size: the `win`
    returned) with the most flagged pixels, its corner on a `stride` grid, from an integral image."""
    H, W = flagged.shape
    win = min(win, H, W)
    s = np.zeros((H + 1, W + 1), np.int64)
    s[1:, 1:] = flagged.astype(np.int64).cumsum(0).cumsum(1)
    ys = np.unique(np.r_[np.arange(0, H - win + 1, stride), H - win])
    xs = np.unique(np.r_[np.arange(0, W - win + 1, stride), W - win])
    Y, X = np.meshgrid(ys, xs, indexing="ij")
    counts = s[Y + win, X + win] - s[Y, X + win] - s[Y + win, X] + s[Y, X]
    k = np.unravel_index(int(counts.argmax()), counts.shape)
    return int(counts[k]), int(ys[k[0]]), int(xs[k[1]]), win


def mine(net, photos, ids, win=200, mirrors=4, min_flagged=30, totals=None):
    """The window of each photo (`photos.get(i)`: H×W×3 uint8) with the most pixels the detector
    flags, for the photos with at least `min_flagged` of them; the most flagged first. `totals`, a
    dict, receives the flagged and searched pixels of all the photos ("flagged", "pixels")."""
    out = []
    for i in ids:
        a = photos.get(int(i))
        rgb = torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1).float()[None] / 255.0
        L = rgb_to_lab(rgb)[:, :1]
        p = search_probability(net, L, mirrors)[0, 0].numpy()
        if totals is not None:
            totals["flagged"] = totals.get("flagged", 0) + int((p > 0.5).sum())
            totals["pixels"] = totals.get("pixels", 0) + p.size
        n, y, x, w = best_window(p > 0.5, win)
        if n >= min_flagged:
            out.append({"file": str(photos.files[int(i)]), "y": y, "x": x, "win": w, "flagged": n})
    return sorted(out, key=lambda r: -r["flagged"])


def main():
    from .train_repair import NativePhotos
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="a run's last.pt or an exported .safetensors")
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default="../../shared/data/train")
    ap.add_argument("--native", type=int, default=160, help="as train_repair --native")
    ap.add_argument("--holdout", type=int, default=120, help="as train_repair --holdout (never mined)")
    ap.add_argument("--photos", type=int, default=600)
    ap.add_argument("--win", type=int, default=200)
    ap.add_argument("--mirrors", type=int, default=4, choices=(1, 2, 4))
    ap.add_argument("--min-flagged", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--held-out", action="store_true",
                    help="search the held-out photos instead (a measure of a detector's wrong flags on unseen clean photos)")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    net = load_detector(a.model)
    photos = NativePhotos(a.data, a.native)
    n_train = len(photos) - a.holdout
    if a.held_out:
        ids = np.arange(n_train, len(photos))[:a.photos]
    else:
        ids = np.random.default_rng(a.seed).choice(n_train, size=min(a.photos, n_train), replace=False)
    totals = {}
    found = mine(net, photos, ids, a.win, a.mirrors, a.min_flagged, totals)
    Path(a.out).write_text(json.dumps(found, indent=0))
    print(f"{len(found)} of {len(ids)} photos hold a window of {a.win} px with at least {a.min_flagged} flagged pixels; "
          f"{100 * totals['flagged'] / totals['pixels']:.3f} % of all their pixels above 0.5; wrote {a.out}")


if __name__ == "__main__":
    main()
