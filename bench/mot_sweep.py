#!/usr/bin/env python3
"""Chooses `video-tracker mot`'s defaults on both shared sequences together (PETS09-S2L1 and TUD-Stadtmitte):
ByteTrack's options and the detector's input size, scored as bench/cases/mot_quality.py scores them.

Detection runs once per input size and sequence (`video-tracker detect --format json --classes person --score
0.05`, kept in bench/scratch/mot/); every candidate then only tracks, through the hidden
`video-tracker track-detections`, which feeds the log's frames to the same MultiObjectTracker `mot` runs after its
detector. A detection threshold s is the same as tracking those detections with --low-score s (NMS keeps the same
boxes above s whatever lower threshold it ran at), so the detector's --score is swept as --low-score.

Objective, in this order: the most goals met (per sequence, MOTA and IDF1 at least the tuned Python peer's at
the same input size, and IDF1 >= 70 on PETS09; under both readings of the conf-0 rows, bench/mot_runs.py); then
the best mean of MOTA and IDF1 over both sequences and both readings. The search is coordinate descent from
ByteTrack's published defaults, once at each input size: each pass tries every value of every option with the
others held, and takes the best change only when it gains at least 0.2 points, so an option stays at ByteTrack's
value unless moving it pays; the better of the two ends is chosen (416 unless 640 beats it by as much).
With `--precisions f32,bf16` a candidate is scored on detections made at each precision and its goals
are counted at each (the defaults must hold wherever `mot` runs: bf16 where the CPU has it, f32 elsewhere);
`--sizes` and `--start` narrow the descent (e.g. from the current defaults at 640).
Writes bench/results/mot_sweep.md (or --out): the path taken, every option's values around the choice, and the best
candidates seen. The detection logs, the peer's runs and the scores are kept in bench/scratch/mot/ (--fresh
redoes them: after a change to the tracker or the detector).

    bench/.venv/bin/python bench/mot_sweep.py [--binary .build/release/video-tracker] [--passes 14] [--fresh]
        [--precisions f32,bf16] [--sizes 640] [--start '{"high_score": 0.6}'] [--out FILE]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import REPO, RESULTS, WORK, log, machine, run_process  # noqa: E402
from mot_runs import PEER_TUNED, RULES, SEQUENCES, Sequence, peer_run, score  # noqa: E402

SCRATCH = WORK / "mot"
DETECTION_SCORE = 0.05  # the lowest --low-score tried

# ByteTrack's published defaults (what `mot` started from), and the values each option may take.
START = {"input_size": 416, "high_score": 0.5, "low_score": 0.1, "new_track_score": 0.6, "match_threshold": 0.8,
         "lost_seconds": 1.0, "track_box": "kalman", "second_match_threshold": 0.5, "unconfirmed_match_threshold": 0.7,
         "fuse_score": "true"}
VALUES = {"input_size": [416, 640],
          "high_score": [0.4, 0.5, 0.6, 0.7],
          "low_score": [0.05, 0.1, 0.2, 0.3],
          "new_track_score": [0.5, 0.6, 0.7, 0.8],
          "match_threshold": [0.7, 0.8, 0.9, 0.95],
          "lost_seconds": [0.5, 1.0, 2.0, 4.0],
          "track_box": ["kalman", "detection"],
          "second_match_threshold": [0.4, 0.5, 0.6, 0.7],
          "unconfirmed_match_threshold": [0.6, 0.7, 0.8, 0.9],
          "fuse_score": ["true", "false"]}
MIN_GAIN = 0.2  # points of the mean a change must add
PETS_IDF1_GOAL = 0.70


def detections(binary: Path, sequence: Sequence, input_size: int, precision: str, fresh: bool) -> Path:
    path = SCRATCH / f"detections-{sequence.name}-{input_size}-{precision}.json"
    if fresh or not path.exists():
        log(f"detecting {sequence.name} at {input_size} in {precision}")
        run_process([str(binary), "detect", "--url", str(sequence.video), "--models", str(REPO.parent / "shared" / "testdata" / "models"),
                     "--format", "json", "--classes", "person", "--score", str(DETECTION_SCORE),
                     "--input-size", str(input_size), "--detections", str(path),
                     "--inference-precision", precision])
    return path


def peer_scores(sequence: Sequence, input_size: int, fresh: bool) -> dict:
    """The tuned peer's scores at `input_size` (its run kept in the scratch folder)."""
    out = SCRATCH / f"peer-{sequence.name}-{input_size}-{PEER_TUNED}.txt"
    if fresh or not out.exists():
        log(f"the peer on {sequence.name} at {input_size}")
        peer_run(str(sequence.video), out, input_size, PEER_TUNED)
    return score(sequence, out)


