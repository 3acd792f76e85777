#!/bin/sh
# repair32 (issue 15; 2026-12-07, twentieth session): repair31 continued from its final checkpoint
# (`mkdir -p runs/repair32 && cp runs/repair31/last.pt runs/repair32/last.pt`; in git history, see
# milestones/README.md) with hard negatives mined a fourth time, by repair31, from 1,000 other
# training photos (seed 4; repair31's 1,160 windows appended), on three tenths of the crops, and a
# larger learning rate than the rounds before (7.66e-4 on a cosine over 17,000 steps: 1.0e-4 at
# step 13,000 falling to 0 at 17,000), so that the negatives are learnt rather than brushed.
# Run from training/; resumable (runs/repair32/last.pt; the mining is skipped when its JSON exists).
set -e
if [ ! -f runs/repair32/hard-negatives.json ]; then
  python3 -m findcolor_train.repair_mine --model runs/repair32/last.pt --out runs/repair32/mined.json --photos 1000 --seed 4 --threads ${THREADS:-1}
  python3 -c "import json; a=json.load(open('runs/repair32/mined.json')); b=json.load(open('milestones/repair31-hard-negatives.json')); json.dump(a+b, open('runs/repair32/hard-negatives.json','w'), indent=0)"
fi
exec python3 -m findcolor_train.train_repair --out runs/repair32 --steps 17000 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 7.66e-4 --pos-weight 1.5 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --object-p 0.1 --features --tune-features 0.3 --hard-negatives runs/repair32/hard-negatives.json --hard-p 0.3 --threads ${THREADS:-1}
