#!/usr/bin/env python3
"""NanoTrack's tracker in Python: the reference our Swift port is compared against, box for box.

Our own port of the tracking math of NanoTrack's author (HonglinChu/SiamTrackers, NanoTrack/nanotrack/tracker/
nano_tracker.py and base_tracker.py, Apache-2.0), run with ONNX Runtime on the CPU in f32 on one thread. Every
step follows the author's code, including its quirks (they are what the port must reproduce):

- init: centre = (x + (w-1)/2, y + (h-1)/2); template crop side s_z = round(sqrt(w_z * h_z)) with
  w_z = w + ca*(w+h), h_z = h + ca*(w+h), resized to 127; the image's per-channel mean (float) is the padding
  colour, but it is written into a uint8 image, so it is truncated to whole numbers.
- track: s_z = sqrt(w_z * h_z) (not rounded here), scale_z = 127 / s_z, search crop side round(s_x) with
  s_x = s_z * 255 / 127, resized to 255 (cv2.resize, bilinear) when the side differs.
- crops: top-left = floor(centre - (side+1)/2 + 0.5), padded where they leave the image; BGR, float32, NCHW,
  no normalisation.
- head: cls (1x2xSxS) -> softmax over the 2 channels, channel 1; loc (1x4xSxS) = distances to the left, top,
  right and bottom edges from the points; points on an SxS grid with stride 16 centred on the search centre
  (origin -(S//2)*16), S = TRACK.OUTPUT_SIZE (16 when the config leaves it out, as v2's does; 15 for v3).
- penalty = exp(-(r_c * s_c - 1) * penalty_k) from the size and aspect-ratio change; pscore = penalty * score
  blended with a Hanning (outer product) window by window_influence; the best point gives the box; the size
  moves by lr = penalty * score * TRACK.LR; centre and size are clipped to the image (width and height at
  least 10) and the answer is (cx - w/2, cy - h/2, w, h).
- Python's round() (half to even) where the author rounds.

The backbone ONNX files are exported at 255x255 with fixed input dimensions; ONNX Runtime refuses a 127x127
template then. The model holds only convolutions, global pooling and size-free reshapes, so the loader below
marks the input and output height and width as free dimensions (with the `onnx` package) and the same graph
runs on both crops (the 255 output is unchanged, within 5e-6).

    bench/.venv/bin/python bench/nanotrack_reference.py VIDEO --start-frame 0 --box 205,151,17,50 \\
        --frames 120 --version v2 [--dump DIR]

prints {"version", "frames": [{"frame", "box": [x, y, w, h], "score", "best_index"}...], "update_ms"} with the
start frame echoing the given box (score null). --dump DIR writes per frame an .npz with the crop tensor, the
raw head outputs, the scores, the best index and score, and the state after the update.
"""
from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import cv2
import numpy as np

BENCH = Path(__file__).resolve().parent
MODELS = BENCH.parent.parent / "shared" / "testdata" / "models" / "nanotrack"


@dataclass(frozen=True)
class TrackConfig:
    """The `TRACK:` and `POINT:` constants of a model's config.yaml, with the author's defaults."""
    window_influence: float = 0.46
    penalty_k: float = 0.16
    lr: float = 0.34
    exemplar_size: int = 127
    instance_size: int = 255
    context_amount: float = 0.5
    output_size: int = 16
    stride: int = 8

    @staticmethod
    def read(path: Path) -> "TrackConfig":
        # The two sections are flat "KEY: value" lines; no YAML library needed.
        values: dict[str, dict[str, str]] = {}
        section = None
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].rstrip()
            if not line.strip():
                continue
            top = re.match(r"^(\w+):\s*$", line)
            if top:
                section = top.group(1)
                continue
            if not line[0].isspace():
                section = None
                continue
            item = re.match(r"^\s+(\w+):\s*(.+)$", line)
            if section and item:
                values.setdefault(section, {})[item.group(1)] = item.group(2).strip().strip("'\"")
        track, point = values.get("TRACK", {}), values.get("POINT", {})
        defaults = TrackConfig()
        return TrackConfig(
            window_influence=float(track.get("WINDOW_INFLUENCE", defaults.window_influence)),
            penalty_k=float(track.get("PENALTY_K", defaults.penalty_k)),
            lr=float(track.get("LR", defaults.lr)),
            exemplar_size=int(track.get("EXEMPLAR_SIZE", defaults.exemplar_size)),
            instance_size=int(track.get("INSTANCE_SIZE", defaults.instance_size)),
            context_amount=float(track.get("CONTEXT_AMOUNT", defaults.context_amount)),
            output_size=int(track.get("OUTPUT_SIZE", defaults.output_size)),
            stride=int(point.get("STRIDE", defaults.stride)))


