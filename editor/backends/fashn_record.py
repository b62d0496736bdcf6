"""FASHN submission bookkeeping: learning and recording an accepted job id even when
the caller is cancelled at that moment, and following it from memory when the disk
refuses the record. Mixed into FashnBackend."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from pathlib import Path

from editor.backends.errors import ServiceError
from editor.backends.fashn_wire import SERVICE
from editor.backends.journal import Journal, JournalEntry
from editor.backends.phases import JobTracker
from editor.backends.remote_jobs import commit_job, request_settings
from editor.core.errors import ExportError
from editor.core.prepare import PreparedUpload
from editor.core.request import EditRequest

log = logging.getLogger(__name__)


@dataclasses.dataclass(slots=True)
class _Wait:
    """A provable refusal (no job created): wait ``delay`` s and try again."""

    delay: float
    error: ServiceError
    queue: bool  # ConcurrencyLimitExceeded: the job waits for a free slot


class FashnRecordMixin:
    """FashnBackend provides these attributes and ``_submit_once``."""

    base_url: str
    journal: Journal | None
    source_path: str | None
    out_dir: str | None

    async def _submit_once(self, body: bytes) -> str | _Wait:
        raise NotImplementedError

    async def _submit_or_learn(
        self,
        body: bytes,
        staged: Path | None,
        request: EditRequest,
        prepared: PreparedUpload,
        tracker: JobTracker,
    ) -> str | _Wait:
        """``_submit_once``; when the caller is cancelled (Ctrl+C, SIGTERM, quitting)
        while the submission is in flight, the answer is still awaited (bounded by the
        client's timeouts) so that an accepted job is recorded for `resume` instead of
        being lost unknown; a second interrupt stops at once."""
        submit = asyncio.ensure_future(self._submit_once(body))
        try:
            return await asyncio.shield(submit)
        except asyncio.CancelledError:
            try:
                outcome = await submit
            except Exception:
                raise asyncio.CancelledError from None
            if isinstance(outcome, str):
                tracker.accepted(outcome)
                if self.journal is not None and staged is not None:
                    await self._record(staged, outcome, request, prepared, tracker)
            raise

    async def _record(
        self,
        staged: Path,
        job_id: str,
        request: EditRequest,
        prepared: PreparedUpload,
        tracker: JobTracker,
    ) -> tuple[JournalEntry, str | None]:
        """Write the accepted id into the journal at once. Nothing of this job happens
        between learning the id and recording it; the write (with fsync) runs in a thread
        so the UI's event loop is not held, and a cancel now waits for it to finish, so
        the job is never half-recorded. When the disk refuses it, the job is followed from
        memory (the returned problem says so) and never reported as "try again"; a cancel
        meanwhile still goes through, and the interrupt line names the unrecorded job."""
        assert self.journal is not None
        record = functools.partial(
            commit_job,
            self.journal,
            staged,
            job_id=job_id,
            service="fashn",
            base_url=self.base_url,
            schema=request.schema,
            request=request,
            prepared=prepared,
            source_path=self.source_path,
            out_dir=self.out_dir,
            fingerprint=tracker.fingerprint,
        )
        task = asyncio.ensure_future(asyncio.to_thread(record))
        cancel: asyncio.CancelledError | None = None
        try:
            try:
                entry = await asyncio.shield(task)
            except asyncio.CancelledError as exc:
                cancel = exc
                entry = await task  # finish the write, then let the cancel through
            tracker.journaled(True)
        except ExportError as exc:
            log.warning("job %s accepted but not journaled: %s", job_id, exc)
            tracker.journaled(False)
            if cancel is not None:  # stopped: the interrupt line names the unrecorded job
                raise cancel from None
            entry = JournalEntry(
                token=staged.name,
                job_id=job_id,
                service="fashn",
                base_url=self.base_url,
                schema=request.schema,
                settings=request_settings(request),
                crop=list(prepared.crop) if prepared.crop is not None else None,
                source_size=list(prepared.source_size),
                source_path=self.source_path,
                out_dir=self.out_dir,
            )
            return entry, (
                f"{SERVICE} job {job_id} was accepted (and will be charged) but could not be "
                f"recorded in the job journal ({exc}); it is followed to the end from memory: "
                "keep this program running, and note the job id."
            )
        if cancel is not None:
            raise cancel
        return entry, None
