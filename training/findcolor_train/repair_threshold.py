"""Sets the default defect thresholds stored in an exported detector's metadata; the weights are
copied unchanged (same tensors, names and dtypes).

    python -m findcolor_train.repair_threshold --model ../Models/findcolor-repair-v1.safetensors \
        --threshold 0.5 --seed-threshold 0.98

A pixel is a defect when its probability is above `threshold` and its 8-connected region of such
pixels reaches `seed_threshold` somewhere (hysteresis; `DefectDetector.detect`); `mirrors` is how
many searches (the photo as it is, mirrored left to right, top to bottom, both) the runtime averages
before thresholding. The bundled
detector's 0.5 / 0.98 were chosen on training photos with the Swift damage renderer (`findcolor eval
--protocol repair --defect-threshold t --defect-seed-threshold s` on bsds500; the model card has the
table), then checked on kaggle_colorization_testcolor and the development photos.
"""
import argparse
import json

from safetensors import safe_open
from safetensors.torch import save_file

from .repair_model import METADATA_KEY


def set_thresholds(path, threshold, seed_threshold, mirrors=None):
    for name, v in (("threshold", threshold), ("seed threshold", seed_threshold)):
        if v is not None and not 0 < v < 1:
            raise SystemExit(f"the {name} must be in (0, 1), got {v}")
    if mirrors is not None and mirrors not in (1, 2, 4):
        raise SystemExit(f"the mirror count must be 1, 2 or 4, got {mirrors}")
    with safe_open(path, "pt") as f:
        metadata = dict(f.metadata() or {})
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    if METADATA_KEY not in metadata:
        raise SystemExit(f"{path} is not a FindColor defect detector (no {METADATA_KEY} metadata)")
    config = json.loads(metadata[METADATA_KEY])
    if threshold is not None:
        config["threshold"] = threshold
    if seed_threshold is not None:
        config["seed_threshold"] = seed_threshold
    if mirrors is not None:
        config["mirrors"] = mirrors
    metadata[METADATA_KEY] = json.dumps(config)
    save_file(tensors, path, metadata=metadata)
    return config


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--threshold", type=float)
    ap.add_argument("--seed-threshold", type=float)
    ap.add_argument("--mirrors", type=int, help="detector searches averaged: 1, 2 or 4 (DefectDetector.Config.mirrors)")
    a = ap.parse_args()
    print(set_thresholds(a.model, a.threshold, a.seed_threshold, a.mirrors))


if __name__ == "__main__":
    main()
