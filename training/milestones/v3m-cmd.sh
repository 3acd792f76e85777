#!/bin/sh
# v3m (issue 10): v3d/v3e's recipe (1/8 hint attention, spread hints at /2, attention match loss 0.3,
# the ab loss rebalanced at 0.5, 15 % of crops with 10-80 hints) with the hints reaching only the
# decoder (`--decoder-hints`, encoder frozen: about 12x cheaper steps on a CPU than the full-network
# v3 runs), from v2, lr 1e-4, 12,000 steps: with many cheap steps, does the decoder alone climb past
# the frontier where v3d-v3f flattened (PSNR@10 0.7 dB under v2 at CF 28-29)?
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3m --init-from ../Models/findcolor-v2.safetensors --decoder-hints --attention 32 --attention8 32 --fine-hints --match-weight 0.3 --att-weight 1.0 --many-hints-p 0.15 --freeze-bn all --reg-rebalance 0.5 --steps 12000 --frozen-steps 0 --lr 1e-4 --warmup 200 --eval-every 1000 --threads ${THREADS:-1}
