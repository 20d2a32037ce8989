"""The Python peer of `video-tracker mot`: the same YOLOX-Nano on ONNX Runtime (Tests/Reference/yolox_reference.py:
the same letterbox, grid decoding and NMS as ours, people only) and supervision's ByteTrack (`sv.ByteTrack`), the
video read with cv2.VideoCapture, written the usual supervision way: detections in, `update_with_detections`,
MOTChallenge rows out.

    python bench/mot_peer.py --url URL --models DIR --out MOT.txt [--input-size 416] [--score 0.1]
                             [--track-activation-threshold 0.25] [--lost-track-buffer 30] [--frame-rate FPS]
                             [--threads 1]

Rows `frame,id,x,y,w,h,score,-1,-1,-1` (frame 1-based), as ours. The frame rate (ByteTrack keeps a lost track
`frame_rate / 30 * lost_track_buffer` frames) is the container's (cv2.CAP_PROP_FPS) unless given, as ours uses the
container's. ONNX Runtime runs one thread unless told (--threads 0: its default).

On stderr, one JSON line: "seconds" (wall from loading the model to the file written: the model load, then for
every frame decode, detect, track, and at the end the rows written), "cpu_seconds", "frames", and the wall of each
stage summed over frames: "load", "decode", "detect", "track", "write".
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import warnings

import cv2
import numpy as np
import supervision as sv

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Tests" / "Reference"))
from yolox_reference import Detector  # noqa: E402

PERSON = 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--models", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--input-size", type=int, default=416)
    parser.add_argument("--score", type=float, default=0.1, help="the detector's score threshold (ByteTrack's low "
                        "threshold is 0.1: lower scores never reach a track)")
    parser.add_argument("--track-activation-threshold", type=float, default=None, help="default: supervision's (0.25)")
    parser.add_argument("--lost-track-buffer", type=int, default=None, help="default: supervision's (30)")
    parser.add_argument("--frame-rate", type=float, default=None, help="default: the container's")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads (0: its default)")
    args = parser.parse_args()

    stages = dict.fromkeys(("load", "decode", "detect", "track", "write"), 0.0)
    began, began_cpu = time.perf_counter(), time.process_time()
    detector = Detector(args.models, input_size=args.input_size, score=args.score, threads=args.threads)
    stages["load"] = time.perf_counter() - began
    capture = cv2.VideoCapture(args.url)
    frame_rate = args.frame_rate or capture.get(cv2.CAP_PROP_FPS) or 30.0
    tracking = {name: value for name, value in (("track_activation_threshold", args.track_activation_threshold),
                                                 ("lost_track_buffer", args.lost_track_buffer)) if value is not None}
    with warnings.catch_warnings():  # its deprecation notice (below 0.31 it is there, unchanged)
        warnings.simplefilter("ignore", FutureWarning)
        tracker = sv.ByteTrack(frame_rate=frame_rate, **tracking)
    rows = []
    frame = 0
    while True:
        start = time.perf_counter()
        ok, image = capture.read()
        stages["decode"] += time.perf_counter() - start
        if not ok:
            break
        frame += 1
        start = time.perf_counter()
        people = [item for item in detector.detect(image) if item["class_id"] == PERSON]
        detections = sv.Detections(xyxy=np.array([item["box"] for item in people], dtype=np.float32).reshape(-1, 4),
                                   confidence=np.array([item["score"] for item in people], dtype=np.float32),
                                   class_id=np.full(len(people), PERSON, dtype=int))
        stages["detect"] += time.perf_counter() - start
        start = time.perf_counter()
        tracks = tracker.update_with_detections(detections)
        stages["track"] += time.perf_counter() - start
        start = time.perf_counter()
        for (left, top, right, bottom), score, identity in zip(tracks.xyxy, tracks.confidence, tracks.tracker_id):
            rows.append(f"{frame},{identity},{number(left)},{number(top)},{number(right - left)},{number(bottom - top)},"
                        f"{number(score, 4)},-1,-1,-1\n")
        stages["write"] += time.perf_counter() - start
    capture.release()
    start = time.perf_counter()
    Path(args.out).write_text("".join(rows))
    stages["write"] += time.perf_counter() - start
    print(json.dumps({"seconds": time.perf_counter() - began, "cpu_seconds": time.process_time() - began_cpu,
                      "frames": frame, "frame_rate": frame_rate, **stages}), file=sys.stderr)


def number(value: float, digits: int = 2) -> str:
    text = f"{round(float(value), digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


if __name__ == "__main__":
    main()
