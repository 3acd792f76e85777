"""repair_threshold: the runtime's defaults (thresholds, mirrored searches) written into a detector's
metadata, the weights copied unchanged."""
import json

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from findcolor_train.repair_model import METADATA_KEY, DefectNet
from findcolor_train.repair_threshold import set_thresholds
from findcolor_train.train_repair import export


def test_sets_thresholds_and_mirrors_and_keeps_the_weights(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "d.safetensors"
    export(DefectNet(), path)
    before = load_file(str(path))
    config = set_thresholds(str(path), 0.5, 0.98, mirrors=4)
    assert (config["threshold"], config["seed_threshold"], config["mirrors"]) == (0.5, 0.98, 4)
    with safe_open(str(path), "pt") as f:
        stored = json.loads(f.metadata()[METADATA_KEY])
    assert stored == config and stored["kind"] == "defect-detector"
    after = load_file(str(path))
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
    # Only what is given changes.
    assert set_thresholds(str(path), None, None, mirrors=2)["threshold"] == 0.5


@pytest.mark.parametrize("args,message", [((1.5, None), "threshold must be in (0, 1)"),
                                          ((None, 0.0), "seed threshold must be in (0, 1)"),
                                          ((None, None, 3), "mirror count must be 1, 2 or 4")])
def test_refuses_bad_values(tmp_path, args, message):
    path = tmp_path / "d.safetensors"
    export(DefectNet(), path)
    with pytest.raises(SystemExit, match=message.replace("(", r"\(").replace(")", r"\)")):
        set_thresholds(str(path), *args)
