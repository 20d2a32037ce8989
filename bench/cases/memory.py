"""Peak memory (/usr/bin/time -v) of ours and the original for a short and a long frame_duration."""
from __future__ import annotations

from harness import Bench, Report, Row, Sample, goal_text, median, median_ratio
from testdata import pets_boxes


def run(bench: Bench, report: Report) -> None:
    config = bench.config
    bbs = pets_boxes()[config.memory_people]
    short, long = config.memory_frames
    start, tracker = config.memory_start, config.memory_tracker
    sides = {}
    for frames in (short, long):
        sides[f"ours {frames}"] = lambda frames=frames: bench.ours_run("vtest.avi", bbs, start, frames, tracker, rss=True)
        sides[f"original {frames}"] = lambda frames=frames: bench.original_run("vtest.avi", bbs, start, frames, tracker, rss=True)
    results = bench.rounds("peak RSS", sides)

    def mb(samples: list[Sample]) -> float:
        return median(s.rss_kb for s in samples) / 1024

    for frames in (short, long):
        ours, original = results[f"ours {frames}"], results[f"original {frames}"]
        report.rows.append(Row(f"peak RSS, {frames} frames ({tracker.upper()}, {config.memory_people} people, vtest)",
                               f"{mb(ours):.0f} MB", f"{mb(original):.0f} MB",
                               f"{median_ratio(ours, original, key=lambda s: s.rss_kb):.2f}"))
    growth = median_ratio(results[f"ours {long}"], results[f"ours {short}"], key=lambda s: s.rss_kb)
    growth_original = median_ratio(results[f"original {long}"], results[f"original {short}"], key=lambda s: s.rss_kb)
    goal, met = goal_text(growth, 1.25, "x")
    report.rows.append(Row(f"peak RSS growth, {long} vs {short} frames", f"{growth:.2f} x", f"{growth_original:.2f} x",
                           "", goal, met))
