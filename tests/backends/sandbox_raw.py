"""Raw-socket helpers for the sandbox hardening tests and tests/benchmarks/bench_sandbox.py:
requests no HTTP client would send, a sandbox in its own process, and its memory and
threads as the kernel reports them. Answers are read with http.client's parser."""

from __future__ import annotations

import http.client
import io
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import Any

KEY = "sk-raw-test"
MB = 2**20
ROOT = Path(__file__).resolve().parents[2]


def connect(port: int, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class _KeepOpen(io.BufferedReader):
    def close(self) -> None:  # http.client closes its reader after each answer
        pass


class _SharedReader:
    """Gives http.client one buffered reader per socket: a fresh ``makefile`` per answer
    would swallow pipelined answers that arrived with the first one into a buffer that is
    then thrown away."""

    def __init__(self, sock: socket.socket) -> None:
        self.fp = _KeepOpen(socket.SocketIO(sock, "rb"))

    def makefile(self, *_args: object, **_kwargs: object) -> Any:
        return self.fp


_readers: weakref.WeakKeyDictionary[socket.socket, _SharedReader] = weakref.WeakKeyDictionary()


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of the next answer on ``sock``."""
    reader = _readers.get(sock)
    if reader is None:
        reader = _readers[sock] = _SharedReader(sock)
    resp = http.client.HTTPResponse(reader)  # type: ignore[arg-type]
    resp.begin()
    headers = {k.lower(): v for k, v in resp.getheaders()}
    return resp.status, headers, resp.read()


def exchange(port: int, raw: bytes, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` bytes on a new connection and read one answer."""
    with connect(port, timeout) as sock:
        sock.sendall(raw)
        return read_response(sock)


def closed_by_peer(sock: socket.socket, timeout: float) -> float | None:
    """Seconds until the server closes ``sock`` (EOF or reset), None if still open."""
    start = time.monotonic()
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return None
    except OSError:
        pass
    return time.monotonic() - start


def chunked_head(path: str = "/v1/run") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()


def upload_while_reading(
    port: int, head: bytes, body_chunks: int, chunk: bytes, timeout: float = 60.0
) -> tuple[int | None, int, float]:
    """Send ``head`` then ``chunk`` ``body_chunks`` times from a thread while the answer is
    read: (status or None if the connection died first, bytes sent, seconds)."""
    sent = [0]
    start = time.monotonic()
    with connect(port, timeout) as sock:
        sock.sendall(head)

        def pump() -> None:
            try:
                for _ in range(body_chunks):
                    sock.sendall(chunk)
                    sent[0] += len(chunk)
                sock.shutdown(socket.SHUT_WR)  # the end of the stream, for readers-to-EOF
            except OSError:
                pass  # the server answered and closed: expected

        writer = threading.Thread(target=pump, daemon=True)
        writer.start()
        try:
            status: int | None = read_response(sock)[0]
        except (OSError, http.client.HTTPException):
            status = None
        elapsed = time.monotonic() - start
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        writer.join(timeout)
    return status, sent[0], elapsed


class ServerProcess:
    """``mask-editor-cli sandbox``'s ``serve`` in a child process (its own memory), run
    from ``root`` (this checkout by default)."""

    def __init__(self, root: Path = ROOT) -> None:
        code = f"from editor.sandbox import serve; raise SystemExit(serve('127.0.0.1', 0, {KEY!r}))"
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed in stop(); not a pipe
        self.err = ""
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            cwd=root,  # ``editor`` is imported from here first (another checkout: --root)
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        match = re.search(r"127\.0\.0\.1:(\d+)", first)
        if match is None:
            self.proc.kill()
            raise RuntimeError(f"the sandbox did not start: {first!r}")
        self.port = int(match.group(1))

    def status(self) -> dict[str, int]:
        """VmRSS / VmHWM (kB) and Threads of the server process (Linux /proc)."""
        fields: dict[str, int] = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM", "Threads"):
                fields[name] = int(value.split()[0])
        return fields

    def stop(self) -> str:
        """Stop with Ctrl+C; returns what the server wrote on stderr."""
        if self.log.closed:
            return self.err
        if self.proc.poll() is None:
            self.proc.send_signal(2)
        try:
            self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
        self.log.seek(0)
        self.err = self.log.read()
        self.log.close()
        return self.err

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
