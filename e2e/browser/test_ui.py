#!/usr/bin/env python3
"""Real-browser test of the FindColor web UI.

Starts the built `findcolor serve` on a free localhost port with a temporary data directory, opens
the UI in headless Chromium (Selenium + chromedriver) and works through it as a user would:

- uploads a synthetic black-and-white photo; adds colour hints by clicking (a new hint takes the
  model's top suggestion, or a colour picked beforehand); recolours one from the suggestions; undo
  and redo; drags a hint with the previews slowed down (intermediate previews are shown, at most one
  render request is in flight, only the newest position is sent, no full render before the drop,
  the drop is one undo step); vividness and the before/after slider from the keyboard;
- a reference photo by the file picker; "Painted region" before painting (the reference colours
  nothing); region brush strokes, the eraser, "Clear region", undo/redo of strokes by keyboard with
  the brush and eraser active, each checked on the API's result pixels inside and outside the region
  (CIE Lab), and the before/after split moving to show what was painted;
- a refused (gray) reference: the error toast is off the photo and the status says "Up to date";
- reopening (a page reload): hints, reference, region and the undo history are restored;
- a reference replaced by drag and drop, undone; dark-area suggestions shown lifted;
- the repair (issue 15): "Repair damage" on (the damage found shown as an overlay), "Mark damage"
  and "Unmark" strokes saved as the project's repair mask and rendered (checked on the API's mask and
  result), denoise and fade, "Reset edits", the tools at 800 px, off again and undo/redo of the switch;
- the project card showing the latest result;
- the layout at 1920×1080, 1366×757, 800×700 and 390×844 (no horizontal overflow, status visible,
  toolbar inside the window, nothing overlapping, brush tools inside the window, side panel under
  the photo when narrow, reference controls and brush tools above the fold on a laptop screen), with
  a screenshot of each.

The UI has no hooks for this test: it observes the page as a user would (the DOM, the buttons'
states and tooltips, the status line), the server through its API, and the page's requests through
its own fetch() wrapper, evaluated before the page's scripts (see INSTRUMENTATION).

Needs: `pip install selenium` and Debian's `chromium` and `chromium-driver`
(`apt-get install -y chromium chromium-driver`).

    python3 e2e/browser/test_ui.py --binary .build/release/findcolor [--screenshot docs/screenshot.png]

The screenshot (region mode, the region outlined) goes to --screenshot; the four window sizes next to it as
<name>-<width>x<height>.png. Environment: FINDCOLOR_BINARY (default for --binary),
FINDCOLOR_SCREENSHOT (default for --screenshot, else docs/screenshot.png), FINDCOLOR_MODEL (passed
through to the server). Exit status 0 when every check passed.
"""

import argparse
import base64
import json
import math
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import zlib

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The window sizes the layout is checked at (the last three are the laptop, tablet and phone).
SIZES = [(1920, 1080), (1366, 757), (800, 700), (390, 844)]


# MARK: Synthetic photos (pure Python PNG, no imaging library needed)


def png_bytes(width, height, pixel, channels=1):
    """An 8-bit PNG; pixel(x, y) returns 0..255 (gray) or an (r, g, b) tuple (channels=3)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            value = pixel(x, y)
            if channels == 1:
                rows.append(max(0, min(255, int(value))))
            else:
                rows.extend(max(0, min(255, int(v))) for v in value)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    colour_type = 0 if channels == 1 else 2
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(bytes(rows), 9))
    png += chunk(b"IEND", b"")
    return png


def write_png(path, width, height, pixel, channels=1):
    with open(path, "wb") as f:
        f.write(png_bytes(width, height, pixel, channels))


def landscape(width, height):
    """A gray landscape: sky gradient, sun, hills, a house with a black door and a roof, a tree, grain."""
    horizon = int(height * 0.58)

    def pixel(x, y):
        u, v = x / width, y / height
        grain = ((x * 7919 + y * 104729) % 23) - 11
        sun = math.hypot(x - width * 0.78, y - height * 0.2)
        if sun < height * 0.08:
            return 238
        hill = horizon - height * 0.07 * math.sin(u * 5.5) - height * 0.04 * math.sin(u * 13 + 1)
        # house
        hx0, hx1, hy0, hy1 = width * 0.2, width * 0.42, height * 0.52, height * 0.8
        if hx0 <= x <= hx1 and hy0 <= y <= hy1:
            if width * 0.28 <= x <= width * 0.33 and y >= height * 0.66:
                return 6 + (grain % 3)  # an open door: nearly black (L* about 2)
            if (width * 0.23 <= x <= width * 0.26 or width * 0.36 <= x <= width * 0.39) and height * 0.58 <= y <= height * 0.65:
                return 210  # windows
            return 175 + grain
        roof_top = height * 0.36
        if hy0 - (hy0 - roof_top) * (1 - abs(x - (hx0 + hx1) / 2) / ((hx1 - hx0) / 2 + width * 0.02)) <= y < hy0 and hx0 - width * 0.02 <= x <= hx1 + width * 0.02:
            return 85 + grain
        # tree
        if math.hypot(x - width * 0.62, y - height * 0.45) < height * 0.14:
            return 70 + grain + 10 * math.sin(x * 0.7) * math.sin(y * 0.6)
        if width * 0.61 <= x <= width * 0.635 and height * 0.5 <= y <= height * 0.78:
            return 60 + grain
        if y < hill:
            return 150 + 70 * (v / 0.6) + grain * 0.4  # sky: darker at the top
        return 120 - 50 * (v - 0.58) / 0.42 + grain  # field

    return pixel


def vivid_reference(width, height, hue):
    """A colour photo with strong colours at every lightness (so the reference visibly changes a region)."""

    def pixel(x, y):
        v = y / height
        t = 0.5 + 0.5 * math.sin(x * 0.09)
        level = 40 + 200 * v
        if hue == "purple":
            return (level, 25 + 20 * t, 255 - level * 0.6)
        return (30 + 30 * t, level, 50)  # green

    return pixel


# MARK: Reading PNG results and comparing colours


def read_png(data):
    """Decodes an 8-bit gray, gray+alpha, RGB or RGBA PNG (non-interlaced) into (width, height, rows of RGB)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and interlace == 0, f"unsupported PNG (depth {depth}, interlace {interlace})"
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, offset = [], bytearray(stride), 0
    for _ in range(height):
        kind = raw[offset]
        line = bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 255
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                line[i] = (line[i] + predictor) & 255
        previous = line
        if channels in (1, 2):
            rows.append([(line[x * channels],) * 3 for x in range(width)])
        else:
            rows.append([tuple(line[x * channels:x * channels + 3]) for x in range(width)])
    return width, height, rows


def srgb_to_lab(rgb):
    def linear(c):
        c /= 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def mean_ab_change(before, after, box):
    """Mean a*b* distance between two decoded images over box = (x0, y0, x1, y1) (every 2nd pixel)."""
    x0, y0, x1, y1 = box
    total, count = 0.0, 0
    for y in range(y0, y1, 2):
        for x in range(x0, x1, 2):
            _, a0, b0 = srgb_to_lab(before[2][y][x])
            _, a1, b1 = srgb_to_lab(after[2][y][x])
            total += math.hypot(a1 - a0, b1 - b0)
            count += 1
    return total / max(1, count)


def mean_chroma(image, box):
    x0, y0, x1, y1 = box
    total, count = 0.0, 0
    for y in range(y0, y1, 2):
        for x in range(x0, x1, 2):
            _, a, b = srgb_to_lab(image[2][y][x])
            total += math.hypot(a, b)
            count += 1
    return total / max(1, count)


def mean_lightness_change(before, after, box):
    """Mean |ΔL*| between two decoded images over box = (x0, y0, x1, y1) (every 2nd pixel)."""
    x0, y0, x1, y1 = box
    total, count = 0.0, 0
    for y in range(y0, y1, 2):
        for x in range(x0, x1, 2):
            total += abs(srgb_to_lab(after[2][y][x])[0] - srgb_to_lab(before[2][y][x])[0])
            count += 1
    return total / max(1, count)


