"""The dashboard (GET /dashboard) in a real browser: headless Chromium driven over the DevTools
protocol (devtools.py) against the real `video-tracker serve` on SQLite with the shared models.

PETS09-S2L1's ground truth is imported into an import-only camera (one frame every 10 s from
08:00 UTC: three clock hours); the page must show the same answers the API gives for it (the
longest stays, the crowd per hour, a zone drawn with the mouse). A live camera (vtest.avi streamed
by ffmpeg) must show its annotated picture refreshing. Screenshots at 1280x800 and 390x844 are
kept in test-output/ (git-ignored) to be looked at."""
from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import REPO, TESTDATA, free_port
from devtools import Chromium

OUTPUT = REPO / "test-output"
MODELS = TESTDATA / "models"
PETS_TRUTH = TESTDATA / "mot" / "PETS09-S2L1" / "gt" / "gt.txt"
VTEST = TESTDATA / "video" / "vtest.avi"


def request(url: str, body: dict | bytes | None = None, method: str | None = None) -> dict:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = {"Content-Type": "application/json"} if isinstance(body, dict) else {"Content-Type": "text/plain"}
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers), timeout=120) as response:
        return json.load(response)


def start(start_service) -> str:
    port = free_port()
    service = start_service(["serve", "--host", "127.0.0.1", "--port", str(port), "--models", str(MODELS),
                             "--allow-private-networks"])
    base = f"http://127.0.0.1:{port}"
    service.wait_until_healthy(base + "/healthz")
    return base


def pets_camera(base: str) -> str:
    camera = request(base + "/cameras", {"name": "PETS09 S2L1"})
    query = urllib.parse.urlencode({"fps": "0.1", "start_time": "2026-11-21T08:00:00Z"})
    imported = request(f"{base}/cameras/{camera['id']}/tracks?{query}", PETS_TRUTH.read_bytes())
    kept = [line for line in PETS_TRUTH.read_text().splitlines() if float(line.split(",")[6]) != 0]  # conf-0 rows are skipped
    assert imported["stored"] == len(kept)
    return camera["id"]


def table(browser: Chromium, selector: str) -> list[list[str]]:
    return browser.evaluate(f"""[...document.querySelectorAll({json.dumps(selector + ' tbody tr')})]
        .map((row) => [...row.cells].map((cell) => cell.textContent.trim()))""")


