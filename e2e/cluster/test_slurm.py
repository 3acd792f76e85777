"""deploy/slurm/colorize.sbatch on a real one-node Slurm cluster on localhost (issue 14).

Installs Debian's slurm-wlm and munge when they are missing, starts munged (own key, own socket),
slurmctld and slurmd with deploy/slurm/slurm.conf.template filled in for this machine (host name,
CPUs, memory, a temporary folder, free ports), submits an array of 4 tasks over 48 small synthetic
photos, requeues one task while it runs (`scontrol requeue`), and checks that every photo was
coloured exactly once, that nothing is torn and that `findcolor report` is complete.

Skips, with the reason, only where the cluster cannot start (not root, no apt, slurmd refuses).
Everything it starts it stops, by process id.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from string import Template

import pytest

from clusterlib import BIN, REPO, check_exactly_once, make_photos, report, shard_progress, snapshot_outputs, wait_for

TASKS = 4
PHOTOS = 48
SBATCH = REPO / "deploy/slurm/colorize.sbatch"
TEMPLATE = REPO / "deploy/slurm/slurm.conf.template"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, n=15):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return f"({path} not written)"


def ensure_installed():
    """None when slurmctld, slurmd and munged are there (installed now if need be), else why not."""
    need = ["slurmctld", "slurmd", "munged", "sbatch", "scontrol", "squeue", "sinfo"]
    if all(shutil.which(x) for x in need):
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "slurm-wlm and munge are not installed and cannot be (needs root and apt-get)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    p = subprocess.run(["apt-get", "install", "-y", "-qq", "slurm-wlm", "munge"], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env)
        p = subprocess.run(["apt-get", "install", "-y", "-qq", "slurm-wlm", "munge"], capture_output=True, text=True, env=env)
    if p.returncode != 0 or not all(shutil.which(x) for x in need):
        return "apt-get install slurm-wlm munge failed: " + (p.stderr.strip()[-300:] or p.stdout.strip()[-300:])
    return None


class Cluster:
    def __init__(self):
        self.procs = []
        self.jobs = []
        self.dir = Path(tempfile.mkdtemp(prefix="findcolor-slurm-"))
        os.chmod(self.dir, 0o755)  # munged (user munge) must reach its socket below
        self.env = dict(os.environ)

    def start(self):
        """None when the node is up and idle, else the reason it is not."""
        import pwd
        d = self.dir
        try:
            munge_user = pwd.getpwnam("munge")
        except KeyError:
            return "no user munge (the munge package did not create it)"
        mdir = d / "munge"
        mdir.mkdir(mode=0o755)
        key = mdir / "munge.key"
        key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o400)
        for p in (mdir, key):
            os.chown(p, munge_user.pw_uid, munge_user.pw_gid)
        socket_path = mdir / "munge.socket"
        self.procs.append(subprocess.Popen(
            ["munged", "--foreground", f"--key-file={key}", f"--socket={socket_path}", f"--pid-file={mdir}/munged.pid",
             f"--log-file={mdir}/munged.log", f"--seed-file={mdir}/munged.seed"],
            user=munge_user.pw_uid, group=munge_user.pw_gid, stdout=subprocess.DEVNULL, stderr=open(d / "munged.err", "w")))
        try:
            wait_for(lambda: socket_path.exists() or self.procs[-1].poll() is not None, 15, what="munged")
        except AssertionError:
            pass
        if not socket_path.exists():
            return "munged did not start: " + tail(d / "munged.err") + tail(mdir / "munged.log")

        host = socket.gethostname().split(".")[0]
        mem_mb = int(int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1]) / 1024 * 0.8)
        for sub in ("state", "spool", "logs"):
            (d / sub).mkdir()
        conf = d / "slurm.conf"
        conf.write_text(Template(TEMPLATE.read_text()).substitute(
            HOST=host, CPUS=os.cpu_count(), MEMORY_MB=mem_mb, DIR=d, CTLD_PORT=free_port(), SLURMD_PORT=free_port(),
            MUNGE_SOCKET=socket_path))
        self.env = {**os.environ, "SLURM_CONF": str(conf)}
        for daemon in ("slurmctld", "slurmd"):
            self.procs.append(subprocess.Popen([daemon, "-D", "-f", str(conf)], env=self.env,
                                               stdout=subprocess.DEVNULL, stderr=open(d / f"{daemon}.err", "w")))
        deadline = time.time() + 60
        state = ""
        while time.time() < deadline:
            if any(p.poll() is not None for p in self.procs):
                break
            state = self.run("sinfo", "-h", "-o", "%t", check=False).stdout.strip()
            if state in ("idle", "mix", "alloc"):
                return None
            time.sleep(0.5)
        return (f"slurmd cannot start here (node state {state!r}):\n" + tail(d / "slurmd.err") + "\n" + tail(d / "slurmd.log")
                + "\n" + tail(d / "slurmctld.err") + "\n" + tail(d / "slurmctld.log"))

    def run(self, *args, check=True):
        p = subprocess.run(list(args), capture_output=True, text=True, env=self.env, timeout=60)
        if check:
            assert p.returncode == 0, f"{args}: rc={p.returncode}\n{p.stdout}\n{p.stderr}"
        return p

    def task_state(self, job, task):
        p = self.run("scontrol", "-o", "show", "job", f"{job}_{task}", check=False)
        fields = dict(kv.split("=", 1) for kv in p.stdout.split() if "=" in kv)
        return fields

    def stop(self):
        # Jobs first (a failed test may leave tasks running), then the daemons this test started.
        if self.jobs and any(p.poll() is None for p in self.procs):
            for job in self.jobs:
                self.run("scancel", job, check=False)
            deadline = time.time() + 30
            while time.time() < deadline and self.run("squeue", "-h", check=False).stdout.strip():
                time.sleep(0.5)
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture(scope="module")
def cluster():
    if os.geteuid() != 0:
        pytest.skip("the one-node Slurm cluster needs root (slurmd runs jobs as their users)")
    why = ensure_installed()
    if why:
        pytest.skip(why)
    c = Cluster()
    try:
        why = c.start()
        if why:
            pytest.skip(why)
        yield c
    finally:
        c.stop()
        if os.environ.get("KEEP_SLURM_DIR"):
            print(f"cluster folder kept: {c.dir}")
        else:
            shutil.rmtree(c.dir, ignore_errors=True)


def test_array_job_with_a_requeue_colours_every_photo_exactly_once(cluster):
    assert Path(BIN).exists(), f"build the release binary first ({BIN})"
    t0 = time.time()
    src = cluster.dir / "archive"
    out = cluster.dir / "coloured"
    rels = make_photos(src, PHOTOS, size=(320, 240))
    env_extra = {"FINDCOLOR": BIN}
    cluster.env.update(env_extra)
    p = cluster.run("sbatch", "--parsable", f"--array=0-{TASKS - 1}", f"--output={cluster.dir}/logs/task-%A_%a.log",
                    f"--chdir={cluster.dir}", str(SBATCH), str(src), str(out), "--preset", "fast")
    job = p.stdout.strip().split(";")[0]
    cluster.jobs.append(job)

    def logs():
        return "\n".join(f"--- {f.name}\n{tail(f, 8)}" for f in sorted((cluster.dir / "logs").glob("*.log")))

    # Requeue a task while it runs: it has coloured some of its photos and not all of them.
    requeued, before_kill = None, {}
    deadline = time.time() + 600
    while requeued is None and time.time() < deadline:
        for task in range(TASKS):
            state = cluster.task_state(job, task)
            if state.get("JobState") != "RUNNING":
                continue
            progress = shard_progress(out, task)
            if progress and 2 <= progress[0] <= progress[1] - 3:
                cluster.run("scontrol", "requeue", f"{job}_{task}")
                requeued = task
                break
        if requeued is None:
            if all(cluster.task_state(job, t).get("JobState") in ("COMPLETED", "FAILED", "CANCELLED") for t in range(TASKS)):
                break
            time.sleep(0.05)
    assert requeued is not None, "no task could be requeued while running (all finished too fast?)\n" + logs()
    # The killed attempt is gone once the task is pending again; what it finished must stay as it is.
    wait_for(lambda: cluster.task_state(job, requeued).get("JobState") == "PENDING", 60, what="the requeued task to be pending")
    killed_at = shard_progress(out, requeued)
    before_kill = snapshot_outputs(out)
    # A requeued job waits ~2 minutes (BeginTime) before it may start again; let it start now.
    cluster.run("scontrol", "update", f"JobId={job}_{requeued}", "StartTime=now")

    def finished():
        states = [cluster.task_state(job, t).get("JobState") for t in range(TASKS)]
        return states if all(s in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY") for s in states) else None

    states = wait_for(finished, 900, interval=1, what="the array job")
    assert states == ["COMPLETED"] * TASKS, f"{states}\n{logs()}"
    info = cluster.task_state(job, requeued)
    assert info.get("Restarts") == "1", info
    assert killed_at[0] < killed_at[1], f"the requeued task had finished its shard before the kill: {killed_at}"

    check_exactly_once(src, out, rels, before_kill)
    rc, rep, proc = report(out)
    assert rc == 0, proc.stdout + proc.stderr
    assert rep["complete"] and rep["total"] == PHOTOS and rep["done"] == PHOTOS, rep
    assert rep["failed"] == [] and rep["missing"] == [] and rep["tornLines"] == [] and rep["colouredMoreThanOnce"] == []
    assert rep["shardsStarted"] == [f"{i}/{TASKS}" for i in range(TASKS)], rep["shardsStarted"]
    assert rep["photosPerHourPerCore"] > 0 and rep["coresPerTask"] == [2], rep
    # The requeued task's second run says so in its manifest and its log.
    restarted = [line for line in (out / ".findcolor" / f"shard-{requeued}.jsonl").read_text().splitlines() if '"type":"start"' in line]
    assert len(restarted) == 2 and "restart 1" in restarted[1], restarted
    log = next((cluster.dir / "logs").glob(f"task-{job}_{requeued}.log")).read_text()
    assert "DUE TO JOB REQUEUE" in log and "restart 1" in log, log
    text = subprocess.run([BIN, "report", str(out)], capture_output=True, text=True).stdout
    print(text)
    print(f"Slurm test: {PHOTOS} photos, {TASKS} tasks, task {requeued} requeued after {killed_at[0]} of "
          f"{killed_at[1]} photos; {time.time() - t0:.0f} s")
