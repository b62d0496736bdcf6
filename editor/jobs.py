"""The one bridge between Qt and asyncio (qasync).

``JobRunner`` starts ``backend.run(request)`` as asyncio tasks on the qasync loop and
turns each event into a Qt signal. Several jobs may run at once (the backend queues
beyond the service's concurrency). Cancelling stops waiting only: the remote job may
still finish and bill, and the backend's journal still collects its outputs.
Nothing here blocks the UI thread: results are cut to the window where they differ from
the source (``Variant``) and their thumbnails made in a worker thread, so the UI thread
receives small crops, never full-size copies.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from editor.backends import Backend, Journal, make_backend
from editor.backends.base import JobCompleted, JobProgress, JobStatus, JobSubmitted
from editor.backends.specs import spec_for
from editor.core.errors import EditorError
from editor.core.preview import thumbnail
from editor.core.request import EditRequest
from editor.core.variant import Variant, WholeImages

log = logging.getLogger(__name__)

CANCEL_MESSAGE = (
    "Stopped waiting for job {job}. The service may still finish it and charge for it; "
    "if it does, the results are collected at the next start (or by mask-editor-cli resume)."
)


@dataclass
class JobOutcome:
    """What a finished job delivered: its variants (crops of the source-size results
    against the request's image) and their thumbnails."""

    variants: list[Variant]
    thumbs: list[np.ndarray]
    remote_id: str | None = None
    credits_used: float | None = None


# where each phase starts on the progress bar (0..1); the bar follows the job's phases,
# not the time estimate, and reaches the end when the results are in
PHASE_STARTS = {"sending": 0.02, "waiting": 0.02, "queued": 0.12, "processing": 0.25,
                "downloading": 0.85, "done": 1.0}  # fmt: skip
PROCESSING_END = 0.85
_DOWNLOAD = re.compile(r"downloading output (\d+) of (\d+)")
_VARIANT = re.compile(r"variant (\d+) of (\d+)")
_QUEUED = ("starting", "in_queue", "queued")


def job_phase(event: object, current: tuple[str, float]) -> tuple[str, float] | None:
    """The (phase label, bar fraction) after ``event``, or None when it does not move
    the job to another phase. FASHN reports downloads only as a message, so that line
    is read here (its wording is the backend's, tested together)."""
    _label, fraction = current
    if isinstance(event, JobSubmitted):
        return ("queued", PHASE_STARTS["queued"]) if fraction < PHASE_STARTS["queued"] else None
    if isinstance(event, JobStatus):
        status = event.status
        if status == "queued-locally":
            return "waiting for a free slot", PHASE_STARTS["waiting"]
        if status in _QUEUED and fraction <= PHASE_STARTS["queued"]:
            return "queued", PHASE_STARTS["queued"]
        if status == "processing" and fraction < PHASE_STARTS["processing"]:
            return "processing", PHASE_STARTS["processing"]
        return None
    if isinstance(event, JobProgress):
        found = _DOWNLOAD.search(event.message or "")
        if found:
            n, total = int(found.group(1)), max(1, int(found.group(2)))
            start = PHASE_STARTS["downloading"]
            return f"downloading {n}/{total}", start + (1.0 - start) * (n - 1) / total
        if event.fraction is not None:  # e.g. the local engine: variant i of n filled
            start = PHASE_STARTS["processing"]
            done = min(1.0, max(0.0, float(event.fraction)))
            variant = _VARIANT.search(event.message or "")
            label = f"processing {variant.group(1)}/{variant.group(2)}" if variant else "processing"
            return label, max(fraction, start + (PROCESSING_END - start) * done)
        return None
    if isinstance(event, JobCompleted):
        return "done", 1.0
    return None


def error_line(error: BaseException) -> str:
    """One human line for an error (typed errors carry their own message)."""
    if isinstance(error, EditorError):
        return str(error)
    text = " ".join(str(error).split())[:300]
    name = type(error).__name__
    return f"Unexpected {name}: {text}. Your mask and prompt are unchanged; try again."


class JobRunner(QObject):
    """Runs backend jobs as asyncio tasks and reports them as Qt signals."""

    submitted = Signal(int, str)  # job, remote id
    status = Signal(int, str, float)  # job, status, elapsed seconds
    progress = Signal(int, str, object, object)  # job, message, fraction|None, thumb|None
    completed = Signal(int, object)  # job, JobOutcome
    failed = Signal(int, str)  # job, one-line message
    cancelled = Signal(int, str)  # job, message
    finished = Signal(int)  # always last, whatever happened
    phase = Signal(int, str, float)  # job, phase (sending, queued, ...), bar fraction 0..1

    def __init__(self, parent: QObject | None = None, *, thumb_edge: int = 256) -> None:
        super().__init__(parent)
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._helpers: set[asyncio.Task[Any]] = set()
        self._next = 1
        self._thumb_edge = thumb_edge
        self._closing = False  # shutdown has begun: nothing new starts

    # -- jobs ---------------------------------------------------------------------
    def start(self, backend: Backend, request: EditRequest) -> int:
        """Start one job; returns its local number (signals carry it)."""
        number = self.reserve_number()
        task = asyncio.ensure_future(self._run(number, backend, request))
        self._tasks[number] = task
        return number

    def cancel(self, number: int) -> bool:
        """Stop waiting for a job. Returns False when it is not running."""
        task = self._tasks.get(number)
        if task is None or task.done():
            return False
        task.cancel()
        return True

    def running(self) -> list[int]:
        return [n for n, t in self._tasks.items() if not t.done()]

    def reserve_number(self) -> int:
        """A job number for a job shown without running here (restored, resumed)."""
        number = self._next
        self._next += 1
        return number

    async def _run(self, number: int, backend: Backend, request: EditRequest) -> None:
        remote_id = ""
        phase = ("sending", PHASE_STARTS["sending"])
        self.phase.emit(number, *phase)
        try:
            async for event in backend.run(request):
                moved = job_phase(event, phase)
                if moved is not None and moved != phase:
                    phase = moved
                    self.phase.emit(number, *phase)
                if isinstance(event, JobSubmitted):
                    remote_id = event.job_id
                    self.submitted.emit(number, event.job_id)
                elif isinstance(event, JobStatus):
                    self.status.emit(number, event.status, float(event.elapsed))
                elif isinstance(event, JobProgress):
                    thumb = None
                    if event.partial is not None:
                        thumb = await asyncio.to_thread(thumbnail, event.partial, self._thumb_edge)
                    self.progress.emit(number, event.message, event.fraction, thumb)
                elif isinstance(event, JobCompleted):
                    variants, thumbs = await asyncio.to_thread(
                        variants_of, event.images, request.image, self._thumb_edge
                    )
                    outcome = JobOutcome(
                        variants=variants,
                        thumbs=thumbs,
                        remote_id=event.job_id or remote_id or None,
                        credits_used=event.credits_used,
                    )
                    self.completed.emit(number, outcome)
                    break
            else:
                self.failed.emit(number, "The service ended the job without any result; try again.")
        except asyncio.CancelledError:
            self.cancelled.emit(number, CANCEL_MESSAGE.format(job=remote_id or number))
        except Exception as error:  # every failure becomes one line in the window
            if not isinstance(error, EditorError):
                log.exception("job %s failed unexpectedly", number)
            self.failed.emit(number, error_line(error))
        finally:
            self.finished.emit(number)

    # -- small async calls (readiness, balance, file loading) ----------------------
    def call(
        self,
        awaitable: Awaitable[Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> asyncio.Future[Any]:
        """Run ``awaitable`` on the loop; deliver its result or one-line error on the UI thread.
        Once ``shutdown`` has begun nothing new starts (a timer firing while the window
        closes): the awaitable is closed unrun and a cancelled future comes back."""
        if self._closing:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            refused: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
            refused.cancel()
            return refused
        task = asyncio.ensure_future(awaitable)
        self._helpers.add(task)

        def done(t: asyncio.Future[Any]) -> None:
            self._helpers.discard(t)  # type: ignore[arg-type]
            if t.cancelled():
                return
            error = t.exception()
            if error is not None:
                if not isinstance(error, EditorError):
                    log.error("background call failed: %s", error_line(error))
                if on_error is not None:
                    on_error(error_line(error))
            elif on_done is not None:
                on_done(t.result())

        task.add_done_callback(done)
        return task

    def in_thread(
        self,
        func: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> asyncio.Future[Any]:
        """Run a blocking function in a worker thread; results come back on the UI thread."""
        return self.call(asyncio.to_thread(func, *args), on_done, on_error)

    async def shutdown(self) -> None:
        """Stop waiting for every job and helper (called on quit). From here on no helper
        starts: one started while this waits would be left pending when the loop closes.
        A helper already running in its thread runs to its end (a write is never cut
        short; one still queued never starts); a job stops waiting, and its journal
        entry collects its results at the next start."""
        self._closing = True
        pending = [t for t in [*self._tasks.values(), *self._helpers] if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


def variants_of(
    images: Sequence[np.ndarray], source: np.ndarray | None, edge: int
) -> tuple[list[Variant], list[np.ndarray]]:
    """Each result as a Variant against ``source`` and its thumbnail (worker thread)."""
    if isinstance(images, WholeImages) and images.source is source:
        variants = images.variants  # the backend kept its results as crops already
    else:
        variants = []
        for image in images:  # each whole result can go once its crop is made
            variants.append(Variant.of(image, source))
    return variants, [v.thumbnail(source, edge) for v in variants]


class BackendPool:
    """One backend (one HTTP client) per engine configuration, closed on quit."""

    def __init__(self, journal: Journal | None = None) -> None:
        self._backends: dict[tuple[str, str, str], Backend] = {}
        self.journal = journal  # remote jobs are recorded there until their results are saved

    def get(self, kind: str, *, base_url: str | None, api_key: str | None) -> Backend:
        """The backend for this configuration, made on first use (the request carries the
        schema, so one backend serves every schema of its engine)."""
        ident = (kind, base_url or "", api_key or "")
        backend = self._backends.get(ident)
        if backend is None:
            backend = make_backend(
                kind,
                base_url=base_url or None,
                api_key=api_key,
                journal=self.journal if spec_for(kind).journaled else None,
            )
            self._backends[ident] = backend
        return backend

    async def aclose(self) -> None:
        """Close every backend's network client."""
        backends = list(self._backends.values())
        self._backends.clear()
        for backend in backends:
            try:
                await backend.aclose()
            except Exception as error:  # closing must not stop the others
                log.warning("closing %s failed: %s", type(backend).__name__, error_line(error))
