"""The bench's shared harness: configuration, running processes (wall, CPU, peak RSS), the loopback HTTP
server with Range support, alternating rounds and medians, report rows, and the markdown and plot.

The cases (bench/cases/*.py) measure; bench/bench.py chooses them and writes the results.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
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
MODELS = TESTDATA / "models"  # `--models` of every run of ours: the neural trackers load from it on first use
WORK = BENCH / "scratch"
RESULTS = BENCH / "results"

sys.path.insert(0, str(REPO / "Deploy" / "tests"))
from range_server import RangeServer  # noqa: E402,F401  (the repo's Range-capable loopback server)


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
    many_start: int = 100
    many_frames: int = 60
    many_original_rounds: int = 1  # the original's CSRT on 50 boxes takes about 30 s a round
    cost_frames: int = 150  # nanotrack_cost: 1 frame against this many
    seek_points: tuple = (0, 300, 3000)
    seek_rounds: int = 9  # the seek times are short and close to their baseline: more rounds, steadier medians
    loop_count: int = 4  # vtest played 5 times: 3975 frames
    encode_preset: str = "fast"
    floor_sizes: tuple = (("720p", 1280, 720), ("1080p", 1920, 1080))
    floor_source_frames: Optional[int] = None
    loop_size: Optional[tuple] = None
    detect_frames: Optional[int] = None  # detection_speed: None is all of vtest (795 frames), else a clip of the first n
    inference_frames: int = 100  # detection_speed: letterboxed vtest frames each runtime infers
    detect_memory_seconds: tuple = (60, 600)  # detection_speed: peak RSS on vtest looped to these lengths
    detect_memory_size: tuple = (1920, 1080)

    @property
    def work(self) -> Path:
        return WORK / ("quick" if self.quick else "full")


def make_config(args: argparse.Namespace) -> Config:
    if not args.quick:
        return Config(quick=False, rounds=args.rounds or 3)
    # Tiny sizes: checks every path of the harness without loading the machine.
    return Config(quick=True, rounds=args.rounds or 3, track_start=100, track_frames=6,
                  floor_start=10, floor_frames=10, memory_frames=(5, 20), many_frames=4, cost_frames=6, seek_points=(0, 300, 3000),
                  encode_preset="ultrafast", floor_sizes=(("720p", 1280, 720), ("1080p", 1920, 1080)),
                  floor_source_frames=30, loop_size=(96, 72), seek_rounds=3, detect_frames=20, inference_frames=5,
                  detect_memory_seconds=(2, 8), detect_memory_size=(192, 108))


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
    """What every case gets: the configuration, our binary and the trackers it lists, the loopback server's URL
    for bench/scratch/<mode>/, the runners of each side, and the raw samples kept for samples.json."""

    def __init__(self, config: Config, binary: Path, base_url: str, trackers: list[str]) -> None:
        self.config = config
        self.binary = binary
        self.base_url = base_url
        self.trackers = trackers
        self.samples: dict[str, list[dict]] = {}
        self.outputs: dict[str, dict] = {}  # first-round answers, for the box comparison

    def url(self, name: str) -> str:
        return f"{self.base_url}/{self.config.work.name}/{name}"

    # The sides -----------------------------------------------------------------------------

    def ours_run(self, video: str, bbs: dict, start: int, frames: int, tracker: Optional[str],
                 extra: tuple = (), rss: bool = False) -> Sample:
        """`video-tracker run` with the models folder (as `make serve` has it); tracker None leaves the choice to
        the binary (its default: nanotrack when the models load). The models load lazily: an OpenCV tracker's run
        never reads them."""
        return run_process(self.ours_command(video, bbs, start, frames, tracker, extra), rss=rss)

    def ours_command(self, video: str, bbs: dict, start: int, frames: int, tracker: Optional[str],
                     extra: tuple = ()) -> list[str]:
        return [str(self.binary), "run", "--url", self.url(video), "--bbs", json.dumps(bbs),
                "--start-frame", str(start), "--frame-duration", str(frames),
                *(("--tracker", tracker) if tracker else ()), "--models", str(MODELS),
                "--allow-private-networks", *extra]

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
               keep_output: tuple = (), side_rounds: Optional[dict[str, int]] = None) -> dict[str, list[Sample]]:
        """Every side once per round; odd rounds run the sides in reverse order. `side_rounds` caps a slow side's
        rounds (it runs in the first ones)."""
        labels = list(sides)
        results: dict[str, list[Sample]] = {label: [] for label in labels}
        for index in range(rounds or self.config.rounds):
            for label in (labels if index % 2 == 0 else labels[::-1]):
                if side_rounds and index >= side_rounds.get(label, index + 1):
                    continue
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


def listed_trackers(binary: Path) -> list[str]:
    """The tracker names `video-tracker run --help` lists."""
    help_text = subprocess.run([str(binary), "run", "--help"], stdout=subprocess.PIPE, text=True).stdout
    listed = re.search(r"--tracker <tracker>\s+Tracker: ([^.]*)\.", help_text.replace("\n", " "))
    if not listed:
        return []
    names = re.sub(r"\(.*?\)", "", listed.group(1))  # "(default: nanotrack with models, else csrt)"
    return [t.strip() for t in re.sub(r"\s+", " ", names).split(",") if t.strip()]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def median(values) -> float:
    return statistics.median(list(values))


def median_ratio(numerators: list[Sample], denominators: list[Sample], key=lambda s: s.wall) -> float:
    """The median of the per-round ratios (round i's A over round i's B)."""
    return median(key(a) / key(b) for a, b in zip(numerators, denominators))


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], check=True)


def x264(config: Config) -> list[str]:
    """The encoder settings of every video the bench makes."""
    return ["-c:v", "libx264", "-preset", config.encode_preset, "-crf", "23", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", "-threads", "2"]


def make_once(path: Path, *ffmpeg_args: str) -> None:
    """Makes `path` with ffmpeg unless it is there (bench/scratch/ keeps the bench's videos between runs)."""
    if path.exists():
        return
    log(f"making {path.relative_to(REPO)}")
    ffmpeg(*ffmpeg_args, str(path) + ".part.mp4")
    os.replace(str(path) + ".part.mp4", path)


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


# ----------------------------------------------------------------------------------------------
# Report rows


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
    sections: list[list[str]] = field(default_factory=list)  # a case's own tables: markdown lines, heading first


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


# ----------------------------------------------------------------------------------------------
# The results: machine, versions, markdown and plot


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
                     "original 1 thread": "tab:red", "ours csrt-fast": "tab:green",
                     "python nanotrack": "tab:purple", "ours nanotrack": "tab:olive"}.get(side)
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


