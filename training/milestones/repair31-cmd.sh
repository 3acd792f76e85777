#!/bin/sh
# repair31 (issue 15; 2026-12-07, twentieth session): repair30 continued from its final checkpoint
# (`mkdir -p runs/repair31 && git show bf39f94:training/milestones/repair30-last.pt > runs/repair31/last.pt`)
# with hard negatives mined a third time, by repair30 itself, from 1,000 other training photos
# (seed 3; repair30's 732 windows appended), on three tenths of the crops, its cosine restarted by
# a higher --lr (5.2e-4 on 13,000 steps: 3.0e-5 at step 11,000 falling to 0). Run from training/;
# resumable (runs/repair31/last.pt; the mining is skipped when its JSON exists).
set -e
if [ ! -f runs/repair31/hard-negatives.json ]; then
  python3 -m findcolor_train.repair_mine --model runs/repair31/last.pt --out runs/repair31/mined.json --photos 1000 --seed 3 --threads ${THREADS:-1}
  python3 -c "import json; a=json.load(open('runs/repair31/mined.json')); b=json.load(open('milestones/repair30-hard-negatives.json')); json.dump(a+b, open('runs/repair31/hard-negatives.json','w'), indent=0)"
fi
exec python3 -m findcolor_train.train_repair --out runs/repair31 --steps 13000 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 5.2e-4 --pos-weight 1.5 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --object-p 0.1 --features --tune-features 0.3 --hard-negatives runs/repair31/hard-negatives.json --hard-p 0.3 --threads ${THREADS:-1}
