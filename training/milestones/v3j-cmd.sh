#!/bin/sh
# v3j (issue 10): v2's own recipe continued (no match loss, rebalancing 0.25 on crops with hints as in
# v2's training), with only the hint-free crops asked for vivid colour (rebalancing 0.6, 30 % of crops);
# lr 3e-5. v3i (same but hinted rebalancing 0 and the attention match loss 0.3) lost 0.4 dB of PSNR@10
# at once: this run tells whether the recipe change or the restart of Adam costs the hint curve.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3j --init-from ../Models/findcolor-v2.safetensors --attention 32 --att-weight 1.0 --freeze-bn all --reg-rebalance 0.6 --reg-rebalance-hinted 0.25 --p-none 0.3 --steps 4000 --frozen-steps 0 --lr 3e-5 --warmup 100 --eval-every 500 --threads ${THREADS:-1}
