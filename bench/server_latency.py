"""Preview latency and full-resolution time of the web app's projects API, measured over HTTP on
localhost against a running `findcolor serve` (started here, on a free port, temporary data dir).

    python3 bench/server_latency.py --binary .build/release/findcolor --photo samples/detroit-1915.jpg

Each round changes the hints (PUT, as the UI does after a click), then times GET preview (the
preview the UI shows after each change) and GET result (full resolution, PNG). The server caches
renders by project state, so every round uses a new hint set. Prints medians and 95th percentiles over --rounds and
the server-side time the API reports when available.
"""
import argparse
import json
import os
import socket
import math
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=".build/release/findcolor")
    ap.add_argument("--photo", default="samples/detroit-1915.jpg")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--preset", default="balanced")
    a = ap.parse_args()
    port = free_port()
    data = tempfile.mkdtemp(prefix="findcolor-bench-")
    env = dict(os.environ)
    proc = subprocess.Popen([a.binary, "serve", "--port", str(port), "--data", data], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                request("GET", base + "/health")
                break
            except OSError:
                time.sleep(0.1)
        body, headers = multipart("image", os.path.basename(a.photo), open(a.photo, "rb").read())
        _, out, _ = request("POST", base + "/api/projects", body, headers)
        project = json.loads(out)
        pid, W, H = project["id"], project["width"], project["height"]
        request("PATCH", f"{base}/api/projects/{pid}/settings", json.dumps({"preset": a.preset}).encode(),
                {"Content-Type": "application/json"})
        previews, results = [], []
        for r in range(a.rounds + 1):
            hints = {"hints": [{"x": (40 + 37 * r + 13 * i) % (W - 8), "y": (30 + 23 * r + 29 * i) % (H - 8), "size": 6,
                                "ab": [20.0 - 3 * i, 10.0 + r]} for i in range(3)]}
            request("PUT", f"{base}/api/projects/{pid}/hints", json.dumps(hints).encode(), {"Content-Type": "application/json"})
            tp, _, _ = request("GET", f"{base}/api/projects/{pid}/preview")
            tr, _, _ = request("GET", f"{base}/api/projects/{pid}/result")
            if r > 0:  # the first round warms up
                previews.append(tp)
                results.append(tr)
        print(f"photo {a.photo} ({W}×{H}), preset {a.preset}, {a.rounds} rounds, {time.strftime('%Y-%m-%d')}")
        def p95(v):  # nearest-rank 95th percentile
            return sorted(v)[max(0, math.ceil(0.95 * len(v)) - 1)]
        print(f"preview (GET /preview after a hint change): median {statistics.median(previews):.0f} ms, "
              f"p95 {p95(previews):.0f} ms, min {min(previews):.0f} ms")
        print(f"full resolution (GET /result, PNG): median {statistics.median(results):.0f} ms, "
              f"p95 {p95(results):.0f} ms, min {min(results):.0f} ms")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
