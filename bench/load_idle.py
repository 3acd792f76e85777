"""Idle-connection flood plus concurrent uploads against `findcolor serve`, on localhost only.

    python3 bench/load_idle.py --binary .build/release/findcolor            # starts its own server
    python3 bench/load_idle.py --port 8080 --pid $(pgrep -n findcolor)      # a server already running

What it does, for --duration seconds after the flood has been opened:
- opens --idle (default 25,000) TCP connections that send nothing (a fraction, --partial, send half
  a request head and stop: slowloris), and reopens every one the server closes (unless
  --no-reopen), at most --rate new connections per second; the per-process open-file limit is raised to its hard limit and, when
  that is still too low, the connections are spread over several worker processes (reported);
- keeps --uploads (default 64) uploads of small PNGs made here in flight (POST /api/colorize, each
  on a new connection; 200 or 503 with Retry-After are the expected answers);
- asks GET /health on a new connection every --health-interval seconds and times the full answer;
- samples the server's RSS (VmRSS) and reads its peak (VmHWM) from /proc.

Prints a JSON summary (also written to --out): /health latencies (max, p50, p99, over 1 s, failed),
upload answers, connections opened / closed by the server, peak RSS against the server's memory
budget (from /health), and the server's own connection counters. Exit status 0 when /health always
answered within --health-limit seconds and the peak RSS stayed under the budget.

Bounded: at most 50,000 connections, 256 uploads, 600 s, and only loopback addresses.
"""
import argparse
import ipaddress
import json
import multiprocessing
import os
import resource
import selectors
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib

MAX_IDLE = 50_000
MAX_UPLOADS = 256
MAX_DURATION = 600


# --- small PNGs -------------------------------------------------------------------------------