def free_spatial_dims(path: Path) -> bytes:
    """The backbone with its input/output height and width made free, serialised for ONNX Runtime."""
    import onnx

    model = onnx.load(str(path))
    for value in list(model.graph.input) + list(model.graph.output):
        dims = value.type.tensor_type.shape.dim
        for index, name in ((2, "height"), (3, "width")):
            dims[index].ClearField("dim_value")
            dims[index].dim_param = name
    del model.graph.value_info[:]  # inferred shapes of the 255 export; ONNX Runtime infers its own
    return model.SerializeToString()


class Models:
    """One version's backbone and head on ONNX Runtime (CPU, f32, `threads` intra-op threads), or with
    runtime="openvino" on OpenVINO's CPU plugin in f32 as our binary runs them (the backbone reshaped to each crop
    size; `threads` is ONNX Runtime's only): the same tracking math on our runtime separates the port from the
    runtimes' float differences."""

    def __init__(self, version: str, models: Path = MODELS, threads: int = 1, runtime: str = "onnxruntime") -> None:
        folder = models / version
        self.config = TrackConfig.read(folder / "config.yaml")
        backbone = next(iter(sorted(folder.glob("*backbone*.onnx"))))
        head = next(iter(sorted(folder.glob("*head*.onnx"))))
        self.files = {"backbone": backbone.name, "head": head.name}
        self.runtime = runtime
        if runtime == "openvino":
            self._compile_openvino(backbone, head)
            return
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        providers = ["CPUExecutionProvider"]
        self.backbone = ort.InferenceSession(free_spatial_dims(backbone), options, providers=providers)
        self.head = ort.InferenceSession(str(head), options, providers=providers)
        self.head_inputs = [i.name for i in self.head.get_inputs()]

    def _compile_openvino(self, backbone: Path, head: Path) -> None:
        import openvino as ov

        core = ov.Core()
        # f32 and otherwise OpenVINO's defaults. OpenVINO's float results depend on its threading settings, and one
        # long sequence (PETS09 person 9) is sensitive to them: with these, v2 equals ours on all 29 sequences and v3
        # parts on that one after 335 frames; with INFERENCE_NUM_THREADS 1, v3 equals ours on all 29 and v2 parts
        # there after 319 (PERFORMANCE_HINT THROUGHPUT, as ours runs, likewise parts v2).
        settings = {"INFERENCE_PRECISION_HINT": "f32"}
        self.ov_backbones = {}
        for side in (self.config.exemplar_size, self.config.instance_size):
            model = core.read_model(str(backbone))
            model.reshape({model.inputs[0].get_any_name(): [1, 3, side, side]})
            self.ov_backbones[side] = core.compile_model(model, "CPU", settings)
        self.ov_head = core.compile_model(core.read_model(str(head)), "CPU", settings)

    def features(self, crop: np.ndarray) -> np.ndarray:
        if self.runtime == "openvino":
            return self.ov_backbones[crop.shape[2]]([crop])[0]
        return self.backbone.run(None, {self.backbone.get_inputs()[0].name: crop})[0]

    def heads(self, template: np.ndarray, search: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.runtime == "openvino":
            outputs = self.ov_head([template, search])
            return outputs[0], outputs[1]
        cls, loc = self.head.run(None, {self.head_inputs[0]: template, self.head_inputs[1]: search})
        return cls, loc


def subwindow(image: np.ndarray, centre: np.ndarray, model_size: int, original_size: int,
              average: np.ndarray) -> np.ndarray:
    """The square of side `original_size` around `centre`, padded with `average` where it leaves the image,
    resized to `model_size`: a 1x3xNxN float32 BGR tensor (the author's get_subwindow)."""
    rows, cols, _ = image.shape
    half = (original_size + 1) / 2
    xmin = np.floor(centre[0] - half + 0.5)
    xmax = xmin + original_size - 1
    ymin = np.floor(centre[1] - half + 0.5)
    ymax = ymin + original_size - 1
    left, top = int(max(0.0, -xmin)), int(max(0.0, -ymin))
    right, bottom = int(max(0.0, xmax - cols + 1)), int(max(0.0, ymax - rows + 1))
    xmin, xmax, ymin, ymax = xmin + left, xmax + left, ymin + top, ymax + top
    if top or bottom or left or right:
        # The author writes the float mean into a uint8 image: numpy truncates it.
        padded = np.empty((rows + top + bottom, cols + left + right, 3), np.uint8)
        padded[...] = average.astype(np.uint8)
        padded[top:top + rows, left:left + cols] = image
        patch = padded[int(ymin):int(ymax + 1), int(xmin):int(xmax + 1)]
    else:
        patch = image[int(ymin):int(ymax + 1), int(xmin):int(xmax + 1)]
    if model_size != original_size:
        patch = cv2.resize(patch, (model_size, model_size))
    return patch.transpose(2, 0, 1)[np.newaxis].astype(np.float32)


class NanoTrack:
    """One object's tracker state on shared models (the author's NanoTracker)."""

    def __init__(self, models: Models) -> None:
        self.models = models
        config = models.config
        size = config.output_size
        hanning = np.hanning(size)
        self.window = np.outer(hanning, hanning).flatten()
        origin = -(size // 2) * config.stride
        xs, ys = np.meshgrid([origin + config.stride * d for d in np.arange(size)],
                             [origin + config.stride * d for d in np.arange(size)])
        self.points = np.stack([xs.astype(np.float32).flatten(), ys.astype(np.float32).flatten()], axis=1)
        self.last: dict = {}

    def context_sizes(self) -> tuple[float, float]:
        amount = self.models.config.context_amount * np.sum(self.size)
        return self.size[0] + amount, self.size[1] + amount

    def init(self, image: np.ndarray, box: Iterable[float]) -> None:
        x, y, w, h = box
        self.centre = np.array([x + (w - 1) / 2, y + (h - 1) / 2])
        self.size = np.array([w, h])
        w_z, h_z = self.context_sizes()
        s_z = round(np.sqrt(w_z * h_z))
        self.average = np.mean(image, axis=(0, 1))
        crop = subwindow(image, self.centre, self.models.config.exemplar_size, s_z, self.average)
        self.template = self.models.features(crop)
        self.last = {"template_crop": crop, "template_features": self.template}

    def track(self, image: np.ndarray) -> dict:
        config = self.models.config
        w_z, h_z = self.context_sizes()
        s_z = np.sqrt(w_z * h_z)
        scale_z = config.exemplar_size / s_z
        s_x = s_z * (config.instance_size / config.exemplar_size)
        crop = subwindow(image, self.centre, config.instance_size, round(s_x), self.average)
        cls, loc = self.models.heads(self.template, self.models.features(crop))

        # Flattened row-major over the grid (y, then x), as the author's permute + view gives for batch 1.
        logits = cls[0].reshape(2, -1).T.astype(np.float32)
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        score = (exp / exp.sum(axis=1, keepdims=True))[:, 1]
        delta = loc[0].reshape(4, -1).copy()
        x1 = self.points[:, 0] - delta[0]
        y1 = self.points[:, 1] - delta[1]
        x2 = self.points[:, 0] + delta[2]
        y2 = self.points[:, 1] + delta[3]
        pred = np.stack([(x1 + x2) * 0.5, (y1 + y2) * 0.5, x2 - x1, y2 - y1])

        def change(ratio):
            return np.maximum(ratio, 1.0 / ratio)

        def padded_size(w, h):
            pad = (w + h) * 0.5
            return np.sqrt((w + pad) * (h + pad))

        scale_change = change(padded_size(pred[2], pred[3]) /
                              padded_size(self.size[0] * scale_z, self.size[1] * scale_z))
        ratio_change = change((self.size[0] / self.size[1]) / (pred[2] / pred[3]))
        penalty = np.exp(-(ratio_change * scale_change - 1) * config.penalty_k)
        pscore = penalty * score
        pscore = pscore * (1 - config.window_influence) + self.window * config.window_influence
        best = int(np.argmax(pscore))

        box = pred[:, best] / scale_z
        lr = penalty[best] * score[best] * config.lr
        cx = box[0] + self.centre[0]
        cy = box[1] + self.centre[1]
        width = self.size[0] * (1 - lr) + box[2] * lr
        height = self.size[1] * (1 - lr) + box[3] * lr
        rows, cols = image.shape[:2]
        cx, cy = max(0, min(cx, cols)), max(0, min(cy, rows))
        width, height = max(10, min(width, cols)), max(10, min(height, rows))
        self.centre = np.array([cx, cy])
        self.size = np.array([width, height])
        self.last = {"search_crop": crop, "cls": cls, "loc": loc, "score": score, "penalty": penalty,
                     "pscore": pscore, "best_index": best, "best_score": float(score[best]), "scale_z": scale_z,
                     "search_side": round(s_x), "centre": self.centre, "size": self.size}
        return {"box": [float(cx - width / 2), float(cy - height / 2), float(width), float(height)],
                "score": float(score[best]), "best_index": best}


@dataclass
class Sequence:
    """One object to follow: from `start` (its box there, x,y,w,h) for `frames` frames, the start included."""
    start: int
    box: tuple
    frames: int
    key: str = ""


def track_video(video: Path, sequences: list[Sequence], models: Models, dump: Optional[Path] = None) -> dict:
    """Every sequence over one sequential decode of `video` (OpenCV): {key: [{"frame", "box", "score",
    "best_index"}...]} plus the update times in seconds: wall under "_update_seconds", this thread's CPU under
    "_update_cpu_seconds" (steadier than wall on a loaded machine; ONNX Runtime runs on this thread with 1 thread)."""
    capture = cv2.VideoCapture(str(video))
    if not capture.isOpened():
        raise SystemExit(f"cannot open {video}")
    last_frame = max(s.start + s.frames - 1 for s in sequences)
    trackers: dict[str, NanoTrack] = {}
    answers: dict[str, list] = {s.key: [] for s in sequences}
    updates: list[float] = []
    updates_cpu: list[float] = []
    frame = -1
    while frame < last_frame:
        ok, image = capture.read()
        if not ok:
            break
        frame += 1
        for sequence in sequences:
            if not sequence.start <= frame < sequence.start + sequence.frames:
                continue
            if frame == sequence.start:
                tracker = trackers[sequence.key] = NanoTrack(models)
                tracker.init(image, sequence.box)
                answers[sequence.key].append({"frame": frame, "box": [float(v) for v in sequence.box],
                                              "score": None, "best_index": None})
            else:
                tracker = trackers[sequence.key]
                began, began_cpu = time.perf_counter(), time.thread_time()
                result = tracker.track(image)
                updates.append(time.perf_counter() - began)
                updates_cpu.append(time.thread_time() - began_cpu)
                answers[sequence.key].append({"frame": frame, **result})
            if dump is not None:
                dump.mkdir(parents=True, exist_ok=True)
                name = f"{sequence.key}_{frame:06d}.npz" if sequence.key else f"{frame:06d}.npz"
                np.savez(dump / name, **{k: np.asarray(v) for k, v in tracker.last.items()})
    capture.release()
    return {**answers, "_update_seconds": updates, "_update_cpu_seconds": updates_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description="NanoTrack (the author's tracking math) on ONNX Runtime: boxes per frame as JSON.")
    parser.add_argument("video", type=Path)
    parser.add_argument("--start-frame", type=int, required=True, help="decoded frame index of the box (0-based)")
    parser.add_argument("--box", required=True, help="x,y,w,h on the start frame")
    parser.add_argument("--frames", type=int, required=True, help="frames to answer, the start frame included")
    parser.add_argument("--version", choices=("v2", "v3"), default="v2")
    parser.add_argument("--models", type=Path, default=MODELS, help="folder with v2/ and v3/ (default: the shared test data)")
    parser.add_argument("--threads", type=int, default=1, help="inference threads (default 1)")
    parser.add_argument("--runtime", choices=("onnxruntime", "openvino"), default="onnxruntime",
                        help="ONNX Runtime (the reference, default) or OpenVINO in f32 (our binary's runtime)")
    parser.add_argument("--dump", type=Path, default=None, help="folder for per-frame .npz intermediates")
    args = parser.parse_args()
    box = tuple(float(v) for v in args.box.split(","))
    if len(box) != 4 or box[2] <= 0 or box[3] <= 0:
        parser.error("--box: expected x,y,w,h with w and h > 0")
    models = Models(args.version, args.models, args.threads, args.runtime)
    result = track_video(args.video, [Sequence(args.start_frame, box, args.frames)], models, args.dump)
    updates, updates_cpu = result.pop("_update_seconds"), result.pop("_update_cpu_seconds")
    print(json.dumps({"version": args.version, "config": models.config.__dict__, "models": models.files,
                      "frames": result[""],
                      "update_ms": 1000 * sum(updates) / len(updates) if updates else None,
                      "update_cpu_ms": 1000 * sum(updates_cpu) / len(updates_cpu) if updates_cpu else None}))


if __name__ == "__main__":
    main()
