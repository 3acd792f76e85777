#!/bin/sh
# v3k (issue 10): v2's own recipe (no match loss) with the ab loss rebalanced at 0.5 on every crop, hinted
# or not (v3d's value, without v3d's new parts and extra losses), lr 3e-5 from v2: does rebalancing
# itself cost the hint curve? (v3j: rebalancing only hint-free crops keeps the curve but not the colour.)
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3k --init-from ../Models/findcolor-v2.safetensors --attention 32 --att-weight 1.0 --freeze-bn all --reg-rebalance 0.5 --steps 3000 --frozen-steps 0 --lr 3e-5 --warmup 100 --eval-every 500 --threads ${THREADS:-1}
