#!/bin/sh
# v3d: v3 parts grown from v2; full class rebalancing on the regression loss (CF), pairs + locality + attention match (leaks)
# step 1000 with rebalance 1.0: CF 40.1 (gt 33.2) but PSNR@0 21.6 (gray 24.46), @10 23.96: too strong; resumed at 0.5, loc 0.1, 5500 steps
# step 3000 (rebalance 0.5, loc 0.1, pairs 4): PSNR@0 23.16, CF 29.2, @10 26.90, @100 29.89, reach 7.25, share 31 % (v2: 24.03/23.7/28.75/30.90, 8.6, 39 %): hints too weak; resumed without pairs/locality, with the attention colour loss (att-weight 1), 4500 steps
# step 4000: PSNR@0 23.30, CF 27.85, @10 27.69, @100 30.36, reach 9.2, share 35 % (exported: milestones/findcolor-v3d-step4000.safetensors); schedule extended to 5500
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval \
  --out runs/v3d --init-from ../Models/findcolor-v2.safetensors \
  --attention 32 --attention8 32 --fine-hints --pairs 0 --loc-weight 0 \
  --match-weight 0.3 --att-weight 1.0 --many-hints-p 0.15 --freeze-bn all \
  --reg-rebalance 0.5 --steps 5500 --frozen-steps 300 --lr 3e-4 --warmup 200 --eval-every 1000 \
  --threads ${THREADS:-1}
