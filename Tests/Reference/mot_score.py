"""Scores MOTChallenge track rows against MOTChallenge ground truth: CLEAR MOT and identity metrics from
py-motmetrics, HOTA as TrackEval computes it. The Swift tests (through .venv-test) and the bench
(bench/cases/mot_quality.py, bench/mot_sweep.py) both score with this file.

    python mot_score.py GT_TXT TRACKS_TXT [--frames N]   ->  one JSON object of metrics

The rules are MOTChallenge's for its 2015 sequences (PETS09-S2L1, TUD-Stadtmitte), as TrackEval applies them
with BENCHMARK MOT15 (`MotChallenge2DBox.get_preprocessed_seq_data`): ground-truth rows with conf 0 are dropped,
and nothing else is: no track box is removed for lying on such a row (the distractor matching of MOT16 on is
never done for MOT15), so a box on a conf-0 person is a false positive. Ground-truth rows have no class column
in MOT15; every row is a person. A track box and a person match at IoU >= 0.5.

- MOTA, IDF1, ID switches, FP, FN, MT/PT/ML, MOTP: py-motmetrics' MOTAccumulator and its metrics, fed with
  1 - IoU distances computed here (motmetrics 1.4.0's own iou_matrix needs numpy < 2), pairs under IoU 0.5
  not allowed, as motmetrics' `iou_matrix(max_iou=0.5)`.
- HOTA, DetA, AssA, LocA: TrackEval's `metrics/hota.py`, restated in numpy below (the bench checks it
  against the `trackeval` package).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

MIN_IOU = 0.5
HOTA_ALPHAS = np.arange(0.05, 0.99, 0.05)  # TrackEval's 19 localisation thresholds
EPS = np.finfo("float").eps


def read_rows(path: Path | str, zero_marked: bool | None = None) -> dict[int, list[tuple[int, np.ndarray]]]:
    """{frame (1-based): [(id, [x, y, w, h])]}; `zero_marked` True or False: only the ground-truth rows with conf 0,
    or only the others (None: every row, for tracks)."""
    frames: dict[int, list[tuple[int, np.ndarray]]] = {}
    for line in Path(path).read_text().split():
        values = line.split(",")
        if zero_marked is not None and (float(values[6]) == 0) != zero_marked:
            continue
        frame, identity = int(float(values[0])), int(float(values[1]))
        frames.setdefault(frame, []).append((identity, np.array([float(v) for v in values[2:6]])))
    return frames


def boxes(rows: list[tuple[int, np.ndarray]]) -> np.ndarray:
    return np.array([b for _, b in rows]).reshape(-1, 4)


def ious(truth: np.ndarray, found: np.ndarray) -> np.ndarray:
    """IoU of every (truth, found) pair of x, y, w, h boxes."""
    if len(truth) == 0 or len(found) == 0:
        return np.zeros((len(truth), len(found)))
    a, b = truth[:, None, :], found[None, :, :]
    w = np.clip(np.minimum(a[..., 0] + a[..., 2], b[..., 0] + b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    h = np.clip(np.minimum(a[..., 1] + a[..., 3], b[..., 1] + b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    overlap = w * h
    union = a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - overlap
    return np.where(union > 0, overlap / np.where(union > 0, union, 1), 0.0)


def sequence(gt: Path | str, tracks: Path | str, frames: int | None = None, ignore_regions: bool = False) -> list[dict]:
    """Per frame 1..frames (default: the last frame either file names): truth ids, track ids and their IoU matrix.

    `ignore_regions`: the conf-0 rows are also regions where tracks do not count, as TrackEval treats MOT16's
    distractors: the tracks of a frame are matched one to one to all of its rows (Hungarian on IoU, pairs at
    IoU >= 0.5), and those matched to a conf-0 row are removed. Not MOTChallenge's rule for these sequences."""
    truth, found = read_rows(gt, zero_marked=False), read_rows(tracks)
    zero = read_rows(gt, zero_marked=True) if ignore_regions else {}
    last = frames or max([0, *truth, *found])
    steps = []
    for frame in range(1, last + 1):
        t, f, z = truth.get(frame, []), found.get(frame, []), zero.get(frame, [])
        if z and f:
            overlap = ious(np.concatenate([boxes(t), boxes(z)]), boxes(f))
            scores = np.where(overlap >= MIN_IOU - EPS, overlap, 0)
            rows, columns = linear_sum_assignment(-scores)
            ignored = {c for r, c in zip(rows, columns) if scores[r, c] > 0 and r >= len(t)}
            f = [row for index, row in enumerate(f) if index not in ignored]
        steps.append({"frame": frame, "truth_ids": [i for i, _ in t], "track_ids": [i for i, _ in f],
                      "iou": ious(boxes(t), boxes(f))})
    return steps


