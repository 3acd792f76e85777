"""The bad-input corpus (issue 11): every case of scripts/make-bad-inputs.py, run by the release CLI.

Each case must end in a clean error or a correct result, never a crash:
- no signal, no exit status ≥ 128, no "Fatal error" / stack dump, within the time limit and a 4 GB
  address-space cap (a decompression bomb that allocates first fails here);
- an error is one line on stderr, `findcolor: ...` or `Error: ...`, holding the words the case
  lists (argument-parser's option errors may add their usage block; a batch lists its failed
  photos one per line), exit status 1…127, and no file is left behind;
- a correct result exits 0 and writes exactly the expected images, of the expected size;
- no file of the corpus (inputs, links, the 0-byte "killed run" output) is ever modified.
Permission cases run as `nobody` when the tests run as root (root may write anywhere).
"""
import atexit
import hashlib
import importlib.util
import json
import os
import resource
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image

BIN = os.path.abspath(os.environ.get("FINDCOLOR_BIN", ".build/release/findcolor"))
REPO = Path(__file__).resolve().parents[2]
MEMORY_CAP = 4 << 30
TIMEOUT = 60
NOBODY = 65534
CRASH_SIGNS = ("fatal error", "stack dump", "traceback", "segmentation fault", "illegal instruction",
               "please submit a bug report", "backtrace", "assertion failed", "precondition failed")


