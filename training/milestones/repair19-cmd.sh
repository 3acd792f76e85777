#!/bin/sh
# repair19 (issue 15; 2026-12-07, fifteenth session): the model card's untried lever, a detector on
# pretrained features. repair18's recipe (repair17's final step, its crops, damage and loss, lr 2e-4 on a
# cosine of 5,000 steps) with frozen ImageNet features added (`--features`: MobileNetV2 blocks 0-13 on
# L, their /8 and /16 outputs projected by 1x1 convolutions that start at zero and added to the
# detector's own; repair_model.FrozenFeatures): a network that knows sky, skin, foliage and fabric may
# tell a stain or a scratch from the photo's own patches and lines. repair18 is its control: the same
# start, the same batches (one seed) and schedule, without the features.
# Run from training/; resumable (runs/repair19/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair19 --steps 5000 --eval-every 1000 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 2e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --features --init-from milestones/repair17-last.pt --threads ${THREADS:-1}
