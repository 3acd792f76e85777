"""End-to-end tests of the `findcolor` command line (the release binary from FINDCOLOR_BIN).

Images are synthetic, made here. Each bad input must give a clear one-line error and a non-zero
exit; multi-file runs finish the good files and list the failures; batches resume and shard.
"""
import json
import os
import signal
import struct
import subprocess
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

BIN = os.environ.get("FINDCOLOR_BIN", ".build/release/findcolor")


def run(*args, check=None, timeout=300):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if check is not None:
        assert (p.returncode == 0) == check, f"rc={p.returncode}\nstdout:{p.stdout}\nstderr:{p.stderr}"
    return p


def scene(w, h, seed=0):
    """A procedural gray scene (uint8)."""
    y, x = np.mgrid[0:h, 0:w] / np.array([h, w]).reshape(2, 1, 1)
    g = 0.85 - 0.35 * y
    g = np.where((x - 0.3) ** 2 + (y - 0.35) ** 2 < 0.03, 0.62, g)
    g = np.where((x > 0.6) & (y > 0.5), 0.35 + 0.12 * np.sin(x * 90 + seed), g)
    return (np.clip(g, 0, 1) * 255).astype(np.uint8)


@pytest.fixture
def photos(tmp_path):
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    Image.fromarray(scene(160, 120)).save(d / "a.png")
    Image.fromarray(scene(130, 170, 1)).convert("RGB").save(d / "b.jpg", quality=92)
    Image.fromarray(scene(96, 96, 2)).save(d / "sub" / "c.tif")
    Image.fromarray(scene(200, 100, 3)).save(d / "sub" / "d.png")
    return d


def lab_L(rgb_u8):
    c = rgb_u8.astype(np.float64) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    Y = lin @ np.array([0.2126729, 0.7151522, 0.0721750])
    f = np.where(Y > 216 / 24389, np.cbrt(Y), (24389 / 27 * Y + 16) / 116)
    return 116 * f - 16


def test_colorize_one_file_keeps_size_and_lightness(tmp_path, photos):
    out = tmp_path / "a-colour.png"
    run("colorize", photos / "a.png", "-o", out, check=True)
    src = np.asarray(Image.open(photos / "a.png").convert("RGB"))
    got = np.asarray(Image.open(out))
    assert got.shape == src.shape
    assert np.abs(lab_L(got) - lab_L(src)).max() < 1.0
    r, g, b = got.astype(float).transpose(2, 0, 1)
    assert np.abs(r - g).mean() + np.abs(g - b).mean() > 2  # not a gray image


