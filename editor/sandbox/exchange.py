"""One HTTP exchange as the sandbox's app sees it, over a connection driven by h11, and
the limits the server holds every connection to."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import h11

Body = bytes | bytearray


@dataclass(frozen=True)
class HttpLimits:
    """What one sandbox allows (times in seconds, sizes in bytes)."""

    max_connections: int = 256
    max_workers: int = 8
    max_body: int = 256 * 2**20
    max_buffered: int = 512 * 2**20  # request bodies held at once, all connections
    max_head: int = 64 * 2**10  # h11 refuses a head still incomplete past this (431)
    idle_timeout: float = 30.0  # keep-alive, waiting for the next request
    head_timeout: float = 10.0  # from its first byte to the end of the headers
    body_grace: float = 10.0  # then the body must keep up with body_min_rate
    body_min_rate: float = 64 * 2**10
    write_timeout: float = 30.0
    linger: float = 2.0  # after an error answer, unread input is drained this long


class Exchange:
    """One request on one connection, as the app sees it."""

    def __init__(self, conn: Conn, request: h11.Request) -> None:
        self._conn = conn
        self.method = request.method.decode("ascii", "replace")
        self.target = request.target.decode("ascii", "replace")
        self.path = urlsplit(self.target).path
        self.headers: dict[str, str] = {}
        for name, value in request.headers:
            self.headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
        self.body: Body = b""
        self.context: Any = None  # what on_head leaves for handle
        self.client = conn.peer
        conn.no_body = self.method == "HEAD"  # h11 refuses body data in answers to HEAD

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def answered(self) -> bool:
        return self._conn.h11.our_state is not h11.SEND_RESPONSE or self._conn.closed

    def send_head(self, status: int, headers: Iterable[tuple[str, str]]) -> None:
        try:
            reason = HTTPStatus(status).phrase.encode()
        except ValueError:
            reason = b""
        head = [("server", "MaskEditorSandbox/2.0"), *headers]
        self._conn.write(h11.Response(status_code=status, headers=head, reason=reason))

    def send_data(self, data: bytes) -> None:
        if data:
            self._conn.write(h11.Data(data=data))

    def end(self) -> None:
        self._conn.write(h11.EndOfMessage())

    def send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        stream: Iterable[bytes] | None = None,
    ) -> None:
        """A whole answer (Content-Length), or a chunked one fed from ``stream``."""
        head = [("content-type", content_type), *(headers or {}).items()]
        if stream is None:
            self.send_head(status, [*head, ("content-length", str(len(body)))])
            self.send_data(body)
        else:
            self.send_head(status, [*head, ("transfer-encoding", "chunked")])
            for chunk in stream:
                self.send_data(chunk)
        self.end()

    def abort(self) -> None:
        """Drop the connection without an answer (RST: unread data is discarded)."""
        self._conn.reset()


class Conn:
    """A client connection: its socket, its h11 state machine and the request being read."""

    def __init__(self, sock: socket.socket, peer: str, max_head: int) -> None:
        self.sock, self.peer = sock, peer
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=max_head)
        self.state = "idle"  # idle | head | body | busy | draining
        self.deadline = 0.0
        self.body_start = 0.0
        self.body = bytearray()
        self.ex: Exchange | None = None
        self.refusal: tuple[int, str] | None = None
        self.closed = False
        self.no_body = False
        self.lock = threading.Lock()

    def write(self, event: Any) -> None:
        if self.no_body and isinstance(event, h11.Data):
            return
        data = self.h11.send(event)
        if data:
            self.sock.sendall(data)

    def reset(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.closed = True
        with contextlib.suppress(OSError):
            self.sock.close()
