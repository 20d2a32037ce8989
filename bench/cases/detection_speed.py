"""Detection speed (issue 12): vtest.avi (795 frames, 768x576) to an annotated MP4, `video-tracker detect --video
--detections` (H.264, f32 and bf16, bf16 being `detect`'s default where the CPU has it) against the usual Python way (bench/detection_peer.py --video: cv2.VideoCapture,
the same model on ONNX Runtime with its default threads, YOLOX's own cv2 drawing, cv2.VideoWriter with mp4v, the
cheaper codec the wheel has). Goal: ours / the peer <= 0.7.

Also: the network's inference alone, one thread each, from Python (ONNX Runtime; OpenVINO f32 and bf16, the runtime
ours calls) and ours (derived, see the section's text); peak RSS of ours on a 1-minute and a 10-minute 1080p video
(goal: <= 1.25 x); and where our time goes by stage (the decode floor, decode + detect without the video, ffmpeg's
x264 at our preset on the same frames).

Our times are the whole process (start, compiling the model, writing the MP4 and the JSON); the peer's is its loop,
open to release (the model loaded and Python started before it), as every peer here.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from harness import (BENCH, MODELS, Bench, Report, Row, Sample, detail, ffprobe_frames, goal_text, log, make_once,
                     median, median_ratio, run_process, x264)
from testdata import VTEST

PRESET = "veryfast"  # our encoder's default (EncoderOptions); the per-stage ffmpeg run encodes at it too
PERSON = 0
MIN_SCORE = 0.5
FIRST_ONLY = 10 ** 6  # --every this: a run that detects on its first frame only


def speed_video(bench: Bench) -> str:
    """vtest.avi itself, or (quick) an H.264 clip of its first frames."""
    frames = bench.config.detect_frames
    if frames is None:
        return "vtest.avi"
    name = f"vtest_first{frames}.mp4"
    make_once(bench.config.work / name, "-i", str(VTEST), "-frames:v", str(frames), *x264(bench.config))
    return name


def memory_video(bench: Bench, seconds: int) -> str:
    """vtest.avi looped to `seconds` and scaled to the memory size (x264 ultrafast: only made once, then kept)."""
    width, height = bench.config.detect_memory_size
    name = f"vtest_{height}p_{seconds}s.mp4"
    make_once(bench.config.work / name, "-stream_loop", "-1", "-i", str(VTEST), "-t", str(seconds),
              "-vf", f"scale={width}:{height}", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23",
              "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-threads", "2")
    return name


def ours_detect(bench: Bench, video: str, *extra: str) -> list[str]:
    return [str(bench.binary), "detect", "--url", bench.url(video), "--models", str(MODELS), "--allow-private-networks",
            *extra]


def peer_run(bench: Bench, video: str, out: Path) -> Sample:
    sample = run_process([sys.executable, str(BENCH / "detection_peer.py"), "--url", bench.url(video),
                          "--models", str(MODELS), "--video", str(out / "peer.mp4"),
                          "--detections", str(out / "peer.json")])
    timing = json.loads(sample.stderr.strip().splitlines()[-1])  # type: ignore[attr-defined]
    sample.process_wall = sample.wall
    sample.wall, sample.cpu = timing["seconds"], timing["cpu_seconds"]
    sample.stages = {stage: timing[f"{stage}_seconds"] for stage in ("read", "detect", "draw", "write")}  # type: ignore[attr-defined]
    return sample


def inference_run(bench: Bench, runtime: str, precision: str) -> Sample:
    """One Python runtime's inference alone: wall is the mean seconds an inference (the harness logs it)."""
    sample = run_process([sys.executable, str(BENCH / "detector_inference.py"), "--url", str(VTEST),
                          "--models", str(MODELS), "--runtime", runtime, "--precision", precision,
                          "--frames", str(bench.config.inference_frames),
                          "--warmup", str(min(5, bench.config.inference_frames))])
    measured = json.loads(sample.stdout)
    sample.process_wall = sample.wall
    sample.wall = measured["ms_per_frame"] / 1000
    sample.cpu = sample.wall * measured["cpu_per_wall"]
    sample.median_ms = measured["median_ms"]  # type: ignore[attr-defined]
    return sample


def probe(path: Path) -> dict:
    out = run_process(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                       "stream=codec_name,pix_fmt,width,height", "-of", "json", str(path)]).stdout
    stream = json.loads(out)["streams"][0]
    stream["frames"] = ffprobe_frames(path)
    stream["megabytes"] = path.stat().st_size / 1e6
    return stream


