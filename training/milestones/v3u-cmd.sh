#!/bin/sh
# v3u (issue 10; 2026-12-06, seventh session): v3t run on at larger crops. v3t's step-15,000 export
# (on all development photos within 0.12 dB of v2 at every k: 23.62 / 24.71 / 27.42 / 29.78 dB at
# k = 0 / 1 / 10 / 100 against 23.74 / 24.74 / 27.37 / 29.73, CF 27.9 against 27.1) with v3t's
# architecture and losses, trained on crops of 192 px instead of 128 (the network sees small faces
# and details at 128–192 px only: the model card's "Next training run"), lr 5e-5 over a 30,000-step
# schedule. A long run meant to go on across sessions (resumable from runs/v3u/last.pt; milestones
# exported from it).
# Shortened on 2026-12-06 (eighth session) at its step 3,250 from 30,000 to 9,000 steps, so that its
# cosine ends within the session and its last step can be compared with v3t's converged one (the lr
# at step 3,250 of 9,000: 0.71 of its peak, falling to 5 % of it at 9,000).
# Finished at step 9,000 (2026-12-06 08:34): its export is milestones/findcolor-v3u-step9000.safetensors
# (all development photos 23.62 / 24.75 / 27.53 / 29.83 dB at k = 0 / 1 / 10 / 100, CF 28.7, reach
# 8.5, share 34 %; model card "v3u"). Its start, v3t's step-15,000 export, is in git history:
# git show f563493:training/milestones/findcolor-v3t-step15000.safetensors > milestones/findcolor-v3t-step15000.safetensors
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3u --init-from milestones/findcolor-v3t-step15000.safetensors --attention 32 --attention8 32 --fine-hints --decoder-hints --train-encoder --att-weight 1.0 --freeze-bn all --reg-rebalance 0.5 --crop 192 --steps 9000 --frozen-steps 0 --lr 5e-5 --warmup 200 --eval-every 1000 --ckpt-every 250 --threads ${THREADS:-2}