def clear_and_identity(steps: list[dict]) -> dict:
    import motmetrics as mm

    accumulator = mm.MOTAccumulator(auto_id=False)
    for step in steps:
        distances = 1 - step["iou"]
        distances[step["iou"] < MIN_IOU] = np.nan
        accumulator.update(step["truth_ids"], step["track_ids"], distances, frameid=step["frame"])
    names = ["mota", "idf1", "idp", "idr", "num_switches", "num_false_positives", "num_misses", "num_objects",
             "num_unique_objects", "mostly_tracked", "partially_tracked", "mostly_lost", "num_fragmentations",
             "motp", "precision", "recall"]
    summary = mm.metrics.create().compute(accumulator, metrics=names, name="sequence").iloc[0]
    result = {name: float(summary[name]) for name in names}
    result["motp_iou"] = 1 - result.pop("motp")  # motmetrics' MOTP is the mean distance (1 - IoU) of the matches
    for name in names:
        if name.startswith("num_") or name.endswith("_tracked") or name == "mostly_lost":
            result[name] = int(result[name])
    return result


def hota(steps: list[dict]) -> dict:
    """TrackEval's HOTA over one sequence (`HOTA.eval_sequence`), box IoU as the similarity."""
    truth_index = {i: n for n, i in enumerate(sorted({i for s in steps for i in s["truth_ids"]}))}
    track_index = {i: n for n, i in enumerate(sorted({i for s in steps for i in s["track_ids"]}))}
    alphas = len(HOTA_ALPHAS)
    tp, fn, fp, loc = np.zeros(alphas), np.zeros(alphas), np.zeros(alphas), np.zeros(alphas)
    truth_dets = sum(len(s["truth_ids"]) for s in steps)
    track_dets = sum(len(s["track_ids"]) for s in steps)
    if truth_dets == 0 or track_dets == 0:
        return {"hota": 0.0, "deta": 0.0, "assa": 0.0, "loca": 1.0}
    potential = np.zeros((len(truth_index), len(track_index)))
    truth_count = np.zeros((len(truth_index), 1))
    track_count = np.zeros((1, len(track_index)))
    indexed = []
    for s in steps:
        t = np.array([truth_index[i] for i in s["truth_ids"]], dtype=int)
        f = np.array([track_index[i] for i in s["track_ids"]], dtype=int)
        indexed.append((t, f, s["iou"]))
        similarity = s["iou"]
        denominator = similarity.sum(0)[None, :] + similarity.sum(1)[:, None] - similarity
        aligned = np.zeros_like(similarity)
        mask = denominator > 0 + EPS
        aligned[mask] = similarity[mask] / denominator[mask]
        potential[t[:, None], f[None, :]] += aligned
        truth_count[t] += 1
        track_count[0, f] += 1
    global_alignment = potential / (truth_count + track_count - potential)
    matches = [np.zeros_like(potential) for _ in HOTA_ALPHAS]
    for t, f, similarity in indexed:
        if len(t) == 0:
            fp += len(f)
            continue
        if len(f) == 0:
            fn += len(t)
            continue
        rows, columns = linear_sum_assignment(-(global_alignment[t[:, None], f[None, :]] * similarity))
        for a, alpha in enumerate(HOTA_ALPHAS):
            kept = similarity[rows, columns] >= alpha - EPS
            r, c = rows[kept], columns[kept]
            tp[a] += len(r)
            fn[a] += len(t) - len(r)
            fp[a] += len(f) - len(r)
            if len(r):
                loc[a] += similarity[r, c].sum()
                matches[a][t[r], f[c]] += 1
    assa = np.array([np.sum(m * (m / np.maximum(1, truth_count + track_count - m))) for m in matches]) / np.maximum(1, tp)
    deta = tp / np.maximum(1, tp + fn + fp)
    loca = np.maximum(1e-10, loc) / np.maximum(1e-10, tp)
    return {"hota": float(np.mean(np.sqrt(deta * assa))), "deta": float(np.mean(deta)), "assa": float(np.mean(assa)),
            "loca": float(np.mean(loca))}


def score(gt: Path | str, tracks: Path | str, frames: int | None = None, ignore_regions: bool = False) -> dict:
    steps = sequence(gt, tracks, frames, ignore_regions)
    return {**clear_and_identity(steps), **hota(steps), "frames": len(steps)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gt")
    parser.add_argument("tracks")
    parser.add_argument("--frames", type=int, default=None, help="frames 1..N (default: the last frame named)")
    parser.add_argument("--ignore-regions", action="store_true",
                        help="also drop tracks on conf-0 rows (MOT16's rule for distractors, not MOT15's)")
    args = parser.parse_args()
    print(json.dumps(score(args.gt, args.tracks, args.frames, args.ignore_regions)))


if __name__ == "__main__":
    main()