def people(path: Path) -> tuple[int, int, int]:
    """(people scoring >= MIN_SCORE, all objects, frames detected) in a detections JSON (ours' shape)."""
    log_json = json.loads(path.read_text())
    frames = [frame for frame in log_json["frames"] if frame["detected"]]
    objects = [item for frame in frames for item in frame["objects"]]
    found = sum(1 for item in objects if item["class_id"] == PERSON and item["score"] >= MIN_SCORE)
    return found, len(objects), len(frames)


def summary(samples: list[Sample], frames: int) -> str:
    wall, cpu = median(s.wall for s in samples), median(s.cpu for s in samples)
    return f"{wall:.2f} s ({frames / wall:.1f} fps, CPU/wall {cpu / wall:.2f})"


def run(bench: Bench, report: Report) -> None:
    config = bench.config
    out = config.work / "detection_speed"
    out.mkdir(parents=True, exist_ok=True)
    video = speed_video(bench)
    frames = ffprobe_frames(config.work / video)
    speed(bench, report, video, frames, out)
    inference(bench, report, video, frames)
    memory(bench, report, out)


def speed(bench: Bench, report: Report, video: str, frames: int, out: Path) -> None:
    sides = {
        "ours f32": lambda: run_process(ours_detect(bench, video, "--video", str(out / "ours-f32.mp4"),
                                                    "--detections", str(out / "ours-f32.json"),
                                                    "--inference-precision", "f32")),
        "ours bf16": lambda: run_process(ours_detect(bench, video, "--video", str(out / "ours-bf16.mp4"),
                                                     "--detections", str(out / "ours-bf16.json"),
                                                     "--inference-precision", "bf16")),
        "python peer": lambda: peer_run(bench, video, out),
        # The stages: decode + detect without drawing and encoding, the decode floor (with the BGR conversion
        # detection needs), and x264 at our preset on the same frames (ffmpeg decoding them too).
        "ours f32, no video": lambda: run_process(ours_detect(bench, video, "--detections", str(out / "ours-novideo.json"),
                                                              "--inference-precision", "f32")),
        "ours decode --convert": lambda: bench.ours_decode(video, 0, None, ("--convert",)),
        f"ffmpeg x264 {PRESET}": lambda: run_process(["ffmpeg", "-nostdin", "-y", "-v", "error", "-i", bench.url(video),
                                                      "-c:v", "libx264", "-preset", PRESET, "-crf", "23",
                                                      "-pix_fmt", "yuv420p", str(out / "ffmpeg-x264.mp4")]),
    }
    results = bench.rounds("detection speed", sides)
    decoded = results["ours decode --convert"][0].decoded  # type: ignore[attr-defined]
    if decoded["frames"] != frames:
        raise RuntimeError(f"decode of {video} gave {decoded}, not {frames} frames")
    peer = results["python peer"]
    where = f"{video} ({frames} frames, 768x576 in; boxes drawn, MP4 out)"
    for side in ("ours f32", "ours bf16"):
        ratio = median_ratio(results[side], peer)
        goal, met = goal_text(ratio, 0.7)
        label = side + (", the default where the CPU has bf16" if side == "ours bf16" else "")
        report.rows.append(Row(f"detection to an annotated MP4, {where}: {label} (H.264 {PRESET}) vs the Python peer "
                               "(ONNX Runtime, cv2, mp4v)", summary(results[side], frames), summary(peer, frames),
                               f"{ratio:.2f}", goal, met))
    for side, samples in results.items():
        report.details.append(detail(f"detection speed: {side}", samples))
    spread = ", ".join(f"{side} {min(s.wall for s in results[side]):.2f}-{max(s.wall for s in results[side]):.2f} s"
                       for side in ("ours f32", "ours bf16", "python peer"))
    report.notes.append(f"- Detection speed, the rounds' walls (least-most): {spread}. The peer's ONNX Runtime runs "
                        "two spinning intra-op threads by default: it moves the most when anything else runs.")

    # The outputs (the last round's files): checked, not timed.
    checks = ["## Detection speed: the outputs", "",
              "The last round's files. People: class 0 scoring >= 0.5, summed over the frames.", "",
              "| side | codec, pixels | frames | size | MB | objects | people | frames detected |", "|---|---|---|---|---|---|---|---|"]
    counted = {}
    for side, stem in (("ours f32", "ours-f32"), ("ours bf16", "ours-bf16"), ("python peer", "peer")):
        stream = probe(out / f"{stem}.mp4")
        found, objects, detected = people(out / f"{stem}.json")
        counted[side] = found
        checks.append(f"| {side} | {stream['codec_name']} {stream['pix_fmt']} | {stream['frames']} | "
                      f"{stream['width']}x{stream['height']} | {stream['megabytes']:.1f} | {objects} | {found} | {detected} |")
        if side.startswith("ours") and (stream["codec_name"], stream["pix_fmt"], stream["frames"]) != ("h264", "yuv420p", frames):
            raise RuntimeError(f"{stem}.mp4 is {stream}, not h264 yuv420p with {frames} frames")
        if detected != frames:
            raise RuntimeError(f"{stem}.json detected {detected} frames of {frames}")
    checks.append("")
    for side in ("ours f32", "ours bf16"):
        gap = (counted[side] - counted["python peer"]) / max(1, counted["python peer"])
        checks.append(f"- {side}: {counted[side]} people against the peer's {counted['python peer']} ({gap * 100:+.2f}%)"
                      + ("" if abs(gap) <= 0.02 else ": MORE THAN 2% APART"))
    report.sections.append(checks)

    # Where the time goes.
    def wall(side: str) -> float:
        return median(s.wall for s in results[side])

    def cpu(side: str) -> float:
        return median(s.cpu for s in results[side])

    stages = ["## Detection speed: where the time goes", "",
              "Medians over the rounds. Ours runs as a pipeline (a decoding thread, two frames detected at once on "
              "OpenVINO's two streams, drawing and x264 on the consuming thread, x264's own threads), so its stages "
              "overlap: the differences are what each adds to the whole run, in wall and CPU seconds.", "",
              "| ours | wall s | CPU s | CPU / wall | wall ms a frame | CPU ms a frame |", "|---|---|---|---|---|---|"]
    for label, side in (("decode + BGR conversion (`decode --convert`)", "ours decode --convert"),
                        ("decode + detect f32 (`detect`, no video)", "ours f32, no video"),
                        ("decode + detect f32 + draw + encode (`detect --video`)", "ours f32"),
                        ("the same, bf16", "ours bf16"),
                        (f"ffmpeg: decode + x264 {PRESET} alone (its own threads)", f"ffmpeg x264 {PRESET}")):
        stages.append(f"| {label} | {wall(side):.2f} | {cpu(side):.2f} | {cpu(side) / wall(side):.2f} | "
                      f"{1000 * wall(side) / frames:.1f} | {1000 * cpu(side) / frames:.1f} |")
    stages.append(f"| drawing + encoding added to decode + detect (f32) | {wall('ours f32') - wall('ours f32, no video'):+.2f} | "
                  f"{cpu('ours f32') - cpu('ours f32, no video'):+.2f} | | | |")
    stages.append(f"| detection added to the decode floor (f32) | {wall('ours f32, no video') - wall('ours decode --convert'):+.2f} | "
                  f"{cpu('ours f32, no video') - cpu('ours decode --convert'):+.2f} | | | |")
    stage_seconds = {stage: median(s.stages[stage] for s in peer) for stage in ("read", "detect", "draw", "write")}  # type: ignore[attr-defined]
    stages += ["", "| the Python peer, one stage after another | wall s | ms a frame |", "|---|---|---|"]
    stages += [f"| {stage} | {seconds:.2f} | {1000 * seconds / frames:.1f} |" for stage, seconds in stage_seconds.items()]
    stages += [f"| the loop (open to release): CPU {cpu('python peer'):.2f} s, {1000 * cpu('python peer') / frames:.1f} ms a frame "
               f"| {wall('python peer'):.2f} | {1000 * wall('python peer') / frames:.1f} |",
               f"| the whole process (Python start, imports, model load) | "
               f"{median(s.process_wall for s in peer):.2f} | |"]
    report.sections.append(stages)


