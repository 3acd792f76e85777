#!/bin/sh
# v3r (issue 10, colourfulness): an adversarial term, the lever of the list not tried before.
# A PatchGAN critic of (L, ab) (`findcolor_train/adversarial.py`, hinge losses, spectral norm) judges the
# hint-free crops' colours (30 % of the crops); the colour network pays 0.05 x its doubt, on top of
# v2's recipe. Decoder only (the hints reach only the decoder, encoder frozen: a step costs a
# twelfth of a full-network step), from v3l's final step, lr 5e-5, 8000 steps.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3r --init-from runs/v3l/last.pt --attention 32 --att-weight 1.0 --freeze-bn all --decoder-hints --fine-hints --adv-weight 0.05 --p-none 0.3 --steps 8000 --frozen-steps 0 --lr 5e-5 --warmup 100 --eval-every 500 --threads ${THREADS:-1}
