#!/bin/sh
# (milestones/repair6-last.pt left the tree on 2026-12-05 evening: `git show b7a83c9:training/milestones/repair6-last.pt > milestones/repair6-last.pt` first)
# repair7 (issue 15): repair6's final step (16000; bundled export = its step 15000, dev protocol F1
# 0.634, recall by kind: scratches 0.64, dust 0.70, hairs 0.52, spots 0.42, cracks 0.55) misses
# faint scratches, hairs, cracks and soft dark stains: pixels it scores low, while most of a crop's
# pixels are easy negatives. repair7 goes on from repair6's weights with the BCE focal-modulated
# (`--focal 2`: each pixel's BCE times (1 - p_t)^2, renormalised), same native crops and damage,
# lr 3e-4 on a fresh cosine of 16000 steps.
# Run from training/; resumable (runs/repair7/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair7 --steps 16000 --eval-every 1000 --channels 8,16,32,64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 3e-4 --pos-weight 1.0 --focal 2 --clean-p 0.3 --init-from milestones/repair6-last.pt --threads ${THREADS:-1}
