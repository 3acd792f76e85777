#!/bin/sh
# v3o (issue 10): v3l's final step (hints only in the decoder, v2's hint curve, CF 25.4 against v2's
# 27.2 on the 194 development photos) with a chroma term: per hint-free crop, the shortfall of the
# output's mean |ab| against the ground truth's (`--chroma-weight 1`, train.chroma_mismatch with --chroma-shortfall-only), a
# global statistic, so the network chooses where to put the colour it owes. v3n (rebalancing 0.7 on
# hint-free crops instead) left CF where it was (40 photos: 23.2, 22.6 at steps 500, 1000: stopped).
# 30 % hint-free crops, decoder only, lr 5e-5, 2500 steps.
# Stopped at step 700 (2026-12-05 17:34): at step 500 CF 48.3 (ground truth 33.2), PSNR@0 20.2, PSNR@10 28.39, reach 13.8, leak share 59 % (40 photos).
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3o --init-from runs/v3l/last.pt --attention 32 --att-weight 1.0 --freeze-bn all --decoder-hints --fine-hints --chroma-weight 1.0 --chroma-shortfall-only --p-none 0.3 --steps 2500 --frozen-steps 0 --lr 5e-5 --warmup 100 --eval-every 500 --threads ${THREADS:-1}
