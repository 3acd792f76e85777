#!/bin/sh
# v3p (issue 10): as v3o, with the chroma term counting both directions (`train.chroma_mismatch`: per
# hint-free crop, |mean |ab| of the output - the ground truth's|, ab/10) at weight 0.5. v3o counted
# only the shortfall (weight 1): at step 500 CF 48.3 against the ground truth's 33.2 and PSNR@0
# 20.2 (40 photos): most crops over-coloured at no cost. Decoder only, from v3l's final step, 30 %
# hint-free crops, lr 5e-5, 2500 steps.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3p --init-from runs/v3l/last.pt --attention 32 --att-weight 1.0 --freeze-bn all --decoder-hints --fine-hints --chroma-weight 0.5 --p-none 0.3 --steps 2500 --frozen-steps 0 --lr 5e-5 --warmup 100 --eval-every 500 --threads ${THREADS:-1}
# Stopped at step 1000 (2026-12-05 17:46): 40-photo evals 500: 23.81 / CF 24.5 / 28.59 / 30.81, reach 8.3, share 39 %; 1000: 23.70 / 25.7 / 28.48 / 30.80, 8.2, 40 % (on the frontier again: +2 CF for -0.33 dB at k = 0, -0.27 at k = 10).
