#!/usr/bin/env python3
"""make bench: video-tracker against the Python original and the decode floor, on this machine.

Serves the videos from 127.0.0.1 over HTTP with Range support (Deploy/tests/range_server.py) and runs the
cases (bench/cases/, one file each, on the shared harness bench/harness.py), every comparison alternating its
sides (A B, B A, A B, ...) and reporting the median of the per-round ratios:

- tracking: the Python original (bench/original_tracker.py) against `video-tracker run`, 1, 4 and 8 PETS
  people, CSRT and KCF (and csrt-fast); 4 people also with our default tracker (nanotrack) against the original's
  CSRT and the Python NanoTrack reference;
- many_boxes: 50 annotations x 60 frames, our default tracker against 4 s and the original's CSRT;
- accuracy, pedestrian_tracks: csrt-fast against csrt (mean IoU, CPU);
- decode_floor: `video-tracker decode` and `ffmpeg -threads 1` on 720p and 1080p H.264, against KCF on them;
- memory: peak RSS for frame_duration 100 against 690 (KCF, and nanotrack with its models loaded);
- nanotrack_cost: where the default tracker's time goes (start, models, decoding, updates; perf by library);
- seek: start_frame 0, 300 and 3000 on vtest looped past 3000 frames, against decoding from 0;
- tracker_quality: mean IoU and success at 0.5 of every tracker on every single-object sequence the shared
  data gives (Crossing, every PETS09 and TUD person), the Python NanoTrack reference included, and the port
  check: our nanotrack against that reference box for box.
- detection_quality: YOLOX-Nano's person precision and recall (IoU 0.5, score >= 0.5) on TUD-Stadtmitte and
  PETS09 against the MOT ground truth, `video-tracker detect` with f32 and bf16 against the Python peer
  (bench/detection_peer.py: ONNX Runtime f32, cv2.VideoCapture), and detection ms a frame.
- detection_speed: vtest.avi to an annotated MP4, `video-tracker detect --video` (H.264, f32 and bf16) against the
  peer with --video (cv2 drawing, cv2.VideoWriter mp4v); the network alone on one thread (ONNX Runtime, OpenVINO
  f32 and bf16 from Python, and ours); peak RSS on a 1- and a 10-minute 1080p video; ours stage by stage.
- store_write: track records written a second to SQLite and to a PostgreSQL the case starts (MOT imports of 100k
  and 1M synthetic rows through `POST /cameras/{id}/tracks`), the export rate back, and bytes a record takes.
- camera_capacity: how many live cameras at 7 fps one `serve` holds (N ffmpeg live streams of vtest.avi on
  loopback), detection every frame and every 5th.

Our binary runs with `--models ../shared/testdata/models` (loaded only by the trackers that need them).

Writes bench/results/latest.md (the table) and bench/results/latest.png (frames per second against
number of objects); a run of some cases only writes bench/results/latest-<case>[-<case>...].md instead, so the
full table stays; raw samples go to bench/scratch/<mode>/samples.json. Videos are made with ffmpeg
into bench/scratch/ (git-ignored) once and reused.

    bench/run.sh                              # every case (about 20-30 minutes on 2 cores)
    bench/run.sh --quick                      # tiny sizes, a few minutes: checks the harness, not the speed
    bench/run.sh --cases tracking,seek        # some cases only
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from harness import (REPO, RESULTS, TESTDATA, Bench, RangeServer, Report, detail, listed_trackers, log, machine,
                     make_config, run_process, tool_versions, write_markdown, write_plot)
from testdata import link_videos, pets_boxes

import cases


def main() -> None:
    parser = argparse.ArgumentParser(description="video-tracker against the Python original and the decode floor.")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the harness in a few minutes")
    parser.add_argument("--cases", default=",".join(cases.ORDER),
                        help=f"comma-separated cases to run, in this order: {','.join(cases.ORDER)} (default: all)")
    parser.add_argument("--rounds", type=int, default=0, help="rounds per comparison (default 3)")
    parser.add_argument("--binary", type=Path, default=REPO / ".build" / "release" / "video-tracker")
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default bench/results, or bench/scratch/quick for --quick)")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.cases.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in cases.ORDER]
    if unknown or not chosen:
        parser.error(f"--cases: unknown {', '.join(unknown) or '(none given)'}; expected some of {', '.join(cases.ORDER)}")
    chosen = [name for name in cases.ORDER if name in chosen]
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
    # A partial run names its file after its cases: it never replaces the full table.
    stem = "latest" if chosen == list(cases.ORDER) else "latest-" + "-".join(chosen)

    began = time.perf_counter()
    host = machine()
    versions = tool_versions(binary)
    if versions["sources_newer_than_binary"]:
        log(f"warning: {len(versions['sources_newer_than_binary'])} files under Sources/ are newer than {versions['binary']}")
    link_videos(config.work)
    trackers = listed_trackers(binary)
    log(f"trackers listed by run --help: {', '.join(trackers)}")

    report = Report()
    with RangeServer(config.work.parent) as server:
        # Clients close connections mid-range on purpose (after a seek, at the end): not errors.
        server.httpd.handle_error = lambda request, address: None
        bench = Bench(config, binary, server.base_url, trackers)
        # Warm up: page cache, dynamic linking, the venv's imports.
        bench.ours_decode("vtest.avi", 0, 2)
        bench.original_run("vtest.avi", pets_boxes()[1], 0, 2, "kcf")
        startup = [run_process([str(binary), "run", "--help"]) for _ in range(5)]
        report.details.append(detail("ours: process start alone (`video-tracker run --help`), in every time of ours", startup))
        for name in chosen:
            log(f"case {name}")
            cases.load(name).run(bench, report)
    host["load_end"] = os.getloadavg()
    if "csrt-fast" not in trackers:
        report.notes.insert(0, "- `csrt-fast` is not listed by `video-tracker run --help`, so its rows are left out.")
    (config.work / "samples.json").write_text(json.dumps(
        {"config": {k: v for k, v in vars(config).items()}, "cases": chosen, "machine": host, "versions": versions,
         "samples": bench.samples}, indent=1, default=str))
    if report.plot:
        write_plot(report, out / f"{stem}.png", config)
    write_markdown(report, out / f"{stem}.md", config, host, versions, (time.perf_counter() - began) / 60, chosen)
    log(f"wrote {out / f'{stem}.md'}" + (f" and {out / f'{stem}.png'}" if report.plot else ""))
    print((out / f"{stem}.md").read_text())


if __name__ == "__main__":
    main()
