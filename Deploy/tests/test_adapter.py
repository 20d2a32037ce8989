"""The platform adapter (Deploy/dataloop/main.py) run locally with the real binary over loopback HTTP."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pytest

import main
from conftest import TESTDATA, iou
from range_server import RangeServer


class RecordingProgress:
    """Stands in for the platform's progress object: records every update."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def update(self, status: Optional[str] = None, progress: int = 0, message: Optional[str] = None,
               output: Any = None, duration: Any = None, action: Any = None) -> None:
        self.calls.append({"status": status, "progress": progress, "message": message})


def as_points(box: tuple[float, float, float, float]) -> list[dict[str, float]]:
    return [{"x": box[0], "y": box[1]}, {"x": box[2], "y": box[3]}]


def as_tuple(points: list[dict[str, float]]) -> tuple[float, float, float, float]:
    return points[0]["x"], points[0]["y"], points[1]["x"], points[1]["y"]


@pytest.fixture
def tracker(binary: str, monkeypatch: pytest.MonkeyPatch) -> main.Tracker:
    monkeypatch.setenv("VIDEO_TRACKER_BIN", binary)
    monkeypatch.setenv("VIDEO_TRACKER_ALLOW_PRIVATE_NETWORKS", "1")
    adapter = main.Tracker()
    adapter.token_for = lambda url: None  # no platform login in tests, whatever the machine has
    return adapter


def test_tracks_the_pedestrian_over_loopback_http(tracker: main.Tracker, video_server: RangeServer,
                                                  groundtruth: list) -> None:
    start, duration = 10, 50
    pedestrian = groundtruth[start]
    # A second, static box: every annotation gets its own entry in the answer.
    still = (10.0, 10.0, 50.0, 40.0)
    bbs = {"pedestrian": as_points(pedestrian), "corner": as_points(still)}
    progress = RecordingProgress()
    requests_before = len(video_server.requests)

    result = tracker.run(f"{video_server.base_url}/Crossing.mp4", bbs, start, duration, progress=progress)

    assert set(result) == {"pedestrian", "corner"}
    frames = result["pedestrian"]
    assert all(type(frame) is int for frame in frames), "frame keys must be ints, as the old example's"
    assert set(frames) <= set(range(start, start + duration))
    assert len(frames) >= 0.9 * duration, f"only {len(frames)} of {duration} frames tracked"
    # The start frame echoes the box it was given.
    assert frames[start] == as_points(pedestrian)
    assert result["corner"][start] == as_points(still)
    # Near the ground truth (CSRT on Crossing: mean IoU about 0.7).
    overlaps = [iou(as_tuple(box), groundtruth[frame]) for frame, box in frames.items()]
    assert sum(overlaps) / len(overlaps) >= 0.5, f"mean IoU {sum(overlaps) / len(overlaps):.2f}"
    assert sum(value >= 0.5 for value in overlaps) >= 0.8 * len(overlaps)
    for box in frames.values():
        assert len(box) == 2 and set(box[0]) == {"x", "y"} and box[0]["x"] < box[1]["x"]

    # Progress: whole percent steps, increasing, ending at 100 (the binary's 0..1 times 100).
    percents = [call["progress"] for call in progress.calls]
    assert percents, "no progress reported"
    assert all(isinstance(value, int) for value in percents)
    assert percents == sorted(set(percents)), f"not strictly increasing: {percents}"
    assert percents[0] > 0 and percents[-1] == 100
    assert {call["status"] for call in progress.calls} == {"inProgress"}

    # The video was read with ranged requests from our server, with no token attached.
    seen = video_server.requests[requests_before:]
    assert seen and all(path == "/Crossing.mp4" for path, _ in seen)
    assert any(header and header.startswith("bytes=") for _, header in seen)


