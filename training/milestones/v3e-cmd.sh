#!/bin/sh
# v3e: continues v3d (its step-5000 export) with v3d's last settings at a lower learning rate, 4000 steps
# evals (40 photos): 1000 23.55/26.1/27.80/30.21 r9.3 s37%; 2000 23.19/27.6/27.71/30.30 r9.6 s40%; 3000 23.28/27.3/27.93/30.40 r10.0 s40%; 4000 23.23/28.4/27.99/30.47 r10.0 s38% (exported: findcolor-v3e-step4000.safetensors)
# the init file, milestones/findcolor-v3d-step5000.safetensors, is in git history (commit 87d8064)
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3e --init-from milestones/findcolor-v3d-step5000.safetensors --attention 32 --attention8 32 --fine-hints --match-weight 0.3 --att-weight 1.0 --many-hints-p 0.15 --freeze-bn all --reg-rebalance 0.5 --steps 4000 --frozen-steps 0 --lr 1e-4 --warmup 100 --eval-every 1000 --threads ${THREADS:-1}
