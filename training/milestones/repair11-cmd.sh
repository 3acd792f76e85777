#!/bin/sh
# repair11 (issue 15): the control for repair10: repair9's final step trained on with repair9's own data
# (160-px native crops, batch 12) and repair10's schedule (lr 3e-4, cosine over 6000 steps). Whatever
# repair10 gains over this run comes from its larger crops, not from the extra steps. (A first
# repair11 with 352-px crops could not start: only 78 training photos have a short side of 352 px.)
# Run from training/; resumable (runs/repair11/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair11 --steps 6000 --eval-every 1000 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 3e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --init-from milestones/repair9-last.pt --threads ${THREADS:-1}
