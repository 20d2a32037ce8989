"""Track store write rate (issue 14): track records written a second to SQLite and to PostgreSQL through the real
binary, as `POST /cameras/{id}/tracks` imports of synthetic MOTChallenge rows (100k rows, 3 rounds; 1M rows, once),
and the export rate back, `GET /cameras/{id}/tracks?format=mot`, streamed and counted.

SQLite: the service's own file under --data-dir. PostgreSQL: a real server this case starts (initdb in a temporary
folder, `Deploy/tests/postgres_server.py`) with its default durability (fsync and synchronous commit on), on the same
machine and disk, reached over loopback TCP with password authentication; stopped at the end.

An import is the live cameras' write path in bulk: the same multi-row INSERTs of 500 records
(`TrackStore.insert`), an already-stored record skipped, but the whole upload in one transaction where a camera's
writer commits a batch a second. Each round imports into a new camera, so the table grows through the rounds (up
to 1.3M rows), as a store in use does.
"""
from __future__ import annotations

import random
import shutil
import tempfile
import time
from pathlib import Path

from harness import Report, Row, ServeProcess, cpu_seconds, log, median, process_tree
from postgres_server import PostgresServer

START = "2026-11-21T08:00:00Z"
FPS = 7
PEOPLE = 20  # rows a frame


def synthetic_mot(rows: int, seed: int = 14) -> bytes:
    """`rows` MOT lines, PEOPLE a frame walking about a 768x576 picture (deterministic)."""
    rng = random.Random(seed)
    walkers = [[rng.uniform(0, 700), rng.uniform(0, 450), rng.uniform(-4, 4), rng.uniform(-2, 2), rng.uniform(60, 120)]
               for _ in range(PEOPLE)]
    lines = []
    for index in range(rows):
        frame, person = divmod(index, PEOPLE)
        walker = walkers[person]
        walker[0] = (walker[0] + walker[2]) % 700
        walker[1] = (walker[1] + walker[3]) % 450
        height = walker[4]
        lines.append(f"{frame + 1},{person + 1},{walker[0]:.2f},{walker[1]:.2f},{height * 0.4:.2f},{height:.2f},"
                     f"{0.3 + 0.7 * rng.random():.4f},-1,-1,-1")
    return ("\n".join(lines) + "\n").encode()


class Measured:
    def __init__(self, store: str, rows: int) -> None:
        self.store, self.rows = store, rows
        self.imports: list[float] = []
        self.exports: list[float] = []
        self.service_cpu: list[float] = []
        self.database_cpu: list[float] = []


def database_cpu(server: PostgresServer | None) -> float:
    if server is None:
        return 0.0  # SQLite runs inside the service
    return sum(cpu_seconds(pid) for pid in process_tree(server.postmaster_pid()))


def one_round(service: ServeProcess, server: PostgresServer | None, body: bytes, rows: int, label: str,
              measured: Measured) -> None:
    camera = service.json("POST", "/cameras", {"name": label}, expect=201)["id"]
    cpu_before, db_before = service.cpu(), database_cpu(server)
    began = time.perf_counter()
    status, answer = service.request("POST", f"/cameras/{camera}/tracks?fps={FPS}&start_time={START}", body=body)
    seconds = time.perf_counter() - began
    if status != 200 or f'"stored":{rows}' not in answer.decode().replace(" ", ""):
        raise RuntimeError(f"import of {rows} rows: {status} {answer[:300]!r}")
    measured.imports.append(seconds)
    measured.service_cpu.append(service.cpu() - cpu_before)
    measured.database_cpu.append(database_cpu(server) - db_before)
    # The export, streamed: every row comes back.
    began = time.perf_counter()
    status, exported = service.request("GET", f"/cameras/{camera}/tracks?format=mot")
    seconds = time.perf_counter() - began
    lines = exported.count(b"\n")
    if status != 200 or lines != rows:
        raise RuntimeError(f"export: {status}, {lines} lines of {rows}")
    measured.exports.append(seconds)
    log(f"  store_write {measured.store:<10} {rows:>8} rows: import {measured.imports[-1]:7.2f} s "
        f"({rows / measured.imports[-1]:9.0f} rows/s), export {seconds:6.2f} s ({rows / seconds:9.0f} rows/s)")


