#!/bin/sh
# v3zb (issue 10; 2026-12-06, twelfth session): a distance penalty in both hint attentions. The
# attention scores a cell against a hinted cell by content alone, so a hint's colour reaches
# look-alike regions however far away (the leak). At inference alone on v3x (experiments/
# attention_distance.py, 57 development photos) a slope of 4 cut the leak share 31 -> 21 % for
# reach 9.6 -> 8.1; here the decoder learns with the penalty fixed at 6 (`--att-distance 6`),
# from v3x's step-3,000 export (restore it first:
# `git show 69d0c5e:training/milestones/findcolor-v3x-step3000.safetensors > training/milestones/findcolor-v3x-step3000.safetensors`),
# v3x's recipe with the encoder frozen (decoder only: a step costs a fraction of a full one),
# 256-px crops, lr 5e-5, a 130-minute budget that the lr's cosine follows. Resumable from runs/v3zb/last.pt.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3zb --init-from milestones/findcolor-v3x-step3000.safetensors --attention 32 --attention8 32 --fine-hints --decoder-hints --att-distance 6 --att-weight 1.0 --freeze-bn all --reg-rebalance 0.5 --crop 256 --steps 20000 --minutes 130 --frozen-steps 0 --lr 5e-5 --warmup 200 --eval-every 1000 --ckpt-every 250 --bf16 --threads ${THREADS:-2}
