"""`--shard auto`, stable shard assignment, run manifests and `findcolor report` from the command
line (issue 14). The release binary comes from FINDCOLOR_BIN; photos are synthetic, made here."""
import hashlib
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

BIN = os.environ.get("FINDCOLOR_BIN", ".build/release/findcolor")
SCHEDULER_VARS = ("SLURM_", "JOB_COMPLETION_INDEX")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCHEDULER_VARS)}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(*args, env=None, timeout=300):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env or clean_env())


def gray(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / np.array([h, w]).reshape(2, 1, 1)
    g = 0.8 - 0.3 * y + 0.1 * np.sin(x * 20 + seed) + rng.normal(0, 0.02, (h, w))
    return (np.clip(g, 0, 1) * 255).astype(np.uint8)


@pytest.fixture
def archive(tmp_path):
    d = tmp_path / "archive"
    rels = [f"{f}p{i}.png" for i, f in enumerate(["", "a/", "a/b/", "c/"] * 3)]
    for i, rel in enumerate(rels):
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(gray(64 + 8 * i, 48, i)).save(d / rel)
    return d, sorted(rels)


def python_shard(key, n):
    """The documented assignment (README "Colourize an archive on a cluster")."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:16], 16) % n


def manifest_lines(out, shard):
    return [json.loads(line) for line in (out / ".findcolor" / f"shard-{shard}.jsonl").read_text().splitlines()]


def test_shard_auto_needs_a_scheduler(tmp_path, archive):
    src, _ = archive
    out = tmp_path / "out"
    p = run("colorize", src, "-o", out, "--shard", "auto", "--shards", "3")
    assert p.returncode != 0
    assert "SLURM_ARRAY_TASK_ID" in p.stderr and "JOB_COMPLETION_INDEX" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not out.exists()
    # Kubernetes without --shards, --shards without auto: refused, nothing written.
    p = run("colorize", src, "-o", out, "--shard", "auto", env=clean_env(JOB_COMPLETION_INDEX=1))
    assert p.returncode != 0 and "--shards" in p.stderr and not out.exists()
    p = run("colorize", src, "-o", out, "--shard", "1/3", "--shards", "3")
    assert p.returncode != 0 and "--shards" in p.stderr and not out.exists()


def test_slurm_and_kubernetes_give_the_documented_shards(tmp_path, archive):
    src, rels = archive
    got = {}
    for name, envs in {
        "slurm": [clean_env(SLURM_ARRAY_JOB_ID=77, SLURM_ARRAY_TASK_ID=10 + i, SLURM_ARRAY_TASK_MIN=10, SLURM_ARRAY_TASK_MAX=12,
                            SLURM_ARRAY_TASK_COUNT=3) for i in range(3)],
        "k8s": [clean_env(JOB_COMPLETION_INDEX=i) for i in range(3)],
    }.items():
        out = tmp_path / name
        for i, env in enumerate(envs):
            p = run("colorize", src, "-o", out, "--shard", "auto", *(["--shards", "3"] if name == "k8s" else []),
                    "--preset", "fast", env=env)
            assert p.returncode == 0, p.stderr
            assert f"shard {i}/3" in p.stderr
        shards = {}
        for i in range(3):
            lines = manifest_lines(out, i)
            assert lines[0]["type"] == "start" and lines[0]["shard"] == f"{i}/3" and lines[0]["total"] == len(rels)
            assert (name == "slurm") == ("slurm 77_1" in lines[0]["task"]), lines[0]["task"]
            for r in lines[1:]:
                assert r["status"] == "ok" and r["key"] == r["output"] and r["ms"] > 0 and len(r["model"]) == 64
                assert r["settings"]["preset"] == "fast"
                shards[r["key"]] = i
        assert sorted(shards) == rels
        assert all(s == python_shard(k, 3) for k, s in shards.items())
        got[name] = shards
    assert got["slurm"] == got["k8s"]


def test_adding_photos_moves_none(tmp_path, archive):
    src, rels = archive
    out = tmp_path / "out"
    for i in range(4):
        assert run("colorize", src, "-o", out, "--shard", f"{i}/4", "--preset", "fast").returncode == 0
    before = {r["key"]: i for i in range(4) for r in manifest_lines(out, i) if r["type"] == "photo"}
    for j in range(10):
        Image.fromarray(gray(40, 40, 100 + j)).save(src / ("a" if j % 2 else "") / f"new{j}.png")
    (src / rels[3]).unlink()
    for i in range(4):
        p = run("colorize", src, "-o", out, "--shard", f"{i}/4", "--preset", "fast")
        assert p.returncode == 0, p.stderr
    after = {}
    for i in range(4):
        for r in manifest_lines(out, i):
            if r["type"] == "photo":
                assert before.get(r["key"], i) == i, f"{r['key']} moved from shard {before[r['key']]} to {i}"
                after[r["key"]] = i
    assert len(after) == len(rels) + 10
    rc = run("report", out).returncode
    assert rc == 0


def test_report_with_failures_and_a_torn_last_line(tmp_path, archive):
    src, rels = archive
    (src / "a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    out = tmp_path / "out"
    p = run("colorize", src, "-o", out, "--shard", "0/2", "--preset", "fast")
    q = run("colorize", src, "-o", out, "--shard", "1/2", "--preset", "fast")
    broken_shard = python_shard("a/broken.png", 2)
    assert [p, q][broken_shard].returncode == 1 and [p, q][1 - broken_shard].returncode == 0
    # An older writer killed mid-line left a torn last line; one photo's output is then deleted
    # with its line left (a "recorded but gone" output), and a photo is added after the run.
    manifest = out / ".findcolor" / f"shard-{1 - broken_shard}.jsonl"
    with open(manifest, "ab") as f:
        f.write(b'{"type":"photo","output":"zz.png","status":"o')
    Image.fromarray(gray(50, 50, 99)).save(src / "c" / "late.png")

    p = run("report", out)
    assert p.returncode == 1, p.stdout + p.stderr
    text = p.stdout
    assert "failed (1)" in text and "broken.png" in text, text
    assert "invalid" in text.split("failed (1):")[1].splitlines()[1].lower(), text
    assert "missing from every manifest (1)" in text and "c/late.png" in text
    assert f"{manifest.name}:" in text and "not whole records" in text
    assert "photos/hour per core" in text
    assert f"photos: {len(rels) + 2} · done {len(rels)}" in text, text

    p = run("report", out, "--json")
    assert p.returncode == 1
    rep = json.loads(p.stdout)
    assert [f["output"] for f in rep["failed"]] == ["a/broken.png"] and rep["failed"][0]["error"]
    assert rep["missing"] == ["c/late.png"] and len(rep["tornLines"]) == 1 and rep["tornLines"][0].startswith(manifest.name)
    assert rep["done"] == rep["colourized"] == len(rels) and rep["photosPerHourPerCore"] > 0 and not rep["complete"]

    # Fixed and re-run: the failure is gone, the late photo done; complete, exit 0.
    (src / "a" / "broken.png").unlink()
    for i in range(2):
        assert run("colorize", src, "-o", out, "--shard", f"{i}/2", "--preset", "fast").returncode == 0
    p = run("report", out, "--json")
    rep = json.loads(p.stdout)
    assert rep["complete"] and rep["done"] == len(rels) + 1 and rep["failed"] == [] and len(rep["tornLines"]) == 1, rep
    assert p.returncode == 0
    # The torn line stayed alone: every line after it is whole.
    lines = manifest.read_bytes().split(b"\n")
    torn = [i for i, line in enumerate(lines) if line.startswith(b'{"type":"photo","output":"zz.png"')]
    assert len(torn) == 1 and all(json.loads(line) for line in lines[torn[0] + 1:] if line)


def test_report_exit_codes_and_errors(tmp_path, archive):
    src, rels = archive
    out = tmp_path / "out"
    p = run("report", out)
    assert p.returncode != 0 and "no such output folder" in p.stderr
    out.mkdir()
    p = run("report", out)
    assert p.returncode != 0 and "no run manifests" in p.stderr
    # Only shard 0 of 2 ran: the other's photos are missing from every manifest (exit 2).
    assert run("colorize", src, "-o", out, "--shard", "0/2", "--preset", "fast").returncode == 0
    p = run("report", out, "--json")
    rep = json.loads(p.stdout)
    assert p.returncode == 2 and rep["failed"] == []
    assert sorted(rep["missing"]) == sorted(r for r in rels if python_shard(r, 2) == 1)
    # The inputs moved: --input says where they are now.
    moved = tmp_path / "moved"
    src.rename(moved)
    p = run("report", out, "--json")
    assert p.returncode == 2 and not json.loads(p.stdout)["inputsReadable"]
    p = run("report", out, "--input", moved, "--json")
    assert p.returncode == 2 and json.loads(p.stdout)["inputsReadable"]


def test_unsharded_runs_write_a_manifest_only_when_asked(tmp_path, archive):
    src, rels = archive
    out = tmp_path / "plain"
    assert run("colorize", src, "-o", out, "--preset", "fast").returncode == 0
    assert not (out / ".findcolor").exists()
    out = tmp_path / "asked"
    assert run("colorize", src, "-o", out, "--preset", "fast", "--manifest").returncode == 0
    assert len(manifest_lines(out, 0)) == len(rels) + 1
    assert run("report", out).returncode == 0
    # A re-run records nothing twice.
    assert run("colorize", src, "-o", out, "--preset", "fast", "--manifest").returncode == 0
    lines = manifest_lines(out, 0)
    assert [r["type"] for r in lines].count("start") == 2 and len(lines) == len(rels) + 2
