"""A static file server with HTTP Range support, for tests and manual runs on loopback.

Python's http.server answers every GET with the whole file; the tracker reads videos with
ranged requests (as it does from the platform's stream URLs), so this subclass answers
`Range: bytes=a-b`, `bytes=a-` and `bytes=-n` with 206 and 416 as a real server would.

Run by hand: python3 Deploy/tests/range_server.py --port 8000 ../shared/testdata/sot/Crossing
"""
from __future__ import annotations

import argparse
import os
import re
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO, Optional
from urllib.parse import parse_qs, urlsplit

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """Serves files under `directory`, honouring a single byte range per request."""

    # Set per server: the jwt query value every request must carry (None: no check).
    required_jwt: Optional[str] = None

    def log_message(self, format: str, *args: object) -> None:
        # Keep pytest output clean; the server records paths on itself instead.
        pass

    def send_head(self) -> Optional[BinaryIO]:
        # (path, Range header) of every request, so tests can see how the video was read.
        self.server.requests.append((self.path, self.headers.get("Range")))  # type: ignore[attr-defined]
        if self.required_jwt is not None:
            token = parse_qs(urlsplit(self.path).query).get("jwt", [None])[0]
            if token != self.required_jwt:
                self.send_error(HTTPStatus.UNAUTHORIZED, "missing or wrong jwt")
                return None
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            return super().send_head()
        try:
            handle = open(path, "rb")
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        size = os.fstat(handle.fileno()).st_size
        header = self.headers.get("Range")
        if header is None:
            self.send_response(HTTPStatus.OK)
            self._common_headers(path, size)
            self.end_headers()
            self._remaining = size
            return handle
        span = self._parse_range(header, size)
        if span is None:
            handle.close()
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        start, end = span
        handle.seek(start)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self._common_headers(path, end - start + 1)
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        self._remaining = end - start + 1
        return handle

    def copyfile(self, source: BinaryIO, outputfile: BinaryIO) -> None:
        # Send only the requested span, not the rest of the file after the seek.
        remaining = self._remaining
        while remaining > 0:
            chunk = source.read(min(64 * 1024, remaining))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)

    def _common_headers(self, path: str, length: int) -> None:
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")

    @staticmethod
    def _parse_range(header: str, size: int) -> Optional[tuple[int, int]]:
        """(first, last) byte inclusive, or None when unsatisfiable or not a single range."""
        match = _RANGE.match(header.strip())
        if match is None or match.group(1) == match.group(2) == "":
            return None
        first, last = match.group(1), match.group(2)
        if first == "":  # suffix range: the last n bytes
            count = int(last)
            if count == 0:
                return None
            return max(0, size - count), size - 1
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if start >= size or end < start:
            return None
        return start, end


class RangeServer:
    """A threaded loopback server in the background; use as a context manager."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 0,
                 required_jwt: Optional[str] = None) -> None:
        handler = type("Handler", (RangeRequestHandler,), {"required_jwt": required_jwt})
        self.httpd = ThreadingHTTPServer((host, port), partial(handler, directory=str(directory)))
        self.httpd.daemon_threads = True
        self.httpd.requests = []  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[tuple[str, Optional[str]]]:
        return self.httpd.requests  # type: ignore[attr-defined]

    def __enter__(self) -> "RangeServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a folder over HTTP with Range support.")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    server = RangeServer(args.directory, args.host, args.port)
    print(f"serving {args.directory} at {server.base_url}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
