"""The runner adapter the annotation platform executes: its tracker function, backed by video-tracker.

The platform calls `Tracker().run(item_stream_url, bbs, start_frame, frame_duration, progress)` and
expects `{annotation_id: {frame_number: [{"x", "y"}, {"x", "y"}]}}` back, frame numbers as ints and
lost frames left out. The tracking itself is the `video-tracker` binary in streaming mode: one JSON
line per frame, so progress can be reported while it runs.

dtlpy is optional here: on the platform it is installed and logged in; locally (and in the tests)
the adapter runs without it, with no token and a plain base class.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

try:  # Optional: the platform's runner has it, a laptop or CI need not.
    import dtlpy as dl

    _RunnerBase: type = dl.BaseServiceRunner
except ImportError:  # pragma: no cover - depends on the machine
    dl = None
    _RunnerBase = object

logger = logging.getLogger("video-tracker.adapter")

# Box as the platform draws it: top-left and bottom-right corners.
Box = list[dict[str, float]]
Result = dict[str, dict[int, Box]]
TokenLookup = Callable[[str], Optional[str]]


class TrackerError(RuntimeError):
    """The binary refused or failed; `code` and `field` are its own error fields."""

    def __init__(self, message: str, code: str = "internal", field: Optional[str] = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


def with_jwt(url: str, token: str) -> str:
    """The URL with `jwt=<token>` appended, joined by `?` or `&` as the URL needs."""
    if re.search(r"[?&]jwt=", url):
        return url  # already authorised by the caller; a second jwt would be ambiguous
    base, hash_mark, fragment = url.partition("#")
    separator = "&" if "?" in base else "?"
    if base.endswith(("?", "&")):
        separator = ""
    return f"{base}{separator}jwt={token}{hash_mark}{fragment}"


def redact(text: str) -> str:
    """Hide jwt values, so a token never lands in an exception or a log line."""
    return re.sub(r"(jwt=)[^&\s\"']+", r"\1<redacted>", text)


def platform_token(url: str) -> Optional[str]:
    """The logged-in platform token, only for URLs on the platform's own host.

    Videos linked from elsewhere (JSON video items) get no token: sending the platform's
    credentials to a third-party host would leak them.
    """
    if dl is None:
        return None
    try:
        token = dl.token()
        environment = dl.environment()
    except Exception:  # not logged in, or no environment set
        return None
    if not token or not environment:
        return None
    if urlsplit(url).hostname != urlsplit(environment).hostname:
        return None
    return token


def binary_path() -> str:
    """VIDEO_TRACKER_BIN, else `video-tracker` on PATH; fails with what to set when neither is there."""
    configured = os.environ.get("VIDEO_TRACKER_BIN")
    if configured:
        if not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
            raise TrackerError(f"VIDEO_TRACKER_BIN={configured} is not an executable file", code="no_binary")
        return configured
    found = shutil.which("video-tracker")
    if found is None:
        raise TrackerError("video-tracker is not on PATH; set VIDEO_TRACKER_BIN to the binary", code="no_binary")
    return found


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


class Tracker(_RunnerBase):  # type: ignore[misc, valid-type]
    """The platform's service runner: one `run` per studio request, many at once (concurrency 10)."""

    # Where the stream URL's token comes from; a plain attribute (not an __init__ input, which the
    # platform would expect declared in the module's initInputs) so tests can swap it.
    token_for: TokenLookup = staticmethod(platform_token)

    def __init__(self) -> None:
        # Resolve the binary at start, so a broken image fails the service, not every request.
        self.binary = binary_path()
        # Stop before the platform's 60 s execution timeout kills us, returning what was tracked.
        self.deadline_seconds = float(os.environ.get("VIDEO_TRACKER_DEADLINE", "55"))
        # Unset: the binary's default (NanoTrack when the image has models, else CSRT).
        self.tracker_kind = os.environ.get("VIDEO_TRACKER_TRACKER") or None

    def run(self, item_stream_url: str, bbs: dict, start_frame: int, frame_duration: Optional[int] = 60,
            progress: Any = None) -> Result:
        """Track every box in `bbs` from `start_frame` for `frame_duration` frames (the start included)."""
        if not isinstance(bbs, dict):
            raise ValueError('input "bbs" must be a dictionary of {annotation_id: [{x, y}, {x, y}]}')
        result: Result = {str(annotation_id): {} for annotation_id in bbs}
        if not bbs:
            return result
        if frame_duration is None:  # a caller that sends the key with no value means the default
            frame_duration = 60
        url = item_stream_url
        token = self.token_for(url)
        if token:
            url = with_jwt(url, token)
        command = self._command(url, bbs, int(start_frame), int(frame_duration))
        logger.info("tracking %d boxes from frame %s for %s frames", len(bbs), start_frame, frame_duration)
        summary = self._stream(command, result, progress)
        if summary.get("partial"):
            logger.warning("partial result: %s after %s of %s frames (%s)", summary.get("stop_reason"),
                           summary.get("frames_tracked"), summary.get("frames_requested"), summary.get("detail", ""))
        return result

    def _command(self, url: str, bbs: dict, start_frame: int, frame_duration: int) -> list[str]:
        command = [
            self.binary, "run", "--url", url, "--bbs", json.dumps(bbs),
            "--start-frame", str(start_frame), "--frame-duration", str(frame_duration),
            "--ndjson", "--deadline", str(self.deadline_seconds),
        ]
        if self.tracker_kind:
            command += ["--tracker", self.tracker_kind]
        if _flag("VIDEO_TRACKER_ALLOW_PRIVATE_NETWORKS"):
            command.append("--allow-private-networks")
        return command

    def _stream(self, command: list[str], result: Result, progress: Any) -> dict:
        """Runs the binary, fills `result` frame by frame and returns its closing summary line."""
        summary: dict = {}
        last_percent = -1
        # stderr goes to a file: a pipe nobody reads while stdout streams could fill and stall the binary.
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
            try:
                assert process.stdout is not None
                for line in process.stdout:
                    if not line.strip():
                        continue
                    event = json.loads(line)
                    if event.get("done"):
                        summary = event
                        continue
                    frame = int(event["frame"])
                    for annotation_id, box in event["boxes"].items():
                        if box is not None:  # lost frames are left out, as the studio expects
                            result.setdefault(annotation_id, {})[frame] = box
                    if hasattr(self, "kill_event"):
                        self.kill_event()  # raises if the platform terminated this execution
                    percent = int(round(float(event["progress"]) * 100))
                    if progress is not None and percent != last_percent:
                        # Whole percent steps only: at most 101 updates however long the video.
                        last_percent = percent
                        progress.update(status="inProgress", progress=percent, message=f"tracked frame {frame}")
                status = process.wait()
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            if status != 0:
                errors.seek(0)
                raise self._error(errors.read().decode("utf-8", "replace"), status)
        return summary

    @staticmethod
    def _error(stderr: str, status: int) -> TrackerError:
        """The binary's `{"error": {...}}` line as an exception carrying its message."""
        for line in reversed(stderr.strip().splitlines()):
            try:
                body = json.loads(line).get("error")
            except (ValueError, AttributeError):
                continue
            if isinstance(body, dict):
                code = str(body.get("code", "internal"))
                message = str(body.get("message", "tracking failed"))
                if code == "destination_refused":
                    message += " (for this adapter: set VIDEO_TRACKER_ALLOW_PRIVATE_NETWORKS=1)"
                return TrackerError(redact(message), code=code, field=body.get("field"))
        return TrackerError(redact(f"video-tracker exited with status {status}: {stderr.strip()[-2000:]}"))


if __name__ == "__main__":  # a local smoke run: python3 main.py URL '{"a": [{"x":..}, {"x":..}]}' START [DURATION]
    import sys

    logging.basicConfig(level=logging.INFO)
    arguments = sys.argv[1:]
    if len(arguments) < 3:
        sys.exit("usage: main.py URL BBS_JSON START_FRAME [FRAME_DURATION]")
    output = Tracker().run(arguments[0], json.loads(arguments[1]), int(arguments[2]),
                           int(arguments[3]) if len(arguments) > 3 else 60)
    print(json.dumps(output))
