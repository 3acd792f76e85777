"""Training-step time of the v3 network in float32 and under bfloat16 autocast (train.py --bf16), side by
side in one process: batch 16 of 256² crops, hints only in the decoder, both attentions, fine hints;
rounds alternate the two, each round times 3 steps after one warm-up step; prints the medians and
their ratio. Usage: python3 experiments/bf16_step_bench.py [threads] (pause any training first)."""
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from findcolor_train.model import FindColorNet  # noqa: E402

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
m = FindColorNet(n_bins=226, attention=32, attention8=32, fine_hints=True, encoder_hints=False)
m = m.to(memory_format=torch.channels_last).train()
B, S = 16, 256
L = torch.rand(B, 1, S, S).contiguous(memory_format=torch.channels_last)
h = torch.zeros(B, 3, S, S)
h[:, :, 100:105, 100:105] = 0.3
h = h.contiguous(memory_format=torch.channels_last)
opt = torch.optim.AdamW(m.parameters(), lr=1e-5)


def step(bf16):
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        ab, logits = m(L, h)
    loss = ab.float().square().mean() + logits.float().logsumexp(1).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()


times = {False: [], True: []}
for r in range(3):
    for bf16 in (False, True):
        step(bf16)
        t = time.time()
        for _ in range(3):
            step(bf16)
        times[bf16].append((time.time() - t) / 3)
        print("bf16" if bf16 else "fp32", f"{times[bf16][-1]:.3f} s/step", flush=True)
f, b = statistics.median(times[False]), statistics.median(times[True])
print(f"fp32 {f:.3f} s/step, bf16 {b:.3f} s/step, ratio {f / b:.2f}")
