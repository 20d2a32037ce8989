"""YOLOX-Nano on ONNX Runtime, written the usual Python way (YOLOX's own demo: cv2 letterbox, numpy grid
decoding, numpy NMS): the reference our detector is checked against (the Swift tests, on the same frame's
pixels) and the Python peer of the bench (bench/cases/detection_quality.py, on frames from cv2.VideoCapture).

    python yolox_reference.py MODELS_DIR FRAME.bgr WIDTH HEIGHT [--input-size 416] [--score 0.3]
      ->  [{"box": [left, top, right, bottom], "score": s, "class_id": c}, ...]   (highest score first)

FRAME.bgr is the frame's packed BGR bytes, row after row. The steps, as the Swift detector takes them:
- letterbox (YOLOX's `preproc`): r = min(S / h, S / w), cv2.resize to (int(w r), int(h r)) with INTER_LINEAR,
  at the top-left of an S x S image of 114, as planar B, G, R floats;
- the raw grid (YOLOX's `demo_postprocess`, strides 8, 16, 32): centre (d + cell) * stride, size
  exp(d) * stride; score = objectness * class probability, kept when >= the score threshold;
- class-wise NMS at IoU 0.45 (YOLOX's class-aware `multiclass_nms`, without the legacy +1 pixel);
- boxes divided by r, clipped to the frame, those with nothing left dropped.
"""
from __future__ import annotations

import argparse
import json
import sys

import cv2
import numpy as np
import onnxruntime as ort

STRIDES = (8, 16, 32)


class Detector:
    def __init__(self, models: str, input_size: int = 416, score: float = 0.3, nms: float = 0.45, threads: int = 1):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        model = f"{models}/yolox_nano/yolox_nano.onnx"
        self.session = ort.InferenceSession(model if input_size == 416 else resizable(model), options,
                                            providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.input_size = input_size
        self.score = score
        self.nms = nms
        grids, strides = [], []
        for stride in STRIDES:
            side = input_size // stride
            xv, yv = np.meshgrid(np.arange(side), np.arange(side))
            grids.append(np.stack((xv, yv), 2).reshape(-1, 2))
            strides.append(np.full((side * side, 1), stride))
        self.grid = np.concatenate(grids).astype(np.float32)
        self.strides = np.concatenate(strides).astype(np.float32)

    def letterbox(self, image: np.ndarray) -> tuple[np.ndarray, float]:
        size = self.input_size
        padded = np.ones((size, size, 3), dtype=np.uint8) * 114
        r = min(size / image.shape[0], size / image.shape[1])
        resized = cv2.resize(image, (int(image.shape[1] * r), int(image.shape[0] * r)),
                             interpolation=cv2.INTER_LINEAR).astype(np.uint8)
        padded[: int(image.shape[0] * r), : int(image.shape[1] * r)] = resized
        return np.ascontiguousarray(padded.transpose(2, 0, 1), dtype=np.float32)[None], r

    def detect(self, image: np.ndarray) -> list[dict]:
        """Objects in a BGR uint8 image: [{"box": [l, t, r, b], "score", "class_id"}], highest score first."""
        blob, r = self.letterbox(image)
        output = self.session.run(None, {self.input_name: blob})[0][0]
        xy = (output[:, :2] + self.grid) * self.strides
        wh = np.exp(output[:, 2:4]) * self.strides
        boxes = np.concatenate([xy - wh / 2, xy + wh / 2], axis=1) / r
        scores = output[:, 4:5] * output[:, 5:]
        found = []
        for class_id in range(scores.shape[1]):
            mine = np.nonzero(scores[:, class_id] >= self.score)[0]
            for index in nms(boxes[mine], scores[mine, class_id], self.nms):
                found.append((float(scores[mine[index], class_id]), class_id, boxes[mine[index]]))
        found.sort(key=lambda item: -item[0])  # stable: equal scores keep class order
        height, width = image.shape[:2]
        objects = []
        for score, class_id, box in found:
            left, right = (min(max(float(v), 0.0), width) for v in (box[0], box[2]))
            top, bottom = (min(max(float(v), 0.0), height) for v in (box[1], box[3]))
            if right > left and bottom > top:
                objects.append({"box": [left, top, right, bottom], "score": score, "class_id": class_id})
        return objects


def resizable(path: str) -> bytes:
    """The model (exported at 416 x 416) with its input's height and width and its output's number of cells made
    free, serialised for ONNX Runtime: the graph computes its reshapes from its input's shape, as OpenVINO's reshape
    of our detector relies on too."""
    import onnx

    model = onnx.load(path)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    for index, name in ((2, "height"), (3, "width")):
        dims[index].ClearField("dim_value")
        dims[index].dim_param = name
    cells = model.graph.output[0].type.tensor_type.shape.dim[1]
    cells.ClearField("dim_value")
    cells.dim_param = "cells"
    del model.graph.value_info[:]  # the 416 export's inferred shapes; ONNX Runtime infers its own
    return model.SerializeToString()


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[int]:
    """Greedy NMS: indices kept, highest score first."""
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(int(i))
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(boxes[i, 2], boxes[rest, 2]) - np.maximum(boxes[i, 0], boxes[rest, 0]))
        h = np.maximum(0.0, np.minimum(boxes[i, 3], boxes[rest, 3]) - np.maximum(boxes[i, 1], boxes[rest, 1]))
        overlap = w * h
        iou = overlap / (areas[i] + areas[rest] - overlap)
        order = rest[iou <= threshold]
    return keep


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("models")
    parser.add_argument("frame")
    parser.add_argument("width", type=int)
    parser.add_argument("height", type=int)
    parser.add_argument("--input-size", type=int, default=416)
    parser.add_argument("--score", type=float, default=0.3)
    args = parser.parse_args()
    pixels = np.fromfile(args.frame, dtype=np.uint8).reshape(args.height, args.width, 3)
    json.dump(Detector(args.models, args.input_size, args.score).detect(pixels), sys.stdout)


if __name__ == "__main__":
    main()
