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
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from editor.core.atomic import atomic_write, try_lock
from editor.core.autosave_folders import (
    CLEAN,
    LOCK,
    crashed_folders,
    load_folder,
    lock_is_free,
)
from editor.core.autosave_queue import WriteQueue
from editor.core.codec import write_png
from editor.core.errors import EditorError
from editor.core.paths import app_data_dir
from editor.core.png_stream import can_stream, write_png_streamed
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
from editor.core.variant import Variant

__all__ = ["CLEAN", "Autosaver", "load_folder"]

log = logging.getLogger(__name__)

MASK_DELAY = 0.5  # seconds of quiet after the last stroke before the mask is written
MAX_MASK_LATENCY = 3.0  # ... but never later than this after the first unsaved stroke
# after a new source, every write waits this long (then runs in order, the source first):
# the photo's first full paint and display pyramid get the CPU first (the source's write,
# 4-5 s at 100 MP, starting at once made that paint take up to 17 ms instead of 1.5)
SOURCE_HOLD = 0.6


@dataclass
class _JobState:
    slot: int
    record: JobRecord
    variants: set[int] = field(default_factory=set)
    crops: dict[int, Variant] = field(default_factory=dict)  # members holding a crop


class Autosaver(WriteQueue):
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
        super().__init__(on_error)
        self.on_saved = on_saved
        self.writes = 0  # completed file writes (tests, diagnostics)
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
        self.hold(SOURCE_HOLD)
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
            record.variants, record.thumbs, record.partial = [], [], None
            record.source = record.mask = None
            self._job(job.job_id).record = record
        self._schedule_manifest()

    def save_result(
        self,
        job_id: str,
        index: int,
        result: np.ndarray | Variant,
        source: np.ndarray | None = None,
    ) -> None:
        """Write one variant of a job as soon as possible (arrays must not be mutated).
        A Variant's crop is written (its box goes into the manifest): a restore rebuilds
        it from the job's source, which the saved sources hold. Give ``source`` when they
        do not: the whole result is then built and written, in the worker thread."""
        variant = result if isinstance(result, Variant) else Variant.whole(result)
        state = self._job(job_id)
        name = result_member(state.slot, int(index))
        as_crop = not variant.is_whole and source is None

        def run() -> None:
            self._write_png(name, variant.crop if as_crop else variant.full(source))
            with self._cond:
                state.variants.add(int(index))
                if as_crop:
                    state.crops[int(index)] = variant
                else:
                    state.crops.pop(int(index), None)
            self._write_manifest()

        self._schedule(name, run, 0.0)

    def save_session(self, session: Session) -> None:
        """Write everything (after opening a session file or recovering)."""
        self.save_source(session.source, session.source_path, session.history)
        self.save_mask(session.mask)
        self.save_state(session.prompt, session.settings, session.jobs)
        for job in session.jobs:
            for k, variant in enumerate(job.variants):
                self.save_result(job.job_id, k, variant)

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

    def _prepare(self) -> None:
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
        if can_stream(pixels):  # one band at a time: no whole-image copy for Pillow
            atomic_write(path, lambda fh: write_png_streamed(pixels, fh), mode=0o600)
        else:
            atomic_write(path, lambda fh: write_png(pixels, fh), mode=0o600)
        self._saved(name)

    def _write_manifest(self) -> None:
        with self._cond:
            jobs = [
                job_manifest(s.record, s.slot, sorted(s.variants), dict(s.crops))
                for s in self._jobs.values()
            ]
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
