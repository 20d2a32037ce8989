"""Tracker quality on every single-object sequence the shared data gives: Crossing, and every person of the
PETS09-S2L1 and TUD-Stadtmitte ground truth with at least 30 labelled frames.

A person's sequence starts at their first labelled box and runs to their last (gaps included: a tracker keeps
going through them; only labelled frames are scored). The start box and the ground truth are clipped to the
image (the contract's boxes are), the start box rounded to whole pixels as a caller draws it. Per sequence: mean
IoU over the scored frames (a frame the tracker left out as lost counts 0, the start frame included, where every
tracker echoes the box) and success (share of scored frames with IoU >= 0.5); the table averages sequences.

Trackers: our binary's csrt, csrt-fast, kcf, and nanotrack / nanotrack-v3 when it accepts them (with the models
folder; lost frames, score < 0.8, left out as the contract does); the Python NanoTrack reference
(bench/nanotrack_reference.py, ONNX Runtime, f32, 1 thread) v2 and v3 on the same boxes. NanoTrack's best score per
frame also gives the table for choosing the lost-score threshold.

Port check: our nanotrack v2 and v3 once more with `--lost null --lost-score 0`, every frame against the
reference's box rounded to whole pixels (frames compared, share within 1 px, largest difference, first frame past
1 px), a row a sequence; against the reference on ONNX Runtime and against the same Python math on OpenVINO f32
(our runtime), which tells the port's differences from the runtimes'.
"""
from __future__ import annotations

import json
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from harness import BENCH, Bench, Report, Row, log
from testdata import CROSSING, CROSSING_GT, PETS_GT, TUD, TUD_GT, VTEST, iou, mot_tracks, read_sot

MIN_FRAMES = 30  # labelled frames a person needs to make a sequence
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)  # lost-score candidates (scores of a lost box stay high)
TRULY_LOST_IOU = 0.1  # a frame is truly lost when the person has no box there or the IoU is below this
BINARY_TRACKERS = ("csrt", "csrt-fast", "kcf", "nanotrack", "nanotrack-v3")
# The default tracker at reduced precision: what bf16 (twice as fast here) costs in quality.
PRECISION_VARIANTS = {"nanotrack bf16": ("nanotrack", ("--inference-precision", "bf16"))}
REFERENCE_VERSIONS = ("v2", "v3")


@dataclass
class Sequence:
    dataset: str
    name: str
    video: str  # the served name (bench/scratch/<mode>/)
    path: Path  # the local file (the Python reference decodes it itself)
    start: int
    frames: int
    truth: dict[int, tuple]  # decoded frame: (left, top, right, bottom), clipped to the image; labelled frames only
    box: tuple  # the start box, whole pixels: (left, top, right, bottom)
    results: dict[str, dict] = field(default_factory=dict)  # tracker: {"boxes": {frame: ltrb}, "scores": {...}}


def clip(box: tuple, size: tuple) -> tuple:
    return (min(max(box[0], 0), size[0]), min(max(box[1], 0), size[1]),
            min(max(box[2], 0), size[0]), min(max(box[3], 0), size[1]))


def video_size(path: Path) -> tuple[int, int]:
    import cv2

    capture = cv2.VideoCapture(str(path))
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    capture.release()
    return size


def make_sequence(dataset: str, name: str, video: str, path: Path, boxes: dict[int, tuple],
                  size: tuple) -> Sequence | None:
    truth = {frame: clip(box, size) for frame, box in sorted(boxes.items())}
    start, last = min(truth), max(truth)
    first = truth[start]
    box = (round(first[0]), round(first[1]), round(first[2]), round(first[3]))
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        return None  # the first box hardly touches the image
    return Sequence(dataset, name, video, path, start, last - start + 1, truth, box)