def write_markdown(report: Report, path: Path, config: Config, host: dict, versions: dict, minutes: float,
                   cases: list[str]) -> None:
    lines = [f"# video-tracker bench{' (QUICK: tiny sizes, not a measurement)' if config.quick else ''}", "",
             f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}, `make bench` "
             f"({minutes:.1f} minutes), on {host['cpu']}, {host['cores']} cores, {host['memory_gb']} GB, {host['os']} "
             f"(kernel {host['kernel']}); load average at the start {host['load'][0]:.2f}, at the end {host['load_end'][0]:.2f}.",
             "",
             f"Ours: `{versions['binary']}` built {versions['built']} at commit {versions['commit']}, Debian OpenCV "
             f"{versions['opencv_ours']}. The original: `bench/original_tracker.py`, OpenCV {versions['opencv_original']}. "
             f"{versions['ffmpeg']}.", "", f"Cases: {', '.join(cases)}.", ""]
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
    if report.sanity:
        lines += ["", "## Sanity: the original's answer against ours (first round of each case)", "",
                  "Same ids, same contract shape (frame keys, two integer points), and the largest coordinate difference "
                  "in pixels over the frames both answered.", "",
                  "| case | max box difference, px (annotation) | first frame that differs | frames compared | frames in one answer only | shape problems |",
                  "|---|---|---|---|---|---|", *report.sanity]
    lines += ["", "## Where the time goes: median wall and CPU seconds per side", "",
              "CPU / wall above 1 means more than one core busy (2 cores here).", "",
              "| side | wall s | CPU s | CPU / wall | note |", "|---|---|---|---|---|", *report.details]
    for section in report.sections:
        lines += ["", *section]
    if report.notes:
        lines += ["", "## Notes", "", *report.notes]
    if report.plot:
        lines += ["", f"![frames per second against objects]({path.stem}.png)"]
    lines += [""]
    path.write_text("\n".join(lines))



# ----------------------------------------------------------------------------------------------
# The service, running (the store and camera cases)


def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (its own threads; children that ended are not in it)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(root: int) -> list[int]:
    """`root` and its descendants now (for PostgreSQL: the postmaster and its backends)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending += parents.get(pid, [])
    return tree


class ServeProcess:
    """`video-tracker serve` on a free loopback port, its log in `folder`, stopped (SIGTERM, by its pid) on exit."""

    def __init__(self, binary: Path, folder: Path, *args: str, env: Optional[dict] = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        self.log = open(folder / "serve.log", "wb")
        self.process = subprocess.Popen([str(binary), "serve", "--port", str(self.port), *args],
                                        stdout=subprocess.DEVNULL, stderr=self.log,
                                        env=None if env is None else {**os.environ, **env})
        deadline = time.monotonic() + 180
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited: {(folder / 'serve.log').read_text()[-2000:]}")
            try:
                status, _ = self.request("GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("serve did not answer /healthz in 180 s")
            time.sleep(0.2)

    def request(self, method: str, path: str, body: Optional[bytes] = None, json_body=None,
                timeout: float = 600) -> tuple[int, bytes]:
        import http.client
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif body is not None:
            headers["Content-Type"] = "text/plain"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def json(self, method: str, path: str, json_body=None, expect: int = 200):
        status, body = self.request(method, path, json_body=json_body)
        if status != expect:
            raise RuntimeError(f"{method} {path}: {status} {body[:500]!r}")
        return json.loads(body) if body else None

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __enter__(self) -> "ServeProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
