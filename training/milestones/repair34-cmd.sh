#!/bin/sh
# repair34 (issue 15; 2026-12-07, twentieth session): repair33 continued from its end
# (`mkdir -p runs/repair34 && cp runs/repair33/last.pt runs/repair34/last.pt`) with the windows of
# 1,000 training photos that repair33 wrongly flags (seed 5: mostly grass and foliage, which its
# crack networks taught it to flag) as hard negatives on three tenths of the crops, the crack
# networks kept, its cosine restarted by a higher --lr (2.42e-4 on 4,500 steps: 1e-4 at step 2,500
# falling to 0). Run from training/; resumable (the mining is skipped when its JSON exists).
set -e
if [ ! -f runs/repair34/hard-negatives.json ]; then
  python3 -m findcolor_train.repair_mine --model runs/repair34/last.pt --out runs/repair34/hard-negatives.json --photos 1000 --seed 5 --threads ${THREADS:-1}
fi
exec python3 -m findcolor_train.train_repair --out runs/repair34 --steps 4500 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 2.42e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --network-p 0.3 --hard-negatives runs/repair34/hard-negatives.json --hard-p 0.3 --threads ${THREADS:-1}
