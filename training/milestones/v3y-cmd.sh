#!/bin/sh
# v3y (issue 10; started 2026-12-06 16:08, tenth session): v3x's recipe with sparser hints
# (`--geometric-p 0.35`: a hinted crop has 1 hint with p 0.35, 1–3 with p 0.73, mean 2.9, where v3x's
# 1/8 gave a mean of 8), aimed at the one-hint reach and leak; from v3x's step-3,000 export (restore it
# first: `git show 69d0c5e:training/milestones/findcolor-v3x-step3000.safetensors > training/milestones/findcolor-v3x-step3000.safetensors`),
# lr 5e-5, crops of 256 px, bf16, a 150-minute budget across sessions (--minutes counts the minutes
# of earlier invocations). Judge it against v3x at step 1,000 (model card, "Next training run").
# Resumable from runs/v3y/last.pt.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3y --init-from milestones/findcolor-v3x-step3000.safetensors --attention 32 --attention8 32 --fine-hints --decoder-hints --train-encoder --att-weight 1.0 --freeze-bn all --reg-rebalance 0.5 --geometric-p 0.35 --crop 256 --steps 6000 --minutes 150 --frozen-steps 0 --lr 5e-5 --warmup 200 --eval-every 500 --ckpt-every 250 --bf16 --threads ${THREADS:-2}
