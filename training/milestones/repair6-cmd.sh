#!/bin/sh
# (milestones/repair5-last.pt left the tree on 2026-12-05 evening: `git show ad0ac7f:training/milestones/repair5-last.pt > milestones/repair5-last.pt` first)
# repair6 (issue 15): repair5's final step (12000) on the published protocol (2026-12-05 07:40,
# thresholds 0.8/0.995): recall 0.63 (torn corners 0.87, spots 0.41) and L* inside the masks
# +5.18 dB, but precision 0.39 and 1.19 % of clean photos flagged (repair3: 0.48 / 0.45 %). Its
# crops were zoomed up to 3x from the 176 px pack, which itself upsamples 39 % of the photos: the
# clean texture it saw is softer than a photo's own at the runtime's search size, so sharp thin real
# lines read as damage. repair6 goes on from repair5's weights with crops of the training photos'
# own files at their own resolution, never upsampled (`--native 160 --scale 0.6,1.0`), 30 % clean
# crops, damage version 2, lr 5e-4.
# Run from training/; resumable (runs/repair6/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair6 --steps 16000 --eval-every 1000 --channels 8,16,32,64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 5e-4 --pos-weight 1.0 --clean-p 0.3 --init-from milestones/repair5-last.pt --threads ${THREADS:-1}