def drag(browser: Chromium, selector: str, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A mouse drag between two points given as fractions of the element's box, in steps as a hand moves."""
    box = browser.evaluate(f"""(() => {{ const element = document.querySelector({json.dumps(selector)});
        element.scrollIntoView({{ block: 'center' }}); const box = element.getBoundingClientRect();
        return [box.left, box.top, box.width, box.height]; }})()""")
    to_page = lambda point: (box[0] + point[0] * box[2], box[1] + point[1] * box[3])  # noqa: E731
    x0, y0 = to_page(start)
    x1, y1 = to_page(end)
    browser.send("Input.dispatchMouseEvent", type="mouseMoved", x=x0, y=y0)
    browser.send("Input.dispatchMouseEvent", type="mousePressed", x=x0, y=y0, button="left", buttons=1, clickCount=1)
    for step in range(1, 11):
        browser.send("Input.dispatchMouseEvent", type="mouseMoved", x=x0 + (x1 - x0) * step / 10,
                     y=y0 + (y1 - y0) * step / 10, button="left", buttons=1)
    browser.send("Input.dispatchMouseEvent", type="mouseReleased", x=x1, y=y1, button="left", buttons=0, clickCount=1)


@pytest.fixture
def browser():
    chromium = Chromium(width=1280, height=800)
    yield chromium
    chromium.close()


def test_dashboard_shows_the_api_answers_and_a_zone_drawn_by_mouse(start_service, browser: Chromium) -> None:
    base = start(start_service)
    pets = pets_camera(base)
    other = request(base + "/cameras", {"name": "empty import"})["id"]

    browser.navigate(base + "/dashboard")
    names = browser.wait_until("""(() => { const buttons = [...document.querySelectorAll('#camera-list button')];
        return buttons.length === 2 && buttons.map((button) => button.dataset.id); })()""", seconds=60)
    assert sorted(names) == sorted([pets, other])
    browser.click(f"#camera-list button[data-id='{pets}']")

    # The longest stays: the API's ten, in its order.
    stays = request(f"{base}/cameras/{pets}/stays/top?limit=10")["tracks"]
    assert len(stays) == 10
    browser.wait_until("document.querySelectorAll('#stays-table tbody tr').length === 10", seconds=120,
                       describe=lambda: browser.evaluate("document.body.innerText"))
    shown = table(browser, "#stays-table")
    assert [int(row[0].split()[-1]) for row in shown] == [stay["track_id"] for stay in stays]
    assert [float(row[1]) for row in shown] == [stay["seconds"] for stay in stays]
    assert [row[2:] for row in shown] == [[stay["first"], stay["last"]] for stay in stays]

    # The crowd: 795 frames at 0.1 fps from 08:00 span 08:00 to 10:12, three hour bars of the API's heights.
    crowd = request(f"{base}/cameras/{pets}/crowd")["hours"]
    assert len(crowd) == 3
    bars = browser.wait_until("""(() => { const bars = [...document.querySelectorAll('#crowd-chart rect.bar')];
        return bars.length > 0 && bars.map((bar) => [bar.dataset.hour, Number(bar.dataset.value), bar.getBBox().height]); })()""")
    assert [(hour, value) for hour, value, _ in bars] == [(hour["hour"], hour["max_count"]) for hour in crowd]
    tallest = max(hour["max_count"] for hour in crowd)
    for (_, value, height), hour in zip(bars, crowd):
        assert height > 0 and abs(height / max(bar[2] for bar in bars) - value / tallest) < 0.02

    # The picture: an import-only camera's plain canvas holding PETS09's 768x576 with the heatmap drawn on it.
    assert browser.evaluate("[document.getElementById('overlay').width, document.getElementById('overlay').height]") == [768, 576]
    painted = browser.evaluate("""(() => { const canvas = document.getElementById('overlay');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0; for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++; return painted / (data.length / 4); })()""")
    assert 0.05 < painted < 0.95, f"{painted:.2f} of the picture painted by the heatmap and trajectories"
    browser.screenshot(OUTPUT / "dashboard-1-camera-1280x800.png")

    # A zone dragged with the mouse on the picture: its table and bars are the API's for the same rectangle.
    drag(browser, "#overlay", (0.25, 0.35), (0.6, 0.8))
    rectangle = browser.wait_until("""(() => { const zone = document.getElementById('zone').dataset;
        return zone.x1 !== undefined && document.querySelectorAll('#zone-table tbody tr').length > 0
            && [zone.x1, zone.y1, zone.x2, zone.y2].map(Number); })()""", seconds=120)
    x1, y1, x2, y2 = rectangle
    assert abs(x1 - 0.25 * 768) <= 3 and abs(y1 - 0.35 * 576) <= 3 and abs(x2 - 0.6 * 768) <= 3 and abs(y2 - 0.8 * 576) <= 3
    query = urllib.parse.urlencode({"x1": x1, "y1": y1, "x2": x2, "y2": y2, "tz": "UTC"})
    zone = request(f"{base}/cameras/{pets}/zone?{query}")["hours"]
    assert len(zone) == 3 and sum(hour["passed"] for hour in zone) > 0
    rows = table(browser, "#zone-table")
    assert [(row[0], int(row[1]), float(row[2])) for row in rows] == \
        [(hour["hour"], hour["passed"], hour["max_stay_seconds"]) for hour in zone]
    for chart, key in (("#zone-passed-chart", "passed"), ("#zone-stay-chart", "max_stay_seconds")):
        values = browser.evaluate(f"[...document.querySelectorAll('{chart} rect.bar')].map((bar) => Number(bar.dataset.value))")
        assert values == [hour[key] for hour in zone]
    browser.screenshot(OUTPUT / "dashboard-2-zone-1280x800.png")

    # Saved by name, the zone is listed and asked about by name with the same answer.
    browser.type_text("#zone-name", "square")
    browser.click("#zone-save button")
    browser.wait_until("[...document.querySelectorAll('#saved-zones button')].some((b) => b.textContent === 'square')", seconds=60)
    assert request(f"{base}/cameras/{pets}/zone?zone=square")["hours"] == zone

    # A time window: only 09:00 to 10:00 UTC, the crowd chart has one bar.
    browser.evaluate("document.getElementById('from').value = '2026-11-21T09:00'; document.getElementById('to').value = '2026-11-21T10:00'")
    browser.click("#window-form button")
    browser.wait_until("document.querySelectorAll('#crowd-chart rect.bar').length === 1", seconds=60)
    assert browser.evaluate("document.querySelector('#crowd-chart rect.bar').dataset.hour") == "2026-11-21T09:00:00Z"

    # A phone's screen: one column, nothing wider than the screen, the picture still takes a zone.
    browser.send("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=1, mobile=True)
    browser.evaluate("document.getElementById('from').value = ''; document.getElementById('to').value = ''")
    browser.click("#window-form button")
    browser.wait_until("document.querySelectorAll('#crowd-chart rect.bar').length === 3", seconds=60)
    assert browser.evaluate("document.documentElement.scrollWidth") <= 390
    widths = browser.evaluate("['#view', '#zone', '#crowd', '#stays'].map((s) => document.querySelector(s).getBoundingClientRect().width)")
    assert all(width <= 390 for width in widths) and min(widths) > 300, widths
    browser.evaluate("window.scrollTo(0, 0)")
    browser.screenshot(OUTPUT / "dashboard-3-phone-390x844.png")
    drag(browser, "#overlay", (0.1, 0.1), (0.5, 0.5))
    browser.wait_until("Number(document.getElementById('zone').dataset.x2) <= 0.5 * 768 + 3", seconds=60)
    browser.wait_until("document.getElementById('zone-passed-chart').querySelectorAll('rect.bar').length === 3", seconds=60)
    browser.evaluate("document.getElementById('zone').scrollIntoView()")
    browser.screenshot(OUTPUT / "dashboard-4-phone-zone-390x844.png")


def test_dashboard_live_picture_refreshes(start_service, browser: Chromium) -> None:
    base = start(start_service)
    port = free_port()
    stream = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", str(VTEST),
                               "-an", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "10",
                               "-f", "mpegts", "-listen", "1", f"http://127.0.0.1:{port}/live.ts"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)  # ffmpeg listening first spares the camera a reconnect; either way it gets there
        camera = request(base + "/cameras", {"name": "vtest live", "url": f"http://127.0.0.1:{port}/live.ts", "fps": 5})
        browser.navigate(f"{base}/dashboard?camera={camera['id']}")
        first = browser.wait_until("document.getElementById('live').dataset.frameTime", seconds=300,
                                   describe=lambda: browser.evaluate("document.getElementById('picture-note').textContent"))
        later = browser.wait_until(f"(() => {{ const time = document.getElementById('live').dataset.frameTime;"
                                   f" return time && time !== {json.dumps(first)} && time; }})()", seconds=120)
        assert later > first
        size = browser.wait_until("""(() => { const image = document.getElementById('live');
            return image.complete && image.naturalWidth > 0 && [image.naturalWidth, image.naturalHeight,
                document.getElementById('overlay').width]; })()""", seconds=60)
        assert size == [768, 576, 768]
        # Records stored while the page is open show without a reload: the status moves on to
        # live and the crowd chart gets its hour (the page asks again every 15 s).
        browser.wait_until("document.getElementById('camera-status').textContent.startsWith('Live: live')"
                           " && document.querySelectorAll('#crowd-chart rect.bar').length > 0", seconds=180,
                           describe=lambda: browser.evaluate("document.getElementById('camera-status').textContent"))
        crowd = request(f"{base}/cameras/{camera['id']}/crowd")["hours"]
        assert crowd and all(hour["max_count"] >= 1 for hour in crowd)
        browser.screenshot(OUTPUT / "dashboard-5-live-1280x800.png")
    finally:
        stream.terminate()
        stream.wait(timeout=10)
