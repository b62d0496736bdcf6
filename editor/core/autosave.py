"""Autosave of the working state to ``app_data_dir()/autosave/<instance>/``, and recovery.

Each running editor owns one instance folder holding the session members as loose files
(see ``editor.core.session``), so each part is written on its own: the mask after a
stroke ends (debounced), results as they arrive, the source when it changes. Writes run
on one worker thread, each atomically (temp + fsync + rename). The folder holds a
``lock`` file locked by the owning process; the OS drops that lock when the process dies,
so a folder that is unlocked and has no ``clean`` marker is what a crash left behind.
Callbacks (``on_error``, ``on_saved``) run on the worker thread: a GUI must forward them
to its own thread (e.g. a queued Qt signal).
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from editor.core.atomic import atomic_write, describe_os_error, try_lock
from editor.core.autosave_folders import (
    CLEAN,
    LOCK,
    crashed_folders,
    load_folder,
    lock_is_free,
)
from editor.core.codec import write_png
from editor.core.errors import EditorError
from editor.core.paths import app_data_dir
from editor.core.session import (
    MANIFEST,
    MASK,
    SOURCE,
    JobRecord,
    Session,
    build_manifest,
    dump_manifest,
    history_member,
    job_manifest,
    result_member,
)

__all__ = ["CLEAN", "Autosaver", "load_folder"]

log = logging.getLogger(__name__)

MASK_DELAY = 0.5  # seconds of quiet after the last stroke before the mask is written
MAX_MASK_LATENCY = 3.0  # ... but never later than this after the first unsaved stroke
RETRY_DELAY = 10.0  # a failed write is tried again after this many seconds
REPORT_INTERVAL = 60.0  # the same failure is reported again only after this many seconds


@dataclass
class _Task:
    due: float
    first: float
    run: Callable[[], None]
    seq: int = 0


@dataclass
class _JobState:
    slot: int
    record: JobRecord
    variants: set[int] = field(default_factory=set)


class Autosaver:
    """Keeps the working state on disk as it changes; finds what a crashed run left."""

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        delay: float = MASK_DELAY,
        max_latency: float = MAX_MASK_LATENCY,
        on_error: Callable[[str], None] | None = None,
        on_saved: Callable[[str], None] | None = None,
    ) -> None:
        self.root = Path(root) if root is not None else app_data_dir() / "autosave"
        self.folder = self.root / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        self.delay = delay
        self.max_latency = max_latency
        self.on_error = on_error
        self.on_saved = on_saved
        self.last_error: str | None = None  # None once every failed write succeeded again
        self._failing: set[str] = set()  # members whose last write failed (retry queued)
        self._reported: str | None = None
        self._reported_at = 0.0
        self.writes = 0  # completed file writes (tests, diagnostics)
        self._cond = threading.Condition()
        self._pending: dict[str, _Task] = {}
        self._busy = False
        self._running = ""
        self._closed = False
        self._seq = 0
        self.retry_delay = RETRY_DELAY
        self._thread: threading.Thread | None = None
        self._lock_fh: BinaryIO | None = None
        self._claimed: list[tuple[Path, BinaryIO]] = []
        # in-memory manifest state
        self._created = time.time()
        self._source_path: str | None = None
        self._source_shape: tuple[int, ...] | None = None
        self._prompt = ""
        self._settings: dict[str, Any] = {}
        self._history_ids: list[int] = []
        self._jobs: dict[str, _JobState] = {}

    # ------------------------------------------------------------ writing

    def save_source(
        self, source: np.ndarray, source_path: str | None = None, history: Sequence[Any] = ()
    ) -> None:
        """Write a new source (and the earlier sources) soon. Arrays must not be mutated."""
        self._source_path = source_path
        self._source_shape = source.shape
        self._schedule(SOURCE, lambda: self._write_png(SOURCE, source), 0.0)
        ids = [id(h) for h in history]
        for i, image in enumerate(history):
            if i >= len(self._history_ids) or self._history_ids[i] != ids[i]:
                name = history_member(i)
                self._schedule(name, functools.partial(self._write_png, name, image), 0.0)
        self._history_ids = ids
        self._schedule_manifest()

    def save_mask(self, mask: np.ndarray, *, copy: bool = True) -> None:
        """Write the mask after ``delay`` s without another call (copied now unless told)."""
        snapshot = mask.copy() if copy else mask
        self._schedule(MASK, lambda: self._write_png(MASK, snapshot), self.delay)

    def save_state(
        self,
        prompt: str,
        settings: dict[str, Any],
        jobs: Sequence[JobRecord] | None = None,
    ) -> None:
        """Record prompt, settings (keys are dropped) and job metadata."""
        self._prompt = prompt
        self._settings = dict(settings)
        for job in jobs or ():
            record = job.copy()
            record.images, record.thumbs, record.partial = [], [], None
            record.source = record.mask = None
            self._job(job.job_id).record = record
        self._schedule_manifest()

    def save_result(self, job_id: str, index: int, image: np.ndarray) -> None:
        """Write one variant of a job as soon as possible (the array must not be mutated)."""
        state = self._job(job_id)
        name = result_member(state.slot, int(index))

        def run() -> None:
            self._write_png(name, image)
            with self._cond:
                state.variants.add(int(index))
            self._write_manifest()

        self._schedule(name, run, 0.0)

    def save_session(self, session: Session) -> None:
        """Write everything (after opening a session file or recovering)."""
        self.save_source(session.source, session.source_path, session.history)
        self.save_mask(session.mask)
        self.save_state(session.prompt, session.settings, session.jobs)
        for job in session.jobs:
            for k, image in enumerate(job.images):
                self.save_result(job.job_id, k, image)

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

    def results_saved(self, job_id: str) -> bool:
        """True when every variant of ``job_id`` given so far is on disk (none pending or
        failing): only then may a paid job leave the journal."""
        with self._cond:
            state = self._jobs.get(job_id)
            if state is None:
                return False
            prefix = result_member(state.slot, 0).rsplit("/", 1)[0] + "/"
            busy = [n for n in (*self._pending, *self._failing) if n.startswith(prefix)]
            return not busy and not (self._busy and self._running.startswith(prefix))

    def close(self, *, keep: bool = False) -> None:
        """Clean exit: flush, mark the folder clean and (unless ``keep``) delete it."""
        self.flush()
        with self._cond:
            self._closed = True
            self._pending.clear()  # only failing retries are left; last_error says so
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._lock_fh is not None:
            try:
                atomic_write(self.folder / CLEAN, b"clean exit\n", mode=0o600)
            except OSError:
                pass
            self._lock_fh.close()
            self._lock_fh = None
            if not keep:
                shutil.rmtree(self.folder, ignore_errors=True)
        for _, fh in self._claimed:
            fh.close()
        self._claimed.clear()

    # ------------------------------------------------------------ recovery

    def _crashed_folders(self) -> list[Path]:
        return crashed_folders(self.root, skip={self.folder}, claimed={p for p, _ in self._claimed})

    def has_recovery(self) -> bool:
        """True when a previous run died (crash, kill) leaving unsaved work."""
        return bool(self._crashed_folders())

    def load_recovery(self) -> Session | None:
        """The newest state a dead run left, or None; unreadable leftovers are skipped."""
        for folder in self._crashed_folders():
            try:
                session = load_folder(folder)
            except (EditorError, OSError) as error:
                log.warning("Skipping unreadable autosave %s: %s", folder.name, error)
                continue
            if folder not in {p for p, _ in self._claimed}:
                try:
                    fh = open(folder / LOCK, "a+b")  # noqa: SIM115 - held until discard()
                except OSError:
                    return session
                if try_lock(fh):
                    self._claimed.append((folder, fh))
                else:
                    fh.close()
            return session
        return None

    def discard(self) -> None:
        """Delete what dead runs left (crashed or clean), never a running editor's folder."""
        for folder, fh in self._claimed:
            fh.close()
            shutil.rmtree(folder, ignore_errors=True)
        self._claimed.clear()
        try:
            entries = list(self.root.iterdir())
        except OSError:
            return
        for folder in entries:
            if folder != self.folder and folder.is_dir() and lock_is_free(folder):
                shutil.rmtree(folder, ignore_errors=True)

    # ------------------------------------------------------------ internals

    def _job(self, job_id: str) -> _JobState:
        with self._cond:
            state = self._jobs.get(job_id)
            if state is None:
                state = _JobState(slot=len(self._jobs), record=JobRecord(job_id))
                self._jobs[job_id] = state
            return state

    def _schedule_manifest(self) -> None:
        self._schedule(MANIFEST, self._write_manifest, 0.0)

    def _schedule(self, name: str, run: Callable[[], None], delay: float) -> None:
        now = time.monotonic()
        with self._cond:
            if self._closed:
                return
            old = self._pending.get(name)
            first = old.first if old is not None else now
            due = min(now + delay, first + max(self.max_latency, delay))
            self._seq += 1
            self._pending[name] = _Task(due, first, run, self._seq)
            if self._thread is None:
                self._thread = threading.Thread(target=self._worker, name="autosave", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _worker(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._pending:
                        name = min(self._pending, key=lambda n: self._pending[n].due)
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
                self._ensure_folder()
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

    def _ensure_folder(self) -> None:
        if self._lock_fh is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fh = open(self.folder / LOCK, "a+b")  # noqa: SIM115 - held for the whole run
        if not try_lock(fh):
            fh.close()
            raise OSError(f"autosave folder {self.folder} is locked by another process")
        fh.truncate(0)
        fh.write(f"{os.getpid()}\n".encode())
        fh.flush()
        self._lock_fh = fh

    def _write_png(self, name: str, pixels: np.ndarray) -> None:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda fh: write_png(pixels, fh), mode=0o600)
        self._saved(name)

    def _write_manifest(self) -> None:
        with self._cond:
            jobs = [job_manifest(s.record, s.slot, sorted(s.variants)) for s in self._jobs.values()]
        manifest = build_manifest(
            source_path=self._source_path,
            source_shape=self._source_shape,
            prompt=self._prompt,
            settings=self._settings,
            history_count=len(self._history_ids),
            jobs=jobs,
            created=self._created,
        )
        atomic_write(self.folder / MANIFEST, dump_manifest(manifest), mode=0o600)
        self._saved(MANIFEST)

    def _saved(self, name: str) -> None:
        self.writes += 1
        if self.on_saved is not None:
            self.on_saved(name)
