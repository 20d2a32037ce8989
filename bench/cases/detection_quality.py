"""Detection quality: YOLOX-Nano's people on TUD-Stadtmitte (179 frames) and PETS09-S2L1 (vtest.avi, 795 frames)
against the MOT ground truth, ours against the Python peer.

Sides: `video-tracker detect --format mot` (the release binary, default options: input 416, score 0.3) with
OpenVINO f32 (the default) and with `--inference-precision bf16`; the Python peer (bench/detection_peer.py: the same
model on ONNX Runtime f32, cv2.VideoCapture, the same letterbox, grid decoding and class-wise NMS in numpy).

Scoring, per frame, people (class 0) scoring >= 0.5 against the labelled people at IoU >= 0.5: detections and
ground truth paired one to one by the Hungarian method (scipy's linear_sum_assignment on 1 - IoU, pairs under 0.5
not allowed); a detection paired with an "ignore" region (MOT rows of conf 0: PETS09 has 174) counts neither way,
as MOTChallenge does; precision TP / (TP + FP), recall TP / (TP + FN), and MOTA-like 1 - (FN + FP) / GT (no
identities: detection only). The matcher is checked against py-motmetrics (ignore regions counted as people on
both sides, so motmetrics' plain matching applies): the counts must be equal.

Time: our detection ms a frame is (wall of the whole run - wall of a run detecting on its first frame only) /
(frames - 1): decoding, the process and the model's compile cancel out. The peer's is the wall inside its
detect() (letterbox, ONNX Runtime, NMS). Goal (issue 12): ours within 1 point of the peer's precision and recall,
at either precision.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from harness import BENCH, MODELS, Bench, Report, Row, Sample, log, median, run_process
from testdata import PETS_GT, TUD_GT

MIN_SCORE = 0.5
MIN_IOU = 0.5
PERSON = 0
SEQUENCES = (("TUD-Stadtmitte", "TUD-Stadtmitte.mp4", TUD_GT, 179), ("PETS09-S2L1", "vtest.avi", PETS_GT, 795))
SIDES = ("ours f32", "ours bf16", "python onnxruntime f32")


def read_truth(path: Path) -> tuple[dict[int, list], dict[int, list]]:
    """({decoded frame: [people (l, t, r, b)]}, {decoded frame: [ignore regions]})."""
    people: dict[int, list] = {}
    ignore: dict[int, list] = {}
    for line in path.read_text().split():
        frame, _, x, y, w, h, conf = (float(v) for v in line.split(",")[:7])
        (ignore if conf == 0 else people).setdefault(int(frame) - 1, []).append((x, y, x + w, y + h))
    return people, ignore


def read_mot(text: str) -> dict[int, list]:
    """People scoring >= MIN_SCORE from MOT rows `frame,-1,x,y,w,h,score,class_id`, by decoded frame."""
    found: dict[int, list] = {}
    for line in text.split():
        frame, _, x, y, w, h, score, class_id = line.split(",")
        if int(class_id) == PERSON and float(score) >= MIN_SCORE:
            x, y, w, h = float(x), float(y), float(w), float(h)
            found.setdefault(int(frame) - 1, []).append((x, y, x + w, y + h))
    return found


def iou_matrix(a: list, b: list) -> np.ndarray:
    if not a or not b:
        return np.zeros((len(a), len(b)))
    a, b = np.asarray(a, dtype=float)[:, None, :], np.asarray(b, dtype=float)[None, :, :]
    w = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    h = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    overlap = w * h
    union = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1]) + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1]) - overlap
    return np.where(union > 0, overlap / np.where(union > 0, union, 1), 0.0)


def pairs(found: list, truth: list) -> list[tuple[int, int]]:
    """One-to-one pairs (detection, truth) with IoU >= MIN_IOU, least total 1 - IoU among those with the most pairs."""
    ious = iou_matrix(found, truth)
    if ious.size == 0:
        return []
    cost = np.where(ious >= MIN_IOU, 1 - ious, 1e6)
    rows, columns = linear_sum_assignment(cost)
    return [(r, c) for r, c in zip(rows, columns) if ious[r, c] >= MIN_IOU]


def score(found: dict[int, list], people: dict[int, list], ignore: dict[int, list], frames: list[int]) -> dict:
    counts = {"tp": 0, "fp": 0, "fn": 0, "ignored": 0, "gt": 0, "frames": len(frames)}
    for frame in frames:
        mine, real, skip = found.get(frame, []), people.get(frame, []), ignore.get(frame, [])
        matched = pairs(mine, real + skip)
        to_people = sum(1 for _, c in matched if c < len(real))
        counts["tp"] += to_people
        counts["ignored"] += len(matched) - to_people
        counts["fp"] += len(mine) - len(matched)
        counts["fn"] += len(real) - to_people
        counts["gt"] += len(real)
    return finish(counts)


def finish(counts: dict) -> dict:
    counts["precision"] = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    counts["recall"] = counts["tp"] / max(1, counts["tp"] + counts["fn"])
    counts["mota"] = 1 - (counts["fn"] + counts["fp"]) / max(1, counts["gt"])
    return counts


def motmetrics_check(found: dict[int, list], people: dict[int, list], ignore: dict[int, list],
                     frames: list[int]) -> tuple[dict, dict]:
    """(ours, motmetrics') TP / FP / FN with the ignore regions counted as people: the matchers must agree."""
    import motmetrics as mm

    accumulator = mm.MOTAccumulator(auto_id=False)
    ours = {"tp": 0, "fp": 0, "fn": 0}
    next_id = 0
    for frame in frames:
        mine, truth = found.get(frame, []), people.get(frame, []) + ignore.get(frame, [])
        # A new id for every box of every frame (numbers: motmetrics stores ids as floats): no track
        # continuity, so motmetrics matches each frame afresh.
        objects = list(range(next_id, next_id + len(truth)))
        next_id += len(truth)
        hypotheses = list(range(next_id, next_id + len(mine)))
        next_id += len(mine)
        distances = mm.distances.iou_matrix([xywh(b) for b in truth], [xywh(b) for b in mine], max_iou=1 - MIN_IOU)
        accumulator.update(objects, hypotheses, distances, frameid=frame)
        matched = len(pairs(mine, truth))
        ours["tp"] += matched
        ours["fp"] += len(mine) - matched
        ours["fn"] += len(truth) - matched
    summary = mm.metrics.create().compute(accumulator, metrics=["num_matches", "num_false_positives", "num_misses"],
                                          name="check")
    theirs = {"tp": int(summary["num_matches"].iloc[0]), "fp": int(summary["num_false_positives"].iloc[0]),
              "fn": int(summary["num_misses"].iloc[0])}
    return ours, theirs


def xywh(box: tuple) -> list[float]:
    return [box[0], box[1], box[2] - box[0], box[3] - box[1]]


def ours_command(bench: Bench, video: str, precision: str, every: int) -> list[str]:
    return [str(bench.binary), "detect", "--url", bench.url(video), "--models", str(MODELS), "--format", "mot",
            "--every", str(every), "--inference-precision", precision, "--allow-private-networks"]


def peer_run(bench: Bench, video: str, every: int) -> Sample:
    sample = run_process([sys.executable, str(BENCH / "detection_peer.py"), "--url", bench.url(video),
                          "--models", str(MODELS), "--every", str(every)])
    timing = json.loads(sample.stderr.strip().splitlines()[-1])  # type: ignore[attr-defined]
    sample.process_wall = sample.wall
    sample.wall, sample.cpu = timing["seconds"], timing["cpu_seconds"]
    sample.detect_seconds = timing["detect_seconds"]  # type: ignore[attr-defined]
    sample.detected = timing["detected"]  # type: ignore[attr-defined]
    return sample


def run(bench: Bench, report: Report) -> None:
    # Quick: every 20th frame only (checks the paths, not the quality).
    every = 20 if bench.config.quick else 1
    results: dict[tuple[str, str], dict] = {}
    times: dict[tuple[str, str], float] = {}
    checks = []
    for name, video, gt, length in SEQUENCES:
        people, ignore = read_truth(gt)
        frames = list(range(0, length, every))
        sides = {"ours f32": lambda: run_process(ours_command(bench, video, "f32", every)),
                 "ours bf16": lambda: run_process(ours_command(bench, video, "bf16", every)),
                 "ours f32, first frame only": lambda: run_process(ours_command(bench, video, "f32", 10 ** 6)),
                 "ours bf16, first frame only": lambda: run_process(ours_command(bench, video, "bf16", 10 ** 6)),
                 "python onnxruntime f32": lambda: peer_run(bench, video, every)}
        samples = bench.rounds(f"detection {name}", sides)
        for side in SIDES:
            outputs = {sample.stdout for sample in samples[side]}
            if len(outputs) != 1:
                log(f"  {name} {side}: the rounds' detections differ ({len(outputs)} versions); scoring the first")
            found = read_mot(samples[side][0].stdout)
            results[side, name] = score(found, people, ignore, frames)
            if side == "ours f32" or side == "python onnxruntime f32":
                ours, theirs = motmetrics_check(found, people, ignore, frames)
                checks.append((f"{side}, {name}", ours, theirs))
            if side.startswith("ours"):
                base = samples[side + ", first frame only"]
                times[side, name] = 1000 * (median(s.wall for s in samples[side]) - median(s.wall for s in base)) / max(1, len(frames) - 1)
            else:
                times[side, name] = 1000 * median(s.detect_seconds for s in samples[side]) / max(1, samples[side][0].detected)
            r = results[side, name]
            log(f"  {name} {side}: P {r['precision']:.4f} R {r['recall']:.4f} TP {r['tp']} FP {r['fp']} FN {r['fn']} "
                f"ignored {r['ignored']}, {times[side, name]:.1f} ms a frame")

    names = [name for name, *_ in SEQUENCES]
    for side in SIDES:
        pooled = {k: sum(results[side, n][k] for n in names) for k in ("tp", "fp", "fn", "ignored", "gt", "frames")}
        results[side, "both"] = finish(pooled)
    columns = names + ["both"]
    lines = ["## Detection quality: YOLOX-Nano's people against MOT ground truth", "",
             f"People (class 0) scoring >= {MIN_SCORE} against the labelled people at IoU >= {MIN_IOU}, one to one "
             "(Hungarian), ignore regions neither way; every frame of TUD-Stadtmitte (179) and PETS09-S2L1 (795)"
             + (" (QUICK: every 20th frame)" if every > 1 else "") + ". A cell: precision / recall (TP, FP, FN, "
             "MOTA-like 1 - (FN + FP) / GT). Input 416, score threshold 0.3, class-wise NMS at 0.45 on every side.", "",
             "| side | " + " | ".join(columns) + " | detection ms a frame (TUD / PETS) |", "|---|" + "---|" * (len(columns) + 1)]
    for side in SIDES:
        cells = []
        for column in columns:
            r = results[side, column]
            cells.append(f"{r['precision']:.4f} / {r['recall']:.4f} ({r['tp']}, {r['fp']}, {r['fn']}, {r['mota']:.3f})")
        time_text = " / ".join(f"{times[side, n]:.1f}" for n in names)
        lines.append(f"| {side} | {' | '.join(cells)} | {time_text} |")
    lines += ["", "Our time: (whole run - a run detecting on its first frame only) / (frames - 1), medians of "
              f"{bench.config.rounds} rounds: OpenVINO's throughput mode with one request in flight (one stream, one "
              "core). The peer's: the wall inside its detect() (letterbox, ONNX Runtime with its default threads, "
              "NMS), decoding not included.", "",
              "Matcher check against py-motmetrics (ignore regions counted as people on both sides), TP / FP / FN:", "",
              "| run | ours | motmetrics | equal |", "|---|---|---|---|"]
    for label, ours, theirs in checks:
        lines.append(f"| {label} | {ours['tp']} / {ours['fp']} / {ours['fn']} | {theirs['tp']} / {theirs['fp']} / "
                     f"{theirs['fn']} | {'yes' if ours == theirs else 'NO'} |")
    report.sections.append(lines)

    peer = "python onnxruntime f32"
    for side in ("ours f32", "ours bf16"):
        gaps = {n: (results[side, n]["precision"] - results[peer, n]["precision"],
                    results[side, n]["recall"] - results[peer, n]["recall"]) for n in columns}
        worst = max(abs(v) for gap in gaps.values() for v in gap)
        met = worst <= 0.01
        both, theirs = results[side, "both"], results[peer, "both"]
        report.rows.append(Row(
            f"detection quality, people P / R at IoU 0.5 (score >= 0.5), TUD + PETS09: {side} vs the peer",
            f"{both['precision']:.4f} / {both['recall']:.4f}", f"{theirs['precision']:.4f} / {theirs['recall']:.4f}",
            ", ".join(f"{n} {p * 100:+.2f} / {r * 100:+.2f} pt" for n, (p, r) in gaps.items()),
            f"within 1 point on each: {'met' if met else f'NOT met (worst {worst * 100:.2f} pt)'}", met))
    (bench.config.work / "detection_quality.json").write_text(json.dumps(
        {"results": {f"{s} | {n}": r for (s, n), r in results.items()}, "ms_per_frame": {f"{s} | {n}": t for (s, n), t in times.items()},
         "motmetrics_check": checks}, indent=1))
