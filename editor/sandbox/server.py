"""The sandbox server object (used by tests and the CLI) and the foreground ``serve``."""

from __future__ import annotations

import hmac
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO

from editor.core.errors import EditorError
from editor.sandbox.connections import BoundedServer, HttpLimits
from editor.sandbox.faults import Fault, FaultQueue
from editor.sandbox.fetch import Fetcher
from editor.sandbox.handlers import SandboxApp
from editor.sandbox.images import is_loopback
from editor.sandbox.reply import Reply, fashn_error
from editor.sandbox.state import DEFAULT_LIMITS, DEMO_DELAYS, PHASES, Job, SlidingWindow, Stats


class Sandbox:
    """A FASHN + OpenAI-compatible server on loopback for tests and offline demos.

    ``key=None`` accepts any non-empty bearer key. ``delays`` (seconds per status,
    a dict or one number) default to 0. ``limits`` overrides the per-key sliding
    windows, e.g. ``{"status": (5, 1.0)}``; ``concurrency`` caps running jobs per key.
    ``http`` bounds connections, threads, bodies and timeouts (``HttpLimits``).
    ``fetch_from`` lists the loopback origins (``http://127.0.0.1:9000``) whose image URLs
    FASHN inputs may name; the sandbox's own ``/outputs/`` are always served in-process.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        key: str | None = None,
        credits: float = 100.0,
        delays: dict[str, float] | float | None = None,
        *,
        concurrency: int = 6,
        limits: dict[str, tuple[int, float]] | None = None,
        allow_remote: bool = False,
        log: TextIO | None = None,
        http: HttpLimits | None = None,
        fetch_from: Iterable[str] = (),
    ) -> None:
        if not is_loopback(host) and not allow_remote:
            raise EditorError(
                f"The sandbox serves only on loopback (127.0.0.1), not {host!r}; "
                "pass allow_remote=True if you really mean to expose it on a network."
            )
        self.host, self.port, self.key = host, port, key
        self.balance: float = float(credits)
        self.delays: dict[str, float] = {name: 0.0 for name in PHASES}
        self.set_delays(delays)
        self.concurrency = concurrency
        self.max_jobs = 500  # older finished jobs are forgotten (404), like expired outputs
        windows = {**DEFAULT_LIMITS, **(limits or {})}
        self.limiters = {name: SlidingWindow(*value) for name, value in windows.items()}
        self.jobs: dict[str, Job] = {}
        self.stats = Stats()
        self.faults = FaultQueue()
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self._log = log
        self.http = http or HttpLimits()
        self.fetcher = Fetcher(fetch_from)
        self._outputs: dict[str, tuple[list[bytes], str]] = {}
        self._server: BoundedServer | None = None
        self._pool: ThreadPoolExecutor | None = None

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> Sandbox:
        """Listen and serve in a daemon thread; returns once the socket is listening."""
        if self._server is not None:
            return self
        self.stopping.clear()
        server = BoundedServer(self.host, self.port, SandboxApp(self), self.http)
        self._server = server
        self.port = server.port
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sandbox-job")
        server.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and abandon unfinished work."""
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()
        server.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8787`` (FASHN base; OpenAI base is url + /v1)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- test controls ---------------------------------------------------------------

    def inject(self, fault: str, /, times: int = 1, **params: Any) -> Fault:
        """Queue a named fault (see ``editor.sandbox`` docs) for the next matching request(s)."""
        return self.faults.inject(fault, times, **params)

    def set_delays(
        self, delays: dict[str, float] | float | None = None, **per_status: float
    ) -> None:
        """Seconds spent in each of starting / in_queue / processing (live, all jobs)."""
        if isinstance(delays, int | float):
            delays = dict.fromkeys(PHASES, float(delays))
        for name, value in {**(delays or {}), **per_status}.items():
            if name not in PHASES:
                raise ValueError(f"unknown status {name!r}; use {PHASES}")
            self.delays[name] = float(value)

    @property
    def credits(self) -> float:
        with self.lock:
            return self.balance

    @credits.setter
    def credits(self, value: float) -> None:
        with self.lock:
            self.balance = float(value)

    def expire(self, job_id: str) -> None:
        """Forget a job: its status and outputs answer 404 from now on."""
        with self.lock:
            job = self.jobs.get(job_id)
            if job is not None:
                job.expired = True
            self._outputs.pop(job_id, None)

    # -- used by the handlers ------------------------------------------------------------

    def accepts(self, key: str | None) -> bool:
        if not key:
            return False
        return self.key is None or hmac.compare_digest(key.encode(), self.key.encode())

    def submit_work(self, fn: Callable[..., None], *args: Any) -> None:
        if self._pool is None or self.stopping.is_set():
            return
        try:
            self._pool.submit(fn, *args)
        except RuntimeError:  # shutting down
            pass

    def store_outputs(self, out_id: str, blobs: list[bytes], mime: str) -> None:
        with self.lock:
            self._outputs[out_id] = (blobs, mime)

    def _lookup(self, out_id: str, index: int) -> tuple[bytes, str] | None:
        with self.lock:
            job = self.jobs.get(out_id)
            if job is not None:
                if job.expired or not job.done.is_set() or index >= len(job.outputs):
                    return None
                mime = "image/jpeg" if job.output_format == "jpeg" else "image/png"
                return job.outputs[index], mime
            blobs, mime = self._outputs.get(out_id, ([], ""))
            return (blobs[index], mime) if index < len(blobs) else None

    def output_reply(self, ref: str) -> Reply:
        out_id, _, index = ref.partition("/")
        found = self._lookup(out_id, int(index))
        if found is None:
            return fashn_error(404, "NotFound", "This output does not exist or has expired.")
        return Reply(200, found[0], found[1])

    def local_output(self, path: str) -> bytes | None:
        """Bytes of ``/outputs/<id>/<n>.<ext>`` on this server (inputs that point here)."""
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "outputs":
            return None
        index = parts[2].split(".")[0]
        found = self._lookup(parts[1], int(index)) if index.isdigit() else None
        return found[0] if found else None

    @property
    def open_connections(self) -> int:
        """Connections the server holds now (idle, reading or being answered)."""
        return self._server.open_connections if self._server is not None else 0

    def log(self, line: str) -> None:
        if self._log is not None:
            print(line, file=self._log, flush=True)


