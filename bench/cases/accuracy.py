"""Mean IoU of csrt-fast against csrt on the two sequences of the csrt-fast issue: Crossing and vtest person 9."""
from __future__ import annotations

import json

from harness import Bench, Report, Row, log
from testdata import CROSSING_GT, VTEST9_GT, iou, read_sot


def mean_iou(bench: Bench, video: str, truth: list[tuple], tracker: str) -> float:
    first = truth[0]
    bbs = {"a": [{"x": round(first[0]), "y": round(first[1])}, {"x": round(first[2]), "y": round(first[3])}]}
    answer = json.loads(bench.ours_run(video, bbs, 0, len(truth), tracker).stdout)["a"]
    total = 0.0
    for frame, expected in enumerate(truth):
        got = answer.get(str(frame))
        if got is not None:  # a lost frame counts 0
            total += iou((got[0]["x"], got[0]["y"], got[1]["x"], got[1]["y"]), expected)
    return total / len(truth)


def run(bench: Bench, report: Report) -> None:
    trackers = bench.trackers
    truths = {"Crossing": ("Crossing.mp4", read_sot(CROSSING_GT, False)),
              "vtest person 9": ("vtest.avi", read_sot(VTEST9_GT, True))}
    if bench.config.quick:
        truths = {name: (video, truth[:10]) for name, (video, truth) in truths.items()}
    kinds = ["csrt"] + (["csrt-fast"] if "csrt-fast" in trackers else [])
    for name, (video, truth) in truths.items():
        scores = {kind: mean_iou(bench, video, truth, kind) for kind in kinds}
        log(f"  mean IoU {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()))
        if "csrt-fast" in scores:
            delta = scores["csrt-fast"] - scores["csrt"]
            met = abs(delta) <= 0.03
            report.rows.append(Row(f"mean IoU, {name} ({len(truth)} frames): csrt-fast vs csrt", f"{scores['csrt-fast']:.3f}",
                                   f"{scores['csrt']:.3f} (ours, csrt)", f"{delta:+.3f}",
                                   f"within 0.03: {'met' if met else 'NOT met'}", met))
        else:
            report.rows.append(Row(f"mean IoU, {name} ({len(truth)} frames), csrt", f"{scores['csrt']:.3f}", "", "",
                                   "reference for csrt-fast (not in `run --help` yet)"))