def inference(bench: Bench, report: Report, video: str, frames: int) -> None:
    """The network alone, one thread: three Python runtimes on the same letterboxed frames, and ours derived from
    whole runs (one OpenVINO thread, latency mode): every frame detected against the first frame only."""
    one_thread = ("--inference-threads", "1", "--inference-mode", "latency")
    sides = {
        "python onnxruntime f32": lambda: inference_run(bench, "onnxruntime", "f32"),
        "python openvino f32": lambda: inference_run(bench, "openvino", "f32"),
        "python openvino bf16": lambda: inference_run(bench, "openvino", "bf16"),
    }
    for precision in ("f32", "bf16"):
        for every in (1, FIRST_ONLY):
            sides[f"ours {precision}" + (", first frame only" if every > 1 else "")] = (
                lambda precision=precision, every=every: run_process(ours_detect(
                    bench, video, "--format", "mot", "--every", str(every), "--inference-precision", precision,
                    *one_thread)))
    results = bench.rounds("detection inference, 1 thread", sides)
    n = bench.config.inference_frames
    lines = ["## Detection: inference alone, one thread", "",
             f"YOLOX-Nano at 416 x 416, one thread each, medians of {bench.config.rounds} rounds. Python: the first {n} "
             "frames of vtest.avi letterboxed beforehand (Tests/Reference/yolox_reference.py), then only the network "
             f"timed, after {min(5, n)} warm-up inferences (bench/detector_inference.py). ONNX Runtime: "
             "intra_op_num_threads 1; OpenVINO (the runtime and version ours calls): INFERENCE_NUM_THREADS 1, "
             "PERFORMANCE_HINT LATENCY.", "",
             "| runtime | ms a frame (mean) | median ms | CPU / wall | covers |", "|---|---|---|---|---|"]
    for side in ("python onnxruntime f32", "python openvino f32", "python openvino bf16"):
        samples = results[side]
        lines.append(f"| {side} | {1000 * median(s.wall for s in samples):.1f} | "
                     f"{median(s.median_ms for s in samples):.1f} | {median(s.cpu / s.wall for s in samples):.2f} | "  # type: ignore[attr-defined]
                     "the network alone |")
    for precision in ("f32", "bf16"):
        every, first = results[f"ours {precision}"], results[f"ours {precision}, first frame only"]
        ms = 1000 * (median(s.wall for s in every) - median(s.wall for s in first)) / max(1, frames - 1)
        lines.append(f"| ours {precision} (`detect --inference-threads 1 --inference-mode latency`) | {ms:.1f} | | "
                     f"{median(s.cpu for s in every) / median(s.wall for s in every):.2f} (whole run) | "
                     "a frame detected, in wall: letterbox + network + NMS, with decoding on the other core |")
    lines += ["", f"Ours: (wall of a run detecting every frame of {video} - wall of a run detecting its first frame "
              f"only) / {frames - 1}. Process start, compiling and decoding cancel out; the two frames in flight "
              "share OpenVINO's one stream, so the network runs one at a time and the other frame's letterbox and NMS "
              "overlap it. Without drawing and encoding."]
    report.sections.append(lines)
    for side, samples in results.items():
        if side.startswith("ours"):
            report.details.append(detail(f"detection inference, 1 thread: {side}", samples))