def sequences(quick: bool) -> tuple[list[Sequence], list[str]]:
    """Every sequence, and the people left out (with why)."""
    found: list[Sequence] = []
    skipped: list[str] = []
    crossing = read_sot(CROSSING_GT, False)
    found.append(make_sequence("Crossing", "Crossing", "Crossing.mp4", CROSSING, dict(enumerate(crossing)),
                               video_size(CROSSING)))
    for dataset, video, path, gt in (("PETS09", "vtest.avi", VTEST, PETS_GT),
                                     ("TUD", "TUD-Stadtmitte.mp4", TUD, TUD_GT)):
        size = video_size(path)
        for person, boxes in sorted(mot_tracks(gt).items()):
            if len(boxes) < MIN_FRAMES:
                skipped.append(f"{dataset} {person}: {len(boxes)} labelled frames")
                continue
            sequence = make_sequence(dataset, f"{dataset} {person}", video, path, boxes, size)
            if sequence is None:
                skipped.append(f"{dataset} {person}: the first box is off the image")
                continue
            found.append(sequence)
    if quick:
        # Two short sequences a dataset: checks every path of the case, not the trackers.
        kept = []
        for dataset in ("Crossing", "PETS09", "TUD"):
            for sequence in sorted((s for s in found if s.dataset == dataset), key=lambda s: s.start)[:2]:
                sequence.frames = 10
                sequence.truth = {f: b for f, b in sequence.truth.items() if f < sequence.start + 10}
                kept.append(sequence)
        found = kept
    return found, skipped


def score(sequence: Sequence, boxes: dict[int, tuple]) -> tuple[float, float]:
    """Mean IoU and success at 0.5 over the labelled frames (a missing box counts 0)."""
    ious = [iou(boxes[f], truth) if f in boxes else 0.0 for f, truth in sequence.truth.items()]
    return statistics.fmean(ious), statistics.fmean(i >= 0.5 for i in ious)


def accepts(bench: Bench, tracker: str) -> bool:
    """Whether the binary takes this tracker name (an unknown one is a 400-class error, exit status 2)."""
    bbs = {"a": [{"x": 205, "y": 151}, {"x": 222, "y": 201}]}
    try:
        bench.ours_run("Crossing.mp4", bbs, 0, 2, tracker)
        return True
    except RuntimeError as error:
        log(f"  {tracker}: not accepted by the binary ({str(error).splitlines()[-1][:200]})")
        return False


def run_binary(bench: Bench, sequence: Sequence, tracker: str, extra: tuple = ()) -> dict:
    x1, y1, x2, y2 = sequence.box
    bbs = {"a": [{"x": x1, "y": y1}, {"x": x2, "y": y2}]}
    sample = bench.ours_run(sequence.video, bbs, sequence.start, sequence.frames, tracker, extra)
    answer = json.loads(sample.stdout)["a"]
    boxes = {int(f): (b[0]["x"], b[0]["y"], b[1]["x"], b[1]["y"]) for f, b in answer.items() if b is not None}
    return {"boxes": boxes, "cpu": sample.cpu, "wall": sample.wall}


def port_check(ours: dict[int, tuple], reference: dict[int, tuple]) -> dict:
    """Ours against the Python reference box for box: the reference's box (clipped to the image) rounded to whole
    pixels as the contract answers; frames both answered, share within 1 px (every coordinate), the largest
    difference and the first frame past 1 px."""
    both = sorted(set(ours) & set(reference))
    diffs = {f: max(abs(a - round(b)) for a, b in zip(ours[f], reference[f])) for f in both}
    past = [f for f in both if diffs[f] > 1]
    return {"frames": len(both), "within": sum(d <= 1 for d in diffs.values()), "max": max(diffs.values(), default=0),
            "first": past[0] if past else None, "only_one": len(set(ours) ^ set(reference))}


RUNTIMES = {"onnxruntime": "the reference (ONNX Runtime)", "openvino": "its math on OpenVINO"}


def reference_key(version: str, runtime: str) -> str:
    return f"python nanotrack {version}" + ("" if runtime == "onnxruntime" else f" {runtime}")


