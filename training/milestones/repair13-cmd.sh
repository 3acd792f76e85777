#!/bin/sh
# repair13 (issue 15; 2026-12-06, twelfth session): repair9's final step trained on with perfectly
# straight scratches across a third of the training scratches (`--straight-p 0.3`: vertical or
# horizontal tramlines, 0.8 of them, or at any angle). A line drawn straight across 20 development
# photos (2 px, white on dark or black on light) was found by the bundled detector at a recall of
# 0.16 when horizontal, 0.59 vertical and 0.90 slanted: it takes straight axis-aligned lines for
# structure (a horizon, a frame), and the protocol misses such scratches whole (the chameleon's).
# repair12's schedule otherwise (lr 3e-4, cosine over 4000 steps). Run from training/; resumable.
exec python3 -m findcolor_train.train_repair --out runs/repair13 --steps 4000 --eval-every 1000 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 3e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --straight-p 0.3 --init-from milestones/repair9-last.pt --threads ${THREADS:-1}
