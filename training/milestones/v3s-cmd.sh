#!/bin/sh
# v3s (issue 10, colourfulness; v3r with a 4x stronger adversarial term): an adversarial term, the lever of the list not tried before.
# A PatchGAN critic of (L, ab) (`findcolor_train/adversarial.py`, hinge losses, spectral norm) judges the
# hint-free crops' colours (30 % of the crops); the colour network pays 0.2 x its doubt (v3r: 0.05), on top of
# v2's recipe. Decoder only (the hints reach only the decoder, encoder frozen: a step costs a
# twelfth of a full-network step), from v3l's final step, lr 5e-5, 8000 steps.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3s --init-from runs/v3l/last.pt --attention 32 --att-weight 1.0 --freeze-bn all --decoder-hints --fine-hints --adv-weight 0.2 --p-none 0.3 --steps 8000 --frozen-steps 0 --lr 5e-5 --warmup 100 --eval-every 500 --threads ${THREADS:-1}
# Stopped at step 1000 (2026-12-05 22:26): 40-photo evals 500: 23.27 / CF 27.6 / 28.52 / 30.59, reach 9.2, share 41 %; 1000: 23.23 / 28.8 / 28.45 / 30.62, 9.4, 44 % (v3l's end: 24.07 / 22.5 / 28.72 / 30.91): +6 CF for -0.84 dB at k = 0, below the frontier of every other lever (about 0.25-0.3 dB per 8 points of CF).