def run(bench, report: Report) -> None:
    sizes = ((10_000, 3), (50_000, 1)) if bench.config.quick else ((100_000, 3), (1_000_000, 1))
    bodies = {rows: synthetic_mot(rows) for rows, _ in sizes}
    results: list[Measured] = []
    sizes_on_disk: dict[str, float] = {}
    work = Path(tempfile.mkdtemp(prefix="store-write-", dir=bench.config.work))
    try:
        # SQLite: the service's file under --data-dir.
        with ServeProcess(bench.binary, work / "sqlite", "--data-dir", str(work / "sqlite" / "data")) as service:
            total = 0
            for rows, rounds in sizes:
                measured = Measured("SQLite", rows)
                for index in range(rounds):
                    one_round(service, None, bodies[rows], rows, f"sqlite {rows} {index}", measured)
                    total += rows
                results.append(measured)
            files = [path for path in (work / "sqlite" / "data").rglob("*") if path.is_file()
                     and (".sqlite" in path.name or path.name.endswith((".db", ".db-wal", ".db-shm")))]
            sizes_on_disk["SQLite"] = sum(path.stat().st_size for path in files) / total
        with PostgresServer(durable=True) as server:
            url = server.create_database("bench", "bench-password", "bench")
            with ServeProcess(bench.binary, work / "postgres", "--data-dir", str(work / "postgres" / "data"),
                              "--database-url", url) as service:
                total = 0
                for rows, rounds in sizes:
                    measured = Measured("PostgreSQL", rows)
                    for index in range(rounds):
                        one_round(service, server, bodies[rows], rows, f"postgres {rows} {index}", measured)
                        total += rows
                    results.append(measured)
                table_bytes = int(server.psql("SELECT pg_total_relation_size('track_records')", database="bench"))
                sizes_on_disk["PostgreSQL"] = table_bytes / total
                postgres_version = server.psql("SHOW server_version", database="bench")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    largest = sizes[-1][0]
    for measured in results:
        if measured.rows != largest:
            continue
        imports, exports = median(measured.imports), median(measured.exports)
        report.rows.append(Row(f"records per second, {measured.store}: `POST /cameras/{{id}}/tracks`, {largest:,} MOT rows "
                               "(one transaction); the baseline column: the export, `GET ?format=mot`",
                               f"{largest / imports:,.0f} rows/s ({imports:.1f} s)",
                               f"export {largest / exports:,.0f} rows/s ({exports:.1f} s)", "-"))
    table = ["## Track store: records written and read a second", "",
             "Through the real binary over loopback HTTP; the import's wall is the request (upload, parse, store); "
             "CPU is the service's and (PostgreSQL) the server's processes over the import. Medians over the rounds.", "",
             "| store | rows | rounds | import s | import rows/s | service CPU s | database CPU s | export s | export rows/s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for m in results:
        imports, exports = median(m.imports), median(m.exports)
        table.append(f"| {m.store} | {m.rows:,} | {len(m.imports)} | {imports:.2f} | {m.rows / imports:,.0f} | "
                     f"{median(m.service_cpu):.2f} | {median(m.database_cpu):.2f} | {exports:.2f} | {m.rows / exports:,.0f} |")
    table += ["", f"Bytes a record takes on disk after the case (table and indexes): SQLite "
              f"{sizes_on_disk['SQLite']:.0f} (the database file and its WAL), PostgreSQL {sizes_on_disk['PostgreSQL']:.0f} "
              f"(`pg_total_relation_size('track_records')`, PostgreSQL {postgres_version}). A camera at 7 fps with 5 "
              f"people in view writes 35 records a second, 3.0M a day: about "
              f"{3.024e6 * sizes_on_disk['PostgreSQL'] / 1e9:.2f} GB a day in PostgreSQL "
              f"({3.024e6 * sizes_on_disk['SQLite'] / 1e9:.2f} GB in SQLite)."]
    report.sections.append(table)
    report.notes.append("- store_write: PostgreSQL runs on this machine with its default durability (fsync and "
                        "synchronous commit on), sharing the 2 cores with the service; SQLite is the service's file "
                        "(WAL, synchronous=FULL). The disk is this VM's; a networked database adds a round trip per 500-row INSERT.")
