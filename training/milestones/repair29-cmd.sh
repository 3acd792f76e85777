#!/bin/sh
# repair29 (issue 15; 2026-12-07, nineteenth session): repair28 from its step-7000 checkpoint (copied to
# runs/repair29/last.pt) on the same schedule to 9,000 steps, with mined hard negatives: a fifth of
# the crops taken from the windows of training photos that repair28 at step 7000 wrongly flagged
# (`python3 -m findcolor_train.repair_mine --model runs/repair28/last.pt --out
# milestones/repair29-hard-negatives.json --photos 800`: 336 of the 800 photos, 4 searches as the runtime makes them: thin bright
# filaments, wires, patterned cloth). What the features detectors flag on real old photos is mostly
# such structure (spectacle frames, rigging, lamp cords). Side by side with repair28 (the control).
# Run from training/; resumable (runs/repair29/last.pt).
exec python3 -m findcolor_train.train_repair --out runs/repair29 --steps 9000 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 2e-4 --pos-weight 1.5 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --object-p 0.1 --features --tune-features 0.3 --hard-negatives milestones/repair29-hard-negatives.json --hard-p 0.2 --threads ${THREADS:-1}
