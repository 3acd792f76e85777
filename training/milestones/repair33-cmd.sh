#!/bin/sh
# repair33 (issue 15; 2026-12-07, twentieth session): the bundled detector (repair17, no features)
# trained on with networks of cracks in the emulsion added to its damage (`--network-p 0.3`:
# damage.crack_network, the cell borders that cracked prints such as the historical
# old_w_scratch a–d show, which the features detectors and repair17 miss), its recipe otherwise,
# lr 1e-4 falling to 0 over 2,500 steps. Run from training/; resumable (runs/repair33/last.pt;
# --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair33 --steps 2500 --eval-every 500 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 1e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --network-p 0.3 --init-from ../Models/findcolor-repair-v1.safetensors --threads ${THREADS:-1}
