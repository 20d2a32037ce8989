#!/usr/bin/env python3
"""make bench: video-tracker against the Python original and the decode floor, on this machine.

Serves the videos from 127.0.0.1 over HTTP with Range support (Deploy/tests/range_server.py) and
measures, every comparison alternating its sides (A B, B A, A B, ...) and reporting the median of
the per-round ratios:

- tracking: bench/original_tracker.py (cv2.VideoCapture, one OpenCV tracker per box updated one
  after another) against `video-tracker run`, same URL, boxes and tracker: 1, 4 and 8 people of the
  PETS ground truth on vtest.avi, 150 frames from frame 100, CSRT and KCF (and `csrt-fast` when
  `video-tracker run --help` lists it);
- the decode floor: `video-tracker decode` and `ffmpeg -threads 1 -f null -` on 720p and 1080p
  H.264 versions of vtest.avi, against KCF tracking one object on them;
- peak memory (/usr/bin/time -v) for frame_duration 100 against 690;
- seek cost: start_frame 0, 300 and 3000 on vtest looped past 3000 frames, against decoding from 0;
- csrt-fast against csrt over every pedestrian track of the PETS09 and TUD ground truth (mean IoU
  and CPU), beyond the two sequences the issue names.

Writes bench/results/latest.md (the table) and bench/results/latest.png (frames per second against
number of objects); raw samples go to bench/scratch/<mode>/samples.json. Videos are made with ffmpeg
into bench/scratch/ (git-ignored) once and reused.

    bench/run.sh            # the full run (about 10-15 minutes on 2 cores)
    bench/run.sh --quick    # tiny sizes, one minute or so: checks the harness, not the speed
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TESTDATA = REPO.parent / "shared" / "testdata"
WORK = BENCH / "scratch"
RESULTS = BENCH / "results"

sys.path.insert(0, str(REPO / "Deploy" / "tests"))
from range_server import RangeServer  # noqa: E402  (the repo's Range-capable loopback server)

VTEST = TESTDATA / "video" / "vtest.avi"
PETS_GT = TESTDATA / "mot" / "PETS09-S2L1" / "gt" / "gt.txt"
CROSSING = TESTDATA / "sot" / "Crossing" / "Crossing.mp4"
CROSSING_GT = TESTDATA / "sot" / "Crossing" / "groundtruth_rect.txt"
VTEST9_GT = TESTDATA / "sot" / "from_mot" / "vtest_id9_frames1-150.txt"
TUD = TESTDATA / "mot" / "TUD-Stadtmitte" / "TUD-Stadtmitte.mp4"
TUD_GT = TESTDATA / "mot" / "TUD-Stadtmitte" / "gt" / "gt.txt"

# People of the PETS09-S2L1 ground truth (MOT ids). Decoded frame 100 (MOT frame 101) has six
# labelled people (9, 11, 12, 13, 15, 19); 9 and 13 stay through frame 249. The 8-people case adds
# 16 and 17 with the boxes of their first labelled frames (MOT 116 and 133): on frame 100 those
# boxes sit on the right edge where the two walk in 15 and 32 frames later.
PEOPLE = {1: [9], 4: [9, 13, 15, 11], 8: [9, 13, 15, 11, 12, 19, 16, 17]}
OBJECT_COUNTS = (1, 4, 8)
LOOP_GOP = 251  # fixed GOP of the looped video: frame 3000 is 239 frames past its keyframe (near the worst case)


@dataclass
class Config:
    quick: bool
    rounds: int
    track_start: int = 100
    track_frames: int = 150
    floor_start: int = 100
    floor_frames: int = 150
    memory_start: int = 100
    memory_frames: tuple = (100, 690)
    memory_tracker: str = "kcf"
    memory_people: int = 4
    seek_points: tuple = (0, 300, 3000)
    seek_rounds: int = 9  # the seek times are short and close to their baseline: more rounds, steadier medians
    loop_count: int = 4  # vtest played 5 times: 3975 frames
    encode_preset: str = "fast"
    floor_sizes: tuple = (("720p", 1280, 720), ("1080p", 1920, 1080))
    floor_source_frames: Optional[int] = None
    loop_size: Optional[tuple] = None

    @property
    def work(self) -> Path:
        return WORK / ("quick" if self.quick else "full")


def make_config(args: argparse.Namespace) -> Config:
    if not args.quick:
        return Config(quick=False, rounds=args.rounds or 3)
    # Tiny sizes: checks every path of the harness without loading the machine.
    return Config(quick=True, rounds=args.rounds or 3, track_start=100, track_frames=6,
                  floor_start=10, floor_frames=10, memory_frames=(5, 20), seek_points=(0, 300, 3000),
                  encode_preset="ultrafast", floor_sizes=(("720p", 1280, 720), ("1080p", 1920, 1080)),
                  floor_source_frames=30, loop_size=(96, 72), seek_rounds=3)


# ----------------------------------------------------------------------------------------------
# Running things


@dataclass
class Sample:
    wall: float  # seconds: the whole process for ours and ffmpeg; the run() call for the original
    cpu: float  # user + system seconds over the same span
    stdout: str = ""
    rss_kb: Optional[int] = None
    process_wall: Optional[float] = None  # the original's whole process, interpreter start and import cv2 included


def run_process(command: list[str], rss: bool = False) -> Sample:
    """Runs `command` to completion; wall and CPU (user + sys of the child) in seconds."""
    time_file = None
    if rss:
        time_file = WORK / "time-v.txt"
        command = ["/usr/bin/time", "-v", "-o", str(time_file)] + command
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    process = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}\nexit {process.returncode}\n{process.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    sample = Sample(wall=wall, cpu=cpu, stdout=process.stdout)
    sample.stderr = process.stderr  # type: ignore[attr-defined]
    if time_file is not None:
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_file.read_text())
        sample.rss_kb = int(match.group(1)) if match else None
    return sample


class Bench:
    def __init__(self, config: Config, binary: Path, base_url: str) -> None:
        self.config = config
        self.binary = binary
        self.base_url = base_url
        self.samples: dict[str, list[dict]] = {}
        self.outputs: dict[str, dict] = {}  # first-round answers, for the box comparison

    def url(self, name: str) -> str:
        return f"{self.base_url}/{self.config.work.name}/{name}"

    # The sides -----------------------------------------------------------------------------

    def ours_run(self, video: str, bbs: dict, start: int, frames: int, tracker: str,
                 extra: tuple = (), rss: bool = False) -> Sample:
        return run_process([str(self.binary), "run", "--url", self.url(video), "--bbs", json.dumps(bbs),
                            "--start-frame", str(start), "--frame-duration", str(frames),
                            "--tracker", tracker, "--allow-private-networks", *extra], rss=rss)

    def original_run(self, video: str, bbs: dict, start: int, frames: int, tracker: str,
                     extra: tuple = (), rss: bool = False) -> Sample:
        sample = run_process([sys.executable, str(BENCH / "original_tracker.py"), "--url", self.url(video),
                              "--bbs", json.dumps(bbs), "--start-frame", str(start),
                              "--frame-duration", str(frames), "--tracker", tracker, *extra], rss=rss)
        timing = json.loads(sample.stderr.strip().splitlines()[-1])  # type: ignore[attr-defined]
        sample.process_wall = sample.wall
        sample.wall, sample.cpu = timing["seconds"], timing["cpu_seconds"]
        return sample

    def ours_decode(self, video: str, start: int, frames: Optional[int], extra: tuple = ()) -> Sample:
        command = [str(self.binary), "decode", "--url", self.url(video), "--start-frame", str(start),
                   "--allow-private-networks", *extra]
        if frames is not None:
            command += ["--frame-duration", str(frames)]
        sample = run_process(command)
        sample.decoded = json.loads(sample.stdout)  # type: ignore[attr-defined]
        return sample

    def ffmpeg_decode(self, video: str, start_seconds: float, frames: int) -> Sample:
        return run_process(["ffmpeg", "-nostdin", "-v", "error", "-threads", "1", "-ss", f"{start_seconds:g}",
                            "-i", self.url(video), "-frames:v", str(frames), "-f", "null", "-"])

    # Alternating rounds -------------------------------------------------------------------

    def rounds(self, group: str, sides: dict[str, Callable[[], Sample]], rounds: Optional[int] = None,
               keep_output: tuple = ()) -> dict[str, list[Sample]]:
        """Every side once per round; odd rounds run the sides in reverse order."""
        labels = list(sides)
        results: dict[str, list[Sample]] = {label: [] for label in labels}
        for index in range(rounds or self.config.rounds):
            for label in (labels if index % 2 == 0 else labels[::-1]):
                sample = sides[label]()
                results[label].append(sample)
                if index == 0 and label in keep_output:
                    self.outputs[f"{group}/{label}"] = json.loads(sample.stdout)
                log(f"  {group:<34} {label:<22} {sample.wall:8.3f} s wall {sample.cpu:8.3f} s cpu"
                    + (f" {sample.rss_kb / 1024:7.1f} MB" if sample.rss_kb else ""))
        self.samples[group] = [{"side": label, "wall": s.wall, "cpu": s.cpu, "rss_kb": s.rss_kb,
                                "process_wall": s.process_wall}
                               for label in labels for s in results[label]]
        return results


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def median(values) -> float:
    return statistics.median(list(values))


def median_ratio(numerators: list[Sample], denominators: list[Sample], key=lambda s: s.wall) -> float:
    """The median of the per-round ratios (round i's A over round i's B)."""
    return median(key(a) / key(b) for a, b in zip(numerators, denominators))


# ----------------------------------------------------------------------------------------------
# Inputs


def pets_boxes(scale_x: float = 1.0, scale_y: float = 1.0) -> dict[int, dict]:
    """{count: bbs}: the chosen people's boxes on decoded frame 100 (see PEOPLE)."""
    first: dict[int, tuple] = {}
    at_101: dict[int, tuple] = {}
    for line in PETS_GT.read_text().split():
        frame, person, x, y, w, h, conf = (float(v) for v in line.split(",")[:7])
        if conf == 0:
            continue  # ignore regions
        person, frame = int(person), int(frame)
        if frame == 101:
            at_101[person] = (x, y, w, h)
        if person not in first or frame < first[person][0]:
            first[person] = (frame, (x, y, w, h))
    boxes = {}
    for count, people in PEOPLE.items():
        bbs = {}
        for person in people:
            x, y, w, h = at_101.get(person) or first[person][1]
            bbs[f"person{person}"] = [{"x": round(x * scale_x), "y": round(y * scale_y)},
                                      {"x": round((x + w) * scale_x), "y": round((y + h) * scale_y)}]
        boxes[count] = bbs
    return boxes


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], check=True)


