"""The fade correction's rule (`FadeCorrection` in Sources/FindColorImage/Repair/FadeCorrection.swift),
chosen by simulation on training photos, not on the development set.

400 random photos of ../shared/data/train (seed 1; L* at up to 256 px), each faded as the repair
protocol fades (black raised to 0–25, white lowered to 75–100, gamma e^N(0, 0.15)); the rule is
applied to the clean photo (what it wrongly changes) and to the faded copy (how close it gets back),
mean |ΔL*| against the clean photo; "heavy" = the faded copies whose 0.5–99.5 % range is under 50.
The rule here mirrors the Swift one: black/white points at the 0.5/99.5 % percentiles (0.01 bins);
ranges ≥ `full` untouched; below, both points move towards 4 / 94 by share = ((full − range) /
ramp)^power, clamped to [0, 1]; contrast gain at most 3×.

    python3 training/experiments/fade_rule.py
"""
import glob, random, numpy as np
from PIL import Image
def L_of(path, maxside=256):
    im = Image.open(path).convert('RGB'); im.thumbnail((maxside, maxside))
    c = np.asarray(im, dtype=np.float64) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    Y = lin @ np.array([0.2126729, 0.7151522, 0.0721750])
    f = np.where(Y > 216 / 24389, np.cbrt(Y), (24389 / 27 * Y + 16) / 116)
    return (116 * f - 16).astype(np.float32)
def estimate(L, full, ramp, power=1.0, tb=4.0, tw=94.0, gain=3.0):
    h = np.round(np.clip(L, 0, 100) * 100).astype(int).ravel()
    hist = np.bincount(h, minlength=10001); cum = np.cumsum(hist); n = cum[-1]
    def pct(p):
        rank = p / 100 * (n - 1); return np.searchsorted(cum, rank, side='right') / 100
    b, w = pct(0.5), pct(99.5); r = w - b
    if r >= full or r <= 0.5: return None
    share = min(max((full - r) / ramp, 0), 1) ** power
    nb = b + share * (tb - b); nw = w + share * (tw - w)
    if (nw - nb) / r > gain:
        c = (nb + nw) / 2; half = gain * r / 2; nb, nw = c - half, c + half
    return b, w, nb, nw
def apply(L, p):
    if p is None: return L
    b, w, nb, nw = p
    t = (L - b) / (w - b)
    return np.clip(nb + (nw - nb) * t, 0, 100)
random.seed(1); rng = np.random.default_rng(1)
import os
DATA = os.environ.get('FINDCOLOR_TRAIN', os.path.join(os.path.dirname(__file__), '../../../shared/data/train'))
files = random.sample(sorted(glob.glob(os.path.join(DATA, '*/*'))), 400)
clean = [L_of(f) for f in files]
faded = []
for L in clean:
    lo, hi, g = rng.uniform(0, 25), rng.uniform(75, 100), np.exp(rng.normal(0, 0.15))
    faded.append((lo + (hi - lo) * np.clip(L / 100, 0, 1) ** g).astype(np.float32))
for full, ramp, power in [(70,15,1),(70,30,1),(70,45,1),(70,60,1),(70,80,1),(65,45,1),(75,60,1),(70,30,2),(70,35,2),(70,40,2),(75,35,2),(75,40,2),(70,30,3),(75,40,3),(80,45,3)]:
    ec = np.mean([np.mean(np.abs(apply(L, estimate(L, full, ramp, power)) - L)) for L in clean])
    ef = np.mean([np.mean(np.abs(apply(F, estimate(F, full, ramp, power)) - L)) for F, L in zip(faded, clean)])
    # heavily faded ones: range of the faded copy under 50
    heavy = [(F, L) for F, L in zip(faded, clean) if np.percentile(F, 99.5) - np.percentile(F, 0.5) < 50]
    eh = np.mean([np.mean(np.abs(apply(F, estimate(F, full, ramp, power)) - L)) for F, L in heavy])
    hb = np.mean([np.mean(np.abs(F - L)) for F, L in heavy])
    print(f"full {full} ramp {ramp} power {power}: clean {ec:.2f} faded {ef:.2f} heavy({len(heavy)}) {hb:.2f}->{eh:.2f}", flush=True)
nofade = np.mean([np.mean(np.abs(F - L)) for F, L in zip(faded, clean)])
print(f"no correction: clean 0.00 faded {nofade:.2f}")
