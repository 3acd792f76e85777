#!/bin/sh
# v3zc (issue 10; 2026-12-06, twelfth session): does the loss want a distance prior in the hint
# attentions? v3zb (a fixed slope of 6, decoder only) learnt around it: the leak share crept back
# (57 development photos: 25 % at step 250, 28 % at 1000, v3x 31 %) and fell behind v3x with a
# slope of 2 at inference alone. Here the slope is a parameter (`--att-distance-learn`, from 2, its
# own lr 1e-2), with v3x's full recipe (encoder trained too), from v3x's step-3,000 export (restore it
# first: `git show 69d0c5e:training/milestones/findcolor-v3x-step3000.safetensors >
# training/milestones/findcolor-v3x-step3000.safetensors`); the log records the slope every 50
# steps. 256-px crops, lr 5e-5, a 75-minute budget. Resumable from runs/v3zc/last.pt.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3zc --init-from milestones/findcolor-v3x-step3000.safetensors --attention 32 --attention8 32 --fine-hints --decoder-hints --train-encoder --att-distance 2 --att-distance-learn --att-distance-lr 1e-2 --att-weight 1.0 --freeze-bn all --reg-rebalance 0.5 --crop 256 --steps 20000 --minutes 75 --frozen-steps 0 --lr 5e-5 --warmup 200 --eval-every 500 --ckpt-every 250 --bf16 --threads ${THREADS:-2}
