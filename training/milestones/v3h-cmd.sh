#!/bin/sh
# v3h: back to v2 itself (its architecture, no v3 parts: v2 has the better hint curve), fine-tuned only for
# vivid automatic colour: rebalancing 0.6 on crops without hints, none (0) on crops with hints, 30 % hint-free
# crops; nothing against the leaks in this run (issue 10)
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3h --init-from ../Models/findcolor-v2.safetensors --attention 32 --att-weight 1.0 --match-weight 0.3 --many-hints-p 0.15 --freeze-bn all --reg-rebalance 0.6 --reg-rebalance-hinted 0.0 --p-none 0.3 --steps 4000 --frozen-steps 0 --lr 1e-4 --warmup 100 --eval-every 500 --threads ${THREADS:-1}
