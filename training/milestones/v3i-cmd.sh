#!/bin/sh
# v3i (v3h at lr 3e-5; v3h at lr 1e-4 lost 0.6 dB of PSNR@10 in its first 500 steps, Adam moving every weight of a converged network): back to v2 itself (its architecture, no v3 parts: v2 has the better hint curve), fine-tuned only for
# vivid automatic colour: rebalancing 0.6 on crops without hints, none (0) on crops with hints, 30 % hint-free
# crops; nothing against the leaks in this run (issue 10)
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3i --init-from ../Models/findcolor-v2.safetensors --attention 32 --att-weight 1.0 --match-weight 0.3 --many-hints-p 0.15 --freeze-bn all --reg-rebalance 0.6 --reg-rebalance-hinted 0.0 --p-none 0.3 --steps 3000 --frozen-steps 0 --lr 3e-5 --warmup 100 --eval-every 500 --threads ${THREADS:-1}
