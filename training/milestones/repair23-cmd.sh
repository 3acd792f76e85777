#!/bin/sh
# repair23 (issue 15; 2026-12-07, seventeenth session): repair21's final step (its export) trained on with hard
# negatives: --object-p 0.1 paints 1-3 bright, shaded, round things (damage.bright_objects) into a
# crop's clean print, against repair20/21's flags on a lamp's globe and a white sleeve in the
# historical photos (repair22, at 0.3, lost the protocol's stains: spots recall 0.51 -> 0.30). 2,000 steps, peak lr 1e-4 (cosine), features at 0.3 of the lr.
# Run from training/; resumable (runs/repair23/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair23 --steps 2000 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 1e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --object-p 0.1 --features --tune-features 0.3 --init-from milestones/repair21-step4000.safetensors --threads ${THREADS:-1}
