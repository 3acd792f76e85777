#!/bin/sh
# repair3 (issue 15): the detector recipe of repair2 run twice as long (16,000 steps). Its step-16000
# export is the bundled detector (Models/findcolor-repair-v1.safetensors) since 2026-12-04 night:
#   python3 -m findcolor_train.train_repair --out runs/repair3 --export ../Models/findcolor-repair-v1.safetensors
# Resumable (runs/repair3/last.pt); run from training/.
exec python3 -m findcolor_train.train_repair --out runs/repair3 --steps 16000 --eval-every 1000 --threads ${THREADS:-1}
