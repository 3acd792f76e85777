#!/bin/sh
# (milestones/repair8-last.pt left the tree on 2026-12-05 evening: `git show c1c3a26:training/milestones/repair8-last.pt > milestones/repair8-last.pt` first)
# repair9 (issue 15): repair8's final step grown by a /16 context level of 64 channels (`--context 64`:
# receptive field about 60 -> 170 px; the new level's output conv d3 starts at zero, so step 0 is
# repair8). repair6-8 (8-64 channels, ~60 px) sat at the same F1 with three loss/data variants: is the
# missing context (large spots and stains, a scratch vs a wire or a mast) what limits them? Same native
# crops, damage and faint weights as repair8; lr 5e-4 (the new level learns from scratch), 10,000 steps.
# Run from training/; resumable (runs/repair9/last.pt; --init-from is only read on a fresh start).
# Finished (10,000 steps, 2026-12-05 18:41; final checkpoint milestones/repair9-last.pt): bsds500 F1 0.693 / +5.43 dB / 0.21 % (bundled 0.677 / +5.25 / 0.25 %).
exec python3 -m findcolor_train.train_repair --out runs/repair9 --steps 10000 --eval-every 1000 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 5e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --init-from milestones/repair8-last.pt --threads ${THREADS:-1}
