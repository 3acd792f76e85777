"""deploy/k8s/indexed-job.yaml, simulated with local processes (issue 14).

The Job's own container command and environment are parsed from the YAML (so the file cannot rot)
and run for every completion index the way the kubelet would: JOB_COMPLETION_INDEX set, $(VAR)
references expanded from the container's env, the shared volume's mount path mapped to a local
folder and the image's binary to the release build. The test runs N = 4 indices (the file says
100; completions, parallelism and --shards are changed together, as a user sizing the Job would),
kills one pod's process mid-run (SIGKILL, like a lost node) and starts its replacement, then checks
that every photo was coloured exactly once, nothing is torn and the report is complete.
"""
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import yaml  # PyYAML (scripts/test.sh installs it)

from clusterlib import BIN, REPO, check_exactly_once, make_photos, report, shard_progress, snapshot_outputs, wait_for

JOB = REPO / "deploy/k8s/indexed-job.yaml"
N = 4
PHOTOS = 44


def load_job():
    docs = [d for d in yaml.safe_load_all(JOB.read_text()) if d]
    assert len(docs) == 1
    return docs[0]


def expand(value, env):
    """Kubernetes' $(VAR) expansion in command and args ($$ escapes; unknown names stay as written)."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), value)


def test_manifest_is_an_indexed_job_sharded_by_its_own_index():
    job = load_job()
    assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job"
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    assert spec["completions"] == spec["parallelism"]
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"  # needed by backoffLimitPerIndex and podFailurePolicy
    assert spec.get("podReplacementPolicy") == "Failed"  # one process per shard at a time
    (c,) = pod["containers"]
    argv = c.get("command", []) + c.get("args", [])
    assert argv[1] == "colorize"
    assert argv[argv.index("--shard") + 1] == "auto"
    assert int(argv[argv.index("--shards") + 1]) == spec["completions"], "--shards must equal completions"
    env = {e["name"]: e["value"] for e in c.get("env", [])}
    threads = expand(argv[argv.index("--threads") + 1], env)
    assert threads == str(c["resources"]["limits"]["cpu"]) == str(c["resources"]["requests"]["cpu"])
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    inp, outp = argv[2], argv[argv.index("-o") + 1]
    assert any(inp.startswith(m + "/") for m in mounts) and any(outp.startswith(m + "/") for m in mounts), "input and output on the shared volume"
    vols = {v["name"]: v for v in pod["volumes"]}
    assert all(m["name"] in vols for m in c["volumeMounts"])


def pod_command(job, index, volume_root, attempt=0):
    """The container of completion `index` as a local command: (argv, env, cwd)."""
    spec = job["spec"]
    (c,) = spec["template"]["spec"]["containers"]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/root", "LANG": "C.UTF-8",
           "HOSTNAME": f"{job['metadata']['name']}-{index}-a{attempt}",
           "JOB_COMPLETION_INDEX": str(index)}
    for e in c.get("env", []):
        env[e["name"]] = expand(e["value"], env)
    argv = [expand(a, env) for a in c.get("command", []) + c.get("args", [])]
    # The Job's size, changed in its three places together.
    k = argv.index("--shards")
    assert int(argv[k + 1]) == spec["completions"] == spec["parallelism"]
    argv[k + 1] = str(N)
    # The image's binary -> the release build; the shared volume -> a local folder.
    assert Path(argv[0]).name == "findcolor", argv[0]
    argv[0] = BIN
    mounts = sorted((m["mountPath"] for m in c["volumeMounts"]), key=len, reverse=True)
    for i, a in enumerate(argv):
        for m in mounts:
            if a == m or a.startswith(m + "/"):
                argv[i] = str(volume_root / m.strip("/")) + a[len(m):]
                break
    return argv, env, c.get("workingDir")


def start_pod(job, index, volume_root, logs, attempt=0):
    argv, env, cwd = pod_command(job, index, volume_root, attempt)
    log = open(logs / f"pod-{index}-{attempt}.log", "w")
    return subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)


def test_every_index_as_a_local_process_with_one_killed_and_replaced(tmp_path):
    assert Path(BIN).exists(), f"build the release binary first ({BIN})"
    t0 = time.time()
    job = load_job()
    volume_root = tmp_path / "volume"
    logs = tmp_path / "logs"
    logs.mkdir()
    argv, _, _ = pod_command(job, 0, volume_root)
    src, out = Path(argv[2]), Path(argv[argv.index("-o") + 1])
    # The archive is on the volume before the Job starts.
    rels = make_photos(src, PHOTOS, size=(320, 240), seed=1)
    procs = {i: start_pod(job, i, volume_root, logs) for i in range(N)}

    def dump():
        return "\n".join(f"--- {f.name}\n{f.read_text()[-1500:]}" for f in sorted(logs.glob("*.log")))

    # Kill one pod mid-run: it has coloured some of its photos, not all.
    victim, killed_at = None, None
    deadline = time.time() + 600
    while victim is None and time.time() < deadline:
        for i, p in procs.items():
            prog = shard_progress(out, i)
            if p.poll() is None and prog and 2 <= prog[0] <= prog[1] - 3:
                p.send_signal(signal.SIGKILL)
                p.wait()
                victim, killed_at = i, shard_progress(out, i)
                break
        if victim is None:
            if all(p.poll() is not None for p in procs.values()):
                break
            time.sleep(0.02)
    assert victim is not None, "no pod could be killed mid-run (all finished too fast?)\n" + dump()
    assert killed_at[0] < killed_at[1]
    before_kill = snapshot_outputs(out)
    # The replacement pod: same index, same command, a new pod name.
    procs[victim] = start_pod(job, victim, volume_root, logs, attempt=1)
    for i, p in procs.items():
        rc = p.wait(timeout=900)
        assert rc == 0, f"index {i}: exit {rc}\n{dump()}"

    fmt = argv[argv.index("--format") + 1] if "--format" in argv else None
    check_exactly_once(src, out, rels, before_kill, ext={"jpeg": "jpg", "png16": "png", "tiff": "tif"}.get(fmt, fmt))
    rc, rep, proc = report(out)
    assert rc == 0, proc.stdout + proc.stderr
    assert rep["complete"] and rep["total"] == PHOTOS and rep["done"] == PHOTOS, rep
    assert rep["failed"] == [] and rep["missing"] == [] and rep["tornLines"] == []
    assert rep["shardsStarted"] == [f"{i}/{N}" for i in range(N)]
    starts = [line for line in (out / ".findcolor" / f"shard-{victim}.jsonl").read_text().splitlines() if '"type":"start"' in line]
    assert len(starts) == 2 and f"kubernetes index {victim}" in starts[1]
    print(f"Indexed Job simulation: {PHOTOS} photos, {N} indices, index {victim} killed after {killed_at[0]} of "
          f"{killed_at[1]} photos and replaced; {time.time() - t0:.0f} s")
