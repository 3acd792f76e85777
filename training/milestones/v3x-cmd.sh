#!/bin/sh
# v3x (issue 10; 2026-12-06, tenth session): v3v run on with v3v's recipe (crops of 256 px, lr 5e-5,
# bf16) from v3v's step-2,670 export (restore it from git history first:
# `git show 696b7b9:training/milestones/findcolor-v3v-step2670.safetensors > training/milestones/findcolor-v3v-step2670.safetensors`),
# a 140-minute time budget that the lr's cosine follows (wall time, pauses included).
# Resumable from runs/v3x/last.pt.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3x --init-from milestones/findcolor-v3v-step2670.safetensors --attention 32 --attention8 32 --fine-hints --decoder-hints --train-encoder --att-weight 1.0 --freeze-bn all --reg-rebalance 0.5 --crop 256 --steps 6000 --minutes 140 --frozen-steps 0 --lr 5e-5 --warmup 200 --eval-every 1000 --ckpt-every 250 --bf16 --threads ${THREADS:-2}
