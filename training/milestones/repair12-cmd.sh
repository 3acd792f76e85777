#!/bin/sh
# repair12 (issue 15): repair9's final step trained on with stains on twice as many crops (`--stain-p
# 0.8`, was 0.4). The protocol's contact sheet shows repair9 missing soft stains whole (spots recall
# 0.41 on the development photos), and neither larger crops (repair10) nor more steps (repair11)
# changed that. lr 3e-4, cosine over 4000 steps, 2 threads. Run from training/; resumable.
exec python3 -m findcolor_train.train_repair --out runs/repair12 --steps 4000 --eval-every 1000 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 3e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --stain-p 0.8 --init-from milestones/repair9-last.pt --threads ${THREADS:-2}
