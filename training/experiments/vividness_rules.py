"""Inference-time colourfulness rules on one model (Models/MODEL_CARD.md, "Inference-time colourfulness").

    cd training && python3 experiments/vividness_rules.py MODEL.safetensors ../../shared/data/train 150

Seeded sample of N photos of a folder, protocol-A size (256²), no hints; prints PSNR@0 (against
gray) and CF (share of the ground truth's) for each rule of combining the regression output with
the bin distribution.
"""
import sys, math, random, os
import numpy as np, torch, torch.nn.functional as F
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from findcolor_train.export import load_exported
from findcolor_train.evaluate import load_square, psnr_u8, colourfulness, annealed_mean
from findcolor_train.color import rgb_to_lab, rgb_uint8_from_lab
from findcolor_train.data import MIN_CHROMA, lab_chroma_mean, list_images
from findcolor_train.hints import AB_SCALE
torch.set_num_threads(1)
model_path, src, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(list_images(src))
random.Random(1).shuffle(files)
files = files[:n]
model, centres = load_exported(model_path)
res = {}
def add(name, row):
    res.setdefault(name, []).append(row)
for f in files:
    gt = load_square(f, 256)
    lab = rgb_to_lab(gt.float() / 255)
    if lab_chroma_mean(lab) < MIN_CHROMA: continue
    L = lab[None, :1]
    hint = torch.zeros(1, 3, 256, 256)
    with torch.no_grad():
        ab, logits = model(L / 100, hint, want_logits=True)
    reg = ab[0] * AB_SCALE
    up = lambda x: F.interpolate(x, size=(256, 256), mode="bilinear", align_corners=False)[0]
    p = torch.softmax(logits, 1)
    ent = -(p * torch.log(p + 1e-12)).sum(1, keepdim=True) / math.log(p.shape[1])
    conf = up(1 - ent)  # 1 = certain
    pmax = up(p.max(1, keepdim=True).values)
    am = {t: up(annealed_mean(logits, centres, t)) for t in (0.2, 0.38, 0.6)}
    gray = psnr_u8(rgb_uint8_from_lab(torch.cat([lab[:1], torch.zeros(2, 256, 256)])), gt)
    def score(name, abx):
        out = rgb_uint8_from_lab(torch.cat([lab[:1], abx]))
        add(name, (psnr_u8(out, gt), colourfulness(out), gray, colourfulness(gt)))
    score("reg", reg)
    for t, a in am.items():
        score(f"am{t}", a)
    for v in (0.3, 0.5):
        score(f"lin{v}", reg + v * (am[0.38] - reg))
    cr = reg.norm(dim=0, keepdim=True).clamp_min(1e-3)
    for t in (0.38, 0.6):
        ca = am[t].norm(dim=0, keepdim=True)
        for v in (0.5, 1.0):
            score(f"chroma{t}_{v}", reg / cr * (cr + v * (ca - cr).clamp_min(0)))
    for g in (1.15, 1.3, 1.5):
        score(f"gain{g}", reg * g)
    for v in (0.5, 1.0):
        score(f"confw{v}", reg + (v * conf) * (am[0.38] - reg))
        score(f"pmaxw{v}", reg + (v * pmax) * (am[0.38] - reg))
for name, rows in res.items():
    a = np.array(rows)
    print(f"{name:16s} psnr {a[:,0].mean():.3f} (gray {a[:,2].mean():.3f}, +{a[:,0].mean()-a[:,2].mean():.2f})  CF {a[:,1].mean():.1f} / gt {a[:,3].mean():.1f} = {a[:,1].mean()/a[:,3].mean()*100:.0f}%  n={len(a)}")