def png_gray(width, height, seed):
    """An 8-bit gray PNG: a gradient with a bright disc (no dependencies)."""
    rows = []
    cx, cy, r2 = width * 0.6, height * 0.4, (min(width, height) / 4) ** 2
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            v = 230 if (x - cx) ** 2 + (y - cy) ** 2 < r2 else (40 + (x + y + seed) * 180 // (width + height)) % 256
            row.append(v)
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")


def multipart(fields):
    boundary = uuid.uuid4().hex
    body = b""
    for name, filename, content in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


# --- raw HTTP ---------------------------------------------------------------------------------

def http_request(host, port, raw, timeout):
    """Sends `raw` on a new connection; returns (status, headers, body, seconds) or raises.
    `_local.connect_s` holds the time the TCP connection took (per thread)."""
    start = time.perf_counter()
    with socket.create_connection((host, port), timeout=timeout) as s:
        _local.connect_s = time.perf_counter() - start
        s.settimeout(timeout)
        s.sendall(raw)
        data = b""
        while True:
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                head = data[:end].decode("latin-1").split("\r\n")
                status = int(head[0].split(" ")[1])
                headers = {}
                for line in head[1:]:
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
                length = int(headers.get("content-length", "0"))
                if len(data) - end - 4 >= length:
                    return status, headers, data[end + 4:end + 4 + length], time.perf_counter() - start
            if time.perf_counter() - start > timeout:
                raise TimeoutError("no complete answer")
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("closed before a complete answer")
            data += chunk


_local = threading.local()


def get(host, port, path, timeout=5.0):
    raw = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()
    return http_request(host, port, raw, timeout)


# --- idle connections (worker processes) ------------------------------------------------------

def raise_nofile():
    """Raises the open-file limit as far as the OS allows; returns (soft, hard) afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_IDLE + 1000
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, max(hard, wanted)))  # needs privilege above hard
    except (ValueError, OSError):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def idle_worker(index, host, port, count, rate, partial, duration, start_at, source, reopen, results):
    """Opens `count` connections, holds them, reopens those the server closes (with `reopen`);
    reports counts."""
    raise_nofile()
    sel = selectors.DefaultSelector()
    stats = dict(opened=0, closed_by_server=0, connect_errors=0, max_open=0, got_408=0, got_503=0, other_answers=0)
    open_now = 0
    partial_head = f"GET /health HTTP/1.1\r\nHost: {host}:{port}\r\nX-Slow: ".encode()
    interval = 1.0 / rate if rate > 0 else 0.0
    next_time = time.monotonic()
    pending = count  # connections to (re)open
    opened_serial = 0
    while time.time() < start_at:
        time.sleep(0.01)
    end = time.monotonic() + duration
    while time.monotonic() < end:
        # Open what is missing, at most `rate` per second.
        while pending > 0 and time.monotonic() >= next_time and time.monotonic() < end:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                if source:
                    s.bind((source, 0))
                s.setblocking(False)
                err = s.connect_ex((host, port))
                if err not in (0, 115):  # EINPROGRESS
                    raise OSError(err, os.strerror(err))
            except OSError:
                stats["connect_errors"] += 1
                s.close()
                next_time += max(interval, 0.001)
                if stats["connect_errors"] % 100 == 0:
                    time.sleep(0.1)
                continue
            opened_serial += 1
            slow = partial > 0 and (opened_serial % max(1, round(1 / partial)) == 0)
            sel.register(s, selectors.EVENT_READ | (selectors.EVENT_WRITE if slow else 0), slow)
            pending -= 1
            open_now += 1
            stats["opened"] += 1
            stats["max_open"] = max(stats["max_open"], open_now)
            next_time += interval
        timeout = max(0.0, min(0.05, next_time - time.monotonic())) if pending > 0 else 0.05
        for key, events in sel.select(timeout=timeout):
            s = key.fileobj
            if events & selectors.EVENT_WRITE:
                try:
                    s.send(partial_head)
                except OSError:
                    pass
                sel.modify(s, selectors.EVENT_READ, key.data)
                continue
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data:
                if data.startswith(b"HTTP/1.1 408"):
                    stats["got_408"] += 1
                elif data.startswith(b"HTTP/1.1 503"):
                    stats["got_503"] += 1
                else:
                    stats["other_answers"] += 1
                continue  # wait for the close
            sel.unregister(s)
            s.close()
            open_now -= 1
            stats["closed_by_server"] += 1
            if reopen:
                pending += 1
    stats["open_at_end"] = open_now
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    results.put((index, stats))


# --- uploads and health -----------------------------------------------------------------------

class Uploads:
    def __init__(self, host, port, concurrency, deadline, size):
        self.host, self.port, self.deadline = host, port, deadline
        self.lock = threading.Lock()
        self.statuses = {}
        self.errors = 0
        self.missing_retry_after = 0
        self.seconds = []
        width, height = size
        pngs = [png_gray(width + 8 * i, height + 6 * i, i) for i in range(4)]
        self.requests = []
        for i, png in enumerate(pngs):
            body, ctype = multipart([("image", f"load-{i}.png", png), ("preset", None, b"fast")])
            head = (f"POST /api/colorize HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {ctype}\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
            self.requests.append(head + body)
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(concurrency)]

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        for t in self.threads:
            t.join()

    def run(self, i):
        n = 0
        while time.monotonic() < self.deadline:
            raw = self.requests[(i + n) % len(self.requests)]
            n += 1
            try:
                status, headers, _, seconds = http_request(self.host, self.port, raw, timeout=120)
            except Exception:
                with self.lock:
                    self.errors += 1
                time.sleep(0.2)
                continue
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                self.seconds.append(seconds)
                if status == 503 and "retry-after" not in headers:
                    self.missing_retry_after += 1
            if status == 503:
                time.sleep(0.2)


def health_poller(host, port, interval, deadline, out):
    while time.monotonic() < deadline:
        t = time.monotonic()
        try:
            status, _, _, seconds = get(host, port, "/health", timeout=10)
            out.append((time.time(), status, seconds, _local.connect_s))
        except Exception as e:
            out.append((time.time(), None, 10.0 if isinstance(e, TimeoutError) else time.monotonic() - t, None))
        time.sleep(max(0.0, interval - (time.monotonic() - t)))


def rss_sampler(pid, deadline, out):
    while time.monotonic() < deadline:
        out.append((time.time(), read_status(pid).get("VmRSS", 0)))
        time.sleep(0.1)


def read_status(pid):
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0]) * 1024
    except OSError:
        pass
    return values


def listen_overflows():
    """The kernel's count of connections dropped because an accept queue was full (all sockets)."""
    try:
        with open("/proc/net/netstat") as f:
            lines = f.read().splitlines()
        for names, values in zip(lines[::2], lines[1::2]):
            if names.startswith("TcpExt:"):
                table = dict(zip(names.split()[1:], values.split()[1:]))
                return int(table.get("ListenOverflows", 0))
    except (OSError, ValueError):
        pass
    return None


def server_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def percentile(values, q):
    values = sorted(values)
    if not values:
        return None
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="start this findcolor binary (serve) on a free port; stopped at the end")
    ap.add_argument("--serve-args", default="", help="extra arguments for `findcolor serve` (with --binary)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--pid", type=int, help="the server's process id (for RSS), when not started here")
    ap.add_argument("--idle", type=int, default=25_000)
    ap.add_argument("--partial", type=float, default=0.1, help="fraction of idle connections that send half a head")
    ap.add_argument("--rate", type=float, default=5000, help="new idle connections per second, all workers together")
    ap.add_argument("--no-reopen", action="store_true", help="open the --idle connections once, do not reopen closed ones")
    ap.add_argument("--uploads", type=int, default=64)
    ap.add_argument("--upload-size", default="96x72", help="width x height of the uploaded PNGs (4 sizes from this up)")
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--health-interval", type=float, default=0.1)
    ap.add_argument("--health-limit", type=float, default=1.0)
    ap.add_argument("--out", help="write the JSON summary here too")
    a = ap.parse_args()

    if not ipaddress.ip_address(socket.gethostbyname(a.host)).is_loopback:
        sys.exit("load_idle.py only runs against loopback addresses")
    a.idle = max(0, min(a.idle, MAX_IDLE))
    a.uploads = max(0, min(a.uploads, MAX_UPLOADS))
    a.duration = max(1.0, min(a.duration, MAX_DURATION))
    upload_size = tuple(int(v) for v in a.upload_size.lower().split("x"))
    if len(upload_size) != 2 or not (16 <= upload_size[0] <= 4096 and 16 <= upload_size[1] <= 4096):
        sys.exit("--upload-size must be WxH with sides in 16…4096")

    soft, hard = raise_nofile()
    proc = None
    data_dir = None
    if a.binary:
        s = socket.socket()
        s.bind((a.host, 0))
        a.port = s.getsockname()[1]
        s.close()
        data_dir = tempfile.mkdtemp(prefix="findcolor-load-")
        cmd = [a.binary, "serve", "--host", a.host, "--port", str(a.port), "--data", data_dir] + a.serve_args.split()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        a.pid = proc.pid
    try:
        for _ in range(600):
            try:
                get(a.host, a.port, "/health", timeout=2)
                break
            except Exception:
                if proc and proc.poll() is not None:
                    sys.exit("the server exited: " + proc.stderr.read().decode(errors="replace"))
                time.sleep(0.1)
        status, _, body, _ = get(a.host, a.port, "/health")
        before = json.loads(body)
        budget = before.get("limits", {}).get("memoryBudgetBytes")
        overflows_before = listen_overflows()

        uploads = Uploads(a.host, a.port, a.uploads, 0, upload_size)  # the PNGs are made before the clock starts

        # Idle connections, spread over processes within each one's open-file limit.
        per_process = max(100, soft - 200)
        workers = max(1, -(-a.idle // per_process)) if a.idle else 0
        share = [a.idle // workers + (1 if i < a.idle % workers else 0) for i in range(workers)] if workers else []
        ctx = multiprocessing.get_context("fork")
        results = ctx.Queue()
        start_at = time.time() + 0.5
        procs = []
        for i, n in enumerate(share):
            source = f"127.0.0.{10 + i}" if a.host.startswith("127.") else None
            p = ctx.Process(target=idle_worker, args=(i, a.host, a.port, n, a.rate / workers, a.partial,
                                                      a.duration, start_at, source, not a.no_reopen, results), daemon=True)
            p.start()
            procs.append(p)
        while time.time() < start_at:
            time.sleep(0.01)
        t0 = time.monotonic()
        deadline = t0 + a.duration
        health, rss = [], []
        threads = [threading.Thread(target=health_poller, args=(a.host, a.port, a.health_interval, deadline, health), daemon=True)]
        if a.pid:
            threads.append(threading.Thread(target=rss_sampler, args=(a.pid, deadline, rss), daemon=True))
        for t in threads:
            t.start()
        # The uploads start once the flood has been opened (or a third of the way in).
        ramp = min(a.duration / 3, a.idle / a.rate if a.rate > 0 else 0)
        time.sleep(ramp)
        fds_during = server_fds(a.pid) if a.pid else None
        uploads.deadline = deadline
        uploads.start()
        uploads.join()
        for t in threads:
            t.join()
        worker_stats = {}
        for _ in procs:
            index, stats = results.get(timeout=60)
            worker_stats[index] = stats
        for p in procs:
            p.join(timeout=10)
        status, _, body, _ = get(a.host, a.port, "/health", timeout=10)
        after = json.loads(body)
        peak = read_status(a.pid).get("VmHWM") if a.pid else None
        overflows_after = listen_overflows()

        latencies = [s for _, st, s, _ in health if st == 200]
        connects = [c for _, st, _, c in health if st == 200 and c is not None]
        failed = [1 for _, st, _, _ in health if st != 200]
        totals = {k: sum(ws[k] for ws in worker_stats.values()) for k in
                  ("opened", "closed_by_server", "connect_errors", "max_open", "open_at_end", "got_408", "got_503", "other_answers")}
        summary = {
            "idle_connections_target": a.idle,
            "reopen": not a.no_reopen,
            "rate_per_s": a.rate,
            "client_open_file_limit": [soft, hard],
            "idle_worker_processes": workers,
            "idle": totals,
            "health": {
                "requests": len(health), "ok": len(latencies), "failed": len(failed),
                "max_s": round(max(latencies), 4) if latencies else None,
                "p50_s": round(statistics.median(latencies), 4) if latencies else None,
                "p99_s": round(percentile(latencies, 0.99), 4) if latencies else None,
                "over_limit": sum(1 for s in latencies if s > a.health_limit) + len(failed),
                "max_connect_s": round(max(connects), 4) if connects else None,
                "slowest": [{"t": round(t - health[0][0], 2), "s": round(s, 3), "connect_s": round(c, 3) if c else None}
                            for t, st, s, c in sorted(health, key=lambda h: -h[2])[:5]],
                "limit_s": a.health_limit,
            },
            "uploads": {
                "concurrency": a.uploads,
                "size": a.upload_size,
                "answers": {str(k): v for k, v in sorted(uploads.statuses.items())},
                "errors": uploads.errors,
                "503_without_retry_after": uploads.missing_retry_after,
                "median_s": round(statistics.median(uploads.seconds), 3) if uploads.seconds else None,
            },
            "server": {
                "pid": a.pid,
                "peak_rss_bytes": peak,
                "max_sampled_rss_bytes": max((r for _, r in rss), default=None),
                "memory_budget_bytes": budget,
                "peak_rss_under_budget": (peak < budget) if peak and budget else None,
                "open_fds_during_flood": fds_during,
                "connections": after.get("connections"),
                "memory": after.get("memory"),
                "queue": after.get("queue"),
                "limits": after.get("limits"),
            },
            "kernel_listen_overflows": (overflows_after - overflows_before) if overflows_before is not None else None,
            "duration_s": a.duration,
        }
        text = json.dumps(summary, indent=2)
        print(text)
        if a.out:
            with open(a.out, "w") as f:
                f.write(text + "\n")
        ok = summary["health"]["over_limit"] == 0 and summary["health"]["ok"] > 0 and (summary["server"]["peak_rss_under_budget"] is not False)
        sys.exit(0 if ok else 1)
    finally:
        if proc:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if data_dir:
            subprocess.run(["rm", "-rf", data_dir])


if __name__ == "__main__":
    main()
