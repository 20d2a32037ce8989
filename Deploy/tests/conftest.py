"""Shared fixtures: paths relative to this file, the real binary, the sample video over loopback HTTP."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

DEPLOY = Path(__file__).resolve().parents[1]
REPO = DEPLOY.parent
TESTDATA = REPO.parent / "shared" / "testdata"
CROSSING = TESTDATA / "sot" / "Crossing"

# The adapter, bind_recipe and deploy are scripts, not a package: import them from their folder.
sys.path.insert(0, str(DEPLOY / "dataloop"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from range_server import RangeServer  # noqa: E402


@pytest.fixture(scope="session")
def binary() -> str:
    """The built video-tracker; a missing binary fails the tests that need it, loudly."""
    path = os.environ.get("VIDEO_TRACKER_BIN")
    if not path:
        pytest.fail("VIDEO_TRACKER_BIN is not set: build with `swift build` and set it to "
                    ".build/debug/video-tracker (or a release build)")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"VIDEO_TRACKER_BIN={path} is not an executable file: build it with `swift build`")
    return os.path.abspath(path)  # tests start processes from other working directories too


@pytest.fixture(scope="session")
def crossing() -> Path:
    video = CROSSING / "Crossing.mp4"
    if not video.is_file():
        pytest.fail(f"test data missing: {video} (the shared test data lives in ../shared/testdata)")
    return CROSSING


@pytest.fixture(scope="session")
def groundtruth(crossing: Path) -> list[tuple[float, float, float, float]]:
    """Ground-truth boxes as (left, top, right, bottom); index k is decoded frame k."""
    boxes = []
    for line in (crossing / "groundtruth_rect.txt").read_text().split():
        x, y, w, h = (float(value) for value in line.replace("\t", ",").split(","))
        boxes.append((x, y, x + w, y + h))
    return boxes


@pytest.fixture(scope="session")
def video_server(crossing: Path) -> Iterator[RangeServer]:
    with RangeServer(crossing) as server:
        yield server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RunningService:
    """`video-tracker serve` in the background, stopped (by its own pid) when the test ends."""

    def __init__(self, binary: str, args: list[str], env: dict[str, str] | None = None) -> None:
        # Detection jobs' data goes to a folder of this service's own, not into the checkout.
        self.data_dir = tempfile.mkdtemp(prefix="video-tracker-data-")
        if args[:1] == ["serve"] and "--data-dir" not in args:
            args = [*args, "--data-dir", self.data_dir]
        # The log goes to a file: a pipe nobody reads would block a chatty service (cameras reconnecting).
        self.log = open(os.path.join(self.data_dir, "service.log"), "w+b")
        self.process = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL, stderr=self.log,
                                        env=None if env is None else {**os.environ, **env})

    def log_tail(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def wait_until_healthy(self, url: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the service exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"{url} did not answer 200 within {seconds} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


@pytest.fixture
def start_service(binary: str) -> Iterator:
    started: list[RunningService] = []

    def start(args: list[str], env: dict[str, str] | None = None) -> RunningService:
        service = RunningService(binary, args, env)
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


def run_without_dtlpy(script: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Runs a script with dtlpy made unimportable, as on a machine without it or any login.

    Even where dtlpy is installed and logged in, the tests must never reach the platform.
    """
    blocker = tmp_path / "no_dtlpy" / "dtlpy"
    blocker.mkdir(parents=True, exist_ok=True)
    (blocker / "__init__.py").write_text("raise ImportError('dtlpy blocked for this test')\n")
    env = {**os.environ, "PYTHONPATH": str(blocker.parent)}
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env,
                          timeout=30)


def iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    overlap_w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    overlap_h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    overlap = overlap_w * overlap_h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap
    return overlap / union if union > 0 else 0.0
