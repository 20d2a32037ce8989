"""The detection page in a real browser: headless Chromium (Debian's `chromium`) driven over the
DevTools protocol (devtools.py) against the real `video-tracker serve` with the shared models.

A person's path through it: choose a video file, type the options, click the button; the page
follows the job to done and plays the annotated video. The screenshots are kept in test-output/
(git-ignored) to be looked at."""
from __future__ import annotations

import base64
import json
import subprocess
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, TESTDATA, free_port
from devtools import Chromium

OUTPUT = REPO / "test-output"
MODELS = TESTDATA / "models"


def crossing_truth() -> list[tuple[float, float, float, float]]:
    boxes = []
    for line in (TESTDATA / "sot" / "Crossing" / "groundtruth_rect.txt").read_text().split():
        x, y, w, h = (float(value) for value in line.replace("\t", ",").split(","))
        boxes.append((x, y, x + w, y + h))
    return boxes


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def first_frame_of(video: Path) -> np.ndarray:
    """Frame 0 as ffmpeg decodes it, RGBA rows."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "rgba", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(240, 360, 4)


def edge_band(box: tuple[float, ...], width: int, height: int, reach: int = 2) -> np.ndarray:
    """The pixels within `reach` of the box's outline."""
    mask = np.zeros((height, width), dtype=bool)
    left, top, right, bottom = (int(round(value)) for value in box)
    for x0, y0, x1, y1 in ((left, top, right, top), (left, bottom, right, bottom),
                           (left, top, left, bottom), (right, top, right, bottom)):
        mask[max(0, min(y0, y1) - reach):min(height, max(y0, y1) + reach + 1),
             max(0, min(x0, x1) - reach):min(width, max(x0, x1) + reach + 1)] = True
    return mask


@pytest.fixture
def browser():
    chromium = Chromium()
    yield chromium
    chromium.close()


def test_upload_through_the_page_then_the_video_plays_with_boxes(start_service, browser: Chromium) -> None:
    port = free_port()
    service = start_service(["serve", "--host", "127.0.0.1", "--port", str(port), "--models", str(MODELS)])
    base = f"http://127.0.0.1:{port}"
    service.wait_until_healthy(base + "/healthz")
    crossing = TESTDATA / "sot" / "Crossing" / "Crossing.mp4"

    browser.navigate(base + "/")
    browser.choose_files("input[name=video]", [str(crossing)])
    browser.type_text("input[name=classes]", "person")
    browser.type_text("input[name=score]", "0.4")
    browser.screenshot(OUTPUT / "page-1-form.png")
    browser.click("#submit")

    # The page moves to the job's address and follows it.
    job_id = browser.wait_until("location.pathname.startsWith('/jobs/') && location.pathname.slice(6)", seconds=120)
    browser.screenshot(OUTPUT / "page-2-following.png")
    status = browser.wait_until(
        "['done', 'failed'].includes(document.getElementById('job-status').textContent)"
        " && document.getElementById('job-status').textContent",
        describe=lambda: browser.evaluate("document.body.innerText"))
    browser.screenshot(OUTPUT / "page-3-done.png")
    assert status == "done", browser.evaluate("document.getElementById('job-error').textContent")
    assert browser.evaluate("document.getElementById('job-progress').value") == 1
    assert browser.evaluate("document.getElementById('job-frames').textContent") == "120 / 120 frames"

    # The job the page made is the one the API shows, with the options typed in.
    with urllib.request.urlopen(f"{base}/jobs/{job_id}") as response:
        job = json.load(response)
    assert job["options"]["classes"] == ["person"] and job["options"]["score"] == 0.4

    # The annotated video plays: it has a duration, and its first frame is drawn on a canvas.
    duration = browser.wait_until(
        "(() => { const v = document.getElementById('job-video'); return v.readyState >= 2 && v.duration > 0 && v.duration; })()",
        seconds=120)
    assert abs(duration - 4.0) < 0.1, f"Crossing is 120 frames at 30 fps, the video says {duration} s"
    size = browser.evaluate("""new Promise((done) => {
        const video = document.getElementById('job-video');
        video.pause();
        video.addEventListener('seeked', () => done([video.videoWidth, video.videoHeight]), { once: true });
        video.currentTime = 0;
    })""")
    assert size == [360, 240]
    browser.wait_until("document.getElementById('job-video').readyState >= 3", seconds=60)
    browser.screenshot(OUTPUT / "page-4-first-frame.png")
    pixels = browser.evaluate("""(() => {
        const video = document.getElementById('job-video');
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        const context = canvas.getContext('2d');
        context.drawImage(video, 0, 0);
        const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
        let text = '';
        for (let i = 0; i < data.length; i += 8192) text += String.fromCharCode.apply(null, data.subarray(i, i + 8192));
        return btoa(text);
    })()""")
    shown = np.frombuffer(base64.b64decode(pixels), dtype=np.uint8).reshape(240, 360, 4)

    # Boxes: where the detector put the walker on frame 0, the shown frame differs from the
    # original along the box's outline, far more than anywhere else.
    with urllib.request.urlopen(f"{base}/jobs/{job_id}/detections?format=json") as response:
        detections = json.load(response)
    people = [(o["x"], o["y"], o["x"] + o["w"], o["y"] + o["h"]) for o in detections["frames"][0]["objects"]]
    walker = max(people, key=lambda box: iou(box, crossing_truth()[0]))
    assert iou(walker, crossing_truth()[0]) >= 0.5
    difference = np.abs(shown[:, :, :3].astype(int) - first_frame_of(crossing)[:, :, :3].astype(int)).sum(axis=2)
    outline = edge_band(walker, 360, 240)
    anywhere_boxed = np.zeros_like(outline)
    for box in people:
        left, top, right, bottom = (int(round(v)) for v in box)
        anywhere_boxed[max(0, top - 20):bottom + 20, max(0, left - 20):right + 20] = True
    on_outline = difference[outline].mean()
    elsewhere = difference[~anywhere_boxed].mean()
    print(f"mean RGB difference on the walker's outline {on_outline:.1f}, away from every box {elsewhere:.1f}")
    assert on_outline > 60 and on_outline > 5 * elsewhere


