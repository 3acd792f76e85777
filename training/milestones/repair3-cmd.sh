#!/bin/sh
# repair3 (issue 15): the bundled detector's recipe (findcolor-repair-v1 is repair2's step 8000) run
# twice as long, to see whether held-out F1 (0.61 at step 8000) was still rising. Resumable (last.pt).
exec python3 -m findcolor_train.train_repair --out runs/repair3 --steps 16000 --eval-every 1000 --threads ${THREADS:-1}
