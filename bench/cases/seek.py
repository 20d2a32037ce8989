"""Seek cost: start_frame 0, 300 and 3000 on vtest looped past 3000 frames, against decoding from 0 and against
opening the video and decoding one GOP."""
from __future__ import annotations

from typing import Callable

from harness import Bench, Report, Row, Sample, detail, ffprobe_frames, goal_text, keyframes, make_once, median, median_ratio, x264
from testdata import VTEST

LOOP_GOP = 251  # fixed GOP of the looped video: frame 3000 is 239 frames past its keyframe (near the worst case)


def make_video(bench: Bench) -> dict:
    """vtest.avi looped with a fixed GOP, made once; its frame count and keyframes."""
    config = bench.config
    loop = config.work / "vtest_loop.mp4"
    scale = ["-vf", f"scale={config.loop_size[0]}:{config.loop_size[1]}"] if config.loop_size else []
    make_once(loop, "-stream_loop", str(config.loop_count), "-i", str(VTEST), *scale, *x264(config),
              "-x264-params", f"keyint={LOOP_GOP}:min-keyint={LOOP_GOP}:scenecut=0")
    return {"loop_frames": ffprobe_frames(loop), "loop_keyframes": keyframes(loop)}


def run(bench: Bench, report: Report) -> None:
    config = bench.config
    video_info = make_video(bench)
    keys = video_info["loop_keyframes"]
    total = video_info["loop_frames"]
    far = config.seek_points[-1]
    key_before = max(k for k in keys if k <= far)
    key_after = min((k for k in keys if k > far), default=total)
    gop = key_after - key_before
    sides: dict[str, Callable[[], Sample]] = {}
    for point in config.seek_points:
        sides[f"seek {point}"] = lambda point=point: bench.ours_decode("vtest_loop.mp4", point, 1)
        if point > 0:
            sides[f"from 0 to {point}"] = lambda point=point: bench.ours_decode("vtest_loop.mp4", 0, point + 1)
    sides["open + 1 GOP"] = lambda: bench.ours_decode("vtest_loop.mp4", 0, gop)
    results = bench.rounds("seek", sides, rounds=max(config.rounds, config.seek_rounds))
    for point in config.seek_points:
        seek = results[f"seek {point}"]
        decoded = seek[0].decoded  # type: ignore[attr-defined]
        if decoded["first"] != point:
            raise RuntimeError(f"seek to {point} gave {decoded}")
        seconds = f"{median(s.wall for s in seek):.3f} s ({decoded['decoded']} decoded)"
        if point == 0:
            report.rows.append(Row(f"start_frame 0 (open + first frame), looped vtest ({total} frames, GOP {gop})",
                                   seconds, "", ""))
            continue
        sequential = results[f"from 0 to {point}"]
        report.rows.append(Row(f"seek to start_frame {point} vs decoding frames 0-{point}", seconds,
                               f"{median(s.wall for s in sequential):.3f} s from 0",
                               f"{median_ratio(seek, sequential):.2f}"))
    ratio = median_ratio(results[f"seek {far}"], results["open + 1 GOP"])
    goal, met = goal_text(ratio, 1.0, "x open + 1 GOP")
    report.rows.append(Row(f"seek to {far} (keyframe {key_before}, {far - key_before + 1} frames to decode) vs open + "
                           f"decoding one GOP ({gop} frames) from the start",
                           f"{median(s.wall for s in results[f'seek {far}']):.3f} s",
                           f"{median(s.wall for s in results['open + 1 GOP']):.3f} s open + GOP", f"{ratio:.2f}", goal, met))
    for side, samples in results.items():
        report.details.append(detail(f"seek: {side}", samples))
    report.notes.append(f"- The seek video is vtest.avi looped {config.loop_count + 1} times, libx264 with a fixed GOP of "
                        f"{LOOP_GOP}.")
