#!/bin/sh
# (milestones/repair6-last.pt left the tree on 2026-12-05 evening: `git show b7a83c9:training/milestones/repair6-last.pt > milestones/repair6-last.pt` first)
# repair8 (issue 15): repair6's final step (16000; bundled export = its step 15000, dev protocol F1
# 0.634, recall by kind: scratches 0.64, dust 0.70, hairs 0.52, spots 0.42, cracks 0.55) misses
# faint damage. repair7 (focal BCE, `--focal 2`) made it worse (bsds500 F1 0.50 at step 3000 with
# the best thresholds tried, against 0.68: stopped). repair8 goes on from repair6's weights with
# the plain BCE and the defect pixels that the damage changed by less than 12 L* weighted 3x
# (`--faint-weight 2 --faint-below 12`), same native crops and damage, lr 3e-4 on a fresh cosine
# of 8000 steps (to end within one session).
# Run from training/; resumable (runs/repair8/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair8 --steps 8000 --eval-every 1000 --channels 8,16,32,64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 3e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --init-from milestones/repair6-last.pt --threads ${THREADS:-1}