def ffprobe_frames(path: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
                          "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", str(path)],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    return int(out.strip())


def keyframes(path: Path) -> list[int]:
    """Frame numbers of the keyframes (packet order equals frame order for keyframes)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "packet=pts,flags", "-of", "csv=p=0", str(path)],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    packets = [line.split(",") for line in out.split() if line]
    pts_sorted = sorted(int(p[0]) for p in packets)
    index = {pts: number for number, pts in enumerate(pts_sorted)}
    return sorted(index[int(p[0])] for p in packets if "K" in p[1])


def make_videos(config: Config) -> dict:
    """The bench's videos in bench/scratch/<mode>/, made once: the test data is linked, not copied."""
    work = config.work
    work.mkdir(parents=True, exist_ok=True)
    for name, target in (("vtest.avi", VTEST), ("Crossing.mp4", CROSSING), ("TUD-Stadtmitte.mp4", TUD)):
        link = work / name
        if not link.exists():
            link.symlink_to(os.path.relpath(target, work))
    preset = ["-c:v", "libx264", "-preset", config.encode_preset, "-crf", "23", "-pix_fmt", "yuv420p",
              "-movflags", "+faststart", "-threads", "2"]
    limit = ["-frames:v", str(config.floor_source_frames)] if config.floor_source_frames else []
    for label, width, height in config.floor_sizes:
        path = work / f"vtest_{label}.mp4"
        if not path.exists():
            log(f"making {path.relative_to(REPO)}")
            ffmpeg("-i", str(VTEST), *limit, "-vf", f"scale={width}:{height}", *preset, str(path) + ".part.mp4")
            os.replace(str(path) + ".part.mp4", path)
    loop = work / "vtest_loop.mp4"
    if not loop.exists():
        log(f"making {loop.relative_to(REPO)}")
        scale = ["-vf", f"scale={config.loop_size[0]}:{config.loop_size[1]}"] if config.loop_size else []
        ffmpeg("-stream_loop", str(config.loop_count), "-i", str(VTEST), *scale, *preset,
               "-x264-params", f"keyint={LOOP_GOP}:min-keyint={LOOP_GOP}:scenecut=0", str(loop) + ".part.mp4")
        os.replace(str(loop) + ".part.mp4", loop)
    return {"loop_frames": ffprobe_frames(loop), "loop_keyframes": keyframes(loop)}