def test_with_models_in_the_image_the_default_is_nanotrack(binary: str, monkeypatch: pytest.MonkeyPatch,
                                                          video_server: RangeServer, groundtruth: list,
                                                          tmp_path: Path) -> None:
    # As the runner image sets it: models and a cache for the compiled networks, no tracker named.
    monkeypatch.setenv("VIDEO_TRACKER_BIN", binary)
    monkeypatch.setenv("VIDEO_TRACKER_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("VIDEO_TRACKER_MODELS", str(TESTDATA / "models"))
    monkeypatch.setenv("VIDEO_TRACKER_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("VIDEO_TRACKER_TRACKER", raising=False)
    adapter = main.Tracker()
    adapter.token_for = lambda url: None
    assert "--tracker" not in adapter._command("http://127.0.0.1/x.mp4", {}, 0, 5)

    result = adapter.run(f"{video_server.base_url}/Crossing.mp4", {"p": as_points(groundtruth[0])}, 0, 120)

    overlaps = [iou(as_tuple(result["p"].get(frame, [{"x": 0, "y": 0}, {"x": 0, "y": 0}])), groundtruth[frame])
                for frame in range(120)]
    # NanoTrack v2 keeps 0.75 here (CSRT 0.72, KCF 0.06).
    assert sum(overlaps) / 120 >= 0.70, f"mean IoU {sum(overlaps) / 120:.3f}"
    assert any((tmp_path / "cache").iterdir()), "OpenVINO kept no compiled network in the cache"


def test_runs_without_progress_object(tracker: main.Tracker, video_server: RangeServer, groundtruth: list) -> None:
    result = tracker.run(f"{video_server.base_url}/Crossing.mp4", {"p": as_points(groundtruth[0])}, 0, 5)
    assert sorted(result["p"]) == [0, 1, 2, 3, 4]


def test_deadline_returns_the_frames_tracked_so_far(binary: str, crossing: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Before the platform's execution timeout, the adapter returns a partial answer instead of failing.
    # vtest.avi (795 frames at 768x576) takes several seconds even in a release build.
    monkeypatch.setenv("VIDEO_TRACKER_BIN", binary)
    monkeypatch.setenv("VIDEO_TRACKER_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("VIDEO_TRACKER_DEADLINE", "1")
    adapter = main.Tracker()
    adapter.token_for = lambda url: None
    progress = RecordingProgress()
    person = (499.0, 158.0, 530.0, 233.0)  # sot/from_mot/vtest_id9: frame 1 = decoded frame 0
    with RangeServer(crossing.parents[1] / "video") as server:
        result = adapter.run(f"{server.base_url}/vtest.avi", {"p": as_points(person)}, 0, 795, progress=progress)
    # Fewer frames than asked, from the start on: the deadline stopped tracking (no clock is read here).
    frames = sorted(result["p"])
    assert len(frames) < 795 and frames == list(range(len(frames)))
    assert not progress.calls or progress.calls[-1]["progress"] < 100


def test_appends_the_platform_token_as_jwt(tracker: main.Tracker, crossing: Path, groundtruth: list) -> None:
    with RangeServer(crossing, required_jwt="token-123") as server:
        tracker.token_for = lambda url: "token-123"
        result = tracker.run(f"{server.base_url}/Crossing.mp4?kind=stream", {"p": as_points(groundtruth[0])}, 0, 3)
        assert sorted(result["p"]) == [0, 1, 2]
        assert server.requests and all(path == "/Crossing.mp4?kind=stream&jwt=token-123"
                                       for path, _ in server.requests)

        # A wrong token is refused by the server; the binary's message surfaces, the token does not.
        tracker.token_for = lambda url: "wrong-token"
        with pytest.raises(main.TrackerError) as refused:
            tracker.run(f"{server.base_url}/Crossing.mp4", {"p": as_points(groundtruth[0])}, 0, 3)
        assert "401" in refused.value.code + str(refused.value)
        assert "wrong-token" not in str(refused.value)


def test_binary_errors_surface_as_exceptions(tracker: main.Tracker, video_server: RangeServer,
                                             groundtruth: list, monkeypatch: pytest.MonkeyPatch) -> None:
    box = {"p": as_points(groundtruth[0])}
    with pytest.raises(main.TrackerError) as missing:
        tracker.run(f"{video_server.base_url}/no-such-video.mp4", box, 0, 3)
    assert "404" in str(missing.value) and missing.value.field == "item_stream_url"

    with pytest.raises(main.TrackerError) as empty_box:
        tracker.run(f"{video_server.base_url}/Crossing.mp4", {"p": [{"x": 5, "y": 5}, {"x": 5, "y": 9}]}, 0, 3)
    assert empty_box.value.field == "bbs.p"

    # Loopback needs the explicit opt-in; the message says which variable gives it.
    monkeypatch.delenv("VIDEO_TRACKER_ALLOW_PRIVATE_NETWORKS")
    with pytest.raises(main.TrackerError) as refused:
        tracker.run(f"{video_server.base_url}/Crossing.mp4", box, 0, 3)
    assert refused.value.code == "destination_refused"
    assert "VIDEO_TRACKER_ALLOW_PRIVATE_NETWORKS" in str(refused.value)


def test_input_checks_before_the_binary(tracker: main.Tracker) -> None:
    assert tracker.run("http://127.0.0.1:9/unused.mp4", {}, 0) == {}
    with pytest.raises(ValueError):
        tracker.run("http://127.0.0.1:9/unused.mp4", [[{"x": 1, "y": 1}, {"x": 2, "y": 2}]], 0)


def test_missing_binary_fails_at_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VIDEO_TRACKER_BIN", str(tmp_path / "video-tracker"))
    with pytest.raises(main.TrackerError, match="VIDEO_TRACKER_BIN"):
        main.Tracker()


@pytest.mark.parametrize("url, expected", [
    ("https://gate.example/api/v1/items/1/stream", "https://gate.example/api/v1/items/1/stream?jwt=T"),
    ("https://gate.example/stream?a=1", "https://gate.example/stream?a=1&jwt=T"),
    ("https://gate.example/stream?", "https://gate.example/stream?jwt=T"),
    ("https://gate.example/stream?a=1#t=3", "https://gate.example/stream?a=1&jwt=T#t=3"),
    ("https://gate.example/stream?jwt=OLD", "https://gate.example/stream?jwt=OLD"),
])
def test_with_jwt(url: str, expected: str) -> None:
    assert main.with_jwt(url, "T") == expected


def test_redact_hides_tokens() -> None:
    assert main.redact('failed for "https://h/v?a=1&jwt=secret.token" (401)') == \
        'failed for "https://h/v?a=1&jwt=<redacted>" (401)'


def test_platform_token_needs_dtlpy_and_the_platform_host(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeLogin:  # only the two calls platform_token makes, not dtlpy
        @staticmethod
        def token() -> str:
            return "T"

        @staticmethod
        def environment() -> str:
            return "https://gate.example/api/v1"

    monkeypatch.setattr(main, "dl", None)
    assert main.platform_token("https://gate.example/api/v1/items/1/stream") is None
    monkeypatch.setattr(main, "dl", FakeLogin)
    assert main.platform_token("https://gate.example/api/v1/items/1/stream") == "T"
    # A video linked from elsewhere never gets the platform's token.
    assert main.platform_token("https://videos.elsewhere.example/clip.mp4") is None