def port_section(all_sequences: list[Sequence], versions: list[str]) -> tuple[list[str], dict[tuple, dict]]:
    """The port check table (a row a sequence; a column a version and runtime of the reference) and the totals."""
    columns = [(v, r) for v in versions for r in RUNTIMES if reference_key(v, r) in all_sequences[0].results]
    header = " | ".join(f"{v} vs {RUNTIMES[r]}" for v, r in columns)
    lines = ["### Port check: our nanotrack against the Python reference, box for box", "",
             "Ours run with `--lost null --lost-score 0` (every frame answered); the reference's box clipped to the "
             "image and rounded to whole pixels as the contract answers it. Both decode the same frames (ours libav, "
             "the reference OpenCV's FFmpeg: the same pixels) and start from the same whole-pixel box. The reference "
             "runs on ONNX Runtime as its author's code does, and once more with the same Python tracking math on "
             "OpenVINO in f32 (our binary's runtime and version): that column is the port alone, the first one adds "
             "the two runtimes' float differences, which the tracker's feedback (each box places the next crop) "
             "can grow into a different path (OpenVINO's own results also move with its threading settings: see "
             "bench/nanotrack_reference.py). A cell: frames / share within 1 px / max px / first decoded frame "
             "past 1 px.", "", f"| sequence | {header} |", "|---|" + "---|" * len(columns)]
    totals = {c: {"frames": 0, "within": 0, "max": 0, "sequences_exact": 0, "only_one": 0} for c in columns}
    for sequence in all_sequences:
        cells = []
        for version, runtime in columns:
            check = port_check(sequence.results[f"ours port {version}"]["boxes"],
                               sequence.results[reference_key(version, runtime)]["boxes"])
            total = totals[version, runtime]
            total["frames"] += check["frames"]
            total["within"] += check["within"]
            total["max"] = max(total["max"], check["max"])
            total["sequences_exact"] += check["first"] is None
            total["only_one"] += check["only_one"]
            share = check["within"] / check["frames"] if check["frames"] else 0.0
            cells.append(f"{check['frames']} / {share:.3f} / {check['max']} / "
                         f"{check['first'] if check['first'] is not None else '-'}")
        lines.append(f"| {sequence.name} | {' | '.join(cells)} |")
    cells = []
    for column in columns:
        total = totals[column]
        cells.append(f"{total['frames']} / {total['within'] / max(1, total['frames']):.3f} / {total['max']} / "
                     f"{total['sequences_exact']} of {len(all_sequences)} sequences never past 1 px")
    lines.append(f"| all | {' | '.join(cells)} |")
    if any(t["only_one"] for t in totals.values()):
        lines += ["", "Frames answered by one side only: "
                  + ", ".join(f"{v} vs {r} {t['only_one']}" for (v, r), t in totals.items()) + "."]
    return lines, totals


def run_reference(all_sequences: list[Sequence], version: str,
                  runtime: str = "onnxruntime") -> tuple[list[float], list[float]]:
    """The Python NanoTrack on every sequence, one decode per video; the per-update wall and CPU seconds."""
    sys.path.insert(0, str(BENCH))
    import nanotrack_reference as reference

    models = reference.Models(version, runtime=runtime)
    updates: list[float] = []
    updates_cpu: list[float] = []
    for path in sorted({s.path for s in all_sequences}):
        chosen = [s for s in all_sequences if s.path == path]
        jobs = [reference.Sequence(s.start, (s.box[0], s.box[1], s.box[2] - s.box[0], s.box[3] - s.box[1]), s.frames,
                                   s.name) for s in chosen]
        answers = reference.track_video(path, jobs, models)
        updates += answers.pop("_update_seconds")
        updates_cpu += answers.pop("_update_cpu_seconds")
        size = video_size(path)
        for sequence in chosen:
            boxes, scores = {}, {}
            for item in answers[sequence.name]:
                x, y, w, h = item["box"]
                boxes[item["frame"]] = clip((x, y, x + w, y + h), size)  # as the contract clips (not rounded)
                if item["score"] is not None:
                    scores[item["frame"]] = item["score"]
            sequence.results[reference_key(version, runtime)] = {"boxes": boxes, "scores": scores}
        log(f"  {reference_key(version, runtime)}: {path.name}, {len(chosen)} sequences")
    return updates, updates_cpu


