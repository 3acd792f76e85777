#!/bin/sh
# v3q (issue 10, the leak): v3l's final step (hints only in the decoder) trained on with the hint
# attention's null slot at logit 5 instead of 3 (`--att-null 5`, fixed). At inference alone on v2 a
# null logit of 5 cut the leak share 39 -> 31 % at reach 8.6 -> 7.5 (model card, "Two inference-time
# levers"); trained with it, can the queries and keys learn to outscore the null slot where the
# colours really match, keeping the reach? v2's recipe otherwise, decoder only, lr 5e-5, 3000 steps.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3q --init-from runs/v3l/last.pt --attention 32 --att-null 5 --att-weight 1.0 --freeze-bn all --decoder-hints --fine-hints --steps 3000 --frozen-steps 0 --lr 5e-5 --warmup 100 --eval-every 500 --threads ${THREADS:-1}
# Stopped at step 2800 (2026-12-05 18:26): 40-photo evals 500 / 1000 / 1500 / 2000 / 2500: leak share 36 / 34 / 37 / 38 / 40 %, reach 8.2 / 8.2 / 8.6 / 9.0 / 8.8 (v3l: 36-40 %, 8.0-8.9): learnt around.
