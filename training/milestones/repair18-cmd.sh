#!/bin/sh
# repair18 (issue 15; 2026-12-07, fifteenth session): repair17 was still gaining at its last evaluation
# (held-out F1 0.663 -> 0.670 -> 0.673 -> 0.676 over steps 3,000-6,000), so this continues from its final
# step with the same crops, damage (half the crops with dust and stains on busy texture) and loss, a lower
# peak (lr 2e-4) on a fresh cosine of 5,000 steps.
# Run from training/; resumable (runs/repair18/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair18 --steps 5000 --eval-every 1000 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 2e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --init-from milestones/repair17-last.pt --threads ${THREADS:-1}
