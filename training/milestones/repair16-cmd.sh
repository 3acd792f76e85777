#!/bin/sh
# repair16 (issue 15; 2026-12-06, thirteenth session): capacity. repair9's final step widened 2x at
# every level (channels 16,32,64,128, context 128; ~4x the work per pixel) by `DefectNet.grow_from`,
# which keeps repair9's function at step 0 (old tensors in the corners, weights from new channels into
# old ones and into the head at zero). repair4 (1.5x the widths, from scratch, damage version 1) had
# raised only the training renderer's held-out F1; since damage version 2 the held-out check and the
# protocol move together (repair9: 0.67 / bsds500 0.69), so is the network's size now what limits it?
# repair9's crops, damage and loss; lr 3e-4 on a cosine of 4,000 steps (beside repair15, one core each).
# Finished 2026-12-07 00:27: bsds500 F1 0.690 / +5.41 dB / 0.230 %; not bundled.
# Run from training/; resumable (runs/repair16/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair16 --steps 4000 --eval-every 1000 --channels 16,32,64,128 --context 128 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 3e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --init-from milestones/repair9-last.pt --threads ${THREADS:-1}
