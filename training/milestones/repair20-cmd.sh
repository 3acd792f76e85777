#!/bin/sh
# repair20 (issue 15; 2026-12-07, sixteenth session): repair19 with its pretrained features trained too.
# repair19's frozen ImageNet features gained ~0.01 F1 (bsds500 0.705 vs repair18's ~0.697); here its final
# step trains on with the same recipe and the MobileNetV2 convolutions unfrozen at a tenth of the
# detector's learning rate (`--tune-features 0.1`; their BatchNorm statistics stay ImageNet's), so that
# the features can learn what a scratch, a dust speck or a stain looks like beside the photo's own
# texture. 3,000 steps on a fresh cosine, lr 2e-4.
# Run from training/; resumable (runs/repair20/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair20 --steps 3000 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 2e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --features --tune-features 0.1 --init-from milestones/repair19-last.pt --threads ${THREADS:-1}
