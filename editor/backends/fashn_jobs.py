"""FASHN jobs after acceptance: poll within the shared budget, download at once, keep
the outputs in the journal, finish them; and ``collect`` for jobs resumed from the journal.
Mixed into FashnBackend (which provides client, journal, limits and the key)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from urllib.parse import quote

import httpx

from editor.backends import pacing
from editor.backends.base import JobCompleted, JobEvent, JobProgress, JobStatus
from editor.backends.errors import (
    AuthenticationError,
    JobExpiredError,
    JobTimeoutError,
    NetworkError,
    ServiceError,
)
from editor.backends.fashn_wire import (
    RUNNING,
    SERVICE,
    TERMINAL_FAILED,
    failed_error,
    refused_error,
    shown_status,
)
from editor.backends.journal import ENTRY, Journal, JournalEntry
from editor.backends.remote_jobs import finish_images, rebuild_job
from editor.backends.transport import (
    fetch_output,
    json_object_async,
    network_message,
    retry_after,
)
from editor.core.errors import EditorError, ExportError, ValidationError
from editor.core.prepare import PreparedUpload
from editor.core.redact import redact_error
from editor.core.request import EditRequest

log = logging.getLogger(__name__)


class FashnJobMixin:
    """Polling and collecting; FashnBackend provides these attributes."""

    base_url: str
    journal: Journal | None
    job_timeout: float
    poll_failure_budget: float
    poll_first: float
    poll_cap: float
    max_output_bytes: int
    _key: str | None
    _account: str

    @property
    def client(self) -> httpx.AsyncClient:
        raise NotImplementedError

    def _headers(self, json_body: bool = False) -> dict[str, str]:
        raise NotImplementedError

    def _require_key(self) -> None:
        raise NotImplementedError

    async def _follow(
        self,
        job_id: str,
        entry: JournalEntry | None,
        request: EditRequest,
        prepared: PreparedUpload,
        started: float,
        on_terminal: Callable[[], None],
    ) -> AsyncIterator[JobEvent]:
        """Poll until the job ends, then download, keep and finish its outputs."""
        url = f"{self.base_url}/v1/status/{quote(job_id, safe='')}"
        deadline = time.monotonic() + self.job_timeout
        limiter = pacing.limiter(self._account, "status")
        last_status = None
        polls = 0
        failing_since: float | None = None
        odd_statuses: set[str] = set()
        while True:
            keep = self._keep_text(job_id, entry)
            await limiter.acquire()
            problem: str | None = None
            data = None
            try:
                resp = await self.client.get(url, headers=self._headers(), follow_redirects=True)
            except httpx.HTTPError as exc:
                resp = None
                problem = network_message(SERVICE, self.base_url, exc, "Checking the job at")
            if resp is not None:
                if resp.status_code == 404:
                    await self._forget(entry)
                    on_terminal()
                    raise JobExpiredError(
                        SERVICE,
                        "NotFound",
                        f"job {job_id} is no longer tracked (it expired)",
                        job_id=job_id,
                        status_code=404,
                        hint="Its results cannot be collected; send the edit again if needed.",
                    )
                if resp.status_code == 401:
                    raise AuthenticationError(
                        SERVICE, "UnauthorizedAccess", f"the key was refused. {keep}", job_id=job_id
                    )
                data = await json_object_async(resp) if resp.status_code == 200 else None
                if resp.status_code == 429:
                    delay = retry_after(resp) or pacing.backoff(1, base=1.0, cap=10.0)
                    await asyncio.sleep(delay)
                    continue
                if data is None or not isinstance(data.get("status"), str):
                    problem = f"{SERVICE} status check failed: {refused_error(resp).detail}"
            if problem is not None:
                failing_since = failing_since or time.monotonic()
                if time.monotonic() - failing_since > self.poll_failure_budget:
                    raise NetworkError(f"{problem} {keep}")
                await asyncio.sleep(pacing.backoff(min(polls, 5), base=0.5, cap=8.0))
                polls += 1
                continue
            failing_since = None
            assert data is not None and resp is not None
            status = str(data["status"])
            shown = shown_status(status, self._key)  # server text: redacted, bounded
            elapsed = time.monotonic() - started
            if status != last_status:
                last_status = status
                yield JobStatus(shown, elapsed)
            if status == "completed":
                on_terminal()
                async for event in self._collect(job_id, entry, request, prepared, data, resp):
                    yield event
                return
            if status in TERMINAL_FAILED:
                on_terminal()
                await self._forget(entry)  # failed jobs have nothing to collect
                raise failed_error(data, job_id, api_key=self._key)
            if status not in RUNNING and status not in odd_statuses:
                # only documented terminal statuses end a job: this one may still run
                # and be charged, so keep following it (logged once per value)
                odd_statuses.add(status)
                log.warning("%s job %s reports undocumented status %r; still polling",
                            SERVICE, job_id, shown)  # fmt: skip
            yield JobProgress(message=f"{shown} ({elapsed:.0f} s)")
            if entry is not None and not self._recorded(entry) and await self._record_again(entry):
                yield JobProgress(message=f"job {job_id} is now kept in the job journal")
            if time.monotonic() > deadline:
                on_terminal()
                raise JobTimeoutError(
                    f"{SERVICE} job {job_id} is still '{shown}' after "
                    f"{self.job_timeout:.0f} s; stopped waiting. {self._keep_text(job_id, entry)}"
                )
            await asyncio.sleep(
                pacing.poll_interval(polls, first=self.poll_first, cap=self.poll_cap)
            )
            polls += 1

    async def _collect(
        self,
        job_id: str,
        entry: JournalEntry | None,
        request: EditRequest,
        prepared: PreparedUpload,
        data: dict,
        resp: httpx.Response,
    ) -> AsyncIterator[JobEvent]:
        outputs = data.get("output")
        if isinstance(outputs, str):
            outputs = [outputs]
        if not isinstance(outputs, list) or not outputs:
            raise ServiceError(
                SERVICE, "BadOutput", "the job completed without outputs", job_id=job_id
            )
        credits_used = _number(resp.headers.get("x-fashn-credits-used"))
        raws = []
        try:
            for i, ref in enumerate(outputs):
                yield JobProgress(message=f"downloading output {i + 1} of {len(outputs)}")
                raws.append(
                    await fetch_output(
                        self.client, ref, service=SERVICE, job_id=job_id, cap=self.max_output_bytes
                    )
                )
            if self.journal is not None and entry is not None:
                entry.credits_used = credits_used
                try:
                    await asyncio.to_thread(self.journal.save_outputs, entry, raws)
                except ExportError as exc:
                    # the outputs are in memory: go on and let the caller save them
                    log.warning("job %s outputs not kept in the journal: %s", job_id, exc)
                    yield JobProgress(
                        message=f"the outputs of job {job_id} could not be kept in the job "
                        "journal; saving them to the output folder now"
                    )
            images = await asyncio.to_thread(
                finish_images, request, prepared, raws, service=SERVICE, job_id=job_id
            )
        except ServiceError as exc:
            # An unusable output (not http(s), not an image) will never become usable:
            # keep no journal entry that every later resume would fail on again.
            if exc.name == "BadOutput":
                await self._forget(entry)
            raise
        yield JobCompleted(job_id, images, raws, credits_used)
        # the consumer asked for more after handling JobCompleted: its results are saved
        await self._forget(entry)

    def _recorded(self, entry: JournalEntry | None) -> bool:
        return (
            self.journal is not None
            and entry is not None
            and (self.journal.dir / entry.token / ENTRY).exists()
        )

    def _keep_text(self, job_id: str, entry: JournalEntry | None) -> str:
        if self._recorded(entry):
            return f"Job {job_id} stays in the journal; run `mask-editor-cli resume` later."
        return (
            f"Job {job_id} could not be kept in the job journal: note its id and collect "
            "its results from your FASHN dashboard."
        )

    async def _record_again(self, entry: JournalEntry) -> bool:
        """Retry recording a job whose first journal write failed (the disk may have
        space again); True once it is on disk."""
        if self.journal is None:
            return False
        try:
            await asyncio.to_thread(self.journal.commit, self.journal.dir / entry.token, entry)
        except (ExportError, OSError):
            return False
        return True

    async def _forget(self, entry: JournalEntry | None) -> None:
        """Drop a followed job's journal entry (saved, failed, expired or unusable); the
        unlink, fsync and rmtree run in a worker thread, off the (UI's) event loop."""
        if self.journal is not None and entry is not None:
            await asyncio.to_thread(self.journal.remove, entry)

    async def collect(self, entry: JournalEntry) -> AsyncIterator[JobEvent]:
        """Finish a job recorded in the journal (after a crash or a timeout)."""
        try:
            async for event in self._collect_entry(entry):
                yield event
        except EditorError as exc:
            raise redact_error(exc, [self._key]) from None

    async def _collect_entry(self, entry: JournalEntry) -> AsyncIterator[JobEvent]:
        if self.journal is None:
            raise ValidationError("Resuming a job needs the job journal.")
        request, prepared = await asyncio.to_thread(rebuild_job, self.journal, entry)
        started = time.monotonic()
        if entry.outputs:
            raws = await asyncio.to_thread(self.journal.load_outputs, entry)
            try:
                images = await asyncio.to_thread(
                    finish_images, request, prepared, raws, service=SERVICE, job_id=entry.job_id
                )
            except ServiceError as exc:
                if exc.name == "BadOutput":
                    await self._forget(entry)
                raise
            yield JobCompleted(entry.job_id, images, raws, entry.credits_used)
            await self._forget(entry)
            return
        self._require_key()
        async for event in self._follow(entry.job_id, entry, request, prepared, started, _noop):
            yield event


def _noop() -> None:
    return None


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
