"""Movement analytics (issue 15) on a million track records: the zone (a rectangle and a saved polygon, visits per
hour), crowd and top-stays answers of `GET /cameras/{id}/...` on the real service, once on SQLite (the default
store under --data-dir) and once on PostgreSQL (a throwaway cluster this case starts: initdb in a temporary folder,
as `nobody` under root, fsync off as in the tests: Deploy/tests/postgres_server.py). The records: synthetic people walking across a 1280x720
picture, imported as MOT rows at 7 fps from 2026-11-21T08:00:00Z (about 13 people at once over some three hours).
Each answer's time is the HTTP request's, the median of the rounds; no comparison side: the goal is that an answer
on a million records comes in seconds, not minutes, on either store.
"""
from __future__ import annotations

import json
import random
import shutil
import tempfile
import time
from pathlib import Path

from harness import Bench, Report, Row, ServeProcess, log, median
from postgres_server import PostgresServer

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


def measure(bench: Bench, report: Report, store: str, database_url: str | None, mot: str, rows: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="analytics-data-"))
    extra = ["--database-url", database_url] if database_url else []
    try:
        with ServeProcess(bench.binary, work, "--log-level", "warning", "--data-dir", str(work / "data"), *extra) as service:
            def ask(method: str, path: str, body: bytes | None = None, json_body=None) -> dict:
                status, answer = service.request(method, path, body=body, json_body=json_body, timeout=1800)
                if status not in (200, 201):
                    raise RuntimeError(f"{method} {path}: {status} {answer[:300]!r}")
                return json.loads(answer)

            camera = ask("POST", "/cameras", json_body={"name": "synthetic"})["id"]
            base = f"/cameras/{camera}"
            began = time.perf_counter()
            imported = ask("POST", f"{base}/tracks?fps={FPS}&start_time={START}", body=mot.encode())
            import_seconds = time.perf_counter() - began
            if imported["stored"] != rows:
                raise RuntimeError(f"{store}: stored {imported['stored']} of {rows} rows")
            ask("POST", f"{base}/zones", json_body={"name": "plaza", "points": POLYGON})
            report.details.append(f"| analytics {store}: import of {rows:,} MOT rows (one transaction) | {import_seconds:.2f} | | | |")
            answers = {
                "zone, rectangle (visits per hour, default gap 7)": f"{base}/zone?{RECTANGLE}",
                "zone, saved 5-point polygon, gap 0": f"{base}/zone?zone=plaza&gap=0",
                "crowd per hour": f"{base}/crowd",
                "top 10 stays": f"{base}/stays/top?limit=10",
            }
            for name, path in answers.items():
                times, answer = [], {}
                for _ in range(bench.config.rounds):
                    began = time.perf_counter()
                    answer = ask("GET", path)
                    times.append(time.perf_counter() - began)
                size = len(answer.get("hours", answer.get("tracks", [])))
                bench.samples.setdefault(f"analytics {store} {name}", []).extend({"wall": t} for t in times)
                report.rows.append(Row(f"analytics on {rows:,} records, {store}: {name} ({size} rows)",
                                       f"{median(times):.2f} s", "", "", "seconds, not minutes", median(times) < 60))
                log(f"{store} {name}: {', '.join(f'{t:.2f}' for t in times)} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(bench: Bench, report: Report) -> None:
    rows = 20_000 if bench.config.quick else 1_000_000
    mot = synthetic_mot(rows)
    log(f"analytics: {rows:,} synthetic rows, {len(mot) / 1e6:.0f} MB of MOT text")
    measure(bench, report, "SQLite", None, mot, rows)
    with PostgresServer() as postgres:
        measure(bench, report, "PostgreSQL", postgres.create_database("bench", "bench", "bench"), mot, rows)
    report.notes.append("- analytics_speed: each answer is one SQL statement on the store (window functions for the "
                        "visits); the times are whole HTTP requests, median of the rounds, on a warm cache.")
