"""YOLOX-Nano's inference alone, one thread, from Python: ONNX Runtime (intra_op_num_threads 1) or OpenVINO
(INFERENCE_NUM_THREADS 1, PERFORMANCE_HINT LATENCY, f32 or bf16) on the first `--frames` frames of a video,
letterboxed beforehand by Tests/Reference/yolox_reference.py (the peer's and our letterbox), so only the network
runs in the timed loop.

    python bench/detector_inference.py --url URL --models DIR --runtime onnxruntime|openvino [--precision f32|bf16]
                                       [--frames 100] [--warmup 5]

prints one JSON line {"ms_per_frame": mean wall per inference, "median_ms", "cpu_per_wall", "frames"} on stdout.
"""
from __future__ import annotations

import argparse
import json
import statistics
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
    parser.add_argument("--runtime", choices=("onnxruntime", "openvino"), required=True)
    parser.add_argument("--precision", choices=("f32", "bf16"), default="f32", help="OpenVINO's (ONNX Runtime: f32)")
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    detector = Detector(args.models, threads=1)  # the letterbox, and ONNX Runtime with one intra-op thread
    capture = cv2.VideoCapture(args.url)
    blobs = []
    while len(blobs) < args.frames:
        ok, image = capture.read()
        if not ok:
            break
        blobs.append(detector.letterbox(image)[0])
    capture.release()

    if args.runtime == "onnxruntime":
        def infer(blob):
            return detector.session.run(None, {detector.input_name: blob})[0]
    else:
        import openvino as ov

        compiled = ov.Core().compile_model(f"{args.models}/yolox_nano/yolox_nano.onnx", "CPU", {
            "INFERENCE_NUM_THREADS": 1, "INFERENCE_PRECISION_HINT": args.precision, "PERFORMANCE_HINT": "LATENCY"})
        request = compiled.create_infer_request()

        def infer(blob):
            request.infer({0: blob})
            return request.get_output_tensor(0).data

    for blob in blobs[:args.warmup]:
        infer(blob)
    times = []
    began, began_cpu = time.perf_counter(), time.process_time()
    for blob in blobs:
        mark = time.perf_counter()
        infer(blob)
        times.append(time.perf_counter() - mark)
    wall, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    print(json.dumps({"ms_per_frame": 1000 * sum(times) / len(times), "median_ms": 1000 * statistics.median(times),
                      "cpu_per_wall": cpu / wall, "frames": len(times)}))


if __name__ == "__main__":
    main()
