"""Shared pieces of the cluster tests (issue 14): synthetic photos, the run manifests, and the
checks that every photo was coloured exactly once with no torn output and a complete report."""
import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
BIN = str(Path(os.environ.get("FINDCOLOR_BIN", REPO / ".build/release/findcolor")).resolve())


def scene(w, h, seed):
    """A procedural gray scene (uint8): sky gradient, a disc, a striped block, some noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / np.array([h, w]).reshape(2, 1, 1)
    g = 0.85 - 0.35 * y
    cx, cy = rng.uniform(0.2, 0.8, 2)
    g = np.where((x - cx) ** 2 + (y - cy) ** 2 < 0.03, 0.62, g)
    g = np.where((x > 0.6) & (y > 0.5), 0.35 + 0.12 * np.sin(x * 90 + seed), g)
    g = g + rng.normal(0, 0.02, g.shape)
    return (np.clip(g, 0, 1) * 255).astype(np.uint8)


def make_photos(root, count, size=(160, 120), seed=0):
    """`count` small gray photos in a nested tree (PNG and JPEG, a name with a space); returns the
    relative paths."""
    rng = np.random.default_rng(seed)
    rels = []
    for i in range(count):
        folder = ["", "box-1/", "box-2/1944/", "box 3/"][i % 4]
        ext = "jpg" if i % 3 == 0 else "png"
        rel = f"{folder}scan-{i:04d}.{ext}"
        w = int(size[0] * rng.uniform(0.8, 1.2))
        h = int(size[1] * rng.uniform(0.8, 1.2))
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        img = Image.fromarray(scene(w, h, seed * 1000 + i))
        if ext == "jpg":
            img.convert("RGB").save(path, quality=90)
        else:
            img.save(path)
        rels.append(rel)
    return rels


def read_manifests(out):
    """{file name: (records, torn line numbers)} of OUTPUT/.findcolor/shard-*.jsonl."""
    result = {}
    for f in sorted((Path(out) / ".findcolor").glob("shard-*.jsonl")):
        records, torn = [], []
        data = f.read_bytes()
        lines = data.split(b"\n")
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError:
                torn.append(n)
        result[f.name] = (records, torn)
    return result


def photo_records(out):
    return [r for records, _ in read_manifests(out).values() for r in records if r["type"] == "photo"]


def shard_progress(out, shard, since_pid=None):
    """(photos recorded as ok, photos planned) for shard `shard`, or None before it started."""
    f = Path(out) / ".findcolor" / f"shard-{shard}.jsonl"
    if not f.exists():
        return None
    planned, ok = None, 0
    for line in f.read_bytes().split(b"\n"):
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if since_pid is not None and r.get("pid") != since_pid:
            continue
        if r["type"] == "start":
            planned = r["planned"]
        elif r.get("status") == "ok":
            ok += 1
    return None if planned is None else (ok, planned)


def snapshot_outputs(out):
    """Identity of every finished output: (inode, size, mtime_ns)."""
    snap = {}
    for p in Path(out).rglob("*"):
        if p.is_file() and ".findcolor" not in p.parts and not p.name.startswith("."):
            st = p.stat()
            snap[str(p.relative_to(out))] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return snap


def output_name(rel, ext=None):
    """The output of input `rel`: the same path, with the extension of --format when given."""
    return rel if ext is None else str(Path(rel).with_suffix("." + ext))


def check_exactly_once(src, out, rels, before_kill, ext=None):
    """Every photo coloured exactly once, nothing torn:
    - each input has its output, a whole image of the input's size (decoded to the last byte);
    - no temporary file of a killed writer is left, no other file appeared;
    - every manifest line is a whole record; each photo has exactly one record saying it was
      coloured ("ok") or, when its task was killed after the output's rename and before its line,
      one "existing" record from the task's next run, and never two "ok" records;
    - the outputs finished before the kill were not written again (same inode and mtime)."""
    out = Path(out)
    expected = {output_name(r, ext) for r in rels}
    files = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and ".findcolor" not in p.parts}
    leftovers = sorted(f for f in files if Path(f).name.startswith("."))
    assert not leftovers, f"temporary files left behind: {leftovers}"
    assert files == expected, f"extra: {sorted(files - expected)[:10]}, missing: {sorted(expected - files)[:10]}"
    for rel in rels:
        with Image.open(src / rel) as a, Image.open(out / output_name(rel, ext)) as b:
            b.load()
            assert b.size == a.size, rel
            assert b.mode == "RGB", (rel, b.mode)
    manifests = read_manifests(out)
    for name, (_, torn) in manifests.items():
        assert not torn, f"{name}: torn lines {torn}"
    by_output = {}
    for r in (r for records, _ in manifests.values() for r in records if r["type"] == "photo"):
        by_output.setdefault(r["output"], []).append(r["status"])
    assert set(by_output) == expected, sorted(expected ^ set(by_output))[:10]
    for rel, statuses in by_output.items():
        assert statuses.count("failed") == 0, (rel, statuses)
        assert statuses in (["ok"], ["existing"]), f"{rel}: {statuses}"
    for rel, ident in before_kill.items():
        now = (out / rel).stat()
        assert (now.st_ino, now.st_size, now.st_mtime_ns) == ident, f"{rel} was written again after the kill"
    return by_output


def report(out, *args):
    p = subprocess.run([BIN, "report", str(out), "--json", *args], capture_output=True, text=True, timeout=300)
    return p.returncode, json.loads(p.stdout) if p.stdout.strip().startswith("{") else None, p


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
