#!/bin/sh
# (milestones/repair4-last.pt left the tree on 2026-12-05 evening: `git show 52de837:training/milestones/repair4-last.pt > milestones/repair4-last.pt` first)
# repair4 (issue 15): repair3's recipe with 1.5x the channels (12, 24, 48, 96: ~2.25x the work), to see
# what capacity buys (the model card names capacity as one need of the next detector). Started
# 2026-12-04 night on 1 CPU thread; resumable (runs/repair4/last.pt); run from training/. Export and
# compare with `findcolor eval --protocol repair --detector FILE` (and the time per photo: the
# issue's budget is 1 s for a 12 MP repair).
exec python3 -m findcolor_train.train_repair --out runs/repair4 --steps 16000 --eval-every 1000 --channels 12,24,48,96 --threads ${THREADS:-1}
# On a new machine: mkdir -p runs/repair4 && cp milestones/repair4-last.pt runs/repair4/last.pt, then
# run this script (it resumes from last.pt). The committed checkpoint is the final one, step 16000 (2026-12-05).
