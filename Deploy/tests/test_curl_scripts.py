"""Deploy/curl scripts against the real `video-tracker serve` and the sample video on loopback."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

from conftest import DEPLOY, free_port
from range_server import RangeServer

CURL = DEPLOY / "curl"


@pytest.fixture
def service_url(start_service: Any) -> str:
    if shutil.which("curl") is None:
        pytest.fail("curl is needed for the Deploy/curl scripts (apt-get install curl)")
    port = free_port()
    service = start_service(["serve", "--host", "127.0.0.1", "--port", str(port), "--allow-private-networks"])
    service.wait_until_healthy(f"http://127.0.0.1:{port}/healthz")
    return f"http://127.0.0.1:{port}"


def run(script: str, service_url: str, video_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VIDEO_URL": video_url, "FRAME_DURATION": "20"}
    return subprocess.run([str(CURL / script), service_url], capture_output=True, text=True, env=env, timeout=60)


def test_plain_request(service_url: str, video_server: RangeServer, groundtruth: list) -> None:
    done = run("track.sh", service_url, f"{video_server.base_url}/Crossing.mp4")
    assert done.returncode == 0, done.stderr + done.stdout
    frames = json.loads(done.stdout)["pedestrian"]
    assert sorted(frames, key=int) == [str(frame) for frame in range(20)]
    x, y, right, bottom = groundtruth[0]
    assert frames["0"] == [{"x": x, "y": y}, {"x": right, "y": bottom}]


def test_streaming_request(service_url: str, video_server: RangeServer) -> None:
    done = run("track-stream.sh", service_url, f"{video_server.base_url}/Crossing.mp4")
    assert done.returncode == 0, done.stderr + done.stdout
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    frames, summary = lines[:-1], lines[-1]
    assert [line["frame"] for line in frames] == list(range(20))
    assert [line["progress"] for line in frames] == sorted(line["progress"] for line in frames)
    assert frames[-1]["progress"] == 1
    assert summary["done"] is True and summary["frames_tracked"] == 20 and summary["partial"] is False


def test_error_is_shown_and_fails(service_url: str, video_server: RangeServer) -> None:
    done = run("track.sh", service_url, f"{video_server.base_url}/missing.mp4")
    assert done.returncode != 0
    assert json.loads(done.stdout.strip())["error"]["field"] == "item_stream_url"
