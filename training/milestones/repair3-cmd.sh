#!/bin/sh
# repair3 (issue 15): the bundled detector's recipe (findcolor-repair-v1 is repair2's step 8000) run
# twice as long, to see whether held-out F1 (0.61 at step 8000) was still rising. Resumable (last.pt).
exec python3 -m findcolor_train.train_repair --out runs/repair3 --steps 16000 --eval-every 1000 --threads ${THREADS:-1}
# On a new machine: mkdir -p runs/repair3 && cp milestones/repair3-last.pt runs/repair3/last.pt, then run
# this script (it resumes from last.pt). The committed checkpoint is the one of the 2026-12-04 stop.
