"""Peak memory (/usr/bin/time -v) of ours and the original for a short and a long frame_duration: the OpenCV
tracker of `config.memory_tracker`, and the default tracker with its models loaded (ours nanotrack against the
Python NanoTrack reference in the original's loop, ONNX Runtime)."""
from __future__ import annotations

from harness import Bench, Report, Row, Sample, goal_text, median, median_ratio
from testdata import pets_boxes


def run(bench: Bench, report: Report) -> None:
    config = bench.config
    bbs = pets_boxes()[config.memory_people]
    short, long = config.memory_frames
    start, tracker = config.memory_start, config.memory_tracker
    # (label of ours, label of the Python side, our --tracker or None for the default, the Python side's tracker)
    kinds = [(tracker, tracker, tracker, tracker)]
    if "nanotrack" in bench.trackers:
        kinds.append(("nanotrack", "python nanotrack", None, "nanotrack"))
    sides = {}
    for ours_label, python_label, ours_tracker, python_tracker in kinds:
        for frames in (short, long):
            sides[f"ours {ours_label} {frames}"] = (lambda frames=frames, t=ours_tracker:
                                                    bench.ours_run("vtest.avi", bbs, start, frames, t, rss=True))
            sides[f"original {python_label} {frames}"] = (lambda frames=frames, t=python_tracker:
                                                         bench.original_run("vtest.avi", bbs, start, frames, t, rss=True))
    results = bench.rounds("peak RSS", sides)

    def mb(samples: list[Sample]) -> float:
        return median(s.rss_kb for s in samples) / 1024

    for ours_label, python_label, _, _ in kinds:
        name = "the default, nanotrack, models loaded" if ours_label == "nanotrack" else ours_label.upper()
        for frames in (short, long):
            ours, original = results[f"ours {ours_label} {frames}"], results[f"original {python_label} {frames}"]
            report.rows.append(Row(f"peak RSS, {frames} frames ({name}, {config.memory_people} people, vtest)",
                                   f"{mb(ours):.0f} MB", f"{mb(original):.0f} MB ({python_label})",
                                   f"{median_ratio(ours, original, key=lambda s: s.rss_kb):.2f}"))
        growth = median_ratio(results[f"ours {ours_label} {long}"], results[f"ours {ours_label} {short}"],
                              key=lambda s: s.rss_kb)
        growth_original = median_ratio(results[f"original {python_label} {long}"],
                                       results[f"original {python_label} {short}"], key=lambda s: s.rss_kb)
        goal, met = goal_text(growth, 1.25, "x")
        report.rows.append(Row(f"peak RSS growth, {long} vs {short} frames ({name})", f"{growth:.2f} x",
                               f"{growth_original:.2f} x", "", goal, met))
