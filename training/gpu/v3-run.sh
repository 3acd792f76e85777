#!/bin/sh
# Model v3 on a lent GPU (issue 10), as one `device` call from the repository root:
#
#   run(command="sh training/gpu/v3-run.sh 7", carry=["training/pack"], timeout_s=560)
#
# Before (here, on the CPU machine; ~40 s): the mini pack of the training photos, which the device's
# 64 MiB tree can carry (the tree itself is ~32 MiB):
#   cd training && python3 -m findcolor_train.minipack --out pack/train-128.fcpk --short 128 --quality 75 --max-mib 28
# After: the exported model, its training log and the checkpoint's weights come back in $OUT
# (each file under 16 MiB); evaluate the export here with `findcolor eval ... --model FILE`.
#
# The run (v3t's recipe, training/milestones/v3t-cmd.sh, since 2026-12-06), from v3u's step-9,000
# export (since 2026-12-06, eighth session; before, from v3l's): the network that passes v2's hint
# curve a little on the CPU (v3t's recipe on 192-px crops), with the hints reaching only the decoder
# (the web app encodes a photo once for all its hint changes) and the 1/8 hint attention, trained on
# whole (the encoder on L alone at 0.1x the lr,
# `--train-encoder`) with the ab loss rebalanced at 0.5 (the lever for colourfulness on the CPU runs,
# model card "Model v3 runs tried") and the attention's own colour loss, without the attention match
# loss (v3i/v3j: it cost the hint curve; v3t without it: PSNR@10 0.4 dB above v3e/v3f at the same
# step); 15 % of crops with many hints; batch 64 of 128-px crops, for MINUTES minutes of wall time
# (the lr's cosine follows the time), 12 processes making the batches, under bfloat16 autocast
# (`--bf16`, since 2026-12-06, ninth session: the GPU's tensor cores; the weights stay float32).
set -e
MINUTES=${1:-7}
# For a dry run on a CPU: DEVICE=cpu BATCH=8 WORKERS=2 sh training/gpu/v3-run.sh 0.5
DEVICE=${DEVICE:-cuda} BATCH=${BATCH:-64} WORKERS=${WORKERS:-12}
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
cd training
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
python3 -m findcolor_train.train --pack pack/train-128.fcpk --out runs/v3gpu --device "$DEVICE" \
  --init-from milestones/findcolor-v3u-step9000.safetensors --decoder-hints --train-encoder \
  --attention 32 --attention8 32 --fine-hints --att-weight 1.0 --many-hints-p 0.15 \
  --freeze-bn all --reg-rebalance 0.5 --frozen-steps 0 --crop 128 --late-frac 0 --batch "$BATCH" \
  --lr 2e-4 --warmup 200 --steps 1000000 --minutes "$MINUTES" --workers "$WORKERS" --threads 4 \
  --ckpt-every 2000 --bf16 2>&1 | grep -v Warning
python3 -m findcolor_train.export --checkpoint runs/v3gpu/last.pt --out "$OUT/findcolor-v3gpu.safetensors"
cp runs/v3gpu/log.jsonl "$OUT/v3gpu-log.jsonl"
python3 - <<'PY'
import os, torch
s = torch.load("runs/v3gpu/last.pt", map_location="cpu", weights_only=False)
torch.save({"model": s["model"], "step": s["step"], "config": s["config"], "centres": s["centres"],
            "prior": s["prior"], "args": s["args"]}, os.path.join(os.environ.get("OUT", "/tmp/out"), "v3gpu-weights.pt"))
print("step", s["step"])
PY
ls -la "$OUT"
