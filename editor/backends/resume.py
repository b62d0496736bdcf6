"""Collecting jobs left in the journal (after a crash, a kill or a timeout)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from editor.backends.errors import BackendError, JobExpiredError, SubmissionUncertainError
from editor.backends.journal import Journal, JournalEntry
from editor.backends.phases import JobTracker, uncertain_message
from editor.core.errors import EditorError, ExportError

SaveResults = Callable[[JournalEntry, Sequence[np.ndarray]], Awaitable[list[Path]]]


@dataclass(slots=True)
class ResumeOutcome:
    """What happened to one journal entry."""

    job_id: str
    paths: list[Path] = field(default_factory=list)
    error: EditorError | None = None
    busy: bool = False  # another running editor or `resume` is following this job
    path: Path | None = None  # the journal file, for entries that cannot be read

    @property
    def expired(self) -> bool:
        return isinstance(self.error, JobExpiredError)


async def resume_jobs(
    journal: Journal,
    save: SaveResults,
    *,
    on_event: Callable[[JournalEntry, object], None] | None = None,
    **backend_options: Any,
) -> list[ResumeOutcome]:
    """Collect every unfinished job in ``journal``; ``save`` writes each job's final
    images (the entry is removed only after it returns). Expired jobs are reported and
    removed; other failures leave the entry for a later try."""
    from editor.backends import make_backend

    outcomes = []
    scan = await asyncio.to_thread(journal.scan)
    for path, reason in scan.unreadable:
        # never skipped in silence: it may stand for a paid job
        outcomes.append(
            ResumeOutcome(
                path.parent.name,
                path=path,
                error=ExportError(
                    f"The job journal entry {path} cannot be read ({reason}); it may stand "
                    "for a paid job: check the service's dashboard, then delete that folder."
                ),
            )
        )
    for lost in scan.in_flight:
        tracker = JobTracker(service=lost.service, fingerprint=lost.fingerprint)
        tracker.sent_at = lost.sent_at or None
        outcomes.append(
            ResumeOutcome(
                f"request {lost.fingerprint}",
                path=lost.folder,
                error=SubmissionUncertainError(uncertain_message(tracker)),
            )
        )
        await asyncio.to_thread(journal.drop, lost.folder)  # reported once; nothing to collect
    for entry in scan.entries:
        outcome = ResumeOutcome(entry.job_id)
        outcomes.append(outcome)
        claim = journal.claim(journal.dir / entry.token)
        if claim is None:
            outcome.busy = True
            continue
        backend = None
        try:
            backend = make_backend(
                entry.service,
                base_url=entry.base_url,
                journal=journal,
                **backend_options,
            )
            collect = getattr(backend, "collect", None)
            if collect is None:
                raise BackendError(f"Jobs of {entry.service} cannot be resumed.")
            async for event in collect(entry):
                if on_event is not None:
                    on_event(entry, event)
                images = getattr(event, "images", None)
                if images is not None:
                    outcome.paths = await save(entry, images)
        except EditorError as exc:
            outcome.error = exc
        finally:
            claim.close()
            if backend is not None:
                await backend.aclose()
    return outcomes
