"""Movement analytics (issue 15) on a million track records: the zone (a rectangle and a saved polygon, visits per
hour), crowd and top-stays answers of `GET /cameras/{id}/...` on the real service, once on SQLite (the default
store under --data-dir) and once on PostgreSQL (a throwaway cluster this case starts: initdb in a temporary folder,
as `nobody` under root, fsync off as in the tests). The records: synthetic people walking across a 1280x720
picture, imported as MOT rows at 7 fps from 2026-11-21T08:00:00Z (about 13 people at once over some three hours).
Each answer's time is the HTTP request's, the median of the rounds; no comparison side: the goal is that an answer
on a million records comes in seconds, not minutes, on either store.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import Bench, Report, Row, log, median

FPS = 7
START = "2026-11-21T08:00:00Z"
RECTANGLE = "x1=400&y1=250&x2=900&y2=600"
POLYGON = [[300, 200], [1000, 220], [1100, 650], [640, 500], [250, 600]]


def synthetic_mot(rows: int, seed: int = 15) -> str:
    """`rows` MOT rows of people walking straight across the picture (each 300 to 3000 frames), overlapping in time."""
    rng = random.Random(seed)
    lines: list[str] = []
    track = 0
    frame = 1
    while len(lines) < rows:
        track += 1
        length = rng.randint(300, 3000)
        x, y = rng.uniform(0, 1200), rng.uniform(0, 600)
        vx, vy = rng.uniform(-3, 3), rng.uniform(-1.5, 1.5)
        h = rng.uniform(80, 160)
        w = h * 0.4
        for f in range(frame, frame + length):
            if len(lines) >= rows:
                break
            if rng.random() < 0.03:
                continue  # missed now and then: gaps for the visits to bridge
            lines.append(f"{f},{track},{x:.2f},{y:.2f},{w:.2f},{h:.2f},1,-1,-1,-1")
            x, y = x + vx, y + vy
        frame += rng.randint(60, 190)  # a new person every 18 s or so: about 13 at once, over some three hours
    lines.sort(key=lambda line: int(line.split(",", 1)[0]))
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, method: str = "GET", body: bytes | None = None, content_type: str = "application/json") -> dict:
    req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type} if body else {})
    with urllib.request.urlopen(req, timeout=1800) as answer:
        return json.loads(answer.read())


class Service:
    def __init__(self, binary: Path, data: Path, database_url: str | None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        extra = ["--database-url", database_url] if database_url else []
        self.process = subprocess.Popen([str(binary), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                                         "--log-level", "warning", "--data-dir", str(data)] + extra,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(1200):
            try:
                request(self.base + "/healthz")
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("video-tracker serve did not answer /healthz")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


class Postgres:
    """A throwaway cluster: the newest /usr/lib/postgresql/<v>/bin, as `nobody` when we are root."""

    def __init__(self) -> None:
        versions = [int(v) for v in os.listdir("/usr/lib/postgresql") if v.isdigit()] if os.path.isdir("/usr/lib/postgresql") else []
        if not versions:
            raise RuntimeError("no PostgreSQL under /usr/lib/postgresql: `make deps` installs it")
        self.bin = f"/usr/lib/postgresql/{max(versions)}/bin"
        self.folder = Path(tempfile.mkdtemp(prefix="analytics-pg-"))
        self.port = free_port()
        (self.folder / "socket").mkdir()
        self.as_server = []
        if os.getuid() == 0:
            import pwd
            nobody = pwd.getpwnam("nobody")
            for path in (self.folder, self.folder / "socket"):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
            self.as_server = ["runuser", "-u", "nobody", "--"]
        data = str(self.folder / "data")
        subprocess.run(self.as_server + [f"{self.bin}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync",
                                         "-E", "UTF8", "--locale=C"], check=True, capture_output=True)
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder / 'socket'} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        subprocess.run(self.as_server + [f"{self.bin}/pg_ctl", "-D", data, "-l", str(self.folder / "server.log"), "-w",
                                         "-o", options, "start"], check=True, capture_output=True)
        subprocess.run([f"{self.bin}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "bench"],
                       check=True, capture_output=True)
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/bench?sslmode=disable"

    def stop(self) -> None:
        subprocess.run(self.as_server + [f"{self.bin}/pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def measure(bench: Bench, report: Report, store: str, database_url: str | None, mot: str, rows: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="analytics-data-"))
    service = Service(bench.binary, data, database_url)
    try:
        camera = request(service.base + "/cameras", "POST", json.dumps({"name": "synthetic"}).encode())["id"]
        base = f"{service.base}/cameras/{camera}"
        began = time.perf_counter()
        imported = request(f"{base}/tracks?fps={FPS}&start_time={START}", "POST", mot.encode(), "text/plain")
        import_seconds = time.perf_counter() - began
        if imported["stored"] != rows:
            raise RuntimeError(f"{store}: stored {imported['stored']} of {rows} rows")
        request(f"{base}/zones", "POST", json.dumps({"name": "plaza", "points": POLYGON}).encode())
        report.details.append(f"| analytics {store}: import of {rows:,} MOT rows (one transaction) | {import_seconds:.2f} | | | |")
        answers = {
            "zone, rectangle (visits per hour, default gap 7)": f"{base}/zone?{RECTANGLE}",
            "zone, saved 5-point polygon, gap 0": f"{base}/zone?zone=plaza&gap=0",
            "crowd per hour": f"{base}/crowd",
            "top 10 stays": f"{base}/stays/top?limit=10",
        }
        for name, url in answers.items():
            times, answer = [], None
            for _ in range(bench.config.rounds):
                began = time.perf_counter()
                answer = request(url)
                times.append(time.perf_counter() - began)
            size = len(answer.get("hours", answer.get("tracks", [])))
            bench.samples.setdefault(f"analytics {store} {name}", []).extend({"wall": t} for t in times)
            report.rows.append(Row(f"analytics on {rows:,} records, {store}: {name} ({size} rows)",
                                   f"{median(times):.2f} s", "", "", "seconds, not minutes", median(times) < 60))
            log(f"{store} {name}: {', '.join(f'{t:.2f}' for t in times)} s")
    finally:
        service.stop()
        shutil.rmtree(data, ignore_errors=True)


def run(bench: Bench, report: Report) -> None:
    rows = 20_000 if bench.config.quick else 1_000_000
    mot = synthetic_mot(rows)
    log(f"analytics: {rows:,} synthetic rows, {len(mot) / 1e6:.0f} MB of MOT text")
    measure(bench, report, "SQLite", None, mot, rows)
    postgres = Postgres()
    try:
        measure(bench, report, "PostgreSQL", postgres.url, mot, rows)
    finally:
        postgres.stop()
    report.notes.append("- analytics_speed: each answer is one SQL statement on the store (window functions for the "
                        "visits); the times are whole HTTP requests, median of the rounds, on a warm cache.")
