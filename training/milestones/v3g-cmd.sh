#!/bin/sh
# (milestones/findcolor-v3f-step4000.safetensors left the tree on 2026-12-05 evening: `git show c8f0258:training/milestones/findcolor-v3f-step4000.safetensors > milestones/findcolor-v3f-step4000.safetensors` first)
# v3g: from v3f's export; the rebalancing of the ab loss split by crop: 0.6 without hints (vivid automatic
# colour), 0.15 with hints (the hints fix the colour; no push to rare colours), a quarter of crops without hints
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3g --init-from milestones/findcolor-v3f-step4000.safetensors --attention 32 --attention8 32 --fine-hints --match-weight 0.3 --att-weight 1.0 --many-hints-p 0.15 --freeze-bn all --reg-rebalance 0.6 --reg-rebalance-hinted 0.15 --p-none 0.25 --steps 4000 --frozen-steps 0 --lr 1e-4 --warmup 100 --eval-every 500 --threads ${THREADS:-1}