def threshold_table(all_sequences: list[Sequence], tracker: str) -> list[str]:
    """What marking frames lost below a score threshold would do to mean IoU and how well it finds lost frames."""
    rows = []
    for threshold in (0.0, *THRESHOLDS):
        marked = truly = both = frames = 0
        means = []
        for sequence in all_sequences:
            result = sequence.results[tracker]
            boxes, scores = result["boxes"], result["scores"]
            kept = {f: b for f, b in boxes.items() if f not in scores or scores[f] >= threshold}
            means.append(score(sequence, kept)[0])
            for frame, value in scores.items():
                truth = sequence.truth.get(frame)
                lost = truth is None or iou(boxes[frame], truth) < TRULY_LOST_IOU
                frames += 1
                marked += value < threshold
                truly += lost
                both += lost and value < threshold
        precision = f"{both / marked:.2f}" if marked else "-"
        recall = f"{both / truly:.2f}" if truly else "-"
        correct = (frames - marked - truly + 2 * both) / frames
        rows.append(f"| {threshold:.1f} | {statistics.fmean(means):.3f} | {marked / frames:.3f} | {precision} | {recall} "
                    f"| {correct:.3f} |")
    return rows


def run(bench: Bench, report: Report) -> None:
    all_sequences, skipped = sequences(bench.config.quick)
    log(f"  {len(all_sequences)} sequences, {sum(s.frames for s in all_sequences)} frames")
    trackers = [t for t in BINARY_TRACKERS if t in ("csrt", "kcf") or accepts(bench, t)]
    variants = {t: (t, ()) for t in trackers}
    variants.update({label: run for label, run in PRECISION_VARIANTS.items() if run[0] in trackers})
    cost: dict[str, float] = {}
    for label, (tracker, extra) in variants.items():
        cpu = frames = 0.0
        for sequence in all_sequences:
            result = run_binary(bench, sequence, tracker, extra)
            sequence.results[f"ours {label}"] = result
            cpu += result["cpu"]
            frames += sequence.frames
        cost[f"ours {label}"] = cpu / frames
        log(f"  ours {label}: {len(all_sequences)} sequences, {cpu:.1f} s CPU")
    # The port check: every frame answered (no lost marks), to compare with the reference box for box.
    port_versions = [v for v, t in (("v2", "nanotrack"), ("v3", "nanotrack-v3")) if t in trackers]
    for version in port_versions:
        tracker = "nanotrack" if version == "v2" else "nanotrack-v3"
        for sequence in all_sequences:
            sequence.results[f"ours port {version}"] = run_binary(bench, sequence, tracker,
                                                                  ("--lost", "null", "--lost-score", "0"))
        log(f"  ours {tracker} --lost-score 0: {len(all_sequences)} sequences")
    update_ms: dict[str, tuple[float, float]] = {}
    for version in REFERENCE_VERSIONS:
        updates, updates_cpu = run_reference(all_sequences, version)
        update_ms[f"python nanotrack {version}"] = (1000 * statistics.fmean(updates), 1000 * statistics.fmean(updates_cpu))
        if version in port_versions:
            run_reference(all_sequences, version, "openvino")  # for the port check only

    names = [f"ours {t}" for t in variants] + [f"python nanotrack {v}" for v in REFERENCE_VERSIONS]
    datasets = ["all"] + sorted({s.dataset for s in all_sequences}, key=["Crossing", "PETS09", "TUD"].index)
    counts = {d: sum(1 for s in all_sequences if d in ("all", s.dataset)) for d in datasets}
    table = {}
    for name in names:
        for dataset in datasets:
            scores = [score(s, s.results[name]["boxes"]) for s in all_sequences if dataset in ("all", s.dataset)]
            table[name, dataset] = (statistics.fmean(m for m, _ in scores), statistics.fmean(r for _, r in scores))
    frames_scored = sum(len(s.truth) for s in all_sequences)
    header = " | ".join(f"{d} ({counts[d]}): mean IoU / success" for d in datasets)
    lines = ["## Tracker quality: every single-object sequence of the shared data", "",
             f"{len(all_sequences)} sequences ({frames_scored} labelled frames scored): Crossing, and every person of "
             f"PETS09-S2L1 (vtest.avi) and TUD-Stadtmitte with at least {MIN_FRAMES} labelled frames, from their first "
             "box to their last (gaps tracked through, only labelled frames scored; a frame left out as lost counts 0). "
             "Start box and ground truth clipped to the image. Mean IoU and success (share of frames with IoU >= 0.5) "
             "per sequence, averaged over sequences.", "",
             f"| tracker | {header} | time |", "|---|" + "---|" * len(datasets) + "---|"]
    for name in names:
        cells = " | ".join(f"{table[name, d][0]:.3f} / {table[name, d][1]:.3f}" for d in datasets)
        if name in cost:
            time_text = f"{cost[name] * 1000:.1f} ms CPU a frame (whole process, decoding included)"
        else:
            wall, cpu = update_ms[name]
            time_text = (f"{wall:.1f} ms wall / {cpu:.1f} ms CPU an update (ONNX Runtime, f32, 1 thread; crops "
                         "included, decoding not)")
        lines.append(f"| {name} | {cells} | {time_text} |")
    if skipped:
        lines += ["", f"Left out: {'; '.join(skipped)}."]
    missing = [t for t in BINARY_TRACKERS if t not in trackers]
    if missing:
        lines += ["", f"Not run: {', '.join(missing)} (the binary does not accept the name yet)."]
    for version in REFERENCE_VERSIONS:
        name = f"python nanotrack {version}"
        lines += ["", f"### Lost-score threshold candidates: {name}", "",
                  f"A frame is marked lost when NanoTrack's best score is below the threshold (left out, counting 0 in "
                  f"mean IoU); it is truly lost when the person has no box there or IoU < {TRULY_LOST_IOU}. Over every "
                  "frame after the start of every sequence.", "",
                  "| threshold | mean IoU | share marked lost | precision (marked that are lost) | recall (lost that are marked) | frames correctly marked or kept |",
                  "|---|---|---|---|---|---|", *threshold_table(all_sequences, name)]
    port_totals = {}
    if port_versions:
        port_lines, port_totals = port_section(all_sequences, port_versions)
        lines += ["", *port_lines]
    report.sections.append(lines)
    for (version, runtime), total in port_totals.items():
        report.rows.append(Row(f"port check, nanotrack {version} vs {RUNTIMES[runtime]}: boxes within 1 px over "
                               f"{len(all_sequences)} sequences", f"{total['within'] / max(1, total['frames']):.3f} "
                               f"of {total['frames']} (max {total['max']} px)", "", ""))
    for name in names:
        report.rows.append(Row(f"tracker quality, {name}: mean IoU / success over {counts['all']} sequences",
                               f"{table[name, 'all'][0]:.3f} / {table[name, 'all'][1]:.3f}", "", ""))
    (bench.config.work / "tracker_quality.json").write_text(json.dumps(
        [{"name": s.name, "start": s.start, "frames": s.frames, "box": s.box,
          "results": {k: {"mean_iou": score(s, v["boxes"])[0], "scores": v.get("scores", {})}
                      for k, v in s.results.items()}} for s in all_sequences], default=str))
