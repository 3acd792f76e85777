#!/bin/sh
# repair17 (issue 15; 2026-12-07, fourteenth session): what the network sees. repair9-16 end at bsds500 F1
# 0.69 whatever the steps, crops, stains, straight lines or width; what they miss they miss whole (stains
# and long scratches over texture) and 58 % of their wrong flags lie on texture far from any defect. Here
# half the training crops (`--texture-p 0.5`) get their dust and stains centred in proportion to the
# local contrast of the photo (damage.texture_sampler), so the detector meets defects on busy texture
# far more often. repair9's final step, crops, damage and loss otherwise; lr 3e-4 on a cosine of 6,000 steps.
# Finished 2026-12-07 03:40 (6,000 steps; final checkpoint milestones/repair17-last.pt): bsds500 F1 0.698 / +5.57 dB / 0.218 % (repair9 0.693 / +5.43 / 0.214 %); its export (thresholds 0.5 / 0.98, four searches) is the bundled detector since 2026-12-07 05:02.
# Run from training/; resumable (runs/repair17/last.pt; --init-from is only read on a fresh start).
exec python3 -m findcolor_train.train_repair --out runs/repair17 --steps 6000 --eval-every 1000 --channels 8,16,32,64 --context 64 --damage-version 2 --native 160 --scale 0.6,1.0 --lr 3e-4 --pos-weight 1.0 --faint-weight 2 --faint-below 12 --clean-p 0.3 --texture-p 0.5 --init-from milestones/repair9-last.pt --threads ${THREADS:-1}