def flags(candidate: dict) -> list[str]:
    return [f"--{name.replace('_', '-')}={value}" for name, value in candidate.items() if name != "input_size"]


class Sweep:
    def __init__(self, binary: Path, precisions: list[str], fresh: bool) -> None:
        self.binary = binary
        self.precisions = precisions
        self.fresh = fresh
        self.cache_path = SCRATCH / "sweep-cache.json"
        self.cache: dict[str, dict] = {} if fresh or not self.cache_path.exists() else json.loads(self.cache_path.read_text())
        self.goals = {size: {s.name: peer_scores(s, size, fresh) for s in SEQUENCES} for size in VALUES["input_size"]}

    def evaluate_at(self, candidate: dict, precision: str) -> dict:
        """The candidate's scores on both sequences with detections made in `precision`."""
        key = json.dumps({**candidate, "precision": precision}, sort_keys=True)
        if key not in self.cache:
            result = {}
            for sequence in SEQUENCES:
                out = SCRATCH / f"sweep-{sequence.name}.txt"
                subprocess.run([str(self.binary), "track-detections", "--detections",
                                str(detections(self.binary, sequence, candidate["input_size"], precision, False)),
                                "--out", str(out), *flags(candidate)], check=True, stderr=subprocess.DEVNULL)
                result[sequence.name] = score(sequence, out)
            self.cache[key] = result
            self.cache_path.write_text(json.dumps(self.cache))
        return self.cache[key]

    def evaluate(self, candidate: dict) -> dict:
        """Per precision swept, the candidate's scores."""
        return {precision: self.evaluate_at(candidate, precision) for precision in self.precisions}

    def goals_met(self, candidate: dict, results: dict) -> list[str]:
        """The goals missed, at every precision swept (empty: all met)."""
        missed = []
        peer = self.goals[candidate["input_size"]]
        for precision, result in results.items():
            for sequence in SEQUENCES:
                for rule in RULES:
                    ours, theirs = result[sequence.name][rule], peer[sequence.name][rule]
                    for metric in ("mota", "idf1"):
                        if ours[metric] < theirs[metric]:
                            missed.append(f"{precision} {sequence.name} {metric.upper()} ({rule})")
                    if sequence.name == "PETS09-S2L1" and ours["idf1"] < PETS_IDF1_GOAL:
                        missed.append(f"{precision} PETS09-S2L1 IDF1 >= 70 ({rule})")
        return missed

    @staticmethod
    def mean(results: dict) -> float:
        values = [result[s.name][rule][m] for result in results.values()
                  for s in SEQUENCES for rule in RULES for m in ("mota", "idf1")]
        return 100 * sum(values) / len(values)

    def objective(self, candidate: dict) -> tuple[int, float]:
        results = self.evaluate(candidate)
        return -len(self.goals_met(candidate, results)), self.mean(results)

    @property
    def goal_count(self) -> int:
        return 10 * len(self.precisions)


def better(a: tuple[int, float], b: tuple[int, float]) -> bool:
    """a beats b: more goals met, or as many and a mean at least MIN_GAIN higher."""
    return a[0] > b[0] or (a[0] == b[0] and a[1] >= b[1] + MIN_GAIN)


def describe(candidate: dict) -> str:
    changed = [f"{name} {value}" for name, value in candidate.items() if START[name] != value]
    return ", ".join(changed) or "ByteTrack's defaults"


def row(sweep: Sweep, candidate: dict, label: str) -> str:
    results = sweep.evaluate(candidate)
    missed = sweep.goals_met(candidate, results)
    cells = []
    for result in results.values():
        for sequence in SEQUENCES:
            for rule in RULES:
                m = result[sequence.name][rule]
                cells.append(f"{m['mota'] * 100:.1f} / {m['idf1'] * 100:.1f} / {m['hota'] * 100:.1f} ({m['num_switches']})")
    return f"| {label} | {' | '.join(cells)} | {sweep.mean(results):.2f} | {sweep.goal_count - len(missed)} of {sweep.goal_count} |"


