"""Where the default tracker's time goes: four PETS people from frame 100, one frame against `config.cost_frames`.

Differences of whole runs give the parts without instrumenting the binary: a 1-frame KCF run is process start,
opening the URL, seeking and the first decode; a 1-frame nanotrack run adds loading and compiling the models
and the four template crops; the N-frame run minus the 1-frame run, less what `video-tracker decode` spends on
the same frames, is the trackers' updates. The Python NanoTrack reference (ONNX Runtime, 1 thread) gets the same
split of its run() (its models are loaded before the timing; its decoding is cv2's, included). When `perf` works,
a sampled profile of the N-frame run splits its CPU by library."""
from __future__ import annotations

import re
import shutil
import subprocess

from harness import WORK, Bench, Report, Sample, detail, log, median
from testdata import pets_boxes


def cpu_and_wall(samples: list[Sample]) -> tuple[float, float]:
    return median(s.cpu for s in samples), median(s.wall for s in samples)


def profile_by_library(command: list[str]) -> list[tuple[float, str]]:
    """(share of samples %, library) from `perf record`, or [] when perf is missing or not allowed here."""
    if shutil.which("perf") is None:
        return []
    data = WORK / "perf.data"
    record = subprocess.run(["perf", "record", "-q", "-F", "999", "-o", str(data), "--", *command],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if record.returncode != 0:
        log(f"  perf record failed: {record.stderr.strip()[-300:]}")
        return []
    report = subprocess.run(["perf", "report", "-i", str(data), "--sort", "dso", "--stdio", "--percent-limit", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    rows = []
    for line in report.splitlines():
        found = re.match(r"\s*([\d.]+)%\s+(\S+)", line)
        if found:
            rows.append((float(found.group(1)), found.group(2)))
    return rows


def run(bench: Bench, report: Report) -> None:
    if "nanotrack" not in bench.trackers:
        return
    config = bench.config
    bbs = pets_boxes()[4]
    start, frames = config.track_start, config.cost_frames
    people = len(bbs)
    sides = {
        "ours kcf 1": lambda: bench.ours_run("vtest.avi", bbs, start, 1, "kcf"),
        "ours nanotrack 1": lambda: bench.ours_run("vtest.avi", bbs, start, 1, None),
        f"ours nanotrack {frames}": lambda: bench.ours_run("vtest.avi", bbs, start, frames, None),
        "ours decode 1": lambda: bench.ours_decode("vtest.avi", start, 1),
        f"ours decode {frames}": lambda: bench.ours_decode("vtest.avi", start, frames),
        "python nanotrack 1": lambda: bench.original_run("vtest.avi", bbs, start, 1, "nanotrack"),
        f"python nanotrack {frames}": lambda: bench.original_run("vtest.avi", bbs, start, frames, "nanotrack"),
    }
    results = bench.rounds("nanotrack cost", sides)
    part = {label: cpu_and_wall(samples) for label, samples in results.items()}
    updates = (frames - 1) * people
    kcf1, nt1, ntn = part["ours kcf 1"], part["ours nanotrack 1"], part[f"ours nanotrack {frames}"]
    dec1, decn = part["ours decode 1"], part[f"ours decode {frames}"]
    py1, pyn = part["python nanotrack 1"], part[f"python nanotrack {frames}"]
    decoding = [decn[i] - dec1[i] for i in (0, 1)]
    tracking = [ntn[i] - nt1[i] - decoding[i] for i in (0, 1)]
    lines = ["## Where nanotrack's time goes (4 PETS people, vtest from frame "
             f"{start}, 1 frame against {frames}; medians of {config.rounds} rounds)", "",
             "Differences of whole runs (CPU is user + system of the process, all threads; wall in brackets).", "",
             "| part | ours: CPU (wall) | Python reference: CPU (wall) |", "|---|---|---|",
             f"| process start, open, seek, first decode (1-frame KCF run) | {kcf1[0]:.3f} s ({kcf1[1]:.3f} s) | "
             "not timed (Python start, imports) |",
             f"| models: load, compile, 4 template crops (1-frame nanotrack run - 1-frame KCF run) | "
             f"{nt1[0] - kcf1[0]:.3f} s ({nt1[1] - kcf1[1]:.3f} s) | loaded before run() |",
             f"| decoding {frames - 1} frames (`decode` {frames} - 1 frames) | {decoding[0]:.3f} s ({decoding[1]:.3f} s) "
             "| included below (cv2) |",
             f"| {updates} tracker updates ({frames}-frame run - 1-frame run - decoding) | {tracking[0]:.3f} s "
             f"({tracking[1]:.3f} s) | {pyn[0] - py1[0]:.3f} s ({pyn[1] - py1[1]:.3f} s), decoding included |",
             f"| per update | {1000 * tracking[0] / updates:.2f} ms CPU ({1000 * tracking[1] / updates:.2f} ms wall) | "
             f"{1000 * (pyn[0] - py1[0]) / updates:.2f} ms CPU ({1000 * (pyn[1] - py1[1]) / updates:.2f} ms wall), "
             "decoding included |",
             f"| whole {frames}-frame run | {ntn[0]:.3f} s ({ntn[1]:.3f} s) | run(): {pyn[0]:.3f} s ({pyn[1]:.3f} s) |"]
    profile = profile_by_library(bench.ours_command("vtest.avi", bbs, start, frames, None))
    if profile:
        lines += ["", f"`perf record` of one {frames}-frame nanotrack run (ours), CPU samples by library (>= 1%):", "",
                  "| share of samples | library |", "|---|---|",
                  *[f"| {share:.1f}% | {library} |" for share, library in profile]]
    else:
        lines += ["", "(No profile by library: `perf` is missing or not allowed here.)"]
    report.sections.append(lines)
    for label, samples in results.items():
        report.details.append(detail(f"nanotrack cost: {label}", samples))
