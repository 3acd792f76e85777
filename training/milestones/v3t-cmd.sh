#!/bin/sh
# v3t (issue 10; 2026-12-06): the v3 parts without the attention match loss, hints only in the decoder,
# the whole network trained. From v3l's final export (hints only in the decoder, v2's PSNR within
# 0.05 dB), grown by the 1/8 hint attention (`--attention8 32`; `--fine-hints` as v3l), the encoder
# trained on L alone at 0.1x the lr (`--train-encoder`, new), every crop's ab loss rebalanced at 0.5
# (v3k: rebalancing alone keeps v2's hint curve), the attention's own colour loss, and no match loss
# (v3j/v3i: the match loss is what cost v3d-v3g their 0.4-0.7 dB at k = 10). A long run meant to go on
# across sessions (resumable from runs/v3t/last.pt; milestones exported from it).
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3t --init-from milestones/findcolor-v3l-step3000.safetensors --attention 32 --attention8 32 --fine-hints --decoder-hints --train-encoder --att-weight 1.0 --freeze-bn all --reg-rebalance 0.5 --steps 16000 --frozen-steps 0 --lr 1e-4 --warmup 200 --eval-every 1000 --ckpt-every 250 --threads ${THREADS:-2}
# Stopped at step 10500 (2026-12-06 02:19, end of the session, 1.9 h of training): 40-photo evals in the model card ("v3t"); all development photos 23.60 / 24.66 / 27.29 / 29.66 dB at k = 0 / 1 / 10 / 100, CF 26.7, reach 9.0, share 38 % (v2 23.74 / 24.74 / 27.37 / 29.73, 27.1, 8.3, 33 %). Exported as training/milestones/findcolor-v3t-step10500.safetensors (in git history). To go on: --init-from that export with the flags above (no growth: it has the 1/8 attention), or the checkpoint runs/v3t/last.pt where it exists.
# Resumed 2026-12-06 03:15 (seventh session) from runs/v3t/last.pt and stopped at step 15,000 (04:37; the lr at 0.8 % of its peak): all development photos 23.62 / 24.71 / 27.42 / 29.78 dB, CF 27.9, reach 8.6, share 35 %; exported as findcolor-v3t-step15000.safetensors (git history f563493), the start of v3u (v3u-cmd.sh).
