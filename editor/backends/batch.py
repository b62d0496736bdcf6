"""One mask and prompt over many same-framed shots: the plan and the runner.

Qt-free and UI-free: the CLI (``mask-editor-cli batch``) and the window drive the same
``BatchRunner``; they supply how a shot's request is built, which backend runs it and
how its results are saved, and they show the ``ShotEvent``s it reports.

* ``plan_batch`` turns the photos (``batch_sources.collect_sources``) into ``Shot``s: a
  shot whose size differs from the mask is skipped with one line naming it and both
  sizes; a shot the batch record (``batch_state``) says was sent before is never sent
  again.
* ``BatchRunner.run`` sends the remaining shots, at most ``concurrency`` at once (the
  backends add the service's own limits: FASHN's job slots and shared poll budget, 429
  handling), reports every state change, and saves each shot's results as they arrive.
  It holds the output folder while it sends (``BatchState.hold``): a second batch into
  it is refused, and shots another batch sent since the plan are not sent again.
* ``BatchRunner.cancel`` stops sending new shots; shots already sent run on and are
  collected (their jobs are journaled like ``edit``'s).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from editor.backends.base import Backend, JobCompleted, JobProgress, JobStatus, JobSubmitted
from editor.backends.batch_sources import probe_size
from editor.backends.batch_state import (
    NEVER_RESEND,
    BatchState,
    drop_torn,
    find_saved,
    shot_key,
)
from editor.backends.errors import OutOfCreditsError, ServiceError, SubmissionUncertainError
from editor.backends.journal import Journal
from editor.backends.phases import SENDING, JobTracker
from editor.core.errors import EditorError
from editor.core.request import EditRequest

# shot states reported in ShotEvents; the summary sorts them into three columns
DONE, SKIPPED, FAILED = "done", "skipped", "failed"
OUTCOME = {
    "done": DONE,
    "skipped": SKIPPED,
    "refused": SKIPPED,
    "cancelled": SKIPPED,
    "in-journal": SKIPPED,
    "sent-before": SKIPPED,
    "failed": FAILED,
    "uncertain": FAILED,
}


class FolderBusy(EditorError):
    """Another batch holds the output folder: nothing was sent; try again later (exit
    75, sysexits' EX_TEMPFAIL, so a script can tell it from bad input)."""

    exit_code = 75


@dataclass(slots=True)
class Shot:
    """One source file of a batch and where it stands."""

    index: int
    path: Path
    size: tuple[int, int] | None  # (width, height) upright, None when unreadable
    key: str = ""
    state: str = "planned"  # planned -> queued -> loading -> sending -> running -> done ...
    detail: str = ""
    job_id: str | None = None
    outputs: list[Path] = field(default_factory=list)
    credits: float = 0.0  # charged in this run (service's figure, else the estimate)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def to_send(self) -> bool:
        return self.state == "planned"

    @property
    def outcome(self) -> str | None:
        """done / skipped / failed once the shot is settled, else None."""
        return OUTCOME.get(self.state)


@dataclass(frozen=True, slots=True)
class ShotEvent:
    """A shot changed state (``detail`` is one line for the user, or empty)."""

    shot: Shot
    state: str
    detail: str = ""


@dataclass(slots=True)
class BatchSummary:
    shots: list[Shot]
    seconds: float

    def count(self, outcome: str) -> int:
        return sum(1 for s in self.shots if s.outcome == outcome)

    @property
    def credits(self) -> float:
        return sum(s.credits for s in self.shots)


def plan_batch(
    paths: list[Path],
    mask_size: tuple[int, int],
    fingerprint: str,
    state: BatchState | None,
    journal: Journal | None = None,
    *,
    variants: int = 1,
) -> list[Shot]:
    """A ``Shot`` per path: ``planned`` to send, or settled with one line saying why not.
    ``variants``: results per shot (to recognise results saved just before a crash)."""
    mw, mh = mask_size
    shots: list[Shot] = []
    for i, path in enumerate(paths):
        shot = Shot(i, path, None)
        shots.append(shot)
        try:
            shot.size = probe_size(path)
            shot.key = shot_key(path, fingerprint)
        except FileNotFoundError:
            _settle(shot, "refused", f"{path}: the file does not exist; skipped")
            continue
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            _settle(shot, "refused", f"{path}: not a readable image; skipped")
            continue
        w, h = shot.size
        if (w, h) != (mw, mh):
            _settle(shot, "skipped", f"{path}: {w}x{h} but the mask is {mw}x{mh}; skipped")
            continue
        if state is None:
            continue
        before = state.get(shot.key) or {}
        if before.get("state") != "done":
            drop_torn(state.path.parent, path.stem)
            saved = find_saved(state.path.parent, path.stem, shot.key, variants)
            if saved:  # saved, then the batch stopped before noting it
                state.update(shot.key, state="done", outputs=[str(p) for p in saved])
                before = {**before, "state": "done", "outputs": [str(p) for p in saved]}
        if before.get("state") in NEVER_RESEND:
            _resume_state(shot, before, journal)
    return shots


def _settle(shot: Shot, state: str, detail: str) -> None:
    shot.state, shot.detail = state, detail


def _resume_state(shot: Shot, before: dict[str, object], journal: Journal | None) -> None:
    """A shot the batch record says was sent before: say where it stands; never resend."""
    job = before.get("job_id")
    shot.job_id = job if isinstance(job, str) else None
    label = f"job {shot.job_id}" if shot.job_id else "its job"
    outputs = before.get("outputs")
    if before.get("state") == "done":
        shot.outputs = [Path(p) for p in outputs] if isinstance(outputs, list) else []
        _settle(shot, "done", f"{shot.path}: already done; not sent again")
    elif before.get("state") == "accepted":
        if shot.job_id and (journal or Journal()).get(shot.job_id) is not None:
            text = f"{label} is in the job journal; `mask-editor-cli resume` collects it"
        else:
            text = f"{label} was accepted before and has left the job journal"
        _settle(shot, "in-journal", f"{shot.path}: {text}; not sent again")
    else:  # sending / uncertain: the submission may have reached the service
        sent = before.get("fingerprint") or "?"
        _settle(
            shot,
            "sent-before",
            f"{shot.path}: an earlier run sent it without learning the outcome (request "
            f"{sent}); it may have been charged: check the service's dashboard; not sent again",
        )


class _ShotTracker(JobTracker):
    """A JobTracker that writes the batch record the moment the job is sent/accepted."""

    def __init__(self, service: str, on_phase: Callable[[str, str | None, str], None]) -> None:
        super().__init__(service=service)
        self._on_phase = on_phase

    def sending(self, fingerprint: str) -> None:
        self._on_phase("sending", None, fingerprint)  # on disk before a byte leaves
        super().sending(fingerprint)

    def journaled(self, recorded: bool) -> None:
        # noted once the journal holds the job (or refused it): after a kill -9 between
        # the two writes, a record naming a job the journal lacks is collected by no one
        super().journaled(recorded)
        self._on_phase("accepted", self.job_id, self.fingerprint)


MakeRequest = Callable[[Shot], EditRequest]  # blocking (loads the photo): a worker thread
MakeBackend = Callable[[Shot], Backend]
SaveResults = Callable[[Shot, Sequence[np.ndarray], str | None], list[Path]]  # worker thread


class BatchRunner:
    """Runs the planned shots of a batch; see the module docstring."""

    def __init__(
        self,
        shots: list[Shot],
        *,
        service: str,
        make_request: MakeRequest,
        make_backend: MakeBackend,
        save: SaveResults,
        concurrency: int,
        state: BatchState | None = None,
        journal: Journal | None = None,
        estimate: float = 0.0,
        on_event: Callable[[ShotEvent], None] | None = None,
    ) -> None:
        self.shots = shots
        self.service = service
        self.make_request = make_request
        self.make_backend = make_backend
        self.save = save
        self.concurrency = max(1, int(concurrency))
        self.state = state
        self.journal = journal
        self.estimate = estimate
        self.on_event = on_event
        self.trackers: dict[int, JobTracker] = {}
        self._stop_reason = ""

    @property
    def cancelled(self) -> bool:
        return bool(self._stop_reason)

    def cancel(self, reason: str = "the batch was cancelled") -> None:
        """Send no new shots; shots already sent run on and are collected."""
        if not self._stop_reason:
            self._stop_reason = reason

    def _set(self, shot: Shot, state: str, detail: str = "") -> None:
        shot.state, shot.detail = state, detail
        if self.on_event is not None:
            self.on_event(ShotEvent(shot, state, detail))

    def _record(self, shot: Shot, **fields: object) -> None:
        if self.state is not None and shot.key:
            self.state.update(shot.key, source=str(shot.path.resolve()), **fields)

    async def run(self) -> BatchSummary:
        """Send every planned shot (at most ``concurrency`` at once); returns the summary.
        Cancelling the task stops waiting; jobs already accepted stay in the journal."""
        started = time.monotonic()
        gate = asyncio.Semaphore(self.concurrency)
        if self.state is not None and not self.state.hold():
            raise FolderBusy(
                f"Another batch is sending into {self.state.path.parent} now; nothing was "
                "sent. Run this batch again when it has ended: shots it sent are not sent "
                "twice."
            )
        try:
            return await self._run_held(started, gate)
        finally:
            if self.state is not None:
                self.state.release()

    async def _run_held(self, started: float, gate: asyncio.Semaphore) -> BatchSummary:
        for shot in self.shots:  # sent by another batch since the plan: never twice
            before = self.state.get(shot.key) if self.state is not None and shot.to_send else None
            if before is not None and before.get("state") in NEVER_RESEND:
                _resume_state(shot, before, self.journal)
                self._set(shot, shot.state, shot.detail)
        todo = [s for s in self.shots if s.to_send]
        for shot in todo:
            self._set(shot, "queued")
        tasks = [asyncio.ensure_future(self._run_shot(shot, gate)) for shot in todo]
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            # gather cancelled every shot and gave up at the first to end; the others may
            # still be journaling a job id that just arrived. Ending now would let
            # asyncio.run (or the window's loop) cancel them again, cutting that write
            # short: a paid job lost. A second interrupt here still stops at once.
            await asyncio.wait(tasks)
            raise
        return BatchSummary(self.shots, time.monotonic() - started)

    async def _run_shot(self, shot: Shot, gate: asyncio.Semaphore) -> None:
        async with gate:
            if self._stop_reason:
                self._set(shot, "cancelled", f"{shot.path}: not sent ({self._stop_reason})")
                return
            self._set(shot, "loading")
            try:
                request = await asyncio.to_thread(self.make_request, shot)
            except EditorError as exc:
                self._set(shot, "refused", f"{shot.path}: {exc}")
                return
            await self._send(shot, request)

    async def _send(self, shot: Shot, request: EditRequest) -> None:
        def on_phase(phase: str, job_id: str | None, fingerprint: str) -> None:
            shot.job_id = job_id or shot.job_id
            self._record(shot, state=phase, job_id=shot.job_id, fingerprint=fingerprint)
            if phase == "sending":
                self._set(shot, "sending")

        tracker = _ShotTracker(self.service, on_phase)
        self.trackers[shot.index] = tracker
        backend = self.make_backend(shot)
        try:
            events = (
                backend.run(request)
                if self.service == "local"
                else backend.run(request, tracker=tracker)  # type: ignore[call-arg]
            )
            async for event in events:
                await self._on_job_event(shot, event)
        except EditorError as exc:
            self._failed(shot, tracker, exc)
        finally:  # the tracker stays: after an interrupt it says where the money is
            await backend.aclose()

    async def _on_job_event(self, shot: Shot, event: object) -> None:
        if isinstance(event, JobSubmitted):
            shot.job_id = event.job_id
            self._set(shot, "running", f"{shot.name}: job {event.job_id} accepted")
        elif isinstance(event, JobStatus):
            if event.status == "queued-locally":
                self._set(shot, "queued", f"{shot.name}: waiting for a free job slot")
            elif shot.state != "running":
                self._set(shot, "running")
        elif isinstance(event, JobProgress) and event.message and event.partial is None:
            if "retrying" in event.message:
                self._set(shot, shot.state, f"{shot.name}: {event.message}")
        elif isinstance(event, JobCompleted):
            self._set(shot, "saving")
            # saved while the backend waits: the job leaves the journal only afterwards
            paths = await asyncio.to_thread(self.save, shot, event.images, shot.job_id)
            shot.outputs = paths
            if self.service != "local":
                shot.credits = (
                    float(event.credits_used) if event.credits_used is not None else self.estimate
                )
            self._record(shot, state="done", job_id=shot.job_id, outputs=[str(p) for p in paths])
            self._set(shot, "done", f"{shot.name}: saved {len(paths)} result(s)")

    def _failed(self, shot: Shot, tracker: JobTracker, exc: EditorError) -> None:
        """Sort a failure: kept in the journal, maybe billed, refused before, or failed."""
        text = f"{shot.name}: {exc}"
        job = shot.job_id or tracker.job_id
        if job and self.journal is not None and self.journal.get(job) is not None:
            self._set(shot, "in-journal", f"{text} (`mask-editor-cli resume` collects it)")
            return
        if isinstance(exc, OutOfCreditsError):
            self.cancel("the account is out of credits")
        maybe_billed = isinstance(exc, SubmissionUncertainError) or (
            tracker.phase == SENDING
            and isinstance(exc, ServiceError)
            and (exc.status_code or 0) >= 500
        )
        if maybe_billed:
            self._record(shot, state="uncertain", fingerprint=tracker.fingerprint)
            self._set(shot, "uncertain", text)
        elif getattr(exc, "exit_code", 2) == 2 and tracker.phase != SENDING and not job:
            self._record(shot, state="failed")
            self._set(shot, "refused", text)
        else:
            self._record(shot, state="failed")  # not billed: a re-run sends it again
            self._set(shot, "failed", text)