def level_fraction(mask, box, low, high):
    """Share of the box whose gray value is in low..high (a repair mask: 255 add, 128 erase, 0 as detected)."""
    x0, y0, x1, y1 = box
    hits = count = 0
    for y in range(y0, y1):
        for x in range(x0, x1):
            hits += low <= mask[2][y][x][0] <= high
            count += 1
    return hits / max(1, count)


def white_fraction(mask, box):
    """Share of the box that is painted in a region mask PNG (white = region)."""
    x0, y0, x1, y1 = box
    hits = count = 0
    for y in range(y0, y1):
        for x in range(x0, x1):
            hits += mask[2][y][x][0] > 127
            count += 1
    return hits / max(1, count)


# MARK: Server


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def wait_for_health(base, process, log_path, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}:\n{read_tail(log_path)}")
        try:
            health = get_json(base + "/health", timeout=2)
            if health.get("status") == "ok":
                return health
        except (urllib.error.URLError, ConnectionError, OSError, ValueError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the server did not answer /health within {timeout} s:\n{read_tail(log_path)}")


def read_tail(path, lines=40):
    try:
        with open(path, "r", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


# MARK: Browser

# The test's own instrumentation, evaluated in every page before the page's scripts (CDP
# Page.addScriptToEvaluateOnNewDocument), so that the UI needs no hooks for the test: it wraps
# fetch() and logs each request (method, path, body, start, end, status) and how many are in flight;
# `delay` holds extra milliseconds to answer requests whose path contains a key (a slow server).
INSTRUMENTATION = """
(() => {
  const realFetch = window.fetch.bind(window);
  const probe = { log: [], inflight: 0, delay: {} };
  Object.defineProperty(window, "__uiTest", { value: probe });
  window.fetch = async (input, init = {}) => {
    const url = new URL(typeof input === "string" ? input : input.url, location.href);
    const entry = { method: (init.method || "GET").toUpperCase(), path: url.pathname + url.search,
                    body: typeof init.body === "string" ? init.body : null, start: performance.now(), end: null, status: null };
    probe.log.push(entry);
    probe.inflight++;
    try {
      const response = await realFetch(input, init);
      const extra = Object.entries(probe.delay).find(([key]) => entry.path.includes(key));
      if (extra && extra[1] > 0) await new Promise((resolve) => setTimeout(resolve, extra[1]));
      entry.status = response.status;
      return response;
    } catch (error) {
      entry.status = 0;
      throw error;
    } finally {
      entry.end = performance.now();
      probe.inflight--;
    }
  };
})();
"""

# Requests of the log (`__uiTest.log`) that fetch the full-resolution result (JavaScript and Python).
IS_RESULT = "((e) => e.method === 'GET' && /[/]result[?]format=png$/.test(e.path))"


def is_result(entry):
    return entry["method"] == "GET" and re.search(r"/result\?format=png$", entry["path"]) is not None


def is_preview(entry):
    """A preview (the UI asks for it as JPEG: `/preview?format=jpeg`)."""
    return entry["method"] == "GET" and re.search(r"/preview([?]|$)", entry["path"]) is not None


def is_render(entry):
    """A request that renders or changes what is rendered: a hint change, a preview, the full result."""
    return is_preview(entry) or is_result(entry) or (entry["method"] == "PATCH" and "/hints/" in entry["path"])


def start_browser(width, height):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for binary in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
        if os.path.exists(binary):
            options.binary_location = binary
            break
    options.add_argument("--headless=new")
    options.add_argument("--no-sandbox")
    options.add_argument("--disable-gpu")
    options.add_argument("--disable-dev-shm-usage")
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument("--force-device-scale-factor=1")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": INSTRUMENTATION})
    return driver


def fit_viewport(driver, width, height):
    """Resizes the window so that the page itself (the viewport) is width × height."""
    driver.get("about:blank")
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight];")
    outer = driver.get_window_size()
    driver.set_window_size(outer["width"] + width - inner[0], outer["height"] + height - inner[1])


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, condition, what):
        if condition:
            self.passed += 1
            print(f"  ok   {what}")
        else:
            self.failed += 1
            print(f"  FAIL {what}")
        return condition


def wait_js(driver, expression, timeout, what):
    """Waits until the JavaScript expression is truthy; returns its value."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = driver.execute_script(f"return ({expression});")
        if last:
            return last
        errors = driver.execute_script(
            "return Array.from(document.querySelectorAll('.toast-error .toast-text')).map(e => e.textContent);")
        if errors:
            raise AssertionError(f"the UI shows an error while waiting for {what}: {errors}")
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last value: {last!r})")


def get_bytes(url, timeout=60):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def set_viewport(driver, width, height):
    """Makes the page's viewport width × height without reloading it (device metrics override)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    time.sleep(0.3)


def rect_of(driver, selector):
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); if (!e) return null;"
        "const r = e.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height, r: r.right, b: r.bottom};",
        selector)


def overlaps(a, b):
    return a and b and a["x"] < b["r"] and b["x"] < a["r"] and a["y"] < b["b"] and b["y"] < a["b"]


def dismiss_toasts(driver):
    driver.execute_script("document.querySelectorAll('.toast').forEach((t) => t.remove());")


def press(driver, *keys, modifier=None):
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(driver)
    if modifier:
        chain.key_down(modifier)
    for key in keys:
        chain.send_keys(key)
    if modifier:
        chain.key_up(modifier)
    chain.perform()


CTRL, SHIFT, ESCAPE, LEFT, RIGHT = "\ue009", "\ue008", "\ue00c", "\ue012", "\ue014"


