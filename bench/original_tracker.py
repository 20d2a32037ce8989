"""The Python original that video-tracker replaces, for the bench to measure against.

The algorithm: open the video with cv2.VideoCapture (OpenCV's FFmpeg backend reads the URL
itself), seek with CAP_PROP_POS_FRAMES, start one OpenCV tracker per box on the start frame, then
for every following frame update the trackers one after another in this one Python thread.
Nothing here sets OpenCV's thread count: like the original, OpenCV's own parallel_for_ pool (all
cores by default) runs inside a tracker's update where OpenCV parallelises (CSRT does, per
channel). `--opencv-threads 1` calls cv2.setNumThreads(1) to see the strictly one-core cost.

The answer has the contract's shape ({id: {"<frame>": [{"x","y"},{"x","y"}]}}, integer pixels
clipped to the image, the start frame echoing the given box, lost frames left out), so the bench
can compare boxes with `video-tracker run`.

    python bench/original_tracker.py --url URL --bbs JSON --start-frame N --frame-duration M --tracker csrt

`--tracker nanotrack` (v2) or `nanotrack-v3` runs the same loop with the Python NanoTrack reference
(bench/nanotrack_reference.py, ONNX Runtime, f32, one thread) in place of an OpenCV tracker: the Python side of
the default tracker. Its models are loaded before the timing starts (a service loads them once).

prints the answer on stdout and, on stderr, one JSON line of timings
{"seconds": run() wall time, "cpu_seconds": process CPU during run(), "frames": ...}.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import cv2

# The trackers the original offered; the names match video-tracker's `--tracker`.
TRACKERS = {
    "csrt": lambda: cv2.TrackerCSRT_create(),
    "kcf": lambda: cv2.TrackerKCF_create(),
    "mil": lambda: cv2.TrackerMIL_create(),
    "mosse": lambda: cv2.legacy.TrackerMOSSE_create(),
    "medianflow": lambda: cv2.legacy.TrackerMedianFlow_create(),
    "boosting": lambda: cv2.legacy.TrackerBoosting_create(),
    "tld": lambda: cv2.legacy.TrackerTLD_create(),
    "nanotrack": lambda: NanoTrackAdapter("v2"),
    "nanotrack-v3": lambda: NanoTrackAdapter("v3"),
}
_NANOTRACK_MODELS: dict = {}


def nanotrack_models(version: str):
    """The reference's models of one version, loaded once per process and shared by every box."""
    if version not in _NANOTRACK_MODELS:
        import nanotrack_reference  # beside this file; only NanoTrack needs ONNX Runtime

        _NANOTRACK_MODELS[version] = nanotrack_reference.Models(version)
    return _NANOTRACK_MODELS[version]


class NanoTrackAdapter:
    """The NanoTrack reference behind OpenCV's tracker interface (init, update -> (found, box))."""

    def __init__(self, version: str) -> None:
        import nanotrack_reference

        self.tracker = nanotrack_reference.NanoTrack(nanotrack_models(version))

    def init(self, frame, box) -> None:
        self.tracker.init(frame, box)

    def update(self, frame):
        return True, tuple(self.tracker.track(frame)["box"])  # NanoTrack always answers a box


def _pixel_box(x: float, y: float, w: float, h: float, width: int, height: int):
    """Contract box in whole pixels clipped to the image, or None (lost) when nothing is left."""
    left, top, right, bottom = (min(max(round(v), 0), limit) for v, limit in
                                ((x, width), (y, height), (x + w, width), (y + h, height)))
    if right - left < 1 or bottom - top < 1:
        return None
    return [{"x": left, "y": top}, {"x": right, "y": bottom}]


def run(item_stream_url: str, bbs: dict, start_frame: int, frame_duration: int = 60,
        tracker: str = "csrt") -> dict:
    """{annotation_id: {"<frame>": [{"x": x1, "y": y1}, {"x": x2, "y": y2}]}}"""
    capture = cv2.VideoCapture(item_stream_url)
    if not capture.isOpened():
        raise RuntimeError(f"cannot open {item_stream_url}")
    try:
        if start_frame > 0:
            capture.set(cv2.CAP_PROP_POS_FRAMES, start_frame)
        ok, frame = capture.read()
        if not ok:
            raise RuntimeError(f"no frame {start_frame}")
        height, width = frame.shape[:2]
        trackers = {}
        output: dict = {}
        for annotation_id, box in bbs.items():
            x1, y1, x2, y2 = box[0]["x"], box[0]["y"], box[1]["x"], box[1]["y"]
            one = TRACKERS[tracker]()
            one.init(frame, (int(x1), int(y1), int(x2 - x1), int(y2 - y1)))
            trackers[annotation_id] = one
            output[annotation_id] = {str(start_frame): [{"x": int(x1), "y": int(y1)}, {"x": int(x2), "y": int(y2)}]}
        for frame_number in range(start_frame + 1, start_frame + frame_duration):
            ok, frame = capture.read()
            if not ok:
                break  # the video ended: return the frames that exist
            for annotation_id, one in trackers.items():  # one after another
                found, (x, y, w, h) = one.update(frame)
                if found:
                    box = _pixel_box(x, y, w, h, width, height)
                    if box is not None:
                        output[annotation_id][str(frame_number)] = box
        return output
    finally:
        capture.release()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--bbs", required=True, help="JSON {id: [{x,y},{x,y}]}, or @file")
    parser.add_argument("--start-frame", type=int, required=True)
    parser.add_argument("--frame-duration", type=int, default=60)
    parser.add_argument("--tracker", default="csrt", choices=sorted(TRACKERS))
    parser.add_argument("--opencv-threads", type=int, default=None,
                        help="call cv2.setNumThreads(N) first (default: leave OpenCV's pool alone, as the original did)")
    parser.add_argument("--unoptimized", action="store_true",
                        help="call cv2.setUseOptimized(False) first: no IPP or SIMD dispatch (for comparing boxes, not speed)")
    args = parser.parse_args()
    text = open(args.bbs[1:]).read() if args.bbs.startswith("@") else args.bbs
    if args.opencv_threads is not None:
        cv2.setNumThreads(args.opencv_threads)
    if args.unoptimized:
        cv2.setUseOptimized(False)
    if args.tracker.startswith("nanotrack"):
        nanotrack_models("v3" if args.tracker.endswith("v3") else "v2")
    began, cpu_began = time.perf_counter(), time.process_time()
    answer = run(args.url, json.loads(text), args.start_frame, args.frame_duration, args.tracker)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    print(json.dumps(answer, separators=(",", ":")))
    answered = max((len(boxes) for boxes in answer.values()), default=0)
    print(json.dumps({"seconds": round(seconds, 4), "cpu_seconds": round(cpu, 4), "answered_frames": answered,
                      "opencv_threads": cv2.getNumThreads()}), file=sys.stderr)


if __name__ == "__main__":
    main()
