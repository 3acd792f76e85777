#!/bin/sh
# repair24 (issue 15; 2026-12-07, seventeenth session): the control of repair22/23: repair21's final
# export trained on exactly as they are (2,000 steps, peak lr 1e-4, cosine, features at 0.3 of the lr)
# but without the hard negatives, to tell what restarting costs from what the negatives cost.
# Run from training/; resumable (runs/repair24/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair24 --steps 2000 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 1e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --features --tune-features 0.3 --init-from milestones/repair21-step4000.safetensors --threads ${THREADS:-1}
