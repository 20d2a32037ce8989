"""Tracking speed against the Python original: bench/original_tracker.py (cv2.VideoCapture, one OpenCV
tracker per box updated one after another) against `video-tracker run`, same URL, boxes and tracker: 1, 4 and
8 people of the PETS ground truth on vtest.avi, CSRT and KCF (and `csrt-fast` when `run --help` lists it)."""
from __future__ import annotations

import json

from harness import (Bench, Report, Row, compare_answers, detail, goal_text, median, median_ratio, opencv_builds_note,
                     sanity_row, seconds_fps)
from testdata import OBJECT_COUNTS, PEOPLE, pets_boxes


def run(bench: Bench, report: Report) -> None:
    trackers = bench.trackers
    config = bench.config
    boxes = pets_boxes()
    start, frames = config.track_start, config.track_frames
    report.plot = {"objects": list(OBJECT_COUNTS), "series": {}}
    for tracker in ("csrt", "kcf"):
        for count in OBJECT_COUNTS:
            bbs = boxes[count]
            group = f"{tracker} {count}"
            sides = {
                "ours": lambda: bench.ours_run("vtest.avi", bbs, start, frames, tracker),
                "original": lambda: bench.original_run("vtest.avi", bbs, start, frames, tracker),
            }
            if tracker == "csrt" and count == 4:
                # Where the time goes: ours on one core's worth of scheduling, the original on one thread.
                sides["ours --sequential"] = lambda: bench.ours_run("vtest.avi", bbs, start, frames, tracker, ("--sequential",))
                sides["original 1 thread"] = lambda: bench.original_run("vtest.avi", bbs, start, frames, tracker, ("--opencv-threads", "1"))
                if "csrt-fast" in trackers:
                    sides["ours csrt-fast"] = lambda: bench.ours_run("vtest.avi", bbs, start, frames, "csrt-fast")
                # The default tracker's Python side: the NanoTrack reference (ONNX Runtime, 1 thread) in the
                # original's loop, and ours when the binary has it.
                sides["python nanotrack"] = lambda: bench.original_run("vtest.avi", bbs, start, frames, "nanotrack")
                if "nanotrack" in trackers:
                    # No --tracker: the binary's default with the models folder (nanotrack), as a caller gets it.
                    sides["ours nanotrack"] = lambda: bench.ours_run("vtest.avi", bbs, start, frames, None)
            results = bench.rounds(group, sides, keep_output=("ours", "original", "python nanotrack", "ours nanotrack"))
            ratio = median_ratio(results["ours"], results["original"])
            goal, met = "", None
            if tracker == "csrt" and count in (4, 8):
                goal, met = goal_text(ratio, 0.62)
            noun = "person" if count == 1 else "people"
            report.rows.append(Row(f"{tracker.upper()}, {count} {noun}: vtest 768x576, frames {start}-{start + frames - 1}",
                                   seconds_fps(results["ours"], frames), seconds_fps(results["original"], frames),
                                   f"{ratio:.2f}", goal, met))
            for label, samples in results.items():
                report.details.append(detail(f"{tracker.upper()} {count}: {label}", samples))
                report.plot["series"].setdefault(f"{tracker.upper()} {label}", []).append(
                    (count, frames / median(s.wall for s in samples)))
            if "original 1 thread" in results:
                report.rows.append(Row(f"CSRT, 4 people, informative: ours --sequential vs original with cv2.setNumThreads(1)",
                                       seconds_fps(results["ours --sequential"], frames),
                                       seconds_fps(results["original 1 thread"], frames),
                                       f"{median_ratio(results['ours --sequential'], results['original 1 thread']):.2f}"))
            if "ours csrt-fast" in results:
                fast = median_ratio(results["ours csrt-fast"], results["original"])
                goal, met = goal_text(fast, 0.35, "x the original's CSRT")
                report.rows.append(Row(f"csrt-fast, 4 people (vs the original's CSRT)",
                                       seconds_fps(results["ours csrt-fast"], frames),
                                       seconds_fps(results["original"], frames), f"{fast:.2f}", goal, met))
            if "python nanotrack" in results:
                python_nanotrack = median_ratio(results["python nanotrack"], results["original"])
                report.rows.append(Row("NanoTrack v2, 4 people, informative: the Python reference (ONNX Runtime, 1 thread) "
                                       "vs the original's CSRT", seconds_fps(results["python nanotrack"], frames),
                                       seconds_fps(results["original"], frames), f"{python_nanotrack:.2f}"))
            if "ours nanotrack" in results:
                ours_nanotrack = median_ratio(results["ours nanotrack"], results["original"])
                goal, met = goal_text(ours_nanotrack, 0.15, "x the original's CSRT")
                report.rows.append(Row("nanotrack (the default: no --tracker, --models), 4 people (vs the original's CSRT)",
                                       seconds_fps(results["ours nanotrack"], frames),
                                       seconds_fps(results["original"], frames), f"{ours_nanotrack:.2f}", goal, met))
                versus_python = median_ratio(results["ours nanotrack"], results["python nanotrack"])
                goal, met = goal_text(versus_python, 0.5, "x the Python NanoTrack")
                report.rows.append(Row("nanotrack, 4 people (vs the Python NanoTrack reference, ONNX Runtime, 1 thread)",
                                       seconds_fps(results["ours nanotrack"], frames),
                                       seconds_fps(results["python nanotrack"], frames), f"{versus_python:.2f}", goal, met))
                report.sanity.append(sanity_row("nanotrack 4 vs the Python NanoTrack reference", compare_answers(
                    bench.outputs[f"{group}/ours nanotrack"], bench.outputs[f"{group}/python nanotrack"])))
            ours_answer = bench.outputs[f"{group}/ours"]
            report.sanity.append(sanity_row(f"{tracker.upper()} {count}", compare_answers(ours_answer, bench.outputs[f"{group}/original"])))
            if tracker == "csrt" and count == 4:
                # The same case with the original's OpenCV on its plain code paths (no IPP, no SIMD dispatch).
                plain = bench.original_run("vtest.avi", bbs, start, frames, tracker, ("--unoptimized",))
                report.sanity.append(sanity_row(f"CSRT 4, original with cv2.setUseOptimized(False)",
                                                compare_answers(ours_answer, json.loads(plain.stdout))))
    report.notes.append(opencv_builds_note())
    report.notes.append(f"- Tracking boxes: PETS09-S2L1 ground truth, people {PEOPLE} (MOT ids; 8 = the six labelled "
                        "on decoded frame 100 plus 16 and 17 at their first labelled boxes, where they walk in).")