def serve(
    host: str = "127.0.0.1",
    port: int = 8787,
    key: str | None = None,
    *,
    allow_remote: bool = False,
    credits: float = 1000.0,
    delays: dict[str, float] | float | None = None,
) -> int:
    """Run the sandbox in the foreground until Ctrl+C (``mask-editor-cli sandbox``)."""
    sandbox = Sandbox(
        host, port, key, credits, DEMO_DELAYS if delays is None else delays,
        allow_remote=allow_remote, log=sys.stderr,
    )  # fmt: skip
    try:
        sandbox.start()
    except OSError as exc:
        raise EditorError(
            f"The sandbox cannot listen on {host}:{port} ({exc.strerror or exc}); "
            "pick another port with --port."
        ) from None
    auth = "the key given with --key" if key else "any non-empty bearer key"
    previous = None
    try:  # from here on Ctrl+C stops the server cleanly, even during the banner
        fashn = "(POST /v1/run, GET /v1/status/ID, GET /v1/credits)"
        print(
            f"Sandbox listening on {sandbox.url}\n"
            f"  FASHN:  base URL {sandbox.url}  {fashn}\n"
            f"  OpenAI: base URL {sandbox.url}/v1  (POST /v1/images/edits)\n"
            f"  Auth: {auth}. Credits: {credits:g}. Press Ctrl+C to stop.",
            flush=True,
        )
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _raise_interrupt)  # stop cleanly on TERM
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("Sandbox stopped.", flush=True)
    finally:
        sandbox.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