class UI:
    """The page, the API and the checks for one run."""

    def __init__(self, driver, base, timeout, checks):
        self.driver, self.base, self.timeout, self.checks = driver, base, timeout, checks
        self.project_id = None

    # API

    def project(self):
        return get_json(f"{self.base}/api/projects/{self.project_id}")

    def result(self):
        return read_png(get_bytes(f"{self.base}/api/projects/{self.project_id}/result?format=png"))

    def region(self):
        return read_png(get_bytes(f"{self.base}/api/projects/{self.project_id}/region"))

    # Page

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, expression, what, timeout=None, allow_errors=False):
        if allow_errors:
            deadline = time.time() + (timeout or self.timeout)
            while time.time() < deadline:
                value = self.js(f"return ({expression});")
                if value:
                    return value
                time.sleep(0.2)
            raise AssertionError(f"timed out waiting for {what}")
        return wait_js(self.driver, expression, timeout or self.timeout, what)

    def mark(self):
        """The number of requests the page has made so far (a point in its request log)."""
        return int(self.js("return window.__uiTest.log.length;"))

    def requests(self, since=0):
        """The page's requests after mark `since`: dicts with method, path, body, start, end, status."""
        return self.js("return window.__uiTest.log.slice(arguments[0]);", since)

    def count(self, method, pattern, since=0):
        """How many requests after `since` were answered 200 whose path matches the regular expression."""
        return self.js("return window.__uiTest.log.slice(arguments[0]).filter((e) => e.method === arguments[1]"
                       " && e.status === 200 && new RegExp(arguments[2]).test(e.path)).length;", since, method, pattern)

    def wait_request(self, method, pattern, since, what):
        self.wait(f"window.__uiTest.log.slice({since}).some((e) => e.method === {json.dumps(method)}"
                  f" && e.status !== null && new RegExp({json.dumps(pattern)}).test(e.path))", what)

    def settled(self, since, what, changed=True):
        """Waits until a change was sent after mark `since` (unless `changed` is false), the full-resolution
        result was fetched after the last change, nothing is in flight and the status says so."""
        self.wait(f"""(() => {{
            const log = window.__uiTest.log;
            const changes = log.filter((e) => e.method !== 'GET');
            if ({'true' if changed else 'false'} && !log.slice({since}).some((e) => e.method !== 'GET')) return false;
            const last = Math.max(0, ...changes.map((e) => e.end ?? Infinity));
            return window.__uiTest.inflight === 0
              && log.slice({since}).some((e) => {IS_RESULT}(e) && e.status === 200 && e.start >= last)
              && document.getElementById('status').textContent === 'Up to date'; }})()""",
                  f"the result after {what}", self.timeout * 2)

    def idle(self, what):
        """Waits until the full-resolution result is shown and no request is in flight."""
        self.wait("window.__uiTest.inflight === 0 && document.getElementById('status').textContent === 'Up to date'", what)

    def hint_count(self):
        return int(self.js("return document.querySelectorAll('#hint-layer .hint').length;"))

    def wait_hints(self, n, what):
        self.wait(f"document.querySelectorAll('#hint-layer .hint').length === {n}", what)

    def mask_painted(self):
        """The region holds a painted mask (the panel's “Clear region” applies)."""
        return not self.js("return document.getElementById('btn-clear-region').disabled;")

    def wait_mask(self, painted, what):
        self.wait(f"document.getElementById('btn-clear-region').disabled === {'false' if painted else 'true'}", what)

    def undo_titles(self):
        """The undo and redo buttons' tooltips (they name the step each would take)."""
        return self.js("return [document.getElementById('btn-undo').title, document.getElementById('btn-redo').title];")

    def wait_api(self, predicate, what):
        deadline = time.time() + self.timeout
        project = None
        while time.time() < deadline:
            project = self.project()
            if predicate(project):
                return project
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for the API to show {what}")

    def saved_history_revision(self):
        """The project revision the page's saved undo history (IndexedDB) belongs to, or None."""
        return self.driver.execute_async_script("""
            const [id, done] = arguments;
            const request = indexedDB.open('findcolor-history');
            request.onupgradeneeded = () => request.transaction.abort();  // none yet: create nothing
            request.onerror = () => done(null);
            request.onsuccess = () => {
              const db = request.result;
              try {
                const get = db.transaction('histories', 'readonly').objectStore('histories').get(id);
                get.onsuccess = () => { db.close(); done(get.result ? get.result.revision : null); };
                get.onerror = () => { db.close(); done(null); };
              } catch (error) { db.close(); done(null); }
            };""", self.project_id)

    def wait_history_saved(self):
        """Waits until the undo history is saved for the project's current revision (before a reload)."""
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            revision = self.project()["revision"]
            if self.saved_history_revision() == revision:
                return revision
            time.sleep(0.2)
        raise AssertionError("timed out waiting for the undo history to be saved")

    def photo_rect(self):
        return rect_of(self.driver, "#photo")

    def click_photo(self, u, v, button="left"):
        """Clicks the photo at fractions (u, v) of its width and height."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By

        layer = self.driver.find_element(By.ID, "hint-layer")
        r = self.photo_rect()
        ActionChains(self.driver).move_to_element_with_offset(layer, int((u - 0.5) * r["w"]), int((v - 0.5) * r["h"])).click().perform()

    def stroke(self, points):
        """Drags across the photo through points given as fractions (the brush or eraser paints)."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By

        mask = self.driver.find_element(By.ID, "mask-canvas")
        r = self.photo_rect()
        offsets = [(int((u - 0.5) * r["w"]), int((v - 0.5) * r["h"])) for u, v in points]
        chain = ActionChains(self.driver).move_to_element_with_offset(mask, *offsets[0]).click_and_hold()
        previous = offsets[0]
        for point in offsets[1:]:
            steps = 6
            for i in range(1, steps + 1):
                chain.move_to_element_with_offset(mask, previous[0] + (point[0] - previous[0]) * i // steps,
                                                  previous[1] + (point[1] - previous[1]) * i // steps)
            previous = point
        chain.release().perform()

    def click(self, selector):
        self.driver.find_element("css selector", selector).click()

    def pressed(self, selector):
        return self.js("return document.querySelector(arguments[0])?.getAttribute('aria-pressed');", selector) == "true"

    def split(self):
        return int(self.js("return document.getElementById('slider').getAttribute('aria-valuenow');"))

    def drop_file(self, selector, data, name, mime):
        """Drops a file on an element as a user dragging it from the desktop would."""
        self.js("""
            const [selector, b64, name, type] = arguments;
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type }));
            const target = document.querySelector(selector);
            for (const kind of ["dragenter", "dragover", "drop"]) {
              target.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer: transfer }));
            }""", selector, base64.b64encode(data).decode("ascii"), name, mime)

    def box(self, photo, u0, v0, u1, v1):
        w, h = photo["width"], photo["height"]
        return (int(u0 * w), int(v0 * h), int(u1 * w), int(v1 * h))

    def console_errors(self):
        return [m for level, m in self.console_log() if level == "SEVERE"]

    def console_messages(self):
        return [m for _, m in self.console_log()]

    def console_log(self):
        """Every console message so far (the driver hands each out once, so they are kept here)."""
        try:
            self.log = getattr(self, "log", []) + [(e.get("level"), e["message"]) for e in self.driver.get_log("browser")]
        except Exception:  # some drivers have no log endpoint
            self.log = getattr(self, "log", [])
        return self.log


def check_dark_suggestions(ui, driver):
    """A hint on the black door: its suggestions are drawn lifted and can be told apart; then undone."""
    check = ui.checks.check
    ui.click_photo(0.305, 0.74)  # the black door
    ui.wait_hints(3, "a hint on the dark door")
    ui.wait("document.querySelectorAll('#suggestions .swatch').length >= 3", "suggestions on the door")
    dark = ui.js("""
        const s = [...document.querySelectorAll('#suggestions .swatch')];
        const shownAt = (e) => Number((/shown at L[*] ([0-9]+)/.exec(e.title) || [])[1] ?? NaN);
        return { L: Number(document.getElementById('lightness').value), shown: s.map(shownAt),
                 colours: new Set(s.map((e) => getComputedStyle(e).backgroundColor)).size, count: s.length,
                 note: document.getElementById('suggestions-note').textContent };""")
    check(dark["L"] < 10 and all(v >= 40 for v in dark["shown"]),
          f"suggestions at L* {dark['L']} are shown at L* {sorted(set(dark['shown']))} ({dark['note']})")
    check(dark["colours"] >= min(3, dark["count"]), f"the dark suggestions can be told apart ({dark['colours']} distinct of {dark['count']})")
    v = ui.mark()
    press(driver, "z", modifier=CTRL)
    ui.wait_hints(2, "undo of the door hint")
    ui.settled(v, "the last undo")


# Extra time the test adds to every preview answer while a hint is dragged (a slow server), so that
# pointer moves come much faster than previews and stale positions would pile up if they were queued.
SLOW_PREVIEW_MS = 300


def check_live_drag(ui, driver):
    """Drags the sky hint across the photo: intermediate previews are shown while dragging, at most one
    render request is in flight, only the newest position is sent (nothing stale is queued), no full
    render starts before the drop; the drop is one undo step."""
    from selenium.webdriver.common.action_chains import ActionChains

    check = ui.checks.check
    ui.idle("the result before the drag")
    time.sleep(1)  # the undo history's save after the last edit
    ui.idle("the result before the drag")
    before = {h["id"]: h for h in ui.project()["hints"]}
    sky = min(before.values(), key=lambda h: h["y"])
    marker = driver.find_element("css selector", f"#hint-layer .hint[data-id='{sky['id']}']")
    ui.js("""
        const drag = { moves: 0, down: null, up: null, shown: [] };
        Object.defineProperty(window, "__drag", { value: drag, configurable: true });
        const layer = document.getElementById('hint-layer');
        layer.addEventListener('pointerdown', () => { drag.down = performance.now(); }, true);
        layer.addEventListener('pointermove', (e) => { if (e.buttons) drag.moves++; }, true);
        layer.addEventListener('pointerup', () => { drag.up = performance.now(); }, true);
        new MutationObserver(() => drag.shown.push(performance.now()))
            .observe(document.getElementById('img-color'), { attributes: true, attributeFilter: ['src'] });
        window.__uiTest.delay['/preview'] = arguments[0];""", SLOW_PREVIEW_MS)
    # The drag lasts several position-and-preview cycles of this machine (a hint PATCH, then a preview
    # with the added delay), measured on the requests so far, so that a loaded machine still has
    # time for two previews during it; at least 40 × 0.04 s.
    def median_ms(entries):
        d = sorted(e["end"] - e["start"] for e in entries if e["status"] == 200 and e["end"])
        return d[len(d) // 2] if d else 0.0
    history = ui.requests(0)
    cycle = (median_ms([e for e in history if e["method"] == "PATCH" and "/hints/" in e["path"]])
             + median_ms([e for e in history if is_preview(e)]) + SLOW_PREVIEW_MS) / 1000
    mark = ui.mark()
    width = ui.photo_rect()["w"]
    steps = 40
    pause = max(0.04, 5 * cycle / steps)
    chain = ActionChains(driver, duration=30).click_and_hold(marker)
    for _ in range(steps):
        chain.move_by_offset(int(width * 0.35 / steps), 0).pause(pause)
    chain.release().perform()
    ui.settled(mark, "the drop")
    ui.js("window.__uiTest.delay['/preview'] = 0;")

    drag = ui.js("return window.__drag;")
    log = ui.requests(mark)
    down, up = drag["down"], drag["up"]
    renders = [e for e in log if is_render(e)]
    during = [e for e in renders if down <= e["start"] <= up]
    moves = [e for e in during if e["method"] == "PATCH"]
    previews = [e for e in during if is_preview(e) and e["status"] == 200 and e["end"] <= up]
    shown = [t for t in drag["shown"] if down <= t <= up]
    check(len(moves) >= 2 and len(previews) >= 2 and len(shown) >= 2,
          f"while dragging a hint the UI shows intermediate previews ({len(moves)} positions sent, "
          f"{len(previews)} previews answered, the picture changed {len(shown)} times during the drag "
          f"of {steps} × {pause:.2f} s; a cycle {cycle:.2f} s)")
    peak = max(sum(1 for o in renders if o["start"] <= e["start"] < (o["end"] or math.inf)) for e in renders)
    check(peak == 1, f"at most one render request is in flight at a time ({peak})")
    check(len(moves) < drag["moves"] / 2,
          f"stale positions are not queued: {len(moves)} sent for {drag['moves']} pointer moves with previews {SLOW_PREVIEW_MS} ms slower")
    xs = [json.loads(e["body"])["x"] for e in moves]
    check(all(a < b for a, b in zip(xs, xs[1:])), f"each step sends the newest position ({xs})")
    check(not any(is_result(e) for e in during), "no full-resolution render starts while dragging")
    late = [e for e in renders if e["method"] == "PATCH" and e["start"] > up]
    check(len(late) <= 1, f"after the drop at most the final position is sent ({len(late)} more)")
    moved = next(h for h in ui.project()["hints"] if h["id"] == sky["id"])
    title = ui.js("return document.querySelector(`#hint-layer .hint[data-id='${arguments[0]}']`).title;", sky["id"])
    check(moved["x"] > sky["x"] + 20 and moved["y"] == sky["y"] and title.startswith(f"({moved['x']}, {moved['y']})"),
          f"the hint is stored where it was dropped ({sky['x']} → {moved['x']}; marker “{title.splitlines()[0]}”)")

    v = ui.mark()
    press(driver, "z", modifier=CTRL)
    ui.settled(v, "undoing the drag")
    back = next(h for h in ui.project()["hints"] if h["id"] == sky["id"])
    check((back["x"], back["y"]) == (sky["x"], sky["y"]), "one undo puts the dragged hint back where it was")


def check_repair(ui, driver, screenshot):
    """Repair damage: the switch, the overlay of the damage found, the brush that corrects it (issue 15)."""
    check = ui.checks.check
    photo = ui.project()
    check(not photo["repair"] and not ui.js("return document.getElementById('repair').checked;")
          and ui.js("return document.getElementById('repair-options').hidden;"), "the repair is off by default, its options hidden")
    check(ui.js("return getComputedStyle(document.getElementById('repair-canvas')).display === 'none';"), "… and no damage overlay is shown")
    check(ui.js("return document.querySelector(\"#tool [data-tool='repair-add']\").hidden;"), "… nor the repair brush")
    plain = ui.result()

    v = ui.mark()
    ui.click("#repair")
    ui.wait_api(lambda p: p["repair"], "the repair on")
    ui.wait_request("GET", "/repair/defects$", v, "the damage found")
    ui.settled(v, "turning the repair on")
    overlay = ui.js("""
        const c = document.getElementById('repair-canvas'), s = getComputedStyle(c);
        return { display: s.display, opacity: Number(s.opacity), w: c.width, h: c.height,
                 note: document.getElementById('repair-note').textContent };""")
    check(overlay["display"] != "none" and 0.2 <= overlay["opacity"] <= 0.8,
          f"with the repair on the damage found is shown as a semi-transparent overlay (opacity {overlay['opacity']})")
    check(abs(overlay["w"] / overlay["h"] - photo["width"] / photo["height"]) < 0.02, "… covering the photo")
    check("filled before colouring" in overlay["note"], f"… and the panel says what it does (“{overlay['note']}”)")
    check(not ui.js("return document.getElementById('repair-options').hidden;"), "the denoise and fade options are shown")
    repaired = ui.result()

    # Mark the open door as damage: it is filled from the wall around it.
    door = ui.box(photo, 0.29, 0.72, 0.32, 0.74)
    ui.click("#tool button[data-tool='repair-add']")
    check(ui.pressed("#tool button[data-tool='repair-add']") and ui.js("return document.getElementById('photo').dataset.mode;") == "repair",
          "“Mark damage” is the tool")
    v = ui.mark()
    ui.stroke([(0.27, 0.73), (0.305, 0.73), (0.34, 0.73)])
    ui.wait_request("PUT", "/repair/mask$", v, "the marked damage saved")
    ui.settled(v, "marking damage")
    check(ui.project()["hasRepairMask"], "the stroke is saved with the project")
    mask = read_png(get_bytes(f"{ui.base}/api/projects/{ui.project_id}/repair/mask"))
    check(level_fraction(mask, door, 250, 255) > 0.9, "… as added damage (white) where it was painted")
    check(level_fraction(mask, ui.box(photo, 0.6, 0.1, 0.7, 0.3), 0, 5) > 0.99, "… and nothing elsewhere")
    painted = ui.js("""
        const c = document.getElementById('repair-canvas');
        const d = c.getContext('2d').getImageData(Math.round(c.width * 0.305), Math.round(c.height * 0.73), 1, 1).data;
        return d[3];""")
    check(painted > 200, "the marked damage is shown in the overlay")
    marked = ui.result()
    change = mean_lightness_change(repaired, marked, door)
    check(change > 10, f"the result is coloured from the repaired photo: the marked door is filled (ΔL* {change:.1f})")

    # Unmark part of the sky: kept as it is whatever the detector says.
    sky = ui.box(photo, 0.62, 0.19, 0.68, 0.21)
    ui.click("#tool button[data-tool='repair-erase']")
    v = ui.mark()
    ui.stroke([(0.6, 0.2), (0.65, 0.2), (0.7, 0.2)])
    ui.wait_request("PUT", "/repair/mask$", v, "the unmarked area saved")
    ui.settled(v, "unmarking")
    mask = read_png(get_bytes(f"{ui.base}/api/projects/{ui.project_id}/repair/mask"))
    check(level_fraction(mask, sky, 120, 136) > 0.9, "“Unmark” is saved as a kept area (mid gray)")
    check(level_fraction(mask, door, 250, 255) > 0.9, "… and the marked door stays marked")

    # The tools and the panel at 800 px, with the overlay (the screenshot to look at).
    set_viewport(driver, 800, 700)
    driver.execute_script("window.scrollTo(0, 0);")
    time.sleep(0.5)
    m = ui.js("""
        const boxes = (s) => [...document.querySelectorAll(s)].filter((e) => e.offsetParent).map((e) => {
          const r = e.getBoundingClientRect(); return {x: r.left, y: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height}; });
        const r = document.getElementById('panel-repair').getBoundingClientRect();
        return { page: document.documentElement.scrollWidth, tools: boxes('#stage-tools button, #stage-tools input'),
                 panel: {x: r.left, r: r.right, w: r.width} };""")
    check(m["page"] <= 800, f"800 px: nothing overflows sideways with the repair tools (page {m['page']} px)")
    check(len(m["tools"]) == 7 and all(t["w"] > 0 and t["x"] >= 0 and t["r"] <= 800 for t in m["tools"]),
          f"800 px: the region and repair tools are all inside the window ({len(m['tools'])})")
    check(m["panel"]["w"] > 200 and m["panel"]["r"] <= 800, "800 px: the repair panel is shown whole")
    shot = os.path.splitext(screenshot)[0] + "-repair-800x700.png"
    dismiss_toasts(driver)
    driver.save_screenshot(shot)
    check(os.path.getsize(shot) > 5_000, f"800 px: screenshot of the repair saved to {shot}")
    driver.execute_script("document.getElementById('panel-repair').scrollIntoView({block: 'center'});")
    time.sleep(0.3)
    shot = os.path.splitext(screenshot)[0] + "-repair-panel-800x700.png"
    driver.save_screenshot(shot)
    check(os.path.getsize(shot) > 5_000, f"800 px: screenshot of the repair panel saved to {shot}")
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    time.sleep(0.3)

    # Denoise (keyboard on the slider) and fade.
    slider = driver.find_element("id", "repair-denoise")
    driver.execute_script("arguments[0].focus();", slider)
    v = ui.mark()
    press(driver, RIGHT, RIGHT, RIGHT, RIGHT)
    ui.wait_api(lambda p: abs(p["repairDenoise"] - 0.2) < 1e-6, "the denoise strength")
    ui.settled(v, "the denoise strength")
    v = ui.mark()
    ui.click("#repair-fade")
    ui.wait_api(lambda p: p["repairFade"] is False, "the fade correction off")
    ui.settled(v, "the fade correction off")
    check(True, "the denoise strength and the fade correction are saved with the project")

    # Reset edits: the damage found applies as it is.
    v = ui.mark()
    ui.click("#btn-repair-reset")
    ui.wait_api(lambda p: not p["hasRepairMask"], "the edits forgotten")
    ui.settled(v, "resetting the edits")
    check(ui.js("return document.getElementById('btn-repair-reset').disabled;"), "“Reset edits” forgets the mask edits")

    # Off again: the first picture, the overlay and the repair tools gone; the switch is undoable.
    ui.click("#tool button[data-tool='hints']")
    v = ui.mark()
    ui.click("#repair")
    ui.wait_api(lambda p: not p["repair"], "the repair off")
    ui.settled(v, "turning the repair off")
    check(mean_lightness_change(plain, ui.result(), door) < 0.5 and mean_ab_change(plain, ui.result(), door) < 0.5,
          "with the repair off the result is the unrepaired one again")
    check(ui.js("return getComputedStyle(document.getElementById('repair-canvas')).display === 'none'"
                " && document.querySelector(\"#tool [data-tool='repair-add']\").hidden;"), "… the overlay and the repair brush are hidden")
    v = ui.mark()
    press(driver, "z", modifier=CTRL)
    ui.wait_api(lambda p: p["repair"] and abs(p["repairDenoise"] - 0.2) < 1e-6, "undo of the switch")
    ui.settled(v, "undoing the switch")
    check(ui.js("return document.getElementById('repair').checked;"), "Ctrl+Z turns the repair on again")
    v = ui.mark()
    press(driver, "y", modifier=CTRL)
    ui.wait_api(lambda p: not p["repair"], "redo of the switch")
    ui.settled(v, "redoing the switch")
    check(not ui.js("return document.getElementById('repair').checked;"), "Ctrl+Y turns it off again")


def run_ui(driver, base, photo_path, work, screenshot, timeout, checks, reference=None, synthetic=True):
    from selenium.webdriver.common.by import By

    ui = UI(driver, base, timeout, checks)
    check = checks.check
    driver.get(base + "/")
    ui.wait("document.body.dataset.view === 'home'", "the start screen", 20)
    check("FindColor" in driver.title, "the page title names FindColor")

    # MARK: Upload, hints, suggestions, undo, vividness, slider

    driver.find_element(By.ID, "file-input").send_keys(photo_path)
    ui.wait("document.body.dataset.view === 'editor'", "the editor to open")
    ui.wait_request("GET", "/preview([?]|$)", 0, "the first preview")
    ui.wait_request("GET", "/result[?]format=png$", 0, "the first full-resolution result")
    ui.idle("the first result shown")
    check(True, "upload shows a preview, then the full-resolution result")
    ui.project_id = get_json(base + "/api/projects")["projects"][0]["id"]

    r = ui.photo_rect()
    check(r["w"] > 300 and r["h"] > 200, f"the photo is shown large enough ({r['w']:.0f}×{r['h']:.0f})")
    check(ui.split() <= 20, f"the before/after split opens on the colour result (at {ui.split()} %)")

    mark = ui.mark()
    ui.click_photo(0.2, 0.15)  # the sky
    ui.wait_hints(1, "the first hint")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#hint-layer .hint")) == 1, "a hint marker appears where the photo was clicked")
    ui.wait_request("GET", "/preview([?]|$)", mark, "the preview after the hint")
    check(True, "the preview updates after adding a hint")
    ui.wait("document.querySelectorAll('#suggestions .swatch').length > 0", "colour suggestions")
    top = ui.js("""
        const hint = document.querySelector('#hint-layer .hint.selected');
        const first = document.querySelector('#suggestions .swatch');
        return [Number(hint.dataset.a), Number(hint.dataset.b), Number(first.dataset.a), Number(first.dataset.b)];""")
    check(abs(top[0] - top[2]) < 0.01 and abs(top[1] - top[3]) < 0.01,
          f"a new hint takes the model's top suggestion (hint {top[0]:.1f},{top[1]:.1f}; top {top[2]:.1f},{top[3]:.1f})")

    suggestions = driver.find_elements(By.CSS_SELECTOR, "#suggestions .swatch")
    check(len(suggestions) >= 3, f"the picker shows the model's suggested colours ({len(suggestions)})")
    mark = ui.mark()
    index = ui.js("""
        const hint = document.querySelector('#hint-layer .hint.selected');
        const a = Number(hint.dataset.a), b = Number(hint.dataset.b);
        return [...document.querySelectorAll('#suggestions .swatch')]
            .findIndex((s) => Math.abs(Number(s.dataset.a) - a) + Math.abs(Number(s.dataset.b) - b) > 1);""")
    check(index >= 0, "a suggested colour differs from the hint's colour")
    suggestions[index].click()
    ui.wait_request("PATCH", "/hints/", mark, "the hint to be recoloured")

    # Hint 2: deselect (Escape), pick a warm colour in the gamut plane (armed for the next hint), click the wall.
    from selenium.webdriver.common.action_chains import ActionChains

    gamut = driver.find_element(By.ID, "gamut")
    g = rect_of(driver, "#gamut")
    press(driver, ESCAPE)
    ActionChains(driver).move_to_element_with_offset(gamut, int(g["w"] * 0.22), int(-g["h"] * 0.2)).click().perform()
    armed = ui.js("return document.getElementById('swatch').classList.contains('armed');")
    check(armed, "a colour picked with no hint selected is marked for the next hint")
    picked = ui.js("return document.getElementById('hex').value;")
    ui.click_photo(0.31, 0.62)
    ui.wait_hints(2, "the second hint")
    hint2 = ui.js("const h = document.querySelector('#hint-layer .hint.selected'); return [Number(h.dataset.a), Number(h.dataset.b)];")
    check(hint2[0] > 5 and hint2[1] > 5, f"the second hint takes the picked warm colour (a* {hint2[0]:.0f}, b* {hint2[1]:.0f}; {picked})")

    driver.find_element(By.ID, "btn-undo").click()
    ui.wait_hints(1, "undo")
    press(driver, "y", modifier=CTRL)
    ui.wait_hints(2, "redo (Ctrl+Y)")
    check(True, "undo and redo restore the hint list")

    # The reach of the selected hint (spread) is part of the history too.
    hint2_id = ui.js("return document.querySelector('#hint-layer .hint.selected')?.dataset.id || '';")
    if not hint2_id:
        ui.click_photo(0.31, 0.62)  # select the wall hint again (a click on a marker selects it)
        hint2_id = ui.wait("document.querySelector('#hint-layer .hint.selected')?.dataset.id", "the wall hint selected")
    ui.click("#hint-spread button[data-spread='local']")
    ui.wait_api(lambda p: any(h["id"] == hint2_id and h.get("spread") == "local" for h in p["hints"]), "the hint reaching only its area")
    press(driver, "z", modifier=CTRL)
    project = ui.wait_api(lambda p: all(h.get("spread", "similar") == "similar" for h in p["hints"]), "the reach undone")
    check(len(project["hints"]) == 2, "a hint's reach (“Only this area”) is undone like any other edit")

    check_live_drag(ui, driver)

    vivid = driver.find_element(By.ID, "vividness")
    driver.execute_script("arguments[0].focus();", vivid)
    for _ in range(6):
        press(driver, RIGHT)
    ui.wait("document.getElementById('vividness-value').textContent === '0.30'", "the vividness label")
    project = ui.wait_api(lambda p: abs(p["vividness"] - 0.3) < 1e-6, "vividness 0.3")
    check(abs(project["vividness"] - 0.3) < 1e-6, f"the vividness slider changes the project's setting ({project['vividness']})")
    ui.wait("document.getElementById('btn-undo').title.startsWith('Undo change the vividness')", "the vividness in the history")
    press(driver, "z", modifier=CTRL)
    ui.wait_api(lambda p: abs(p["vividness"]) < 1e-6, "vividness undone")
    ui.wait("document.getElementById('btn-redo').title.startsWith('Redo change the vividness')", "the vividness to redo")
    undone = ui.undo_titles()
    v = ui.mark()
    press(driver, "y", modifier=CTRL)
    ui.wait_api(lambda p: abs(p["vividness"] - 0.3) < 1e-6, "vividness redone")
    ui.wait("document.getElementById('btn-undo').title.startsWith('Undo change the vividness')", "the vividness redone in the history")
    check("vividness" not in undone[0], f"six steps of the vividness slider are one undo step (after one undo: “{undone[0]}”)")
    ui.settled(v, "the vividness redone")
    natural = ui.wait(
        "(() => { const i = document.getElementById('img-color'); "
        "return i.complete && i.naturalWidth > 0 && !i.classList.contains('pending') ? [i.naturalWidth, i.naturalHeight] : null; })()",
        "the result image to be displayed")
    check(natural == [project["width"], project["height"]], f"the displayed result has the photo's full resolution ({natural})")

    slider = driver.find_element(By.ID, "slider")
    driver.execute_script("arguments[0].focus();", slider)
    start = ui.split()
    press(driver, RIGHT, RIGHT, modifier=SHIFT)
    moved = ui.split()
    press(driver, LEFT, LEFT, modifier=SHIFT)
    check(moved == start + 20 and ui.split() == start, f"the before/after slider moves with the keyboard ({start} → {moved} → {ui.split()} %)")

    base_result = ui.result()  # hints only, no reference
    photo = ui.project()
    inside = ui.box(photo, 0.60, 0.22, 0.86, 0.30)  # where the first stroke paints (the sky, right)
    outside = ui.box(photo, 0.03, 0.86, 0.22, 0.97)  # bottom left, far from any stroke

    # MARK: A refused reference: error toast off the photo, status back to "Up to date"

    gray_path = os.path.join(work, "gray-reference.png")
    write_png(gray_path, 96, 64, lambda x, y: 40 + x)
    driver.find_element(By.ID, "reference-input").send_keys(gray_path)
    ui.wait("document.querySelector('.toast-error')", "the refusal of a gray reference", allow_errors=True)
    toast = rect_of(driver, ".toast-error")
    check(not overlaps(toast, ui.photo_rect()), "the error toast does not cover the photo")
    ui.wait("document.getElementById('status').textContent === 'Up to date'", "the status after the refusal", allow_errors=True)
    check(True, "after a refused reference the status says “Up to date”")
    dismiss_toasts(driver)

    # MARK: Reference by file: the whole photo takes its colours

    ref1_path = reference
    if not ref1_path:
        ref1_path = os.path.join(work, "purple-reference.png")
        write_png(ref1_path, 200, 150, vivid_reference(200, 150, "purple"), channels=3)
    v = ui.mark()
    driver.find_element(By.ID, "reference-input").send_keys(os.path.abspath(ref1_path))
    ref1 = ui.wait_api(lambda p: p["hasReference"], "the reference photo")["reference"]
    assert ref1["width"] != 180, "use a reference photo that is not 180 pixels wide (the dropped one is)"
    ui.wait("!document.getElementById('reference-set').hidden", "the reference panel")
    ui.settled(v, "the reference")
    whole = ui.result()
    change_whole = mean_ab_change(base_result, whole, outside)
    check(change_whole > 3, f"a reference photo (file) recolours the whole photo (outside-the-region area moved {change_whole:.1f} ab)")

    # MARK: "Painted region" before painting: the reference colours nothing, and the panel says so

    v = ui.mark()
    ui.click("#region-mode button[data-mode='region']")
    ui.wait_api(lambda p: p["hasRegion"], "an (empty) region")
    ui.wait("document.getElementById('photo').dataset.region === 'on'", "region mode")
    check(ui.pressed("#tool button[data-tool='brush']"), "choosing “Painted region” selects the brush")
    check(ui.js("return !document.getElementById('stage-tools').hidden;"), "the brush tools are shown by the photo")
    note = ui.js("return document.getElementById('region-note').textContent;")
    check("colours nothing" in note, f"with nothing painted the panel says the reference colours nothing (“{note}”)")
    ui.settled(v, "the empty region")
    empty = ui.result()
    drift = max(mean_ab_change(base_result, empty, inside), mean_ab_change(base_result, empty, outside))
    check(drift < 0.5, f"an empty painted region means no reference colour (result vs no reference: {drift:.2f} ab)")

    # MARK: Brush strokes: inside the region the reference colours, outside nothing changes

    ui.js("const s = document.getElementById('brush-size'); s.value = '80'; s.dispatchEvent(new Event('input'));")
    v = ui.mark()
    ui.stroke([(0.58, 0.26), (0.88, 0.26)])
    ui.wait_mask(True, "the painted mask")
    ui.settled(v, "the first stroke")
    mask = ui.region()
    check(white_fraction(mask, inside) > 0.9, f"the stroke is in the stored region ({white_fraction(mask, inside):.2f} of the box)")
    painted = ui.result()
    moved_in = mean_ab_change(base_result, painted, inside)
    moved_out = mean_ab_change(base_result, painted, outside)
    check(moved_in > 5, f"inside the painted region the result takes the reference's colours ({moved_in:.1f} ab)")
    check(moved_out < 0.5, f"outside the painted region the result is unchanged ({moved_out:.2f} ab)")
    outline = ui.js("""
        const c = document.getElementById('mask-outline');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 16) if (d[i] > 100) n++; return n;""")
    check(outline > 50, f"the painted region has an outline ({outline} samples)")

    # A stroke at the left edge, where the original is shown: the split moves to show it.
    left_box = ui.box(photo, 0.04, 0.86, 0.12, 0.95)
    before_split = ui.split()
    v = ui.mark()
    ui.stroke([(0.05, 0.9), (0.11, 0.9)])
    ui.wait(f"Number(document.getElementById('slider').getAttribute('aria-valuenow')) < {before_split}", "the split to move")
    check(ui.split() <= 4, f"painting where the original is shown moves the split to show it ({before_split} → {ui.split()} %)")
    ui.settled(v, "the second stroke")
    check(white_fraction(ui.region(), left_box) > 0.5, "the second stroke is in the stored region")

    # MARK: Eraser, and undo/redo of strokes by keyboard while the eraser is active

    hints_before = ui.project()["hints"]
    ui.click("#tool button[data-tool='eraser']")
    ui.js("const s = document.getElementById('brush-size'); s.value = '90'; s.dispatchEvent(new Event('input'));")
    v = ui.mark()
    ui.stroke([(0.03, 0.9), (0.13, 0.9)])
    ui.settled(v, "the eraser")
    check(white_fraction(ui.region(), left_box) < 0.05, "the eraser removes the second stroke from the stored region")
    check(ui.pressed("#tool button[data-tool='eraser']"), "the eraser is still the active tool")
    v = ui.mark()
    press(driver, "z", modifier=CTRL)
    ui.settled(v, "undoing the eraser stroke")
    check(white_fraction(ui.region(), left_box) > 0.5, "Ctrl+Z with the eraser active undoes the eraser stroke")
    check(ui.project()["hints"] == hints_before, "… and leaves the hints alone")
    ui.click("#tool button[data-tool='brush']")
    v = ui.mark()
    press(driver, "z", modifier=CTRL)
    ui.settled(v, "undoing the second brush stroke")
    check(white_fraction(ui.region(), left_box) < 0.05 and white_fraction(ui.region(), inside) > 0.9,
          "Ctrl+Z with the brush active undoes the brush stroke (the first stroke stays)")
    v = ui.mark()
    press(driver, "y", modifier=CTRL)
    ui.settled(v, "redoing the brush stroke")
    v = ui.mark()
    press(driver, "y", modifier=CTRL)
    ui.settled(v, "redoing the eraser stroke")
    check(white_fraction(ui.region(), left_box) < 0.05 and white_fraction(ui.region(), inside) > 0.9, "Ctrl+Y redoes both strokes")
    after_strokes = ui.result()
    check(mean_ab_change(painted, after_strokes, inside) < 0.5 and mean_ab_change(painted, after_strokes, outside) < 0.5,
          "after the strokes are undone and redone the result is the one of the first stroke again")

    # Switching to "Whole photo" and back is one history entry each.
    v = ui.mark()
    ui.click("#region-mode button[data-mode='whole']")
    ui.wait_api(lambda p: not p["hasRegion"], "the whole photo mode")
    ui.settled(v, "the whole photo mode")
    check(mean_ab_change(whole, ui.result(), outside) < 0.5, "“Whole photo” gives the reference's colours everywhere again")
    v = ui.mark()
    press(driver, "z", modifier=CTRL)
    ui.wait_api(lambda p: p["hasRegion"], "the region mode back")
    ui.settled(v, "undoing the mode change")
    check(ui.pressed("#region-mode button[data-mode='region']") and mean_ab_change(painted, ui.result(), outside) < 0.5,
          "Ctrl+Z puts “Painted region” back with its region")

    # MARK: Clear the region (no reference colour), undo it

    v = ui.mark()
    ui.click("#btn-clear-region")
    ui.wait_mask(False, "the cleared mask")
    ui.settled(v, "clearing the region")
    cleared = ui.result()
    check(ui.project()["hasRegion"] and white_fraction(ui.region(), inside) == 0, "“Clear region” stores an empty region")
    drift = max(mean_ab_change(base_result, cleared, inside), mean_ab_change(base_result, cleared, outside))
    check(drift < 0.5, f"with the region cleared the reference colours nothing ({drift:.2f} ab from no reference)")
    check("colours nothing" in ui.js("return document.getElementById('region-note').textContent;"), "… and the panel says so")
    v = ui.mark()
    ui.click("#btn-undo")
    ui.wait_mask(True, "the region back")
    ui.settled(v, "undoing the clear")
    check(mean_ab_change(painted, ui.result(), inside) < 0.5, "undoing “Clear region” brings the region's colours back")

    # The README screenshot: region mode with the Hints tool (the region outlined, its colours
    # visible), the brush tools by the photo, the split at 10 %.
    ui.click("#tool button[data-tool='hints']")
    slider = driver.find_element(By.ID, "slider")
    driver.execute_script("arguments[0].focus();", slider)
    while ui.split() < 10:
        press(driver, RIGHT)
    dismiss_toasts(driver)
    driver.execute_script("document.activeElement && document.activeElement.blur();")
    os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
    driver.save_screenshot(screenshot)
    check(os.path.getsize(screenshot) > 10_000, f"screenshot of the region mode saved to {screenshot}")

    # MARK: Reopen (a reload): hints, reference, region and the undo history come back

    titles = ui.undo_titles()
    ui.wait_history_saved()
    state_before = ui.project()["stateHash"]
    driver.refresh()
    ui.wait("document.body.dataset.view === 'editor'", "the editor after the reload")
    ui.settled(0, "the reload", changed=False)
    check(ui.project()["stateHash"] == state_before, "reopening leaves the project as it was")
    check(ui.js("return document.querySelectorAll('#hint-layer .hint').length;") == 2, "the hints are shown after reopening")
    check(ui.pressed("#region-mode button[data-mode='region']") and ui.js("return !document.getElementById('reference-set').hidden;"),
          "the reference and the painted-region mode are shown after reopening")
    check(ui.pressed("#tool button[data-tool='hints']"), "the Hints tool is active after reopening")
    outline = ui.js("""
        const c = document.getElementById('mask-outline');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 16) if (d[i] > 100) n++;
        return getComputedStyle(c).opacity > 0.5 && !c.hidden ? n : 0;""")
    check(outline > 50, f"the painted region's outline shows with the Hints tool after reopening ({outline} samples)")
    check(ui.undo_titles() == titles and not driver.find_element(By.ID, "btn-undo").get_attribute("disabled"),
          f"the undo history survives the reload (“{titles[0]}”, “{titles[1]}”)")
    check(not driver.find_element(By.ID, "btn-redo").get_attribute("disabled"), "… including what can be redone (the clear)")
    v = ui.mark()
    press(driver, "y", modifier=CTRL)
    ui.wait_mask(False, "redo of the clear after the reload")
    ui.settled(v, "redo after the reload")
    check(white_fraction(ui.region(), inside) == 0, "redo after the reload clears the region again")
    v = ui.mark()
    press(driver, "z", modifier=CTRL)
    ui.wait_mask(True, "undo after the reload")
    ui.settled(v, "undo after the reload")
    check(white_fraction(ui.region(), inside) > 0.9, "undo after the reload brings the region back")

    # MARK: Reference replaced by drag and drop, undone; removed, undone

    ref2 = png_bytes(180, 120, vivid_reference(180, 120, "green"), channels=3)
    v = ui.mark()
    ui.drop_file("#panel-reference", ref2, "green-reference.png", "image/png")
    ui.wait_api(lambda p: p["hasReference"] and p["reference"]["width"] == 180, "the dropped reference")
    ui.settled(v, "the dropped reference")
    green = ui.result()
    check(mean_ab_change(painted, green, inside) > 3, "a reference dropped on the panel replaces the first one (the region's colours change)")
    check(mean_ab_change(painted, green, outside) < 0.5, "… and still only inside the region")
    v = ui.mark()
    press(driver, "z", modifier=CTRL)
    ui.wait_api(lambda p: p["hasReference"] and p["reference"]["width"] == ref1["width"], "the first reference back")
    ui.settled(v, "undoing the replacement")
    check(mean_ab_change(painted, ui.result(), inside) < 0.5, "undo puts the first reference back (same result as before)")
    v = ui.mark()
    ui.click("#btn-remove-reference")
    ui.wait_api(lambda p: not p["hasReference"], "the reference removed")
    ui.settled(v, "removing the reference")
    check(ui.js("return document.getElementById('stage-tools').hidden;"), "without a reference the brush tools are hidden")
    v = ui.mark()
    ui.click("#btn-undo")
    ui.wait_api(lambda p: p["hasReference"] and p["reference"]["width"] == ref1["width"], "the removed reference back")
    ui.settled(v, "undoing the removal")
    check(mean_ab_change(painted, ui.result(), inside) < 0.5, "undoing the removal puts the reference and its region back")

    # MARK: Dark-area suggestions are shown lifted (the hint keeps the true L*)

    ui.click("#tool button[data-tool='hints']")
    if synthetic:
        check_dark_suggestions(ui, driver)
    else:
        print("  skip the dark-area suggestions (they need the synthetic photo's black door)")
    if synthetic:
        check_repair(ui, driver, screenshot)
    else:
        print("  skip the repair (its checks need the synthetic photo's black door)")

    errors = ui.js("return Array.from(document.querySelectorAll('.toast-error')).map(e => e.textContent);")
    check(not errors, f"no error was shown ({errors})")
    # Expected: the refused gray reference (a 422 and the error it showed).
    severe = [m for m in ui.console_errors() if "422" not in m and "this one is grayscale" not in m]
    check(not severe, f"no errors in the browser console ({severe[:3]})")
    readback = [m for m in ui.console_messages() if "willReadFrequently" in m]
    check(not readback, f"no canvas read-back warnings in the console ({readback[:1]})")

    # MARK: The layout at four window sizes (with the region painted and the brush tools shown)

    ui.click("#tool button[data-tool='brush']")
    stem = os.path.splitext(screenshot)[0]
    for width, height in SIZES:
        set_viewport(driver, width, height)
        driver.execute_script("window.scrollTo(0, 0);")
        time.sleep(0.5)
        m = ui.js("""
            const rect = (s) => { const e = document.querySelector(s); if (!e) return null;
              const r = e.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height, r: r.right, b: r.bottom}; };
            const toolbar = [...document.querySelectorAll('.topbar button, .topbar select')].filter((e) => e.offsetParent)
              .map((e) => e.getBoundingClientRect().right);
            const hex = document.getElementById('hex');
            const boxes = (s) => [...document.querySelectorAll(s)].filter((e) => e.offsetParent).map((e) => {
              const r = e.getBoundingClientRect(); return {x: r.left, y: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height}; });
            return { page: document.documentElement.scrollWidth, inner: window.innerWidth, status: rect('#status'),
                     controls: boxes('.topbar button, .topbar select, .topbar input, .brand'), panels: boxes('.sidebar .panel'),
                     toolButtons: boxes('#stage-tools button, #stage-tools input'),
                     statusText: document.getElementById('status').textContent, topbar: rect('.topbar'), photo: rect('#photo'),
                     stage: rect('.stage-column'), sidebar: rect('.sidebar'), reference: rect('#region-mode'),
                     tools: rect('#stage-tools'), toolbarRight: Math.max(...toolbar), hex: rect('#hex'),
                     hexClipped: hex.scrollWidth > hex.clientWidth + 1, sidebarRect: rect('.sidebar') };""")
        tag = f"{width}×{height}"
        check(m["inner"] == width, f"{tag}: the viewport is {m['inner']} px wide")
        check(m["page"] <= width, f"{tag}: nothing overflows sideways (page {m['page']} px)")
        check(m["status"]["w"] >= 60 and m["status"]["r"] <= width and m["status"]["b"] <= m["topbar"]["b"] + 1,
              f"{tag}: the status is visible in the top bar ({m['status']['w']:.0f} px: “{m['statusText']}”)")
        check(m["toolbarRight"] <= width, f"{tag}: the toolbar fits ({m['toolbarRight']:.0f} px)")
        check(m["photo"]["w"] >= min(300, width - 40) and m["photo"]["r"] <= width, f"{tag}: the photo is shown ({m['photo']['w']:.0f} px wide)")
        check(not m["hexClipped"] and m["hex"]["r"] <= m["sidebar"]["r"] + 1, f"{tag}: the hex field is not clipped")
        check(not any(overlaps(m["status"], c) for c in m["controls"]), f"{tag}: the status overlaps no control of the top bar")
        check(len(m["toolButtons"]) == 5 and all(t["w"] > 0 and t["x"] >= 0 and t["r"] <= width for t in m["toolButtons"])
              and not overlaps(m["tools"], m["photo"]), f"{tag}: the brush tools are inside the window, beside the photo, not on it")
        panels = m["panels"]
        check(not any(overlaps(a, b) for i, a in enumerate(panels) for b in panels[i + 1:])
              and not any(overlaps(p, m["photo"]) for p in panels), f"{tag}: the side panels overlap neither each other nor the photo")
        if width <= 900:
            check(m["sidebar"]["y"] >= m["stage"]["b"] - 1, f"{tag}: the side panel is under the photo")
        else:
            check(m["sidebar"]["x"] >= m["photo"]["r"], f"{tag}: the side panel is beside the photo")
            check(m["reference"]["b"] <= height and m["tools"]["b"] <= height,
                  f"{tag}: the reference controls and the brush tools are above the fold")
        shot = f"{stem}-{width}x{height}.png"
        driver.save_screenshot(shot)
        check(os.path.getsize(shot) > 5_000, f"{tag}: screenshot saved to {shot}")
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    # MARK: The project card shows the latest result

    ui.click("#btn-projects") if ui.js("return !!document.getElementById('btn-projects').offsetParent;") else ui.click(".brand")
    ui.wait("document.body.dataset.view === 'home'", "the project list")
    ui.wait("document.querySelector('.project-card img.result')", "the card's colour result")
    card = ui.js("""
        const img = document.querySelector('.project-card img');
        const c = document.createElement('canvas'); c.width = 32; c.height = 24;
        const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0, 32, 24);
        const d = ctx.getImageData(0, 0, 32, 24).data; let spread = 0;
        for (let i = 0; i < d.length; i += 4) spread += Math.max(d[i], d[i+1], d[i+2]) - Math.min(d[i], d[i+1], d[i+2]);
        return { filter: getComputedStyle(img).filter, colour: spread / (d.length / 4) };""")
    check(card["filter"] in ("none", "") and card["colour"] > 4,
          f"the project card shows the colour result (mean channel spread {card['colour']:.1f}, filter {card['filter']})")
    return natural


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.environ.get("FINDCOLOR_BINARY", os.path.join(REPO, ".build/release/findcolor")),
                        help="the findcolor executable (default: $FINDCOLOR_BINARY or .build/release/findcolor)")
    parser.add_argument("--screenshot", default=os.environ.get("FINDCOLOR_SCREENSHOT", os.path.join(REPO, "docs/screenshot.png")),
                        help="where to save the screenshot (default: $FINDCOLOR_SCREENSHOT or docs/screenshot.png); "
                             "the four window sizes go next to it as NAME-WIDTHxHEIGHT.png")
    parser.add_argument("--photo", help="upload this photo instead of the synthetic one (e.g. for documentation screenshots)")
    parser.add_argument("--reference", help="use this colour photo as the first reference instead of a synthetic one")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for each step (default 120)")
    parser.add_argument("--window", default="1366x768", help="browser window size for the walk-through (default 1366x768)")
    parser.add_argument("--url", help="test an already running server at this URL (with an empty data directory) instead of starting --binary")
    args = parser.parse_args()

    binary = os.path.abspath(args.binary)
    if not args.url and not os.access(binary, os.X_OK):
        print(f"error: {binary} is not an executable; build it with `swift build -c release` or pass --binary", file=sys.stderr)
        return 2
    try:
        import selenium  # noqa: F401
    except ImportError:
        print("error: Selenium is missing: pip install selenium", file=sys.stderr)
        return 2
    width, height = (int(v) for v in args.window.lower().split("x"))

    work = tempfile.mkdtemp(prefix="findcolor-ui-test-")
    data = os.path.join(work, "data")
    log_path = os.path.join(work, "server.log")
    photo = args.photo
    if not photo:
        photo = os.path.join(work, "old-farmhouse.png")
        write_png(photo, 640, 427, landscape(640, 427))
    photo = os.path.abspath(photo)

    port = free_port()
    base = args.url.rstrip("/") if args.url else f"http://127.0.0.1:{port}"
    checks = Checks()
    server = driver = None
    log = open(log_path, "w")
    started = time.time()
    print(f"FindColor UI test: {base}" if args.url else f"FindColor UI test: {binary} serve on {base}")
    try:
        if args.url:
            health = get_json(base + "/health")
        else:
            server = subprocess.Popen(
                [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data", data],
                stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
            health = wait_for_health(base, server, log_path, timeout=max(60, args.timeout))
        checks.check(health.get("model") == "loaded", "the server is up with its model loaded")

        driver = start_browser(width, height)
        fit_viewport(driver, width, height)
        run_ui(driver, base, photo, work, args.screenshot, args.timeout, checks,
               reference=args.reference, synthetic=not args.photo)

        listing = get_json(base + "/api/projects")["projects"]
        checks.check(len(listing) == 1, "the API lists one project")
        if listing:
            project = get_json(base + f"/api/projects/{listing[0]['id']}")
            checks.check(len(project["hints"]) == 2, "the project has the two hints")
            checks.check(project["hasReference"] and project["hasRegion"], "the project keeps its reference and its region")
    except Exception as error:  # report, then fail
        checks.failed += 1
        print(f"  FAIL {error}")
        traceback.print_exc()
        if driver is not None:
            failure = os.path.splitext(args.screenshot)[0] + "-failure.png"
            try:
                os.makedirs(os.path.dirname(os.path.abspath(failure)), exist_ok=True)
                driver.save_screenshot(failure)
                print(f"  (screenshot of the failure: {failure})")
            except Exception:
                pass
        print("--- server log (tail) ---")
        print(read_tail(log_path))
    finally:
        if driver is not None:
            driver.quit()
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()
        shutil.rmtree(work, ignore_errors=True)

    print(f"{checks.passed} passed, {checks.failed} failed ({time.time() - started:.0f} s)")
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
