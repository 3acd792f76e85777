#!/bin/sh
# repair10 (issue 15): repair9's final step trained on with larger crops. repair9 added a /16 context
# level (receptive field ~170 px) but was trained on 160-px crops, so that level never saw a crop much
# larger than its own reach. Here: 256-px native crops (photos with a short side of at least 256, never
# upsampled), batch 6 (about the pixels of repair9's 12 x 160²), lr 3e-4 cosine over 6000 steps.
# Run from training/; resumable (runs/repair10/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair10 --steps 6000 --eval-every 1000 --channels 8,16,32,64 --context 64 --damage-version 2 --native 256 --crop 256 --batch 6 --scale 0.6,1.0 --lr 3e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --init-from milestones/repair9-last.pt --threads ${THREADS:-1}
