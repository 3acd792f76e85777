#!/bin/sh
# v3l (issues 10 and 12): hints reach only the decoder (`--decoder-hints`: the encoder sees L alone and
# stays frozen, its stem's hint filters zero), so a runtime encodes a photo once for every change of
# its hints. v2 with its stem's hint filters zeroed and no training: 40-photo PSNR@10 28.53, @100 30.77
# (v2 28.75 / 30.90), PSNR@0 and CF unchanged. The /2 stage gets the spread hints (`--fine-hints`) in
# place of the hint information the stem used to carry into the /2 skip. v2's own recipe otherwise,
# lr 5e-5, decoder only.
exec python3 -m findcolor_train.train --data ../../shared/data/train --eval-data ../../shared/data/eval --out runs/v3l --init-from ../Models/findcolor-v2.safetensors --attention 32 --att-weight 1.0 --freeze-bn all --decoder-hints --fine-hints --steps 3000 --frozen-steps 0 --lr 5e-5 --warmup 100 --eval-every 500 --threads ${THREADS:-1}
