"""The Python peer of `video-tracker detect`: YOLOX-Nano on ONNX Runtime (f32, its default threads), read and
written the usual Python way: cv2.VideoCapture on the URL, a frame at a time through the same letterbox, grid
decoding and class-wise NMS as ours (Tests/Reference/yolox_reference.py, which the Swift tests also check our
detector against), MOT rows out.

    python bench/detection_peer.py --url URL --models DIR [--every N] [--score 0.3] [--threads N]

prints MOT rows `frame,-1,x,y,w,h,score,class_id` (frame 1-based, boxes to 0.01 px, scores to 0.0001, as ours)
on stdout and, on stderr, one JSON line {"seconds": wall of the loop, "cpu_seconds", "frames", "detected",
"detect_seconds": wall inside detect() alone}.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Tests" / "Reference"))
from yolox_reference import Detector  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--models", required=True)
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--score", type=float, default=0.3)
    parser.add_argument("--threads", type=int, default=0, help="ONNX Runtime intra-op threads (0: its default)")
    args = parser.parse_args()
    detector = Detector(args.models, score=args.score, threads=args.threads)  # loaded before the clock starts

    began, began_cpu = time.perf_counter(), time.process_time()
    capture = cv2.VideoCapture(args.url)
    rows = []
    frame = detected = 0
    detect_seconds = 0.0
    while True:
        ok, image = capture.read()
        if not ok:
            break
        if frame % args.every == 0:
            start = time.perf_counter()
            objects = detector.detect(image)
            detect_seconds += time.perf_counter() - start
            detected += 1
            for item in objects:
                left, top, right, bottom = item["box"]
                rows.append(f"{frame + 1},-1,{number(left)},{number(top)},{number(right - left)},"
                            f"{number(bottom - top)},{number(item['score'], 4)},{item['class_id']}")
        frame += 1
    capture.release()
    sys.stdout.write("".join(row + "\n" for row in rows))
    print(json.dumps({"seconds": time.perf_counter() - began, "cpu_seconds": time.process_time() - began_cpu,
                      "frames": frame, "detected": detected, "detect_seconds": detect_seconds}), file=sys.stderr)


def number(value: float, digits: int = 2) -> str:
    text = f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


if __name__ == "__main__":
    main()