@pytest.mark.parametrize("content,what", [
    (b"", "0-byte"),
    (b"this is not an image at all" * 10, "text"),
    (None, "truncated jpeg"),
    (None, "bomb"),
])
def test_bad_inputs_fail_clearly(tmp_path, photos, content, what):
    bad = tmp_path / "bad.jpg"
    if what == "truncated jpeg":
        data = (photos / "b.jpg").read_bytes()
        content = data[: len(data) // 2]
    if what == "bomb":
        bad = tmp_path / "bad.png"
        # A valid PNG header declaring 200000 × 200000 pixels.
        ihdr = struct.pack(">IIBBBBB", 200000, 200000, 8, 0, 0, 0, 0)
        chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
        content = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    bad.write_bytes(content)
    p = run("colorize", bad, "-o", tmp_path / "o.png", check=False)
    assert p.returncode != 0
    err = p.stderr.strip()
    assert "bad." in err and len(err.splitlines()) <= 3, err
    assert not (tmp_path / "o.png").exists()
    if what == "bomb":
        assert "pixel" in err.lower() or "large" in err.lower(), err


def test_missing_file_and_bad_options(tmp_path, photos):
    assert run("colorize", tmp_path / "nope.png", "-o", tmp_path / "o.png").returncode != 0
    assert run("colorize", photos / "a.png", "-o", tmp_path / "o.png", "--quality", "0").returncode != 0
    assert run("colorize", photos / "a.png", "-o", tmp_path / "o.png", "--region", photos / "a.png").returncode != 0
    p = run("colorize", photos / "a.png", "-o", tmp_path / "o.png", "--shard", "5/3")
    assert p.returncode != 0 and "shard" in p.stderr
    p = run("colorize", photos / "a.png", "-o", tmp_path / "o.png", "--vividness", "2")
    assert p.returncode != 0 and "vividness" in p.stderr and not (tmp_path / "o.png").exists()


def test_multi_file_run_finishes_others_and_lists_failures(tmp_path, photos):
    (photos / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    out = tmp_path / "out"
    p = run("colorize", photos, "-o", out, "--preset", "fast", check=False)
    assert p.returncode != 0
    assert "1 of 5 photo(s) failed" in p.stderr and "broken.png" in p.stderr
    for rel in ["a.png", "b.jpg", "sub/c.tif", "sub/d.png"]:
        assert (out / rel).exists(), rel
    assert not (out / "broken.png").exists()


def test_batch_resumes_without_redoing_work(tmp_path, photos):
    out = tmp_path / "out"
    run("colorize", photos, "-o", out, "--format", "png", "--preset", "fast", check=True)
    outs = sorted(out.rglob("*.png"))
    assert len(outs) == 4
    mtimes = {p: p.stat().st_mtime_ns for p in outs}
    outs[1].unlink()
    p = run("colorize", photos, "-o", out, "--format", "png", "--preset", "fast", check=True)
    assert "3 output(s) already exist" in p.stderr
    assert outs[1].exists()
    for q in outs:
        if q != outs[1]:
            assert q.stat().st_mtime_ns == mtimes[q], f"{q} was redone"


def test_batch_interrupted_then_resumed(tmp_path):
    src = tmp_path / "many"
    src.mkdir()
    for i in range(12):
        Image.fromarray(scene(320, 240, i)).save(src / f"p{i:02d}.png")
    out = tmp_path / "out"
    proc = subprocess.Popen([BIN, "colorize", str(src), "-o", str(out), "--preset", "balanced"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("*.png"))) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.png")}
    assert 0 < len(done_before) < 12
    p = run("colorize", src, "-o", out, "--preset", "balanced", check=True)
    assert f"{len(done_before)} output(s) already exist" in p.stderr
    final = {p.name: p.stat().st_mtime_ns for p in out.glob("*.png")}
    assert len(final) == 12
    for name, t in done_before.items():
        assert final[name] == t  # nothing done twice
    for q in out.glob("*.png"):
        Image.open(q).verify()  # every output complete


def test_shards_split_a_tree_exactly(tmp_path, photos):
    outs = []
    for i in range(3):
        out = tmp_path / f"s{i}"
        p = run("colorize", photos, "-o", out, "--shard", f"{i}/3", "--preset", "fast")
        assert p.returncode == 0, p.stderr
        # (photos only: sharded runs also write their manifest, .findcolor/shard-i.jsonl)
        outs.append({str(q.relative_to(out)) for q in out.rglob("*") if q.is_file() and q.relative_to(out).parts[0] != ".findcolor"})
    union = set().union(*outs)
    assert sum(len(o) for o in outs) == len(union) == 4


def test_hints_file_errors_and_effect(tmp_path, photos):
    good = tmp_path / "h.json"
    good.write_text(json.dumps({"hints": [{"x": 100, "y": 10, "size": 6, "color": "#c02020"}]}))
    out = tmp_path / "h.png"
    run("colorize", photos / "a.png", "-o", out, "--hints", good, "--preset", "fast", check=True)
    bad = tmp_path / "bad.json"
    for text in ["{", '{"hints": [{"x": 1000, "y": 1, "ab": [0, 0]}]}', '{"hints": [{"x": 1, "y": 1, "ab": [0, 500]}]}']:
        bad.write_text(text)
        p = run("colorize", photos / "a.png", "-o", tmp_path / "x.png", "--hints", bad)
        assert p.returncode != 0 and "hint" in p.stderr.lower(), p.stderr


def test_reference_and_region_errors(tmp_path, photos):
    ref = tmp_path / "ref.png"
    Image.fromarray(np.dstack([scene(160, 120), scene(160, 120, 1), scene(160, 120, 2)])).save(ref)
    wrong = tmp_path / "mask.png"
    Image.fromarray(np.full((10, 10), 255, np.uint8)).save(wrong)
    p = run("colorize", photos / "a.png", "-o", tmp_path / "o.png", "--reference", ref, "--region", wrong)
    assert p.returncode != 0 and "mask" in p.stderr.lower(), p.stderr
    garbage = tmp_path / "ref.jpg"
    garbage.write_bytes(b"\xff\xd8\xff garbage")
    p = run("colorize", photos / "a.png", "-o", tmp_path / "o.png", "--reference", garbage)
    assert p.returncode != 0 and "reference" in p.stderr.lower(), p.stderr
    mask = tmp_path / "ok-mask.png"
    m = np.zeros((120, 160), np.uint8)
    m[:, :80] = 255
    Image.fromarray(m).save(mask)
    run("colorize", photos / "a.png", "-o", tmp_path / "o.png", "--reference", ref, "--region", mask, "--preset", "fast", check=True)


def test_suggest_prints_json(photos):
    p = run("suggest", photos / "a.png", "--x", "20", "--y", "10", "--top", "5", check=True)
    s = json.loads(p.stdout)["suggestions"]
    assert len(s) == 5 and all(s[i]["probability"] >= s[i + 1]["probability"] for i in range(4))
    assert run("suggest", photos / "a.png", "--x", "999", "--y", "10").returncode != 0


def tinted_scenes(tmp_path, n=3):
    d = tmp_path / "gt"
    d.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        g = scene(200, 150, i).astype(float) / 255
        rgb = np.dstack([g * rng.uniform(0.6, 1), g, g * rng.uniform(0.6, 1)])
        Image.fromarray((rgb * 255).astype(np.uint8)).save(d / f"{i}.png")
    return d


def test_eval_writes_table_csv_and_sheet(tmp_path):
    d = tinted_scenes(tmp_path)
    out = tmp_path / "ev"
    p = run("eval", "--data", d, "--hints", "0,10", "--out", out, check=True)
    assert "PSNR@10" in p.stdout and "PSNR gray" in p.stdout
    assert (out / "eval.csv").read_text().count("\n") == 4
    assert Image.open(out / "contact_sheet.png").size[0] > 256 * 3


def test_eval_spread_local_and_bad_spread(tmp_path):
    d = tinted_scenes(tmp_path, 2)
    p = run("eval", "--data", d, "--hints", "1", "--spread", "local", "--out", tmp_path / "ev", check=True)
    assert "local hints" in p.stdout and "one hint: leak share" in p.stdout
    assert "CF automatic" not in p.stdout  # measured only when k = 0 is run
    bad = run("eval", "--data", d, "--hints", "1", "--spread", "far", "--out", tmp_path / "ev2")
    assert bad.returncode != 0 and "far" in bad.stderr


def test_bench_pipeline_takes_the_colorize_settings():
    p = run("bench", "--sizes", "", "--pipeline-megapixels", "0.1", "--repeat", "1", "--preset", "best", "--json", check=True)
    rec = json.loads([l for l in p.stdout.splitlines() if l.startswith("{")][0])
    assert rec["what"] == "pipeline" and rec["median_ms"] > 0
    bad = run("bench", "--sizes", "", "--pipeline-megapixels", "0.1", "--vividness", "2")
    assert bad.returncode != 0 and "--vividness must be in 0…1" in bad.stderr


def test_scan_of_two_photos_is_coloured_per_photo_unless_whole_scan(tmp_path):
    """Two sample photos side by side: by default each is coloured as if alone (ScanParts), so its
    half equals the photo coloured on its own away from the seam; `--whole-scan` colours them as one
    scene, which the left half shows."""
    root = Path(__file__).resolve().parents[2] / "samples"
    left = Image.open(root / "detroit-1915.jpg").convert("L").crop((20, 20, 520, 520)).resize((300, 300), Image.BOX)
    right = Image.open(root / "migrant-mother-1936.jpg").convert("L").crop((150, 100, 750, 700)).resize((300, 300), Image.BOX)
    scan = Image.new("L", (600, 300))
    scan.paste(left, (0, 0))
    scan.paste(right, (300, 0))
    scan.save(tmp_path / "scan.png")
    left.save(tmp_path / "left.png")
    for name, extra in [("split", []), ("whole", ["--whole-scan"])]:
        run("colorize", tmp_path / "scan.png", "-o", tmp_path / f"{name}.png", *extra, check=True)
    run("colorize", tmp_path / "left.png", "-o", tmp_path / "alone.png", check=True)
    alone = np.asarray(Image.open(tmp_path / "alone.png").convert("RGB"), dtype=np.float32)[:, :284]
    split = np.asarray(Image.open(tmp_path / "split.png").convert("RGB"), dtype=np.float32)[:, :284]
    whole = np.asarray(Image.open(tmp_path / "whole.png").convert("RGB"), dtype=np.float32)[:, :284]
    d_split, d_whole = np.abs(split - alone).mean(), np.abs(whole - alone).mean()
    assert d_split < 0.5, d_split
    assert d_whole > d_split, (d_whole, d_split)


def test_every_zoom_adds_the_intermediate_pass_on_large_scans(tmp_path):
    """A 2048-px scan: balanced runs the 4x detail pass alone, `--every-zoom` the 2x pass too,
    which changes the colours; with --max-zoom 2 the two are the same pass."""
    root = Path(__file__).resolve().parents[2] / "samples"
    Image.open(root / "solvay-1927.jpg").convert("L").resize((2048, 2048), Image.BICUBIC).save(tmp_path / "big.png")
    outs = {}
    for name, extra in [("finest", []), ("every", ["--every-zoom"]), ("z2", ["--max-zoom", "2"]),
                        ("z2every", ["--max-zoom", "2", "--every-zoom"])]:
        run("colorize", tmp_path / "big.png", "-o", tmp_path / f"{name}.png", *extra, check=True)
        outs[name] = np.asarray(Image.open(tmp_path / f"{name}.png").convert("RGB"), dtype=np.float32)
    assert np.abs(outs["finest"] - outs["every"]).mean() > 0.05
    assert np.array_equal(outs["z2"], outs["z2every"])


def test_bench_layers_prints_the_per_layer_table():
    p = run("bench", "--sizes", "64", "--layers", "--repeat", "1", check=True)
    assert "layers at 64x64" in p.stdout and "by kind:" in p.stdout and "slowest layers:" in p.stdout
    # The by-kind table has every kind; the slowest-layers list names layers (which ones are
    # slowest at 64² with one run is noise, so no particular one is asked for).
    assert "conv 1×1" in p.stdout and ("decoder." in p.stdout or "encoder." in p.stdout)
    j = run("bench", "--sizes", "64", "--layers", "--repeat", "1", "--json", check=True)
    rows = [json.loads(line) for line in j.stdout.splitlines()]
    layers = [r for r in rows if r["what"] == "layer"]
    assert len(layers) > 50 and all(r["median_ms"] >= 0 for r in layers)
    assert {r["kind"] for r in rows if r["what"] == "layers-kind"} >= {"conv 1×1", "conv 3×3", "concat"}


def test_bench_repair_times_each_step_and_the_detectors_layers():
    """`bench --repair-megapixels`: the repair of a synthetic damaged photo, each step's median (the
    protocol's damage always leaves something to fill), and with --layers the detector's table
    (its own layers and its ImageNet features' when the detector has them)."""
    j = run("bench", "--sizes", "", "--repair-megapixels", "0.1", "--repeat", "1", "--layers", "--json", check=True)
    rows = [json.loads(line) for line in j.stdout.splitlines()]
    repair = [r for r in rows if r["what"] == "repair"]
    assert len(repair) == 1 and repair[0]["size"] == "365x273" and repair[0]["median_ms"] > 0
    assert repair[0]["first_ms"] == repair[0]["median_ms"]  # one run: the first is the median
    steps = {r["name"]: r["median_ms"] for r in rows if r["what"] == "repair-step"}
    assert set(steps) >= {"detect", "fill", "fade"} and all(v >= 0 for v in steps.values())
    layers = {r["name"] for r in rows if r["what"] == "layer"}
    assert {"e0", "d0", "head"} <= layers
    bad = run("bench", "--sizes", "", "--repair-megapixels=-1")
    assert bad.returncode != 0 and "--repair-megapixels must be in 0…200" in bad.stderr
    alone = run("bench", "--sizes", "", "--detector", "Models/findcolor-repair-v1.safetensors")
    assert alone.returncode != 0 and "--detector is for --repair-megapixels" in alone.stderr
    # The detector's precisions side by side: one row each (with its precision), and the second's
    # speed-up over the first.
    j = run("bench", "--sizes", "", "--repair-megapixels", "0.1", "--repeat", "1", "--defect-precisions", "fp32,auto", "--json", check=True)
    rows = [json.loads(line) for line in j.stdout.splitlines()]
    timed = [r for r in rows if r["what"] == "repair" and "median_ms" in r]
    auto = "bf16" if bf16_cpu() and amd_cpu() else "fp32"
    assert [r["precision"] for r in timed] == ["fp32", auto], rows
    assert [r["speedup_vs_first"] > 0 for r in rows if "speedup_vs_first" in r] == [True]


def bf16_cpu():
    """Whether this CPU has AVX-512 BF16 (what --precision mixed and bf16 need), unless oneDNN is
    capped below it (ONEDNN_MAX_CPU_ISA)."""
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA", "").upper()
    if cap and not any(k in cap for k in ("BF16", "AMX", "ALL")):
        return False
    try:
        return "avx512_bf16" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def amd_cpu():
    """Whether /proc/cpuinfo names an AMD CPU (auto takes mixed only there: docs/speed.md, "The default
    precision by CPU")."""
    try:
        return "AuthenticAMD" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def test_precision_option(tmp_path, photos):
    """--precision: auto runs everywhere; mixed and bf16 run on AVX-512 BF16 CPUs and are refused
    clearly elsewhere; the reference backend has no bf16; unknown values are refused. mixed stays
    within a few ab of fp32 on a photo; the per-precision bench rows name their precision."""
    outs = {}
    for p in ["fp32", "auto", "mixed", "bf16"]:
        out = tmp_path / f"{p}.png"
        r = run("colorize", photos / "a.png", "-o", out, "--precision", p)
        if p in ("mixed", "bf16") and not bf16_cpu():
            assert r.returncode != 0 and "AVX-512 BF16" in r.stderr, r.stderr
            continue
        assert r.returncode == 0, r.stderr
        outs[p] = np.asarray(Image.open(out).convert("RGB")).astype(np.int16)
    if bf16_cpu():
        assert np.abs(outs["mixed"] - outs["fp32"]).max() <= 8   # 8-bit RGB levels
        # auto is mixed where bf16 is also faster (an AMD CPU), else fp32
        assert np.array_equal(outs["auto"], outs["mixed"] if amd_cpu() else outs["fp32"])
    else:
        assert np.array_equal(outs["auto"], outs["fp32"])
    bad = run("colorize", photos / "a.png", "-o", tmp_path / "x.png", "--precision", "int8")
    assert bad.returncode != 0 and "int8" in bad.stderr
    if bf16_cpu():
        ref = run("colorize", photos / "a.png", "-o", tmp_path / "y.png", "--precision", "bf16", "--backend", "reference")
        assert ref.returncode != 0 and "--backend onednn" in ref.stderr
        j = run("bench", "--sizes", "64", "--repeat", "1", "--precisions", "fp32,mixed", "--json", check=True)
        rows = [json.loads(line) for line in j.stdout.splitlines() if line.startswith("{")]
        assert [r["precision"] for r in rows] == ["fp32", "mixed"] and rows[1]["speedup_vs_first"] > 0


def test_eval_against_a_baseline_precision(tmp_path):
    d = tinted_scenes(tmp_path, 2)
    p = run("eval", "--data", d, "--hints", "0", "--no-hint-precision", "--precision", "fp32",
            "--baseline-precision", "fp32", "--out", tmp_path / "ev", check=True)
    # The same precision twice: identical outputs, so every difference is 0.
    assert "PSNR@0 − baseline | 0.00 | 0.00" in p.stdout, p.stdout
    assert "p50 / p99 / p99.9 / max" in p.stdout and "| 0.000 / 0.000 / 0.000 / 0.00 |" in p.stdout, p.stdout
    bad = run("eval", "--data", d, "--protocol", "repair", "--baseline-precision", "fp32", "--out", tmp_path / "ev2")
    assert bad.returncode != 0 and "--baseline-precision" in bad.stderr


def test_low_memory_changes_memory_not_pixels(tmp_path):
    """--low-memory (colorize, restore, suggest) only changes how memory is allocated: a scan large
    enough for the detail windows comes out pixel for pixel the same (the peaks and the time it
    costs are measured in docs/speed.md, "Memory of large scans")."""
    big = np.kron(scene(250, 180, 4), np.ones((8, 8), dtype=np.uint8))  # 2000×1440
    src = tmp_path / "scan.png"
    Image.fromarray(big).save(src)
    outs = []
    for extra in [[], ["--low-memory"]]:
        out = tmp_path / f"out{len(outs)}.png"
        run("colorize", src, "-o", out, "--preset", "balanced", *extra, check=True)
        outs.append(np.asarray(Image.open(out)))
    assert np.array_equal(outs[0], outs[1])
    run("restore", src, "-o", tmp_path / "r.png", "--low-memory", check=True)
    assert "--low-memory" in run("colorize", "--help").stdout
