"""The Python peer of `video-tracker detect`: YOLOX-Nano on ONNX Runtime (f32, its default threads), read and
written the usual Python way: cv2.VideoCapture on the URL, a frame at a time through the same letterbox, grid
decoding and class-wise NMS as ours (Tests/Reference/yolox_reference.py, which the Swift tests also check our
detector against), MOT rows out; with --video, every object drawn onto the frame as YOLOX's own demo does
(cv2.rectangle, a filled label with cv2.putText) and the frames written by cv2.VideoWriter (fourcc mp4v: the
wheel's FFmpeg has no H.264 encoder) at the input's rate and size.

    python bench/detection_peer.py --url URL --models DIR [--every N] [--score 0.3] [--threads N]
                                   [--video OUT.mp4] [--detections OUT.json]

prints MOT rows `frame,-1,x,y,w,h,score,class_id` (frame 1-based, boxes to 0.01 px, scores to 0.0001, as ours)
on stdout, or with --detections writes the JSON `video-tracker detect` writes (video, classes, a frame a line);
on stderr one JSON line {"seconds": wall of the loop (open to release), "cpu_seconds", "frames", "detected",
"detect_seconds": wall inside detect() alone, "read_seconds", "draw_seconds", "write_seconds"}. The model loads
before the clock starts.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Tests" / "Reference"))
from yolox_reference import Detector  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--models", required=True)
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--score", type=float, default=0.3)
    parser.add_argument("--threads", type=int, default=0, help="ONNX Runtime intra-op threads (0: its default)")
    parser.add_argument("--video", help="write the frames with every object boxed and labelled here (MP4, mp4v)")
    parser.add_argument("--detections", help="write the detections as JSON here instead of MOT rows on stdout")
    args = parser.parse_args()
    detector = Detector(args.models, score=args.score, threads=args.threads)  # loaded before the clock starts
    names = Path(args.models, "yolox_nano", "coco.names").read_text().split("\n")
    names = [name.strip() for name in names if name.strip()]
    colors = [tuple(int(c) for c in color) for color in np.random.default_rng(0).integers(0, 256, (len(names), 3))]

    began, began_cpu = time.perf_counter(), time.process_time()
    capture = cv2.VideoCapture(args.url)
    fps = capture.get(cv2.CAP_PROP_FPS)
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    writer = cv2.VideoWriter(args.video, cv2.VideoWriter_fourcc(*"mp4v"), fps, size) if args.video else None
    frames: list[list[dict] | None] = []
    spent = {"read": 0.0, "detect": 0.0, "draw": 0.0, "write": 0.0}
    while True:
        mark = time.perf_counter()
        ok, image = capture.read()
        spent["read"] += time.perf_counter() - mark
        if not ok:
            break
        objects = None
        if len(frames) % args.every == 0:
            mark = time.perf_counter()
            objects = detector.detect(image)
            spent["detect"] += time.perf_counter() - mark
        frames.append(objects)
        if writer is not None:
            mark = time.perf_counter()
            for item in objects or []:
                draw(image, item, f"{names[item['class_id']]} {item['score']:.2f}", colors[item["class_id"]])
            spent["draw"] += time.perf_counter() - mark
            mark = time.perf_counter()
            writer.write(image)
            spent["write"] += time.perf_counter() - mark
    capture.release()
    if writer is not None:
        mark = time.perf_counter()
        writer.release()
        spent["write"] += time.perf_counter() - mark
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - began_cpu

    if args.detections:
        Path(args.detections).write_text(json_text(frames, names, size, fps, args.url))
    else:
        sys.stdout.write(mot_text(frames))
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "frames": len(frames),
                      "detected": sum(objects is not None for objects in frames),
                      **{f"{stage}_seconds": value for stage, value in spent.items()}}), file=sys.stderr)


def draw(image: np.ndarray, item: dict, text: str, color: tuple) -> None:
    """One object as YOLOX's demo draws it (yolox/utils/visualize.py `vis`): the box, and the label on a filled
    background inside the box's top-left corner."""
    left, top, right, bottom = (int(v) for v in item["box"])
    font = cv2.FONT_HERSHEY_SIMPLEX
    (text_width, text_height), _ = cv2.getTextSize(text, font, 0.4, 1)
    cv2.rectangle(image, (left, top), (right, bottom), color, 2)
    background = tuple(int(c * 0.7) for c in color)
    cv2.rectangle(image, (left, top + 1), (left + text_width + 1, top + int(1.5 * text_height)), background, -1)
    text_color = (0, 0, 0) if sum(color) / 3 > 127 else (255, 255, 255)
    cv2.putText(image, text, (left, top + text_height), font, 0.4, text_color, thickness=1)


def mot_text(frames: list) -> str:
    rows = []
    for index, objects in enumerate(frames):
        for item in objects or []:
            left, top, right, bottom = item["box"]
            rows.append(f"{index + 1},-1,{number(left)},{number(top)},{number(right - left)},"
                        f"{number(bottom - top)},{number(item['score'], 4)},{item['class_id']}\n")
    return "".join(rows)


def json_text(frames: list, names: list[str], size: tuple, fps: float, url: str) -> str:
    """The JSON `video-tracker detect` writes (frames numbered by position here: vtest's numbers are positions)."""
    lines = []
    for index, objects in enumerate(frames):
        items = [{"x": round(item["box"][0], 2), "y": round(item["box"][1], 2),
                  "w": round(item["box"][2] - item["box"][0], 2), "h": round(item["box"][3] - item["box"][1], 2),
                  "score": round(item["score"], 4), "class": names[item["class_id"]], "class_id": item["class_id"]}
                 for item in objects or []]
        lines.append(json.dumps({"frame": index, "detected": objects is not None, "objects": items},
                                separators=(",", ":")))
    video = {"name": url.rsplit("/", 1)[-1], "width": size[0], "height": size[1], "fps": fps, "frames": len(frames)}
    head = json.dumps({"video": video, "classes": names}, separators=(",", ":"))[:-1]
    return head + ',"frames":[\n' + ",\n".join(lines) + "\n]}\n"


def number(value: float, digits: int = 2) -> str:
    text = f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


if __name__ == "__main__":
    main()