def _make_corpus():
    spec = importlib.util.spec_from_file_location("make_bad_inputs", REPO / "scripts" / "make-bad-inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root = Path(tempfile.mkdtemp(prefix="findcolor-bad-inputs-"))
    os.chmod(root, 0o755)  # `nobody` must reach the files of the permission cases
    cases = module.build(root)
    return root, cases


ROOT, CASES = _make_corpus()


def _file_hash(p):
    try:
        return hashlib.sha256(p.read_bytes()).hexdigest()
    except OSError:  # the unreadable file, when the tests do not run as root
        return None


def snapshot(root):
    """Every file and link under root: identity and content stamp (lstat)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            out[os.path.relpath(p, root)] = (st.st_ino, st.st_size, st.st_mtime_ns, stat.S_IFMT(st.st_mode))
    return out


INITIAL_HASHES = {rel: _file_hash(ROOT / rel) for rel, s in snapshot(ROOT).items() if stat.S_ISREG(s[3])}


@atexit.register
def _remove_corpus():
    for p in (ROOT / "readonly", ROOT / "secret" / "secret.png"):
        if p.exists():
            os.chmod(p, 0o755)
    shutil.rmtree(ROOT, ignore_errors=True)


def _limits(as_nobody):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if as_nobody:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
    return apply


def run_case(case):
    as_nobody = case.get("user") == "nobody" and os.geteuid() == 0
    return subprocess.run([BIN, *case["args"]], cwd=ROOT, capture_output=True, text=True, errors="replace",
                          timeout=case.get("timeout", TIMEOUT), preexec_fn=_limits(as_nobody))


def is_clean_error(p, case):
    """One line, `findcolor: …` or `Error: …`. Two exceptions, each a fixed shape: argument-parser's
    option errors add a help or usage block, and a batch lists its failures one per line."""
    lines = p.stderr.strip("\n").splitlines()
    if not lines or not (lines[0].startswith("findcolor: ") or lines[0].startswith("Error: ")):
        return False
    if len(lines) == 1:
        return True
    if case.get("usage"):
        return lines[0].startswith("Error: ") and lines[1].startswith(("Usage: ", "Help: ")) \
            and all(line.startswith((" ", "Usage: ")) or not line.strip() for line in lines[2:])
    if case.get("list"):
        return len(lines) == 1 + case["list"] and all(line.startswith("  /") for line in lines[1:])
    return False


def test_corpus_is_large_enough():
    assert len(CASES) >= 120
    assert sum(c["expect"] == "ok" for c in CASES) >= 5


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input(case):
    if case.get("user") == "nobody" and os.geteuid() == 0:
        try:
            import pwd
            pwd.getpwuid(NOBODY)
        except KeyError:
            pytest.skip("no user nobody to run the permission case as")
    replaced = {rel: (ROOT / rel).read_bytes() for rel in case.get("replaces", [])}
    before = snapshot(ROOT)
    runs = [run_case(case) for _ in range(case.get("runs", 1))]
    after = snapshot(ROOT)
    new = sorted(set(after) - set(before))
    changed = sorted(rel for rel in before if after.get(rel) != before[rel])
    try:
        for p in runs:
            what = f"{case['args']}\nrc={p.returncode}\nstderr:\n{p.stderr}\nstdout:\n{p.stdout[:2000]}"
            # No crash, whatever the input.
            assert 0 <= p.returncode < 128, "crashed: " + what
            assert not any(s in p.stderr.lower() for s in CRASH_SIGNS), "crashed: " + what
            if case["expect"] == "error":
                assert p.returncode != 0, "expected an error: " + what
                assert is_clean_error(p, case), "not a clean one-line error: " + what
                first = p.stderr.splitlines()[0].lower()
                for s in case["stderr"]:
                    assert s.lower() in first, f"the message lacks {s!r}: " + what
                for s in case.get("once", []):
                    assert first.count(s.lower()) == 1, f"{s!r} is not said exactly once: " + what
            else:
                assert p.returncode == 0, "expected success: " + what
        if case["expect"] == "error":
            assert not new, f"files left behind: {new}"
            assert not changed, f"files modified: {changed}"
        else:
            assert new == sorted(set(case["outputs"]) - set(replaced)), f"new files {new}, expected {sorted(case['outputs'])}"
            assert changed == sorted(replaced), f"files modified: {changed}"
            for rel, (w, h) in case["outputs"].items():
                with Image.open(ROOT / rel) as im:
                    im.load()
                    assert im.size == (w, h), f"{rel}: {im.size}, expected {(w, h)}"
            if case["args"][0] == "suggest":
                assert len(json.loads(runs[-1].stdout)["suggestions"]) >= 1
    finally:
        # Leave the corpus as it was for the next case.
        for rel in set(snapshot(ROOT)) - set(before):
            (ROOT / rel).unlink()
        for rel, data in replaced.items():
            (ROOT / rel).write_bytes(data)


def test_no_input_was_modified():
    """After every case ran: each file of the corpus still has its original bytes."""
    now = {rel: _file_hash(ROOT / rel) for rel, s in snapshot(ROOT).items() if stat.S_ISREG(s[3])}
    assert now == INITIAL_HASHES


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_outputs_are_flushed_around_the_rename(tmp_path):
    """The writer never leaves a torn file: temporary file written and fsync'ed, renamed into place,
    then the folder fsync'ed (so a crash or power cut keeps either no file or the whole file)."""
    log = tmp_path / "trace"
    out = tmp_path / "o.png"
    p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat,write,fsync,close,rename,renameat,renameat2",
                        "-o", str(log), BIN, "colorize", str(ROOT / "good/g.png"), "-o", str(out), "--preset", "fast"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    if p.returncode != 0 and ("ptrace" in p.stderr or "Operation not permitted" in p.stderr):
        pytest.skip("strace cannot trace here: " + p.stderr.strip()[:200])
    assert p.returncode == 0, p.stderr
    calls = [line.split(None, 1)[1] for line in log.read_text().splitlines() if " " in line]
    opened = [i for i, c in enumerate(calls) if c.startswith("openat(") and ".tmp\"" in c and "O_CREAT" in c]
    assert len(opened) == 1, calls
    i = opened[0]
    fd = calls[i].rsplit("= ", 1)[1].strip()
    renamed = next(j for j, c in enumerate(calls) if c.startswith("rename") and str(out) in c)
    between = calls[i + 1:renamed]
    assert any(c.startswith(f"write({fd},") for c in between), between
    assert any(c.startswith(f"fsync({fd})") for c in between), between
    after = calls[renamed + 1:]
    dir_open = next(j for j, c in enumerate(after) if c.startswith("openat(") and "O_DIRECTORY" in c and str(tmp_path) in c)
    dfd = after[dir_open].rsplit("= ", 1)[1].strip()
    assert any(c.startswith(f"fsync({dfd})") for c in after[dir_open + 1:]), after
    assert not list(tmp_path.glob(".*.tmp"))
