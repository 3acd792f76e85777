#!/bin/sh
# repair30 (issue 15; 2026-12-07, nineteenth session): repair29 continued from its final checkpoint
# (`mkdir -p runs/repair30 && git show 6035c03:training/milestones/repair29-last.pt > runs/repair30/last.pt`)
# with hard negatives mined again, by repair29 itself, from 1,000 other training photos
# (`python3 -m findcolor_train.repair_mine --model runs/repair30/last.pt --out
# runs/repair30/hard-negatives.json --photos 1000 --seed 2`; with repair29's windows appended) on
# three tenths of the crops, its cosine restarted by a higher --lr (6e-4 on 11,000 steps: 3.0e-5 at
# step 9000 falling to 0). Run from training/; resumable (runs/repair30/last.pt).
exec python3 -m findcolor_train.train_repair --out runs/repair30 --steps 11000 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 6e-4 --pos-weight 1.5 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --object-p 0.1 --features --tune-features 0.3 --hard-negatives runs/repair30/hard-negatives.json --hard-p 0.3 --threads ${THREADS:-1}