def test_tracking_through_the_page(start_service, browser: Chromium) -> None:
    """Ticking "Track objects" moves the score to tracking's default and makes a tracked job: the
    job's page says so and the MOT rows carry ids."""
    port = free_port()
    service = start_service(["serve", "--host", "127.0.0.1", "--port", str(port), "--models", str(MODELS)])
    base = f"http://127.0.0.1:{port}"
    service.wait_until_healthy(base + "/healthz")

    browser.navigate(base + "/")
    browser.choose_files("input[name=video]", [str(TESTDATA / "sot" / "Crossing" / "Crossing.mp4")])
    browser.type_text("input[name=classes]", "person")
    assert browser.evaluate("document.querySelector('input[name=score]').value") == "0.3"
    browser.click("input[name=track]")
    assert browser.evaluate("document.querySelector('input[name=track]').checked") is True
    assert browser.evaluate("document.querySelector('input[name=score]').value") == "0.1"
    browser.click("#submit")

    job_id = browser.wait_until("location.pathname.startsWith('/jobs/') && location.pathname.slice(6)", seconds=120)
    status = browser.wait_until(
        "['done', 'failed'].includes(document.getElementById('job-status').textContent)"
        " && document.getElementById('job-status').textContent",
        describe=lambda: browser.evaluate("document.body.innerText"))
    browser.screenshot(OUTPUT / "page-5-tracked.png")
    assert status == "done", browser.evaluate("document.getElementById('job-error').textContent")
    assert "tracked (ids across frames)" in browser.evaluate("document.getElementById('job-options').textContent")

    with urllib.request.urlopen(f"{base}/jobs/{job_id}") as response:
        job = json.load(response)
    assert job["options"]["track"] is True and job["options"]["score"] == 0.1 and job["options"]["classes"] == ["person"]
    with urllib.request.urlopen(f"{base}/jobs/{job_id}/detections?format=mot") as response:
        rows = [line.split(",") for line in response.read().decode().splitlines()]
    assert rows and all(len(row) == 10 and int(row[1]) >= 1 and row[7:] == ["-1", "-1", "-1"] for row in rows)
