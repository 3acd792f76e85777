"""End-to-end tests of `findcolor restore` and `colorize --repair` (issue 15), on synthetic scans."""
import os
import re
import subprocess

import numpy as np
from PIL import Image

BIN = os.environ.get("FINDCOLOR_BIN", ".build/release/findcolor")


def run(*args, check=None):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=300)
    if check is not None:
        assert (p.returncode == 0) == check, f"rc={p.returncode}\nstdout:{p.stdout}\nstderr:{p.stderr}"
    return p


def scratched(tmp_path, w=200, h=150):
    """A smooth gray scene with a white vertical scratch (columns 99–101) and dark dust; the clean scene too."""
    y, x = np.mgrid[0:h, 0:w]
    clean = (70 + 110 * x / w + 20 * np.sin(y / h * 6)).astype(np.float64)
    dirty = clean.copy()
    dirty[:, 99:102] = 250
    for cy, cx in [(30, 40), (100, 160), (120, 50)]:
        dirty[cy - 2:cy + 3, cx - 2:cx + 3] = 10
    Image.fromarray(clean.astype(np.uint8)).save(tmp_path / "clean.png")
    Image.fromarray(dirty.astype(np.uint8)).save(tmp_path / "scan.png")
    return clean


def test_restore_removes_a_scratch_and_writes_the_mask(tmp_path):
    clean = scratched(tmp_path)
    p = run("restore", tmp_path / "scan.png", "-o", tmp_path / "fixed.png", "--mask-out", tmp_path / "mask.png",
            "--no-fade", check=True)
    assert "repaired" in p.stderr
    # ... with the time of each step that ran (no fade step: --no-fade)
    assert re.search(r"in \d+ ms \(detect \d+ ms, fill \d+ ms\)", p.stderr), p.stderr
    fixed = np.asarray(Image.open(tmp_path / "fixed.png").convert("L")).astype(np.float64)
    mask = np.asarray(Image.open(tmp_path / "mask.png").convert("L"))
    assert fixed.shape == clean.shape and mask.shape == clean.shape
    assert mask[:, 100].mean() > 200, "the scratch is in the mask"
    assert abs(fixed[:, 100] - clean[:, 100]).mean() < 12, "the scratch is filled like its surroundings"
    assert (mask > 127).mean() < 0.05, "only the damage is masked"
    # Outside the mask nothing moves (no fade correction, no denoising): gray values equal up to 8-bit rounding.
    keep = mask < 128
    src = np.asarray(Image.open(tmp_path / "scan.png").convert("L")).astype(np.float64)
    assert abs(fixed[keep] - src[keep]).max() <= 1


def test_the_detector_precisions_find_the_same_defects(tmp_path):
    """`--defect-precision fp32` and bf16 (the default, auto, where the CPU runs it faster) find
    the same scratch and dust; bf16 where the CPU lacks AVX-512 BF16 is a clear error."""
    scratched(tmp_path)
    masks = {}
    for choice in ("fp32", "auto", "bf16"):
        p = run("restore", tmp_path / "scan.png", "-o", tmp_path / f"{choice}.png", "--mask-out", tmp_path / f"{choice}-mask.png",
                "--no-fade", "--defect-precision", choice)
        if choice == "bf16" and p.returncode != 0:
            assert "--defect-precision bf16 needs a CPU with AVX-512 BF16" in p.stderr, p.stderr
            continue
        assert p.returncode == 0, p.stderr
        masks[choice] = np.asarray(Image.open(tmp_path / f"{choice}-mask.png").convert("L")) > 127
    for choice, m in masks.items():
        assert m[:, 100].mean() > 0.8, choice
        assert (m != masks["fp32"]).mean() < 0.002, (choice, (m != masks["fp32"]).mean())
    p = run("restore", tmp_path / "scan.png", "-o", tmp_path / "x.png", "--defect-precision", "fp16")
    assert p.returncode != 0 and "defect-precision" in p.stderr and "Fatal error" not in p.stderr


def test_a_corrected_mask_is_repaired_instead_of_the_detected_one(tmp_path):
    scratched(tmp_path)
    m = np.zeros((150, 200), np.uint8)
    m[:, 99:102] = 255  # the scratch only, not the dust
    Image.fromarray(m).save(tmp_path / "mine.png")
    run("restore", tmp_path / "scan.png", "-o", tmp_path / "fixed.png", "--mask", tmp_path / "mine.png",
        "--mask-out", tmp_path / "used.png", "--no-fade", check=True)
    used = np.asarray(Image.open(tmp_path / "used.png").convert("L"))
    assert (used > 127).sum() == 150 * 3
    fixed = np.asarray(Image.open(tmp_path / "fixed.png").convert("L"))
    assert fixed[30, 40] < 40, "the dust, not in the user's mask, is kept"


