"""The shared test data the cases read: videos, ground truth, and the IoU they are scored with.
Frame numbering: decoded frame index = ground-truth frame number - 1."""
from __future__ import annotations

import os
import re
from pathlib import Path

from harness import TESTDATA

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


def pets_many_boxes(count: int = 50, frame: int = 100, size: tuple = (768, 576)) -> dict:
    """`count` boxes on decoded `frame` of vtest.avi: every person labelled there (PETS09-S2L1 ground truth), then
    copies of their boxes moved to the cells of a grid over the frame (row by row, person after person), each copy
    kept whole inside the image. Deterministic: the same boxes every run."""
    people = {person: boxes[frame] for person, boxes in sorted(mot_tracks(PETS_GT).items()) if frame in boxes}
    bbs = {f"person{person}": [{"x": round(x1), "y": round(y1)}, {"x": round(x2), "y": round(y2)}]
           for person, (x1, y1, x2, y2) in people.items()}
    sizes = [(x2 - x1, y2 - y1) for x1, y1, x2, y2 in people.values()]
    copies = count - len(bbs)
    columns = max(1, round((copies * size[0] / size[1]) ** 0.5))
    rows = -(-copies // columns)
    for index in range(copies):
        w, h = sizes[index % len(sizes)]
        cx = (index % columns + 0.5) * size[0] / columns
        cy = (index // columns + 0.5) * size[1] / rows
        x1 = round(min(max(cx - w / 2, 0), size[0] - w))
        y1 = round(min(max(cy - h / 2, 0), size[1] - h))
        bbs[f"copy{index}"] = [{"x": x1, "y": y1}, {"x": round(x1 + w), "y": round(y1 + h)}]
    return bbs



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




def link_videos(work: Path) -> None:
    """The test videos in the served folder as relative links: linked, never copied."""
    work.mkdir(parents=True, exist_ok=True)
    for name, target in (("vtest.avi", VTEST), ("Crossing.mp4", CROSSING), ("TUD-Stadtmitte.mp4", TUD)):
        link = work / name
        if not link.exists():
            link.symlink_to(os.path.relpath(target, work))


def mot_tracks(gt: Path) -> dict[int, dict[int, tuple]]:
    """{person: {decoded frame: (left, top, right, bottom)}} from a MOTChallenge gt.txt, without the rows of
    conf 0 ("ignore" regions) and, where the file has a class column (MOT16 on), only class 1 (pedestrian)."""
    tracks: dict[int, dict[int, tuple]] = {}
    for line in gt.read_text().split():
        values = line.split(",")
        frame, person, x, y, w, h, conf = (float(v) for v in values[:7])
        if conf == 0:
            continue
        if len(values) == 9 and int(float(values[7])) != 1:  # MOT16+: frame,id,x,y,w,h,conf,class,visibility
            continue
        tracks.setdefault(int(person), {})[int(frame) - 1] = (x, y, x + w, y + h)
    return tracks
