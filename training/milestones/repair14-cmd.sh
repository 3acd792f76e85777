#!/bin/sh
# repair14 (issue 15; 2026-12-06, twelfth session): repair13 without horizontal lines. repair13 (straight
# training scratches, vertical or horizontal) found horizontal tramlines twice as often but flagged
# real horizontal lines (a frame's lower edge, a dress's hem stripes) on the historical photos. Film
# scratches run along the film, so here the straight training scratches are vertical (0.8) or at any
# angle, never horizontal (`--straight-vertical`). repair9's final step, lr 3e-4, a shorter cosine (2000 steps), 2 threads.
# Run from training/; resumable.
exec python3 -m findcolor_train.train_repair --out runs/repair14 --steps 2000 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 3e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --straight-p 0.3 --straight-vertical --init-from milestones/repair9-last.pt --threads ${THREADS:-2}
