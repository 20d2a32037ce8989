"""What the MOT cases (bench/cases/mot_quality.py, mot_speed.py) and the sweep (bench/mot_sweep.py) share: the two
shared sequences, our `mot` and the Python peer (bench/mot_peer.py) as commands, and the scoring
(Tests/Reference/mot_score.py, the file the Swift tests score with too) under both readings of the conf-0 rows.

The two readings (Tests/Reference/mot_score.py says exactly what each does):
- "MOTChallenge": what TrackEval, MOTChallenge's evaluation code, does for these MOT15 sequences: conf-0 rows
  dropped from the ground truth, every track box kept (a box on a conf-0 person is a false positive).
- "ignore regions": the conf-0 rows are also regions where tracks do not count (tracks matched to them at IoU 0.5
  removed, as TrackEval does for MOT16's distractors). Issue 13's numbers were measured this way (its peer
  numbers are reproduced exactly); only PETS09 has conf-0 rows (174, people 11, 12 and 16 part of the time).
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from harness import BENCH, MODELS, REPO, run_process
from testdata import PETS_GT, TUD, TUD_GT, VTEST

sys.path.insert(0, str(REPO / "Tests" / "Reference"))
import mot_score  # noqa: E402

RULES = ("MOTChallenge", "ignore regions")


@dataclass(frozen=True)
class Sequence:
    name: str
    video: Path
    served: str  # the name under the bench's served folder (harness.link_videos)
    gt: Path
    frames: int


SEQUENCES = (Sequence("PETS09-S2L1", VTEST, "vtest.avi", PETS_GT, 795),
             Sequence("TUD-Stadtmitte", TUD, "TUD-Stadtmitte.mp4", TUD_GT, 179))

# The peer's settings: supervision's default, and the threshold issue 13 tuned it to.
PEER_DEFAULT = None
PEER_TUNED = 0.6


def ours_mot_command(binary: Path, url: str, out: Path, flags: tuple = ()) -> list[str]:
    return [str(binary), "mot", "--url", url, "--models", str(MODELS), "--out", str(out), "--allow-private-networks",
            *flags]


def peer_command(url: str, out: Path, input_size: int = 416, activation: Optional[float] = PEER_DEFAULT,
                 threads: int = 1) -> list[str]:
    return [sys.executable, str(BENCH / "mot_peer.py"), "--url", url, "--models", str(MODELS), "--out", str(out),
            "--input-size", str(input_size), "--threads", str(threads),
            *(("--track-activation-threshold", str(activation)) if activation is not None else ())]


def peer_run(url: str, out: Path, input_size: int = 416, activation: Optional[float] = PEER_DEFAULT, threads: int = 1):
    """A run of the peer; the sample's `timing` holds its JSON line (seconds, stages)."""
    sample = run_process(peer_command(url, out, input_size, activation, threads))
    sample.timing = json.loads(sample.stderr.strip().splitlines()[-1])  # type: ignore[attr-defined]
    return sample


def score(sequence: Sequence, tracks: Path) -> dict[str, dict]:
    """{rule: metrics} for one track file (fractions; counts as integers)."""
    return {rule: mot_score.score(sequence.gt, tracks, sequence.frames, ignore_regions=(rule == "ignore regions"))
            for rule in RULES}


def cell(metrics: dict) -> str:
    """MOTA / IDF1 / HOTA in points, then ID switches."""
    return (f"{metrics['mota'] * 100:.1f} / {metrics['idf1'] * 100:.1f} / {metrics['hota'] * 100:.1f} "
            f"({metrics['num_switches']})")