def memory(bench: Bench, report: Report, out: Path) -> None:
    """Peak RSS of `detect --video` on a short and a long video: the pipeline's buffers are a fixed ring, the log
    grows a frame at a time. One round each (the 10-minute one takes minutes; RSS moves little between rounds)."""
    config = bench.config
    short, long = config.detect_memory_seconds
    width, height = config.detect_memory_size
    videos = {seconds: memory_video(bench, seconds) for seconds in (short, long)}
    sides = {f"ours f32 {seconds} s": (lambda seconds=seconds: run_process(ours_detect(
        bench, videos[seconds], "--video", str(out / f"memory-{seconds}.mp4"),
        "--detections", str(out / f"memory-{seconds}.json"), "--inference-precision", "f32"), rss=True))
        for seconds in (short, long)}
    results = bench.rounds("detection peak RSS", sides, rounds=1)
    counts = {seconds: ffprobe_frames(config.work / videos[seconds]) for seconds in (short, long)}
    for seconds in (short, long):
        (out / f"memory-{seconds}.mp4").unlink(missing_ok=True)  # hundreds of MB at 1080p: not kept
    small, large = results[f"ours f32 {short} s"], results[f"ours f32 {long} s"]
    growth = median_ratio(large, small, key=lambda s: s.rss_kb)
    goal, met = goal_text(growth, 1.25, "x")

    def text(samples: list[Sample], seconds: int) -> str:
        wall = median(s.wall for s in samples)
        return (f"{median(s.rss_kb for s in samples) / 1024:.0f} MB ({counts[seconds]} frames in {wall:.0f} s, "
                f"{counts[seconds] / wall:.1f} fps)")

    report.rows.append(Row(f"peak RSS, `detect --video` f32 on vtest looped to {width}x{height}: {long} s vs {short} s",
                           text(large, long), text(small, short), f"{growth:.2f}", goal, met))
    for side, samples in results.items():
        report.details.append(detail(f"detection memory: {side} ({width}x{height})", samples))
    log(f"  detection memory: {growth:.2f} x")
