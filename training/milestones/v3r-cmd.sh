#!/bin/sh
# v3r (issue 10, colourfulness): an adversarial term, the lever of the list not tried before.
# A PatchGAN critic of (L, ab) (`findcolor_train/adversarial.py`, hinge losses, spectral norm) judges the
# hint-free crops' colours (30 % of the crops); the colour network pays 0.05 x its doubt, on top of
# v2's recipe. Decoder only (the hints reach only the decoder, encoder frozen: a step costs a
# twelfth of a full-network step), from v3l's final step, lr 5e-5, 8000 steps.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3r --init-from runs/v3l/last.pt --attention 32 --att-weight 1.0 --freeze-bn all --decoder-hints --fine-hints --adv-weight 0.05 --p-none 0.3 --steps 8000 --frozen-steps 0 --lr 5e-5 --warmup 100 --eval-every 500 --threads ${THREADS:-1}
# Stopped at step 2500 (2026-12-05 22:46): 40-photo evals 500: 23.80 / CF 24.3 / 28.64 / 30.74, reach 8.6, share 40 %; 1000: 23.92 / 24.1 / 28.52 / 30.73, 8.1, 39 %; 1500: 23.51 / 27.5 / 28.61 / 30.83, 9.2, 47 %; 2000: 23.44 / 26.2 / 28.54 / 30.78, 9.0, 45 %; 2500: 23.38 / 26.4 / 28.57 / 30.86, 9.7, 43 % (v3l's end: 24.07 / 22.5 / 28.72 / 30.91, 8.6, 40 %): below v3l at every k, +4 CF for -0.7 dB at k = 0.
