#!/bin/sh
# repair25 (issue 15; 2026-12-07, eighteenth session): repair21's final step (its export) trained on
# with hard negatives (--object-p 0.15: damage.bright_objects) at a third of repair22/23's peak lr
# (3e-5, cosine, 100 warm-up steps): their restart at 1e-4 alone cost ~0.03 of held-out F1 at step
# 500 (control repair24), and repair22's negatives at 0.3 cost the protocol's stains. 1,500 steps.
# Run from training/; resumable (runs/repair25/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair25 --steps 1500 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 3e-5 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --object-p 0.15 --features --tune-features 0.3 --init-from milestones/repair21-step4000.safetensors --threads ${THREADS:-1}