# ----------------------------------------------------------------------------------------------
# Accuracy and the box comparison


def iou(a: tuple, b: tuple) -> float:
    """Boxes as (left, top, right, bottom)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    overlap = max(0.0, w) * max(0.0, h)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap
    return overlap / union if union > 0 else 0.0


def read_sot(path: Path, one_based_frame_column: bool) -> list[tuple]:
    """(left, top, right, bottom) per decoded frame 0, 1, ..."""
    boxes = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        values = [float(v) for v in re.split(r"[,\t ]+", line.strip()) if v]
        x, y, w, h = values[1:5] if one_based_frame_column else values[:4]
        boxes.append((x, y, x + w, y + h))
    return boxes


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


def compare_answers(ours: dict, original: dict) -> dict:
    """Shape check and the largest coordinate difference between two contract answers."""
    problems = []
    if set(ours) != set(original):
        problems.append(f"ids differ: {sorted(ours)} vs {sorted(original)}")
    max_diff, compared, only_one, first_diff, worst = 0, 0, 0, None, None
    for annotation in sorted(set(ours) & set(original)):
        a, b = ours[annotation], original[annotation]
        for answer in (a, b):
            for key, box in answer.items():
                ok = (key.isdigit() and isinstance(box, list) and len(box) == 2
                      and all(set(p) == {"x", "y"} and all(isinstance(v, int) for v in p.values()) for p in box))
                if not ok:
                    problems.append(f"{annotation}/{key}: not a contract box: {box}")
        if list(a) != sorted(a, key=int):
            problems.append(f"{annotation}: ours not in frame order")
        only_one += len(set(a) ^ set(b))
        for key in sorted(set(a) & set(b), key=int):
            compared += 1
            diff = max(abs(a[key][i][c] - b[key][i][c]) for i in (0, 1) for c in ("x", "y"))
            if diff and (first_diff is None or int(key) < first_diff):
                first_diff = int(key)
            if diff > max_diff:
                max_diff, worst = diff, annotation
    return {"max_diff": max_diff, "worst": worst, "first_diff": first_diff, "frames_compared": compared,
            "frames_in_one_only": only_one, "problems": problems[:5]}


def sanity_row(label: str, comparison: dict) -> str:
    where = f" ({comparison['worst']})" if comparison["worst"] else ""
    return (f"| {label} | {comparison['max_diff']}{where} | {comparison['first_diff'] if comparison['first_diff'] is not None else 'none'} "
            f"| {comparison['frames_compared']} | {comparison['frames_in_one_only']} | {'; '.join(comparison['problems']) or 'none'} |")


# ----------------------------------------------------------------------------------------------
# The measurements


@dataclass
class Row:
    case: str
    ours: str
    original: str
    ratio: str
    goal: str = ""
    met: Optional[bool] = None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plot: dict = field(default_factory=dict)
    sanity: list[str] = field(default_factory=list)


def seconds_fps(samples: list[Sample], frames: int) -> str:
    wall = median(s.wall for s in samples)
    return f"{wall:.2f} s ({frames / wall:.1f} fps)"


def detail(label: str, samples: list[Sample]) -> str:
    wall, cpu = median(s.wall for s in samples), median(s.cpu for s in samples)
    extra = ""
    if samples[0].process_wall is not None:
        extra = f"whole process (Python start, import cv2) {median(s.process_wall for s in samples):.2f} s"
    return f"| {label} | {wall:.3f} | {cpu:.3f} | {cpu / wall:.2f} | {extra} |"


def goal_text(ratio: float, limit: float, what: str = "x") -> tuple[str, bool]:
    met = ratio <= limit
    return f"<= {limit:g} {what}: {'met' if met else 'NOT met'}", met


def bench_tracking(bench: Bench, report: Report, trackers: list[str]) -> None:
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
            results = bench.rounds(group, sides, keep_output=("ours", "original"))
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
            ours_answer = bench.outputs[f"{group}/ours"]
            report.sanity.append(sanity_row(f"{tracker.upper()} {count}", compare_answers(ours_answer, bench.outputs[f"{group}/original"])))
            if tracker == "csrt" and count == 4:
                # The same case with the original's OpenCV on its plain code paths (no IPP, no SIMD dispatch).
                plain = bench.original_run("vtest.avi", bbs, start, frames, tracker, ("--unoptimized",))
                report.sanity.append(sanity_row(f"CSRT 4, original with cv2.setUseOptimized(False)",
                                                compare_answers(ours_answer, json.loads(plain.stdout))))


def bench_accuracy(bench: Bench, report: Report, trackers: list[str]) -> None:
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


def mot_segments(gt: Path, starts: tuple, length: int, size: tuple) -> list[tuple[int, dict, dict]]:
    """(start, bbs, truth) per start: every person labelled and inside the frame on all `length`
    frames from `start` (decoded frame = MOT frame - 1), with their boxes."""
    tracks: dict[int, dict[int, tuple]] = {}
    for line in gt.read_text().split():
        frame, person, x, y, w, h, conf = (float(v) for v in line.split(",")[:7])
        if conf != 0:
            tracks.setdefault(int(person), {})[int(frame) - 1] = (x, y, x + w, y + h)
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


def bench_pedestrian_tracks(bench: Bench, report: Report, trackers: list[str]) -> None:
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


def bench_decode_floor(bench: Bench, report: Report) -> None:
    config = bench.config
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


def bench_memory(bench: Bench, report: Report) -> None:
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


def bench_seek(bench: Bench, report: Report, video_info: dict) -> None:
    config = bench.config
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


# ----------------------------------------------------------------------------------------------
# The report


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        found = re.search(r'PRETTY_NAME="([^"]+)"', release.read_text())
        os_name = found.group(1) if found else os_name
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory_kb / 1024 / 1024, 1), "os": os_name,
            "kernel": platform.release(), "load": os.getloadavg()}


def tool_versions(binary: Path) -> dict:
    def first_line(command: list[str]) -> str:
        try:
            return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            return "unknown"

    import cv2  # the venv's OpenCV, the original's

    commit = first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "Sources"],
                           stdout=subprocess.PIPE, text=True).stdout.strip()
    built = datetime.datetime.fromtimestamp(binary.stat().st_mtime, datetime.timezone.utc)
    newer = [str(p.relative_to(REPO)) for p in (REPO / "Sources").rglob("*")
             if p.is_file() and p.stat().st_mtime > binary.stat().st_mtime]
    return {"binary": str(binary.relative_to(REPO)) if binary.is_relative_to(REPO) else binary.name,
            "built": built.strftime("%Y-%m-%d %H:%M UTC"), "commit": commit + (" (Sources modified)" if dirty else ""),
            "sources_newer_than_binary": newer,
            "opencv_ours": first_line(["dpkg-query", "-W", "-f=${Version}", "libopencv-core406"]),
            "opencv_original": f"{cv2.__version__} (opencv-contrib-python-headless, {cv2.getNumThreads()} threads by default)",
            "ffmpeg": first_line(["ffmpeg", "-version"])}


def opencv_builds_note() -> str:
    """How the two OpenCV 4.6 builds differ where it matters for speed: IPP and the thread pool."""
    import cv2

    def summary(info: str) -> str:
        ipp = re.search(r"Intel IPP:\s+(\S+)", info)
        pool = re.search(r"Parallel framework:\s+(.+)", info)
        return (f"IPP {ipp.group(1) if ipp else 'none'}, parallel framework "
                f"{pool.group(1).strip() if pool else 'unknown'}")

    try:
        debian = subprocess.run(["opencv_version", "-v"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True).stdout
    except OSError:
        debian = ""
    return (f"- OpenCV builds: the original's pip wheel has {summary(cv2.getBuildInformation())}; ours (Debian "
            f"libopencv) has {summary(debian) if debian else 'unknown (no opencv_version)'}. Intel IPP speeds up "
            "the wheel's resize/DFT paths (KCF most) and accounts for the box differences seen here: with IPP off "
            "(`cv2.ipp.setUseIPP(False)`) or `cv2.setUseOptimized(False)` the original's boxes equal ours.")


def write_plot(report: Report, path: Path, config: Config) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, tracker in zip(axes, ("CSRT", "KCF")):
        for name, points in sorted(report.plot["series"].items()):
            if not name.startswith(tracker + " "):
                continue
            xs, ys = zip(*points)
            side = name[len(tracker) + 1:]
            color = {"ours": "tab:blue", "original": "tab:orange", "ours --sequential": "tab:cyan",
                     "original 1 thread": "tab:red", "ours csrt-fast": "tab:green"}.get(side)
            style = "o-" if len(points) > 1 else "s"
            axis.plot(xs, ys, style, label=side, color=color)
        axis.set_title(f"{tracker}: vtest 768x576, {config.track_frames} frames from frame {config.track_start}")
        axis.set_xlabel("objects tracked")
        axis.set_ylabel("frames per second (wall)")
        axis.set_xticks(report.plot["objects"])
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_markdown(report: Report, path: Path, config: Config, host: dict, versions: dict, minutes: float) -> None:
    lines = [f"# video-tracker bench{' (QUICK: tiny sizes, not a measurement)' if config.quick else ''}", "",
             f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}, `make bench` "
             f"({minutes:.1f} minutes), on {host['cpu']}, {host['cores']} cores, {host['memory_gb']} GB, {host['os']} "
             f"(kernel {host['kernel']}); load average at the start {host['load'][0]:.2f}, at the end {host['load_end'][0]:.2f}.",
             "",
             f"Ours: `{versions['binary']}` built {versions['built']} at commit {versions['commit']}, Debian OpenCV "
             f"{versions['opencv_ours']}. The original: `bench/original_tracker.py`, OpenCV {versions['opencv_original']}. "
             f"{versions['ffmpeg']}.", ""]
    if versions["sources_newer_than_binary"]:
        lines += [f"**Note:** {len(versions['sources_newer_than_binary'])} files under Sources/ are newer than the binary "
                  f"(e.g. {', '.join(versions['sources_newer_than_binary'][:3])}).", ""]
    lines += ["Times are medians; the ratio is the median of the per-round ratios (ours / original, or / the "
              f"baseline named in the column), {config.rounds} rounds, the sides alternating order each round. "
              "Everything is read over HTTP with Range requests from a server on 127.0.0.1. "
              "Our times are the whole `video-tracker` process; the original's are its `run()` call "
              "(open, seek, track: without starting Python and `import cv2`, as in a running service).", "",
              "| case | ours | original (or baseline) | ratio | goal |", "|---|---|---|---|---|"]
    for row in report.rows:
        lines.append(f"| {row.case} | {row.ours} | {row.original} | {row.ratio} | {row.goal} |")
    goals = [row for row in report.rows if row.met is not None]
    lines += ["", f"Goals met: {sum(row.met for row in goals)} of {len(goals)}."]
    lines += ["", "## Headline (for the README)", "",
              f"Measured with `make bench` on {host['cpu']}, {host['cores']} cores, {host['os']}, "
              f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d}, `{versions['binary']}` at commit "
              f"{versions['commit'].split()[0]}; videos served over loopback HTTP with Range requests "
              "(full table: `bench/results/latest.md`).", "",
              "| case | ours | original (or baseline) | ratio | goal |", "|---|---|---|---|---|"]
    lines += [f"| {row.case} | {row.ours} | {row.original} | {row.ratio} | {row.goal} |" for row in goals]
    lines += ["", "## Sanity: the original's answer against ours (first round of each case)", "",
              "Same ids, same contract shape (frame keys, two integer points), and the largest coordinate difference "
              "in pixels over the frames both answered.", "",
              "| case | max box difference, px (annotation) | first frame that differs | frames compared | frames in one answer only | shape problems |",
              "|---|---|---|---|---|---|", *report.sanity]
    lines += ["", "## Where the time goes: median wall and CPU seconds per side", "",
              "CPU / wall above 1 means more than one core busy (2 cores here).", "",
              "| side | wall s | CPU s | CPU / wall | note |", "|---|---|---|---|---|", *report.details]
    if report.notes:
        lines += ["", "## Notes", "", *report.notes]
    lines += ["", "![frames per second against objects](latest.png)", ""]
    path.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description="video-tracker against the Python original and the decode floor.")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the harness in about a minute")
    parser.add_argument("--rounds", type=int, default=0, help="rounds per comparison (default 3)")
    parser.add_argument("--binary", type=Path, default=REPO / ".build" / "release" / "video-tracker")
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default bench/results, or bench/scratch/quick for --quick)")
    args = parser.parse_args()
    config = make_config(args)
    if config.rounds < 3 and not config.quick:
        parser.error("at least 3 rounds")
    for tool, package in (("ffmpeg", "ffmpeg"), ("ffprobe", "ffmpeg"), ("/usr/bin/time", "time")):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install {package}")
    binary = args.binary.absolute()
    if not binary.exists():
        sys.exit(f"{binary} is missing: build it first (swift build -c release --product video-tracker)")
    if not TESTDATA.exists():
        sys.exit(f"the test data is missing: {TESTDATA}")
    out = args.out or (config.work if config.quick else RESULTS)
    out.mkdir(parents=True, exist_ok=True)

    began = time.perf_counter()
    host = machine()
    versions = tool_versions(binary)
    if versions["sources_newer_than_binary"]:
        log(f"warning: {len(versions['sources_newer_than_binary'])} files under Sources/ are newer than {versions['binary']}")
    video_info = make_videos(config)
    help_text = subprocess.run([str(binary), "run", "--help"], stdout=subprocess.PIPE, text=True).stdout
    listed = re.search(r"--tracker <tracker>\s+Tracker: ([^.]*)\.", help_text.replace("\n", " "))
    trackers = [t.strip() for t in re.sub(r"\s+", " ", listed.group(1)).split(",")] if listed else []
    log(f"trackers listed by run --help: {', '.join(trackers)}")

    report = Report()
    with RangeServer(WORK) as server:
        # Clients close connections mid-range on purpose (after a seek, at the end): not errors.
        server.httpd.handle_error = lambda request, address: None
        bench = Bench(config, binary, server.base_url)
        # Warm up: page cache, dynamic linking, the venv's imports.
        bench.ours_decode("vtest.avi", 0, 2)
        bench.original_run("vtest.avi", pets_boxes()[1], 0, 2, "kcf")
        startup = [run_process([str(binary), "run", "--help"]) for _ in range(5)]
        report.details.append(detail("ours: process start alone (`video-tracker run --help`), in every time of ours", startup))
        log("tracking: ours against the original")
        bench_tracking(bench, report, trackers)
        log("accuracy")
        bench_accuracy(bench, report, trackers)
        bench_pedestrian_tracks(bench, report, trackers)
        log("decode floor")
        bench_decode_floor(bench, report)
        log("peak memory")
        bench_memory(bench, report)
        log("seek")
        bench_seek(bench, report, video_info)
    host["load_end"] = os.getloadavg()
    if "csrt-fast" not in trackers:
        report.notes.append("- `csrt-fast` is not listed by `video-tracker run --help`, so its rows are left out.")
    report.notes.append(opencv_builds_note())
    report.notes.append(f"- Tracking boxes: PETS09-S2L1 ground truth, people {PEOPLE} (MOT ids; 8 = the six labelled "
                        "on decoded frame 100 plus 16 and 17 at their first labelled boxes, where they walk in).")
    report.notes.append("- The 720p/1080p videos are vtest.avi scaled and encoded by the bench with libx264 "
                        f"(preset {config.encode_preset}, CRF 23, default GOP); the seek video is vtest.avi looped "
                        f"{config.loop_count + 1} times, libx264 with a fixed GOP of {LOOP_GOP}. ffmpeg seeks with "
                        "`-ss` before `-i` (to the keyframe, then decoding up to the time), as ours does.")
    (config.work / "samples.json").write_text(json.dumps(
        {"config": {k: v for k, v in vars(config).items()}, "machine": host, "versions": versions,
         "samples": bench.samples}, indent=1, default=str))
    write_plot(report, out / "latest.png", config)
    write_markdown(report, out / "latest.md", config, host, versions, (time.perf_counter() - began) / 60)
    log(f"wrote {out / 'latest.md'} and {out / 'latest.png'}")
    print((out / "latest.md").read_text())


if __name__ == "__main__":
    main()