def test_colorize_with_repair(tmp_path):
    scratched(tmp_path)
    run("colorize", tmp_path / "scan.png", "-o", tmp_path / "plain.png", check=True)
    run("colorize", tmp_path / "scan.png", "-o", tmp_path / "repaired.png", "--repair", "--denoise", "0.3", check=True)
    plain = np.asarray(Image.open(tmp_path / "plain.png").convert("L")).astype(np.float64)
    rep = np.asarray(Image.open(tmp_path / "repaired.png").convert("L")).astype(np.float64)
    assert plain[:, 100].mean() > 200 and rep[:, 100].mean() < 200


def test_bad_repair_inputs_are_clear_errors(tmp_path):
    scratched(tmp_path)
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / "small.png")
    (tmp_path / "junk.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    cases = [
        (["--mask", tmp_path / "small.png"], "10×10 but the photo is 200×150"),
        (["--mask", tmp_path / "junk.png"], "defect mask"),
        (["--denoise", "2"], "--denoise must be in 0…1"),
        (["--defect-threshold", "1.5"], "--defect-threshold must be in (0, 1)"),
        (["--defect-seed-threshold", "0"], "--defect-seed-threshold must be in (0, 1)"),
        (["--defect-mirrors", "3"], "--defect-mirrors must be 1, 2 or 4"),
        (["--detect-too"], "--detect-too needs --mask"),
        (["--mask-out", tmp_path / "m.jpg"], "--mask-out must name a .png file"),
        (["--detector", tmp_path / "junk.png"], "junk.png"),
    ]
    for extra, message in cases:
        p = run("restore", tmp_path / "scan.png", "-o", tmp_path / "x.png", *extra)
        assert p.returncode != 0 and message in p.stderr, (extra, p.stderr)
        assert "Fatal error" not in p.stderr
    full = np.full((150, 200), 255, np.uint8)
    Image.fromarray(full).save(tmp_path / "all.png")
    p = run("restore", tmp_path / "scan.png", "-o", tmp_path / "x.png", "--mask", tmp_path / "all.png")
    assert p.returncode != 0 and "covers the whole photo" in p.stderr
    p = run("restore", tmp_path / "scan.png", "-o", tmp_path / "scan.png")
    assert p.returncode != 0 and "never replaces an original" in p.stderr
    p = run("colorize", tmp_path / "scan.png", "-o", tmp_path / "c.png", "--denoise", "0.5")
    assert p.returncode != 0 and "need --repair" in p.stderr
    for extra in (["--defect-mirrors", "2"], ["--no-halo"]):
        p = run("colorize", tmp_path / "scan.png", "-o", tmp_path / "c.png", *extra)
        assert p.returncode != 0 and "need --repair" in p.stderr, extra
    p = run("eval", "--data", tmp_path, "--protocol", "A", "--true-masks")
    assert p.returncode != 0 and "--true-masks is for protocol repair" in p.stderr


def test_repair_protocol_with_detected_and_true_masks(tmp_path):
    """`eval --protocol repair` damages each photo (seeded) and scores the repair; `--true-masks`
    repairs inside the damage's own masks (the inpainting's ceiling): nothing is flagged on the
    clean photos and the L* gain inside the masks is at least the detected masks'."""
    d = tmp_path / "gt"
    d.mkdir()
    for i in range(4):
        h, w = (272, 320) if i == 3 else (180, 240)  # one photo large enough for the contact sheet
        y, x = np.mgrid[0:h, 0:w]
        g = 60 + 120 * x / w + 30 * np.sin(y / (12 + 4 * i)) * np.cos(x / 31)
        rgb = np.dstack([g * (0.7 + 0.1 * i), g, g * 0.8]).clip(0, 255).astype(np.uint8)
        Image.fromarray(rgb).save(d / f"{i}.png")

    def table(*extra):
        p = run("eval", "--data", d, "--protocol", "repair", "--seed", "3", "--out", tmp_path / "ev", *extra, check=True)
        rows = {}
        for line in p.stdout.splitlines():
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)]
            if len(cells) >= 5:
                rows[cells[1]] = cells[1:-1]
        return p.stdout, rows

    def gain(rows):
        return float(rows["L* PSNR inside the masks, dB"][2].split("(")[1].rstrip(")"))

    out, detected = table("--defect-mirrors", "2")
    assert "2 detector searches" in out and "4 photos" in out, out
    assert (tmp_path / "ev" / "eval.csv").read_text().count("\n") == 5
    assert "recall by the damage's" in out, out
    # Where the detector erred, for the photos of at least 256 px a side: one row of three 256-px tiles.
    assert Image.open(tmp_path / "ev" / "contact_sheet.png").size == (3 * 256 + 4 * 4, 256 + 2 * 4)
    out, plain = table("--defect-mirrors", "2", "--no-halo")
    assert "no halo growth" in out, out
    out, true = table("--true-masks")
    assert "the damage's own masks" in out, out
    clean = next(v for k, v in true.items() if k.startswith("clean photos"))
    assert clean[2].endswith("/ 0.000 %"), out
    assert gain(true) >= gain(detected) - 0.05 and gain(true) > 3, (gain(true), gain(detected))
