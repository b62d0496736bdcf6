"""The autosave's write queue: one worker thread runs named writes when they are due.

A newer write of the same member replaces a pending one (a debounced mask is written
once); a failed write is retried after ``retry_delay`` and reported at most once a
``REPORT_INTERVAL`` for the same message. ``Autosaver`` (editor.core.autosave) builds on
it; ``_prepare`` runs before every write (the autosave makes and locks its folder).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from editor.core.atomic import describe_os_error
from editor.core.threads import lower_thread_priority

log = logging.getLogger("editor.core.autosave")

RETRY_DELAY = 10.0  # a failed write is tried again after this many seconds
REPORT_INTERVAL = 60.0  # the same failure is reported again only after this many seconds


@dataclass
class _Task:
    due: float
    first: float
    run: Callable[[], None]
    seq: int = 0


class WriteQueue:
    """Named writes, each run once when due, on one worker thread."""

    folder: Path  # where the writes go (named in error messages)
    max_latency: float

    def __init__(self, on_error: Callable[[str], None] | None) -> None:
        self.on_error = on_error
        self.last_error: str | None = None  # None once every failed write succeeded again
        self._failing: set[str] = set()  # members whose last write failed (retry queued)
        self._reported: str | None = None
        self._reported_at = 0.0
        self._cond = threading.Condition()
        self._pending: dict[str, _Task] = {}
        self._busy = False
        self._running = ""
        self._closed = False
        self._seq = 0
        self._hold_until = 0.0  # nothing is due before this (see ``hold``)
        self.retry_delay = RETRY_DELAY
        # started now, not at the first write: Thread.start waits for the new thread to
        # run, which at the first write (a photo just opened) is a stall of the caller
        self._thread: threading.Thread | None = threading.Thread(
            target=self._worker, name="autosave", daemon=True
        )
        self._thread.start()

    def _prepare(self) -> None:
        """Runs in the worker before each write (may raise OSError)."""

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Write everything pending now and wait. True only when all of it is on disk:
        False if ``timeout`` ran out or a write failed (it is retried later)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            target = self._seq  # retries scheduled after this point are not waited for
            for task in self._pending.values():
                if task.seq <= target:
                    task.due = 0.0
            self._cond.notify_all()
            while self._busy or any(t.seq <= target for t in self._pending.values()):
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
            return not self._failing

    def hold(self, seconds: float) -> None:
        """Start no write for ``seconds``: writes already pending and those scheduled
        meanwhile wait, then run in the order they were asked for (``flush`` still
        writes at once)."""
        with self._cond:
            self._hold_until = max(self._hold_until, time.monotonic() + seconds)
            for task in self._pending.values():
                task.due = max(task.due, self._hold_until)
            self._cond.notify_all()

    def _schedule(self, name: str, run: Callable[[], None], delay: float) -> None:
        now = time.monotonic()
        with self._cond:
            if self._closed:
                return
            old = self._pending.get(name)
            first = old.first if old is not None else now
            due = min(now + delay, first + max(self.max_latency, delay))
            due = max(due, self._hold_until)
            self._seq += 1
            self._pending[name] = _Task(due, first, run, self._seq)
            self._cond.notify_all()

    def _worker(self) -> None:
        # a 100 MP source takes seconds to compress: the UI thread gets the CPU first
        lower_thread_priority()
        while True:
            with self._cond:
                while True:
                    if self._pending:
                        # the earliest due; of equal ones, the one asked for first
                        name = min(
                            self._pending,
                            key=lambda n: (self._pending[n].due, self._pending[n].seq),
                        )
                        wait = self._pending[name].due - time.monotonic()
                        if wait <= 0:
                            task = self._pending.pop(name)
                            self._busy, self._running = True, name
                            break
                        self._cond.wait(wait)
                    elif self._closed:
                        return
                    else:
                        self._cond.wait()
            try:
                self._prepare()
                task.run()
                with self._cond:
                    self._failing.discard(name)
                    if not self._failing:
                        self.last_error = None
            except OSError as error:
                with self._cond:
                    self._failing.add(name)
                self._retry(name, task)
                self._report(describe_os_error(error, self.folder, "autosave to"))
            except Exception as error:  # never let the worker die
                with self._cond:
                    self._failing.add(name)
                log.exception("Autosave of %s failed", name)
                self._report(f"Autosave of {name} failed: {type(error).__name__}: {error}")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _retry(self, name: str, task: _Task) -> None:
        """Try a failed write again later, unless a newer version is already queued."""
        with self._cond:
            if name not in self._pending and not self._closed:
                self._seq += 1
                now = time.monotonic()
                self._pending[name] = _Task(now + self.retry_delay, now, task.run, self._seq)

    def _report(self, message: str) -> None:
        message = " ".join(
            f"{message} Your work is still open in the editor; save it elsewhere.".split()
        )
        now = time.monotonic()
        repeat = message == self._reported and now - self._reported_at < REPORT_INTERVAL
        self.last_error = message
        if repeat:  # a full disk fails every stroke: tell the user once a minute
            return
        self._reported, self._reported_at = message, now
        log.warning("%s", message)
        if self.on_error is not None:
            self.on_error(message)
