"""csrt-fast against csrt over every pedestrian track of the PETS09 and TUD ground truth (mean IoU and CPU),
beyond the two sequences the csrt-fast issue names."""
from __future__ import annotations

import json
from pathlib import Path

from harness import Bench, Report, Row, log
from testdata import PETS_GT, TUD_GT, iou, mot_tracks


def mot_segments(gt: Path, starts: tuple, length: int, size: tuple) -> list[tuple[int, dict, dict]]:
    """(start, bbs, truth) per start: every person labelled and inside the frame on all `length`
    frames from `start` (decoded frame = MOT frame - 1), with their boxes."""
    tracks = mot_tracks(gt)
    segments = []
    for start in starts:
        bbs, truth = {}, {}
        for person, boxes in sorted(tracks.items()):
            frames = [boxes.get(f) for f in range(start, start + length)]
            if any(b is None for b in frames):
                continue
            x1, y1, x2, y2 = frames[0]
            if x1 < 0 or y1 < 0 or x2 > size[0] or y2 > size[1]:
                continue
            bbs[f"person{person}"] = [{"x": round(x1), "y": round(y1)}, {"x": round(x2), "y": round(y2)}]
            truth[f"person{person}"] = frames
        if bbs:
            segments.append((start, bbs, truth))
    return segments


def run(bench: Bench, report: Report) -> None:
    trackers = bench.trackers
    """csrt-fast against csrt on every pedestrian of PETS09 (100-frame stretches) and TUD (60)."""
    if "csrt-fast" not in trackers:
        return
    quick = bench.config.quick
    sequences = [("vtest.avi", PETS_GT, (0,) if quick else (0, 100, 200, 300, 400, 500, 600), 5 if quick else 100, (768, 576)),
                 ("TUD-Stadtmitte.mp4", TUD_GT, (0,) if quick else (0, 60, 119), 5 if quick else 60, (640, 480))]
    scores: dict[str, list[float]] = {"csrt": [], "csrt-fast": []}
    cpu: dict[str, float] = {"csrt": 0.0, "csrt-fast": 0.0}
    updates = 0
    for video, gt, starts, length, size in sequences:
        for start, bbs, truth in mot_segments(gt, starts, length, size):
            updates += len(bbs) * (length - 1)
            for kind in scores:
                sample = bench.ours_run(video, bbs, start, length, kind)
                cpu[kind] += sample.cpu
                answer = json.loads(sample.stdout)
                for person, boxes in truth.items():
                    got = answer[person]
                    total = 0.0
                    for offset, expected in enumerate(boxes):
                        box = got.get(str(start + offset))
                        if box is not None:  # a lost frame counts 0
                            total += iou((box[0]["x"], box[0]["y"], box[1]["x"], box[1]["y"]), expected)
                    scores[kind].append(total / length)
            log(f"  tracks {video} from {start}: {len(bbs)} people")
    count = len(scores["csrt"])
    mean = {kind: sum(values) / count for kind, values in scores.items()}
    delta = mean["csrt-fast"] - mean["csrt"]
    report.rows.append(Row(f"mean IoU over {count} pedestrian tracks (PETS09 100 frames, TUD 60): csrt-fast vs csrt",
                           f"{mean['csrt-fast']:.3f}", f"{mean['csrt']:.3f} (ours, csrt)", f"{delta:+.3f}"))
    report.rows.append(Row(f"CPU per tracker update over those tracks: csrt-fast vs csrt",
                           f"{cpu['csrt-fast'] / updates * 1000:.1f} ms", f"{cpu['csrt'] / updates * 1000:.1f} ms (ours, csrt)",
                           f"{cpu['csrt-fast'] / cpu['csrt']:.2f}"))
    lost = {kind: sum(v < 0.3 for v in values) for kind, values in scores.items()}
    report.notes.append(f"- Pedestrian tracks: {count} stretches of every person labelled throughout; mean IoU below 0.3 "
                        f"(the tracker lost the person) on {lost['csrt']} with csrt and {lost['csrt-fast']} with csrt-fast. "
                        "One run per tracker and stretch, CPU is user + system of the whole process (decoding included).")
