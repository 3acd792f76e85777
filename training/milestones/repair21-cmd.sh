#!/bin/sh
# repair21 (issue 15; 2026-12-07, sixteenth session): repair20 trained on. repair20 (repair19 with its
# ImageNet features unfrozen at 0.1 of the lr) raised the held-out F1 from 0.687 to 0.70-0.71 in 3,000
# steps; here its final step goes on 4,000 steps with the features at 0.3 of the lr (peak 2e-4, cosine).
# Run from training/; resumable (runs/repair21/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair21 --steps 4000 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 2e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --features --tune-features 0.3 --init-from milestones/repair20-last.pt --threads ${THREADS:-1}
