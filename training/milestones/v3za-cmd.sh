#!/bin/sh
# v3za (issue 10; started 2026-12-06 19:07, eleventh session): v3x's recipe with the ab loss
# rebalanced at 0.25 (v2's exponent) instead of 0.5. v3x's extra colour came with invented colour on
# the standard test photos and bold mistakes on people (model card, "v3x as the default?"); does its
# hint curve (+0.2 dB at 10 hints over v2) and decoder-only speed survive with v2's more cautious
# automatic colour? That model would be a clear default. From the v3x export (restore it first:
# `git show 69d0c5e:training/milestones/findcolor-v3x-step3000.safetensors > training/milestones/findcolor-v3x-step3000.safetensors`),
# lr 5e-5, crops of 256 px, bf16, a 45-minute budget, eval every 250 steps (the 40-photo evaluation
# logs invented and timid colour). Resumable from runs/v3za/last.pt.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3za --init-from milestones/findcolor-v3x-step3000.safetensors --attention 32 --attention8 32 --fine-hints --decoder-hints --train-encoder --att-weight 1.0 --freeze-bn all --reg-rebalance 0.25 --crop 256 --steps 6000 --minutes 45 --frozen-steps 0 --lr 5e-5 --warmup 100 --eval-every 250 --ckpt-every 250 --bf16 --threads ${THREADS:-2}
