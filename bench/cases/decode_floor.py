"""The decode floor: `video-tracker decode` and `ffmpeg -threads 1 -f null -` on 720p and 1080p H.264 versions
of vtest.avi, against KCF tracking one object on them."""
from __future__ import annotations

from harness import Bench, Report, Row, detail, goal_text, make_once, median_ratio, seconds_fps, x264
from testdata import VTEST, pets_boxes


def make_videos(bench: Bench) -> None:
    """vtest.avi scaled to each floor size, made once into bench/scratch/<mode>/."""
    config = bench.config
    limit = ["-frames:v", str(config.floor_source_frames)] if config.floor_source_frames else []
    for label, width, height in config.floor_sizes:
        make_once(config.work / f"vtest_{label}.mp4", "-i", str(VTEST), *limit, "-vf", f"scale={width}:{height}",
                  *x264(config))


def run(bench: Bench, report: Report) -> None:
    config = bench.config
    make_videos(bench)
    start, frames = config.floor_start, config.floor_frames
    for label, width, height in config.floor_sizes:
        video = f"vtest_{label}.mp4"
        bbs = pets_boxes(width / 768, height / 576)[1]
        sides = {
            "ffmpeg -threads 1": lambda: bench.ffmpeg_decode(video, start / 10, frames),
            "ours decode": lambda: bench.ours_decode(video, start, frames),
            "ours decode 1 thread": lambda: bench.ours_decode(video, start, frames, ("--decoder-threads", "1")),
            "ours decode --convert": lambda: bench.ours_decode(video, start, frames, ("--convert",)),
            "ours KCF 1 object": lambda: bench.ours_run(video, bbs, start, frames, "kcf"),
        }
        results = bench.rounds(f"floor {label}", sides)
        decoded = results["ours decode"][0].decoded  # type: ignore[attr-defined]
        if decoded["frames"] != frames or decoded["first"] != start:
            raise RuntimeError(f"decode of {video} gave {decoded}")
        floor = results["ours decode"]
        where = f"{label} H.264 ({width}x{height}), frames {start}-{start + frames - 1}"
        report.rows.append(Row(f"decode only, {where}: ours vs ffmpeg -threads 1", seconds_fps(floor, frames),
                               seconds_fps(results["ffmpeg -threads 1"], frames) + " ffmpeg",
                               f"{median_ratio(floor, results['ffmpeg -threads 1']):.2f}"))
        report.rows.append(Row(f"decode only, {label}, both on 1 decoder thread: ours vs ffmpeg",
                               seconds_fps(results["ours decode 1 thread"], frames),
                               seconds_fps(results["ffmpeg -threads 1"], frames) + " ffmpeg",
                               f"{median_ratio(results['ours decode 1 thread'], results['ffmpeg -threads 1']):.2f}"))
        report.rows.append(Row(f"decode + BGR conversion, {label}: vs our decode-only floor",
                               seconds_fps(results["ours decode --convert"], frames), seconds_fps(floor, frames) + " floor",
                               f"{median_ratio(results['ours decode --convert'], floor):.2f}"))
        ratio = median_ratio(results["ours KCF 1 object"], floor)
        goal, met = goal_text(ratio, 1.15, "x the floor") if label == "720p" else ("", None)
        report.rows.append(Row(f"KCF 1 object, {label}: vs our decode-only floor",
                               seconds_fps(results["ours KCF 1 object"], frames), seconds_fps(floor, frames) + " floor",
                               f"{ratio:.2f}", goal, met))
        for side, samples in results.items():
            report.details.append(detail(f"{label}: {side}", samples))
    report.notes.append("- The 720p/1080p videos are vtest.avi scaled and encoded by the bench with libx264 "
                        f"(preset {config.encode_preset}, CRF 23, default GOP). ffmpeg seeks with `-ss` before `-i` (to the "
                        "keyframe, then decoding up to the time), as ours does.")
