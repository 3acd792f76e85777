#!/bin/sh
# v3v (issue 10; 2026-12-06, ninth session): v3u run on at crops of 256 px instead of 192 (the model
# card's "Next training run": the network sees small faces and details at 128–256 px only), from v3u's
# step-9,000 export (all development photos 23.62 / 24.75 / 27.53 / 29.83 dB at k = 0 / 1 / 10 / 100,
# CF 28.7), v3u's architecture, losses and lr; a 130-minute time budget (--minutes: the cosine follows
# the time, so the run ends within the session; wall time, pauses for builds and tests included).
# Steps 0–250 ran in float32 (09:24–09:37); from step 250 on, under bfloat16 autocast (`--bf16`: the
# run 1.00–1.12× as fast on this CPU in two measurements: no reliable gain; train.py's docstring).
# Resumable from runs/v3v/last.pt; needs v3u's export (in the tree).
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3v --init-from milestones/findcolor-v3u-step9000.safetensors --attention 32 --attention8 32 --fine-hints --decoder-hints --train-encoder --att-weight 1.0 --freeze-bn all --reg-rebalance 0.5 --crop 256 --steps 6000 --minutes 130 --frozen-steps 0 --lr 5e-5 --warmup 200 --eval-every 1000 --ckpt-every 250 --bf16 --threads ${THREADS:-2}
