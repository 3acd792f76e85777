"""Training throughput in float32 and under bfloat16 autocast (train.py --bf16), measured on the real
training loop: train.py runs of 50 steps with v3v's flags (milestones/v3v-cmd.sh: the v3 network with
hints only in the decoder, both attentions, fine hints, crops of 256 px, batch 16, BatchNorm frozen),
the two alternated `rounds` times each; prints the images per second each run logged at its step 50
and the ratio of the medians. Pause any training first. Usage, from training/:
    PYTHONPATH=. python3 experiments/bf16_step_bench.py [rounds] [threads]"""
import json
import shutil
import statistics
import subprocess
import sys
import tempfile

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
threads = sys.argv[2] if len(sys.argv) > 2 else "2"
flags = ["--data", "../../shared/data/train", "--init-from", "milestones/findcolor-v3u-step9000.safetensors",
         "--attention", "32", "--attention8", "32", "--fine-hints", "--decoder-hints", "--train-encoder",
         "--att-weight", "1.0", "--freeze-bn", "all", "--reg-rebalance", "0.5", "--crop", "256", "--steps", "50",
         "--frozen-steps", "0", "--lr", "5e-5", "--warmup", "200", "--eval-every", "0", "--ckpt-every", "1000",
         "--threads", threads]
rates = {False: [], True: []}
for _ in range(rounds):
    for bf16 in (False, True):
        out = tempfile.mkdtemp()
        try:
            r = subprocess.run([sys.executable, "-m", "findcolor_train.train", "--out", out, *flags,
                                *(["--bf16"] if bf16 else [])], capture_output=True, text=True, check=True)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        step50 = [json.loads(l) for l in r.stdout.splitlines() if l.startswith('{"step": 50,')][0]
        rates[bf16].append(step50["img_s"])
        print("bf16" if bf16 else "fp32", f"{step50['img_s']:.2f} images/s", flush=True)
f, b = statistics.median(rates[False]), statistics.median(rates[True])
print(f"fp32 {f:.2f}, bf16 {b:.2f} images/s: {b / f:.2f}x")
