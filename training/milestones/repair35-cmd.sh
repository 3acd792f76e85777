#!/bin/sh
# repair35 (issue 15; started 2026-12-08 00:16, twentieth session): repair34 continued from its end
# (`mkdir -p runs/repair35 && cp runs/repair34/last.pt runs/repair35/last.pt`, or from git history:
# training/milestones/README.md) with windows mined by repair34 from 3,000 other training photos
# (seed 6; repair34's 534 appended) on two fifths of the crops, the crack networks kept, lr 1e-4 at
# step 4,500 falling to 0 at 12,000 (a longer run, for the grass and web-like textures that
# repair33/34 flag). Run from training/; resumable (the mining is skipped when its JSON exists).
set -e
if [ ! -f runs/repair35/hard-negatives.json ]; then
  python3 -m findcolor_train.repair_mine --model runs/repair35/last.pt --out runs/repair35/mined.json --photos 3000 --seed 6 --threads ${THREADS:-1}
  python3 -c "import json; a=json.load(open('runs/repair35/mined.json')); b=json.load(open('milestones/repair34-hard-negatives.json')); json.dump(a+b, open('runs/repair35/hard-negatives.json','w'), indent=0)"
fi
exec python3 -m findcolor_train.train_repair --out runs/repair35 --steps 12000 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 1.45e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --network-p 0.3 --hard-negatives runs/repair35/hard-negatives.json --hard-p 0.4 --threads ${THREADS:-1}
