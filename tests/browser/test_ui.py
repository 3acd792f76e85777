#!/usr/bin/env python3
"""Real-browser test of the FindColor web UI.

Starts the built `findcolor serve` on a free localhost port with a temporary data directory, opens
the UI in headless Chromium (Selenium + chromedriver), uploads a synthetic black-and-white photo,
adds colour hints by clicking the photo, recolours one from the model's suggestions, waits for the
updated preview and the full-resolution result, checks the state through the API, and saves a
screenshot.

Needs: `pip install selenium` and Debian's `chromium` and `chromium-driver`
(`apt-get install -y chromium chromium-driver`).

    python3 tests/browser/test_ui.py --binary .build/release/findcolor [--screenshot docs/screenshot.png]

Environment: FINDCOLOR_BINARY (default for --binary), FINDCOLOR_SCREENSHOT (default for
--screenshot, else docs/screenshot.png), FINDCOLOR_MODEL (passed through to the server).
Exit status 0 when every check passed.
"""

import argparse
import json
import math
import os
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


# MARK: A synthetic photo (pure Python PNG, no imaging library needed)


def write_gray_png(path, width, height, pixel):
    """Writes an 8-bit grayscale PNG; pixel(x, y) returns 0..255."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        rows.extend(max(0, min(255, int(pixel(x, y)))) for x in range(width))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(bytes(rows), 9))
    png += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def landscape(width, height):
    """A gray landscape: sky gradient, sun, hills, a house with a roof, a tree, some grain."""
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
                return 55 + grain  # door
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
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


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


def body_data(driver, key):
    return driver.execute_script(f"return document.body.dataset[{json.dumps(key)}] || '';")


def run_ui(driver, base, photo, screenshot, timeout, checks):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    driver.get(base + "/")
    wait_js(driver, "document.body.dataset.view === 'home'", 20, "the start screen")
    checks.check("FindColor" in driver.title, "the page title names FindColor")

    # Upload through the file picker (what drag and drop also calls).
    driver.find_element(By.ID, "file-input").send_keys(photo)
    wait_js(driver, "document.body.dataset.view === 'editor'", timeout, "the editor to open")
    wait_js(driver, "Number(document.body.dataset.previewCount || 0) >= 1", timeout, "the first preview")
    wait_js(driver, "Number(document.body.dataset.resultCount || 0) >= 1", timeout, "the first full-resolution result")
    checks.check(True, "upload shows a preview, then the full-resolution result")

    layer = driver.find_element(By.ID, "hint-layer")
    rect = driver.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];", layer)
    checks.check(rect[0] > 300 and rect[1] > 200, f"the photo is shown large enough ({rect[0]:.0f}×{rect[1]:.0f})")

    # Hint 1: click the sky (offsets are from the element's centre).
    previews = int(body_data(driver, "previewCount") or 0)
    ActionChains(driver).move_to_element_with_offset(layer, int(-rect[0] * 0.3), int(-rect[1] * 0.35)).click().perform()
    wait_js(driver, "document.body.dataset.hintCount === '1'", timeout, "the first hint")
    checks.check(len(driver.find_elements(By.CSS_SELECTOR, "#hint-layer .hint")) == 1, "a hint marker appears where the photo was clicked")
    wait_js(driver, f"Number(document.body.dataset.previewCount || 0) > {previews}", timeout, "the preview after the hint")
    checks.check(True, "the preview updates after adding a hint")

    # The model's suggestions at that point; recolour the hint with the first one.
    wait_js(driver, "document.querySelectorAll('#suggestions .swatch').length > 0", timeout, "colour suggestions")
    suggestions = driver.find_elements(By.CSS_SELECTOR, "#suggestions .swatch")
    checks.check(len(suggestions) >= 3, f"the picker shows the model's suggested colours ({len(suggestions)})")
    version = int(body_data(driver, "version") or 0)
    index = driver.execute_script("""
        const hint = document.querySelector('#hint-layer .hint.selected');
        const a = Number(hint.dataset.a), b = Number(hint.dataset.b);
        return [...document.querySelectorAll('#suggestions .swatch')]
            .findIndex((s) => Math.abs(Number(s.dataset.a) - a) + Math.abs(Number(s.dataset.b) - b) > 1);""")
    checks.check(index >= 0, "a suggested colour differs from the hint's colour")
    suggestions[index].click()
    wait_js(driver, f"Number(document.body.dataset.version || 0) > {version}", timeout, "the hint to be recoloured")

    # Hint 2: pick a warm colour in the gamut plane first, then click the house wall.
    gamut = driver.find_element(By.ID, "gamut")
    g = driver.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];", gamut)
    # Deselect (Escape) so the gamut sets the colour for the next hint instead of recolouring hint 1.
    ActionChains(driver).send_keys("\ue00c").perform()
    ActionChains(driver).move_to_element_with_offset(gamut, int(g[0] * 0.22), int(-g[1] * 0.2)).click().perform()
    ActionChains(driver).move_to_element_with_offset(layer, int(-rect[0] * 0.19), int(rect[1] * 0.12)).click().perform()
    wait_js(driver, "document.body.dataset.hintCount === '2'", timeout, "the second hint")

    # Undo and redo (buttons and keyboard).
    driver.find_element(By.ID, "btn-undo").click()
    wait_js(driver, "document.body.dataset.hintCount === '1'", timeout, "undo")
    ActionChains(driver).key_down("\ue009").send_keys("y").key_up("\ue009").perform()
    wait_js(driver, "document.body.dataset.hintCount === '2'", timeout, "redo (Ctrl+Y)")
    checks.check(True, "undo and redo restore the hint list")

    # Vividness from the keyboard: six steps of 0.05 to the right.
    vivid = driver.find_element(By.ID, "vividness")
    driver.execute_script("arguments[0].focus();", vivid)
    for _ in range(6):
        ActionChains(driver).send_keys("\ue014").perform()
    wait_js(driver, "document.getElementById('vividness-value').textContent === '0.30'", timeout, "the vividness label")
    deadline = time.time() + timeout
    vividness = None
    while time.time() < deadline:
        listing = get_json(base + "/api/projects")["projects"]
        vividness = get_json(base + f"/api/projects/{listing[0]['id']}")["vividness"] if listing else None
        if vividness is not None and abs(vividness - 0.3) < 1e-6:
            break
        time.sleep(0.2)
    checks.check(vividness is not None and abs(vividness - 0.3) < 1e-6, f"the vividness slider changes the project's setting ({vividness})")

    # The full-resolution result for the final state.
    wait_js(
        driver,
        "document.body.dataset.resultVersion && document.body.dataset.resultVersion === document.body.dataset.version",
        timeout * 2,
        "the full-resolution result of the final state",
    )
    checks.check(True, "the full-resolution result loads after the preview")
    natural = wait_js(
        driver,
        "(() => { const i = document.getElementById('img-color'); "
        "return i.complete && i.naturalWidth > 0 && !i.classList.contains('pending') ? [i.naturalWidth, i.naturalHeight] : null; })()",
        timeout,
        "the result image to be displayed",
    )

    # The before/after slider from the keyboard: Shift+← moves it by 10 %; at 10 % the colour
    # result (and both hints) fill the screenshot.
    slider = driver.find_element(By.ID, "slider")
    driver.execute_script("arguments[0].focus();", slider)
    for _ in range(4):
        ActionChains(driver).key_down("\ue008").send_keys("\ue012").key_up("\ue008").perform()
    split = slider.get_attribute("aria-valuenow")
    checks.check(split == "10", f"the before/after slider moves with the keyboard (at {split} %)")

    errors = driver.execute_script("return Array.from(document.querySelectorAll('.toast-error')).map(e => e.textContent);")
    checks.check(not errors, f"no error was shown ({errors})")
    severe = []
    try:
        severe = [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
    except Exception:  # some drivers have no log endpoint
        pass
    checks.check(not severe, f"no errors in the browser console ({severe[:3]})")

    # Dismiss notifications (they fade by themselves) so the screenshot shows the photo whole.
    for close in driver.find_elements(By.CSS_SELECTOR, ".toast-close"):
        try:
            close.click()
        except Exception:  # already faded out
            pass
    os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
    driver.save_screenshot(screenshot)
    checks.check(os.path.getsize(screenshot) > 10_000, f"screenshot saved to {screenshot}")
    return natural


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.environ.get("FINDCOLOR_BINARY", os.path.join(REPO, ".build/release/findcolor")),
                        help="the findcolor executable (default: $FINDCOLOR_BINARY or .build/release/findcolor)")
    parser.add_argument("--screenshot", default=os.environ.get("FINDCOLOR_SCREENSHOT", os.path.join(REPO, "docs/screenshot.png")),
                        help="where to save the screenshot (default: $FINDCOLOR_SCREENSHOT or docs/screenshot.png)")
    parser.add_argument("--photo", help="upload this photo instead of the synthetic one (e.g. for documentation screenshots)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for each step (default 120)")
    parser.add_argument("--window", default="1366x768", help="browser window size (default 1366x768)")
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
        write_gray_png(photo, 640, 427, landscape(640, 427))
    photo = os.path.abspath(photo)

    port = free_port()
    base = args.url.rstrip("/") if args.url else f"http://127.0.0.1:{port}"
    checks = Checks()
    server = driver = None
    log = open(log_path, "w")
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
        natural = run_ui(driver, base, photo, args.screenshot, args.timeout, checks)

        # The state, through the API.
        listing = get_json(base + "/api/projects")["projects"]
        checks.check(len(listing) == 1, "the API lists one project")
        if listing:
            project = get_json(base + f"/api/projects/{listing[0]['id']}")
            checks.check(len(project["hints"]) == 2, "the project has the two hints")
            checks.check(natural == [project["width"], project["height"]],
                         f"the displayed result has the photo's full resolution ({natural})")
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

    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
