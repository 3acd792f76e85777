#!/bin/sh
# repair28 (issue 15; 2026-12-07, nineteenth session): repair27 continued from its step-6500 checkpoint (`git show d40e6fc:training/milestones/repair27-last.pt > runs/repair28/last.pt`), its cosine stretched from 7,000 to 9,000 steps (lr 3.6e-5 at step 6500 falling to 0); otherwise repair27 as below.
# repair27 (issue 15; 2026-12-07, eighteenth session): repair26 continued from its own checkpoint
# (start: mkdir -p runs/repair28 && cp runs/repair26/last.pt runs/repair28/last.pt, or
# milestones/repair26-last.pt), the hard negatives kept (--object-p 0.1), defect pixels weighted
# 1.5 in the BCE instead of 1.0: with the negatives repair26 became cautious (held-out precision
# 0.82 -> 0.83, recall 0.64 -> 0.63; development photos +5.41 dB inside at step 4500 against repair21's
# +5.79), and a repair that leaves a defect's rim unmasked loses L* PSNR inside. Its cosine stretched
# from 5,500 to 7,000 steps (steps 5500-7000 at 2.2e-5 falling to 0).
# Run from training/; resumable (runs/repair28/last.pt).
exec python3 -m findcolor_train.train_repair --out runs/repair28 --steps 9000 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 2e-4 --pos-weight 1.5 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --object-p 0.1 --features --tune-features 0.3 --threads ${THREADS:-1}
