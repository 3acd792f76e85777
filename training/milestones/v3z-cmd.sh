#!/bin/sh
# v3z (issue 10; started 2026-12-06 17:46, eleventh session): v3x's recipe with the locality loss
# (`--pairs 4 --loc-weight 0.3`: four crops a batch get one hint and are run again without it; colour
# moved more than 1 ab towards the hint where the ground truth is more than 30 ab from it is
# penalised), aimed at the one-hint leak share (33 % against the floor's 15 %). Tried before only on
# the v3a–v3d recipes (with the match loss, hints in the encoder: 0.1–3, leak share 30–5 % for 0.5–1.4
# dB at k = 10), never on the decoder-hints line. From the v3x export (restore it first:
# `git show 69d0c5e:training/milestones/findcolor-v3x-step3000.safetensors > training/milestones/findcolor-v3x-step3000.safetensors`),
# lr 5e-5, crops of 256 px, bf16, an 80-minute budget, eval every 500 steps. Judge it against v3x at
# step 1,000 (40-photo evaluation: 23.86 / CF 25.7 / 28.85 / 30.98, reach 8.3, share 36 %).
# Resumable from runs/v3z/last.pt.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3z --init-from milestones/findcolor-v3x-step3000.safetensors --attention 32 --attention8 32 --fine-hints --decoder-hints --train-encoder --att-weight 1.0 --freeze-bn all --reg-rebalance 0.5 --pairs 4 --loc-weight 0.3 --crop 256 --steps 6000 --minutes 80 --frozen-steps 0 --lr 5e-5 --warmup 200 --eval-every 500 --ckpt-every 250 --bf16 --threads ${THREADS:-2}
