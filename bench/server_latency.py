"""Preview latency and full-resolution time of the web app's projects API, measured over HTTP on
localhost against a running `findcolor serve` (started here, on a free port, temporary data dir).

    python3 bench/server_latency.py --binary .build/release/findcolor --photo samples/detroit-1915.jpg

Each round changes the hints (PUT, as the UI does after a click), then times GET preview (the
preview the UI shows after each change, in the UI's format: JPEG) and GET result (full resolution,
PNG). The server caches
renders by project state, so every round uses a new hint set. Prints medians and 95th percentiles
(nearest rank) over --rounds, the server-side render time the API reports (X-Render-Milliseconds)
and the response sizes.

Give --binary more than once to compare builds: every server is started, and each round runs on
each of them in turn (the same hints; the order reversed every other round), so a shared, noisy
machine slows them alike; the ratios to the first binary are printed at the end.
"""
import argparse
import json
import math
import os
import shlex
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def request(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=300) as r:
        body = r.read()
        return (time.perf_counter() - t) * 1e3, body, dict(r.headers)


def multipart(field, filename, content):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def p95(v):  # nearest-rank 95th percentile
    return sorted(v)[max(0, math.ceil(0.95 * len(v)) - 1)]


class Server:
    """One `findcolor serve` with one project of the photo, at the preset."""

    def __init__(self, binary, photo, preset, preview_format="jpeg"):
        self.binary = binary
        self.preview_format = preview_format
        port = free_port()
        data = tempfile.mkdtemp(prefix="findcolor-bench-")
        # A binary may carry options of its own: "BIN --precision fp32".
        exe, *options = shlex.split(binary)
        self.proc = subprocess.Popen([exe, "serve", "--port", str(port), "--data", data, *options], env=dict(os.environ),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{port}"
        self.previews, self.results, self.server_previews, self.server_results, self.sizes = [], [], [], [], []
        for _ in range(600):
            try:
                request("GET", self.base + "/health")
                break
            except OSError:
                time.sleep(0.1)
        body, headers = multipart("image", os.path.basename(photo), open(photo, "rb").read())
        _, out, _ = request("POST", self.base + "/api/projects", body, headers)
        project = json.loads(out)
        self.pid, self.W, self.H = project["id"], project["width"], project["height"]
        request("PATCH", f"{self.base}/api/projects/{self.pid}/settings", json.dumps({"preset": preset}).encode(),
                {"Content-Type": "application/json"})

    def round(self, r, keep):
        W, H, base, pid = self.W, self.H, self.base, self.pid
        hints = {"hints": [{"x": (40 + 37 * r + 13 * i) % (W - 8), "y": (30 + 23 * r + 29 * i) % (H - 8), "size": 6,
                            "ab": [20.0 - 3 * i, 10.0 + r]} for i in range(3)]}
        request("PUT", f"{base}/api/projects/{pid}/hints", json.dumps(hints).encode(), {"Content-Type": "application/json"})
        tp, bp, hp = request("GET", f"{base}/api/projects/{pid}/preview?format={self.preview_format}")
        tr, br, hr = request("GET", f"{base}/api/projects/{pid}/result")
        if not keep:  # the first round warms up
            return
        self.previews.append(tp)
        self.results.append(tr)
        self.sizes.append((len(bp), len(br), hp.get("Content-Type", "?")))
        if "X-Render-Milliseconds" in hp and "X-Render-Milliseconds" in hr:
            self.server_previews.append(float(hp["X-Render-Milliseconds"]))
            self.server_results.append(float(hr["X-Render-Milliseconds"]))

    def report(self):
        pv, rs = self.previews, self.results
        print(f"preview (GET /preview after a hint change): median {statistics.median(pv):.0f} ms, "
              f"p95 {p95(pv):.0f} ms, min {min(pv):.0f} ms")
        print(f"full resolution (GET /result, PNG): median {statistics.median(rs):.0f} ms, "
              f"p95 {p95(rs):.0f} ms, min {min(rs):.0f} ms")
        if self.server_previews:
            print(f"server-side render time (X-Render-Milliseconds; the rest is HTTP, store and render cache): "
                  f"preview median {statistics.median(self.server_previews):.1f} ms, "
                  f"full resolution median {statistics.median(self.server_results):.1f} ms")
        print(f"bytes: preview {statistics.median(s[0] for s in self.sizes):.0f} ({self.sizes[0][2]}), "
              f"full resolution {statistics.median(s[1] for s in self.sizes):.0f}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", action="append",
                    help="findcolor binary (default .build/release/findcolor), with options of its own if quoted (\"BIN --precision fp32\"); repeat to compare builds round by round")
    ap.add_argument("--photo", default="samples/detroit-1915.jpg")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--preset", default="balanced")
    ap.add_argument("--preview-format", default="jpeg", choices=["jpeg", "png"],
                    help="format of the previews (the web UI asks for jpeg; builds before 2026-12-04 evening "
                         "ignore it and send png)")
    a = ap.parse_args()
    binaries = a.binary or [".build/release/findcolor"]
    servers = []
    try:
        for binary in binaries:
            servers.append(Server(binary, a.photo, a.preset, a.preview_format))
        for r in range(a.rounds + 1):
            # Every other round in reverse order: whichever server runs second in a round was
            # measured up to 25 % slower on this machine (2026-12-04), whichever build it was.
            for server in (servers if r % 2 == 0 else servers[::-1]):
                server.round(r, keep=r > 0)
        s0 = servers[0]
        print(f"photo {a.photo} ({s0.W}×{s0.H}), preset {a.preset}, {a.rounds} rounds, {time.strftime('%Y-%m-%d')}")
        for server in servers:
            if len(servers) > 1:
                print(f"== {server.binary}")
            server.report()
        for server in servers[1:]:
            print(f"{server.binary} / {s0.binary}: preview median "
                  f"{statistics.median(server.previews) / statistics.median(s0.previews):.2f}×, p95 "
                  f"{p95(server.previews) / p95(s0.previews):.2f}×; full resolution median "
                  f"{statistics.median(server.results) / statistics.median(s0.results):.2f}×, p95 "
                  f"{p95(server.results) / p95(s0.results):.2f}×")
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
