#!/bin/sh
# repair26 (issue 15; 2026-12-07, eighteenth session): repair21 continued from its own checkpoint
# (its AdamW moments and data stream; start: cp runs/repair21/last.pt runs/repair26/last.pt, or
# milestones/repair21-last.pt) with hard negatives (--object-p 0.1: damage.bright_objects) and its
# cosine schedule stretched from 4,000 to 5,500 steps, so steps 4000-5500 run at 3.5e-5 falling to 0.
# Every restart from an export with a fresh optimiser (repair22-25) lost 0.03-0.06 of held-out F1
# in its first 500 steps (repair24: no negatives, 0.718 -> 0.687; repair25: lr 3e-5, 0.659), though
# the export loads exactly (held-out 0.718 either way).
# Run from training/; resumable (runs/repair26/last.pt).
exec python3 -m findcolor_train.train_repair --out runs/repair26 --steps 5500 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 2e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --object-p 0.1 --features --tune-features 0.3 --threads ${THREADS:-1}