def table_head(sweep: Sweep, first: str) -> list[str]:
    columns = [(f"{precision} " if len(sweep.precisions) > 1 else "") + f"{s.name} {rule}"
               for precision in sweep.precisions for s in SEQUENCES for rule in RULES]
    return [f"| {first} | " + " | ".join(columns) + " | mean | goals |", "|---|" + "---|" * (len(columns) + 2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=REPO / ".build" / "release" / "video-tracker")
    parser.add_argument("--passes", type=int, default=14, help="at most, per input size")
    parser.add_argument("--fresh", action="store_true", help="detect, run the peer and score everything again")
    parser.add_argument("--out", type=Path, default=RESULTS / "mot_sweep.md")
    parser.add_argument("--precisions", default="f32",
                        help="comma-separated: the detector's precisions a candidate is scored at (goals at each)")
    parser.add_argument("--sizes", default="416,640", help="the input sizes to descend at")
    parser.add_argument("--start", default=None,
                        help="JSON of options to start every descent from instead of ByteTrack's defaults")
    args = parser.parse_args()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    began = datetime.datetime.now(datetime.timezone.utc)
    sweep = Sweep(args.binary.absolute(), args.precisions.split(","), args.fresh)
    sizes = [int(size) for size in args.sizes.split(",")]
    start = {**START, **(json.loads(args.start) if args.start else {})}

    # One descent per input size (a larger input changes the detections every other option works on), then the
    # better of the two.
    paths = {}
    for size in sizes:
        current = {**start, "input_size": size}
        path = [(f"input {size}: start", dict(current))]
        for number in range(args.passes):
            best, best_score = None, sweep.objective(current)
            for name, values in VALUES.items():
                if name == "input_size":
                    continue
                for value in values:
                    candidate = {**current, name: value}
                    if candidate == current:
                        continue
                    found = sweep.objective(candidate)
                    log(f"  {size} pass {number + 1}: {describe(candidate):<90} goals missed {-found[0]}, mean {found[1]:.2f}")
                    if better(found, best_score):
                        best, best_score = candidate, found
            if best is None:
                break
            changed = [name for name in best if best[name] != current[name]][0]
            current = best
            path.append((f"input {size}, pass {number + 1}: {changed} {best[changed]}", dict(current)))
        paths[size] = path
    ends = [path[-1][1] for path in paths.values()]
    chosen = ends[0]
    for end in ends[1:]:
        if better(sweep.objective(end), sweep.objective(chosen)):
            chosen = end
    path = [step for size_path in paths.values() for step in size_path]

    peer_lines = []
    for size in VALUES["input_size"]:
        cells = [f"{sweep.goals[size][s.name][rule]['mota'] * 100:.1f} / {sweep.goals[size][s.name][rule]['idf1'] * 100:.1f}"
                 f" / {sweep.goals[size][s.name][rule]['hota'] * 100:.1f} ({sweep.goals[size][s.name][rule]['num_switches']})"
                 for _ in sweep.precisions for s in SEQUENCES for rule in RULES]
        peer_lines.append(f"| the peer, supervision ByteTrack, track_activation_threshold {PEER_TUNED}, input {size} | "
                          + " | ".join(cells) + " | | |")
    seen = {json.dumps({k: v for k, v in json.loads(key).items() if k != "precision"}, sort_keys=True) for key in sweep.cache}
    lines = [f"# MOT defaults sweep ({began:%Y-%m-%d %H:%M UTC})", "",
             f"`bench/mot_sweep.py` on {machine()['cpu']}; {len(seen)} candidates scored. Cells: MOTA / IDF1 / "
             "HOTA in points (ID switches), under both readings of the conf-0 rows (bench/mot_runs.py). Goals "
             f"({sweep.goal_count}: 10 at each detector precision, {', '.join(sweep.precisions)}): "
             "on each sequence and reading, MOTA and IDF1 at least the tuned peer's (ONNX Runtime f32) at the same "
             "input size, and PETS09 IDF1 >= 70 under both readings. A change is taken when it meets more goals, or as "
             f"many and raises the mean of MOTA and IDF1 (both sequences, both readings, every precision) by {MIN_GAIN} "
             "points or more.", "",
             f"Chosen: **{describe(chosen)}**; the rest as ByteTrack publishes it ("
             + ", ".join(f"{k} {v}" for k, v in START.items()) + ").", "",
             "## The path", "", *table_head(sweep, "step"),
             *[row(sweep, candidate, label) for label, candidate in path], *peer_lines, "",
             "## Every option around the choice (the others as chosen)", "", *table_head(sweep, "option = value")]
    for name, values in VALUES.items():
        for value in values:
            candidate = {**chosen, name: value}
            label = f"{name} = {value}" + (" (chosen)" if value == chosen[name] else "")
            lines.append(row(sweep, candidate, label))
    ranked = sorted(((sweep.objective(json.loads(key)), key) for key in seen), reverse=True)[:15]
    lines += ["", "## The 15 best candidates seen", "", *table_head(sweep, "candidate")]
    lines += [row(sweep, json.loads(key), describe(json.loads(key))) for _, key in ranked]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    log(f"wrote {args.out}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
