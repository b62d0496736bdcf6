"""A bounded HTTP/1.1 server: h11 speaks the protocol, this module only moves bytes.

Why h11 (already installed with httpx) and not uvicorn + starlette, the other fit:
- faults must drop a connection without any answer (a reset before or after the body
  is read); ASGI cannot, while h11 leaves the socket with us;
- slow clients: uvicorn only times out idle keep-alive connections, not a request head or
  body dripping in a byte at a time, so those deadlines would be ours anyway;
- many tests start a sandbox: one selector thread starts in about a millisecond, with no
  event loop, no new imports and nothing for PyInstaller to discover.
h11 parses request lines, headers, Content-Length and chunked bodies (a malformed chunk
size is a RemoteProtocolError -> 400) and frames every answer (chunked for SSE).

Model: one I/O thread owns every idle or reading connection through a selector (non-blocking
reads, no thread per connection). A complete request goes to a bounded pool of workers that
answer with blocking writes under a timeout, then hand keep-alive connections back.
Bounds (``HttpLimits``): connections (at the cap the longest-idle keep-alive one makes room,
else the new one is closed), worker threads, the body
of one request (Content-Length checked before reading, chunked counted as it arrives), all
bodies buffered at once, idle keep-alive time, a deadline for the head and a minimum rate
for the body (like Apache's mod_reqtimeout), and a timeout for each write.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import h11

from editor.sandbox.exchange import Conn, Exchange, HttpLimits

__all__ = ["App", "BoundedServer", "Exchange", "HttpLimits"]


class App(Protocol):
    def on_head(self, ex: Exchange) -> bool:
        """I/O thread, once the headers are in: False drops the connection (no answer)."""

    def handle(self, ex: Exchange) -> None:
        """Worker thread, once the body is in: answer with ``ex.send`` / ``ex.abort``."""

    def error_body(self, status: int, message: str) -> tuple[bytes, str]:
        """(body, content type) of a protocol-level refusal (400, 408, 413, 431, 503)."""

    def log(self, line: str) -> None: ...


class BoundedServer:
    """Serve ``app`` on (host, port) within ``limits`` until ``stop()``."""

    def __init__(self, host: str, port: int, app: App, limits: HttpLimits) -> None:
        self.app, self.limits = app, limits
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.create_server((host.strip("[]"), port), family=family, backlog=128)
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._sel.register(self._listener, selectors.EVENT_READ, "accept")
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._conns: set[Conn] = set()
        self._handback: list[tuple[Conn, str]] = []
        self._lock = threading.Lock()
        self._buffered = 0
        self._stopping = threading.Event()
        self._workers = ThreadPoolExecutor(limits.max_workers, thread_name_prefix="sandbox-http")
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"sandbox-{self.port}")

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._conns)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake()
        self._thread.join(timeout=5)
        self._workers.shutdown(wait=False, cancel_futures=True)

    # -- the I/O thread ---------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                for key, _ in self._sel.select(self._next_timeout()):
                    if key.data == "accept":
                        self._accept()
                    elif key.data == "wake":
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(4096)
                    else:
                        self._readable(key.data)
                self._take_handbacks()
                self._expire()
        finally:
            self._sel.close()
            for sock in (self._listener, self._wake_r, self._wake_w):
                sock.close()
            with self._lock:
                conns = list(self._conns)
            for conn in conns:  # workers blocked on a write see an error at once
                with contextlib.suppress(OSError):
                    conn.sock.shutdown(socket.SHUT_RDWR)
                conn.close()

    def _next_timeout(self) -> float:
        now = time.monotonic()
        with self._lock:
            waiting = [c.deadline for c in self._conns if c.state != "busy"]
        return max(0.0, min([now + 0.5, *waiting]) - now)

    def _accept(self) -> None:
        while True:
            try:
                sock, addr = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of file descriptors: keep serving the others
                self.app.log(f"accept failed ({exc.strerror or exc})")
                return
            if self.open_connections >= self.limits.max_connections and not self._evict_idle():
                self.app.log(f"{addr[0]} refused: {self.limits.max_connections} connections open")
                sock.close()
                continue
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Conn(sock, str(addr[0]), self.limits.max_head)
            conn.deadline = time.monotonic() + self.limits.idle_timeout
            with self._lock:
                self._conns.add(conn)
            self._sel.register(sock, selectors.EVENT_READ, conn)

    def _evict_idle(self) -> bool:
        """At the cap, the longest-idle keep-alive connection makes room (a flood of idle
        connections cannot lock out clients that have something to ask)."""
        with self._lock:
            idle = [c for c in self._conns if c.state == "idle"]
        if not idle:
            return False
        self._drop(min(idle, key=lambda c: c.deadline))
        return True

    def _readable(self, conn: Conn) -> None:
        try:
            reading_body = conn.state in ("body", "draining")
            data = conn.sock.recv(256 * 1024 if reading_body else self.limits.max_head)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if conn.state == "draining":
            if not data:
                self._drop(conn)
            return
        if conn.state == "idle" and data:
            conn.state, conn.deadline = "head", time.monotonic() + self.limits.head_timeout
        try:
            conn.h11.receive_data(data)
        except RuntimeError:  # data after the client's close
            self._drop(conn)
            return
        self._pump(conn)

    def _pump(self, conn: Conn) -> None:
        """Turn buffered bytes into events until more data is needed or a request is whole."""
        limits = self.limits
        while True:
            try:
                event = conn.h11.next_event()
            except h11.RemoteProtocolError as exc:
                self._refuse(conn, exc.error_status_hint, _protocol_message(exc))
                return
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Request):
                if not self._on_request(conn, event):
                    return
            elif isinstance(event, h11.Data):
                if not self._take_body(conn, event.data):
                    return
                conn.deadline = (
                    conn.body_start + limits.body_grace + len(conn.body) / limits.body_min_rate
                )
            elif isinstance(event, h11.EndOfMessage):
                assert conn.ex is not None
                conn.ex.body = conn.body
                self._dispatch(conn)
                return
            else:  # ConnectionClosed
                self._drop(conn)
                return

    def _on_request(self, conn: Conn, request: h11.Request) -> bool:
        conn.ex = ex = Exchange(conn, request)
        try:
            keep = self.app.on_head(ex)
        except Exception as exc:  # a bug in the app: one line, the client gets a 500
            self.app.log(f"{conn.peer} request head failed: {type(exc).__name__}: {exc}")
            self._refuse(conn, 500, "The sandbox failed on this request.")
            return False
        if not keep:
            self._drop(conn, reset=True)
            return False
        try:
            length = int(ex.header("content-length") or 0)  # h11 has checked the digits
        except ValueError:
            length = 0
        if length > self.limits.max_body:
            self._refuse(conn, 413, _too_large(self.limits.max_body))
            return False
        if conn.h11.they_are_waiting_for_100_continue:
            with contextlib.suppress(OSError):
                continue_ = h11.InformationalResponse(status_code=100, headers=[])
                conn.sock.send(conn.h11.send(continue_) or b"")
        conn.state, conn.body_start = "body", time.monotonic()
        conn.deadline = conn.body_start + self.limits.body_grace
        return True

    def _take_body(self, conn: Conn, data: bytes) -> bool:
        if len(conn.body) + len(data) > self.limits.max_body:
            self._refuse(conn, 413, _too_large(self.limits.max_body))
            return False
        with self._lock:
            if self._buffered + len(data) > self.limits.max_buffered:
                busy = True
            else:
                busy, self._buffered = False, self._buffered + len(data)
        if busy:
            self._refuse(conn, 503, "The sandbox holds too many large uploads; retry shortly.")
            return False
        conn.body += data
        return True

    def _release_body(self, conn: Conn) -> None:
        with self._lock:
            self._buffered -= len(conn.body)
        conn.body = bytearray()

    def _refuse(self, conn: Conn, status: int, message: str) -> None:
        """Answer an error from a worker, then drain what the client still sends and close."""
        self._release_body(conn)
        conn.refusal = (status, message)
        self._dispatch(conn)

    def _dispatch(self, conn: Conn) -> None:
        conn.state = "busy"
        with contextlib.suppress(KeyError, ValueError):
            self._sel.unregister(conn.sock)
        try:
            self._workers.submit(self._serve, conn)
        except RuntimeError:  # shutting down
            self._drop(conn)

    def _drop(self, conn: Conn, reset: bool = False) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._sel.unregister(conn.sock)
        with self._lock:
            self._conns.discard(conn)
        self._release_body(conn)
        if reset:
            conn.reset()
        else:
            conn.close()

    def _expire(self) -> None:
        now = time.monotonic()
        with self._lock:
            late = [c for c in self._conns if c.state != "busy" and c.deadline <= now]
        for conn in late:
            if conn.state == "body":  # the request is known: say why it ends
                self._refuse(conn, 408, "The request body arrived too slowly; send it again.")
            else:  # idle, a head that never completed, or a finished drain
                if conn.state == "head":
                    self.app.log(f"{conn.peer} timed out sending a request head")
                self._drop(conn)

    def _take_handbacks(self) -> None:
        with self._lock:
            handback, self._handback = self._handback, []
        for conn, mode in handback:
            if conn.closed:
                self._drop(conn)
                continue
            try:
                conn.sock.setblocking(False)
                self._sel.register(conn.sock, selectors.EVENT_READ, conn)
            except (OSError, ValueError, KeyError):
                self._drop(conn)
                continue
            if mode == "drain":
                conn.state, conn.deadline = "draining", time.monotonic() + self.limits.linger
                continue
            conn.no_body = False
            pending = bool(conn.h11.trailing_data[0])
            conn.state = "head" if pending else "idle"
            timeout = self.limits.head_timeout if pending else self.limits.idle_timeout
            conn.deadline = time.monotonic() + timeout
            self._pump(conn)  # a pipelined request may already be buffered

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    # -- workers ----------------------------------------------------------------------

    def _serve(self, conn: Conn) -> None:
        try:
            conn.sock.settimeout(self.limits.write_timeout)
            if conn.refusal is not None:
                self._send_refusal(conn, *conn.refusal)
            else:
                assert conn.ex is not None
                try:
                    self.app.handle(conn.ex)
                except (OSError, h11.LocalProtocolError):
                    raise
                except Exception as exc:  # a bug in the app: one line, no traceback
                    self.app.log(f"{conn.peer} {conn.ex.method} {conn.ex.path} failed: {exc!r}")
                    if not conn.ex.answered:
                        self._send_refusal(conn, 500, "The sandbox failed on this request.")
        except (OSError, h11.LocalProtocolError):  # the client left, or timed out reading
            conn.reset()
        except Exception as exc:
            self.app.log(f"{conn.peer} connection failed: {exc!r}")
            conn.reset()
        finally:
            self._release_body(conn)
            conn.ex, conn.refusal = None, None
        self._after_answer(conn)

    def _send_refusal(self, conn: Conn, status: int, message: str) -> None:
        body, ctype = self.app.error_body(status, message)
        if conn.h11.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            conn.reset()
            return
        headers = [("content-type", ctype), ("content-length", str(len(body)))]
        conn.write(h11.Response(status_code=status, headers=[*headers, ("connection", "close")]))
        conn.write(h11.Data(data=body))
        conn.write(h11.EndOfMessage())

    def _after_answer(self, conn: Conn) -> None:
        """Keep-alive: back to the I/O thread; after an error: drain, then close."""
        mode = "close"
        if not conn.closed and not self._stopping.is_set():
            ours, theirs = conn.h11.our_state, conn.h11.their_state
            if ours is h11.DONE and theirs is h11.DONE:
                conn.h11.start_next_cycle()
                mode = "keep"
            elif ours in (h11.DONE, h11.MUST_CLOSE) and theirs in (h11.SEND_BODY, h11.ERROR):
                with contextlib.suppress(OSError):
                    conn.sock.shutdown(socket.SHUT_WR)  # the answer goes out; then drain
                mode = "drain"
        if mode == "close":
            with self._lock:
                self._conns.discard(conn)
            conn.close()
            return
        with self._lock:
            self._handback.append((conn, mode))
        self._wake()


def _protocol_message(exc: h11.RemoteProtocolError) -> str:
    if exc.error_status_hint == 431:
        return "The request head (line and headers) is too large."
    what = str(exc).split(":")[0]
    return f"Malformed HTTP request ({what}); check the request line, headers and chunk sizes."


def _too_large(limit: int) -> str:
    return f"The request body is larger than the sandbox accepts ({limit // 2**20} MB)."
