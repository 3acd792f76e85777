#!/bin/sh
# repair5 (issue 15): the gap study of 2026-12-05 (repair3/repair4 at held-out F1 0.73/0.76 on their
# own damage, 0.51/0.50 on `findcolor eval --protocol repair`) found that the gap is mostly the
# photos' scale and look, and damage families drawn too narrowly, not capacity:
# - the same detectors on the eval photos downscaled to the pack's 176 px short side: F1 0.61/0.66,
#   at their own 375–512 px: 0.52/0.50 (the pack's photos are 100–290 px, 39 % upscaled, and the
#   crops were zoomed 0.6–1.3×: content at the runtime's 300–640 px scale was never seen);
# - precision is capped by flags on clean texture (0.55–0.63 % of a clean photo's pixels against
#   0.84 % damaged; only 12 % of false positives lie within 3 px of a true defect, so not the mask's
#   dilation);
# - recall per family: stains 0.16–0.19, torn corners 0.25–0.32, cracks 0.53–0.67, hairs 0.67–0.73,
#   scratches 0.70, dust 0.80–0.86 (stains with flat interiors and large torn corners are missed).
# So: damage.py version 2 (wider families: flat-interior blobs, larger corners and edge tears,
# polyline cracks, arcs, faint and intermittent scratches, photo JPEG/sharpening before the damage
# and scan blur/JPEG after), crops zoomed 0.6–3× from the pack, repair3's size (8, 16, 32, 64, so the
# runtime's speed stays the bundled one's), fine-tuned from the bundled repair3 at lr 1e-3.
# Calibration: a first try with repair3's loss (BCE positive weight 3, 10 % clean crops) at step 1000
# raised recall on the protocol's damage (0.52 -> 0.66: torn corners 0.32 -> 0.76, scratches 0.71 ->
# 0.78) but flagged 1.6 % of clean photos (repair3 0.55 %) at the stored 0.5/0.98 thresholds, while
# at 0.95/0.998 it already beat repair3 at any threshold (F1 0.548 against <= 0.524; a numpy copy of
# the protocol's renderer on the first 40 eval photos): the ranking improved, the calibration did
# not — v2's crops are ~4.8 % damaged against ~0.8 % of a protocol photo. Hence positive weight 1
# and 25 % clean crops, so the stored thresholds stay usable.
# Run from training/; resumable (runs/repair5/last.pt; --init-from is only read on a fresh start).
# Export: python3 -m findcolor_train.train_repair --out runs/repair5 --export FILE, then
# `findcolor eval --data ../shared/data/eval --protocol repair --detector FILE`.
exec python3 -m findcolor_train.train_repair --out runs/repair5 --steps 12000 --eval-every 1000 --channels 8,16,32,64 --damage-version 2 --scale 0.6,3.0 --lr 1e-3 --pos-weight 1.0 --clean-p 0.25 --init-from ../Models/findcolor-repair-v1.safetensors --threads ${THREADS:-1}
