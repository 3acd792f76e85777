#!/bin/sh
# v3w (issue 10; 2026-12-06, ninth session, its last half hour): v3v run on (v3u's recipe on 256-px
# crops, bf16 autocast) from v3v's step-2,670 export, lr 5e-5 over a 28-minute time budget (--minutes:
# the lr's cosine follows the wall time). v3v's export is in git history:
#   git show 696b7b9:training/milestones/findcolor-v3v-step2670.safetensors > milestones/findcolor-v3v-step2670.safetensors
# Finished at step 650 (12:06): all development photos 23.55 / 24.65 / 27.55 / 29.83 dB at k = 0 / 1 / 10 /
# 100, CF 30.7, reach 8.5, share 33.9 % (v3v: 23.61 / 24.73 / 27.58 / 29.84, 30.0, 8.3, 33.5 %): along the
# frontier, not kept (model card, "v3v").
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3w --init-from milestones/findcolor-v3v-step2670.safetensors --attention 32 --attention8 32 --fine-hints --decoder-hints --train-encoder --att-weight 1.0 --freeze-bn all --reg-rebalance 0.5 --crop 256 --steps 6000 --minutes 28 --frozen-steps 0 --lr 5e-5 --warmup 100 --eval-every 1000 --ckpt-every 250 --bf16 --threads ${THREADS:-2}
