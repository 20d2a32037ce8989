"""A real PostgreSQL for a test or a bench case: a fresh cluster in a temporary folder, listening on a
free loopback port and on a unix socket in that folder, stopped and removed when the `with` block ends.

The binaries are Debian's (`postgresql`, in the Makefile's APT_PACKAGES), the newest version under
/usr/lib/postgresql. initdb and postgres refuse to run as root: under root (as `make test` runs in CI
containers) they run as `nobody` through runuser, as Tests/VideoTrackerTests/Support/PostgresServer.swift
does for the Swift tests.

Local (socket) connections are trusted, so this process creates roles and databases as `postgres` with
psql; TCP connections need a password (scram-sha-256), as a cluster's database would.
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Optional
from urllib.parse import quote


def binaries() -> Path:
    versions = [int(name) for name in os.listdir("/usr/lib/postgresql") if name.isdigit()] \
        if os.path.isdir("/usr/lib/postgresql") else []
    for version in sorted(versions, reverse=True):
        folder = Path(f"/usr/lib/postgresql/{version}/bin")
        if (folder / "initdb").is_file():
            return folder
    raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin: "
                       "`make deps` installs the postgresql package")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    def __init__(self, port: Optional[int] = None, durable: bool = False) -> None:
        """`durable`: PostgreSQL's own defaults (fsync, synchronous commit), for a bench that measures writes;
        else those are off, as a test's throwaway cluster needs nothing to survive a crash."""
        self.bin = binaries()
        self.port = port or _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="video-tracker-postgres-"))
        self.data = self.folder / "data"
        self.socket_folder = self.folder / "socket"
        self.log = self.folder / "server.log"
        self.as_nobody = os.geteuid() == 0
        self.started = False
        self.durable = durable

    def _server_command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin / program), *args]
        return ["/usr/sbin/runuser", "-u", "nobody", "--", *command] if self.as_nobody else command

    def start(self) -> "PostgresServer":
        self.socket_folder.mkdir()
        if self.as_nobody:
            nobody = pwd.getpwnam("nobody")
            for path in (self.folder, self.socket_folder):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
        self._run(self._server_command("initdb", "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
                                       "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C"))
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_folder}"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(self._server_command("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                                       "-o", options, "start"))
        self.started = True
        return self

    def stop(self) -> None:
        if self.started:
            subprocess.run(self._server_command("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            self.started = False
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "PostgresServer":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Runs `sql` as the superuser over the unix socket (trusted); returns the unaligned output."""
        result = subprocess.run([str(self.bin / "psql"), "-h", str(self.socket_folder), "-p", str(self.port),
                                 "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-X", "-A", "-t", "-c", sql],
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"psql {sql!r} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def create_database(self, user: str, password: str, database: str) -> str:
        """A login role with `password` owning a new `database`; returns its URL over TCP."""
        literal = password.replace("'", "''")
        self.psql(f'CREATE ROLE "{user}" LOGIN PASSWORD \'{literal}\'')
        self.psql(f'CREATE DATABASE "{database}" OWNER "{user}"')
        return self.url(user, password, database)

    def url(self, user: str, password: str, database: str) -> str:
        return (f"postgres://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}/"
                f"{quote(database, safe='')}?sslmode=disable")

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def _run(self, command: list[str]) -> None:
        # The server's output goes to its log (pg_ctl -l); nothing here waits on a pipe the server holds.
        with open(self.folder / "commands.log", "ab") as errors:
            result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=errors, stderr=errors, timeout=120)
        if result.returncode != 0:
            tail = (self.folder / "commands.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {tail}")
