"""FASHN ``edit`` over its REST API: submit once, poll within the shared budget, collect.

Rules this client keeps (see API-NOTES): a submission that may have reached the server
is never resent; refusals (429s) are retried because no job exists yet; every accepted
job id is on disk (journal) before anything else happens; outputs are downloaded at once.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from editor.backends import pacing
from editor.backends.base import (
    JobEvent,
    JobProgress,
    JobStatus,
    JobSubmitted,
)
from editor.backends.errors import (
    NetworkError,
    ServiceError,
    SubmissionUncertainError,
)
from editor.backends.fashn_jobs import FashnJobMixin
from editor.backends.fashn_record import FashnRecordMixin, _Wait
from editor.backends.fashn_wire import (
    SERVICE,
    build_body,
    credits_total,
    refused_error,
)
from editor.backends.journal import Journal, JournalEntry
from editor.backends.phases import PREPARING, JobTracker, sent_label
from editor.backends.remote import RemoteBackend
from editor.backends.remote_jobs import stage_job
from editor.backends.specs import SPECS
from editor.backends.transport import (
    MAX_OUTPUT_BYTES,
    json_object,
    network_message,
    retry_after,
)
from editor.core.errors import EditorError
from editor.core.prepare import fashn_max_edge, prepare_upload
from editor.core.redact import redact_error
from editor.core.request import EditRequest

UNCERTAIN_HINT = (
    "It may still run and be billed, so it was not sent again; check your FASHN dashboard "
    "before sending again."
)


class FashnBackend(RemoteBackend, FashnRecordMixin, FashnJobMixin):
    """FASHN ``edit``; the request's ``schema`` picks ``current`` or ``legacy-inpaint``."""

    spec = SPECS["fashn"]

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        journal: Journal | None = None,
        source_path: str | None = None,
        out_dir: str | None = None,
        job_timeout: float = 900.0,
        queue_timeout: float = 600.0,
        rate_limit_attempts: int = 8,
        poll_failure_budget: float = 90.0,
        poll_first: float = 1.0,
        poll_cap: float = 5.0,
        timeout: httpx.Timeout | None = None,
        max_output_bytes: int = MAX_OUTPUT_BYTES,
    ) -> None:
        super().__init__(base_url=base_url, api_key=api_key, timeout=timeout)
        self.journal = journal
        self.source_path = source_path
        self.out_dir = out_dir
        self.job_timeout = job_timeout
        self.queue_timeout = queue_timeout
        self.rate_limit_attempts = rate_limit_attempts
        self.poll_failure_budget = poll_failure_budget
        self.poll_first = poll_first
        self.poll_cap = poll_cap
        self.max_output_bytes = max_output_bytes
        self._account = pacing.account_id(self.base_url, self._key)

    # -- plumbing ------------------------------------------------------------------------
    def _headers(self, json_body: bool = False) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}
        if json_body:
            headers["Content-Type"] = "application/json"
        return headers

    async def credits(self) -> float | None:
        """``GET /v1/credits`` -> total balance."""
        self._require_key()
        await pacing.limiter(self._account, "credits").acquire()
        try:
            resp = await self.client.get(
                f"{self.base_url}/v1/credits", headers=self._headers(), follow_redirects=True
            )
        except httpx.HTTPError as exc:
            raise NetworkError(network_message(SERVICE, self.base_url, exc, "Asking")) from None
        if resp.status_code != 200:
            raise refused_error(resp, api_key=self._key)
        total = credits_total(json_object(resp))
        if total is None:
            raise ServiceError(SERVICE, "BadAnswer", "the credits answer has no total")
        return total

    # -- one job -------------------------------------------------------------------------
    async def run(
        self, request: EditRequest, *, tracker: JobTracker | None = None
    ) -> AsyncIterator[JobEvent]:
        """Prepare, record that it is being sent, submit once, record the id, poll,
        download, finish. ``tracker`` follows the phase (for interrupt messages)."""
        self._require_key()
        tracker = tracker if tracker is not None else JobTracker(service="fashn")
        await self.check_request(request)
        started = time.monotonic()
        edge = fashn_max_edge(request.resolution if request.schema == "current" else "1k")
        prepared = await asyncio.to_thread(prepare_upload, request, target="fashn", max_edge=edge)
        body = await asyncio.to_thread(build_body, request, prepared, request.schema)
        fingerprint = await asyncio.to_thread(lambda: hashlib.sha256(body).hexdigest()[:12])
        staged: Path | None = None
        claim = None
        if self.journal is not None:
            staged = await asyncio.to_thread(stage_job, self.journal, request, prepared)
            claim = self.journal.claim(staged)  # no `resume` elsewhere collects it meanwhile
        slots = pacing.job_slots(self._account)
        holding = False
        entry: JournalEntry | None = None
        try:
            if not slots.try_acquire():
                yield JobStatus("queued-locally", time.monotonic() - started)
                await slots.acquire()
            holding = True
            if self.journal is not None and staged is not None:
                # durably noted before a byte leaves: a crash in flight is reported later
                await asyncio.to_thread(
                    functools.partial(
                        self.journal.mark_sending,
                        staged,
                        service="fashn",
                        base_url=self.base_url,
                        fingerprint=fingerprint,
                        out_dir=self.out_dir,
                    )
                )
            job_id = None
            attempt = 0
            queued_since: float | None = None
            while job_id is None:
                tracker.sending(fingerprint)
                try:
                    outcome = await self._submit_or_learn(body, staged, request, prepared, tracker)
                except SubmissionUncertainError as exc:  # name it, to match the dashboard
                    raise SubmissionUncertainError(f"{exc} ({sent_label(tracker)})") from None
                if isinstance(outcome, str):
                    job_id = outcome
                    break
                tracker.phase = PREPARING  # provably refused: no job exists
                attempt += 1
                if outcome.queue:
                    queued_since = queued_since or time.monotonic()
                    if time.monotonic() - queued_since > self.queue_timeout:
                        raise outcome.error
                    yield JobStatus("queued-locally", time.monotonic() - started)
                elif attempt >= self.rate_limit_attempts:
                    raise outcome.error
                yield JobProgress(
                    message=f"{outcome.error.name}: retrying in {outcome.delay:.0f} s"
                )
                await asyncio.sleep(outcome.delay)
            tracker.accepted(job_id)
            problem = None
            if self.journal is not None and staged is not None:
                entry, problem = await self._record(staged, job_id, request, prepared, tracker)
            else:
                tracker.journaled(False)  # no journal: followed from memory
            yield JobSubmitted(job_id)
            if problem is not None:
                yield JobProgress(message=problem)

            def release() -> None:
                nonlocal holding
                if holding:
                    holding = False
                    slots.release()

            async for event in self._follow(job_id, entry, request, prepared, started, release):
                yield event
        except EditorError as exc:
            redact_error(exc, [self._key])  # server text (URLs, messages) included
            raise
        finally:
            if holding:
                slots.release()
            if claim is not None:
                claim.close()
            if entry is None and self.journal is not None:
                self.journal.discard(staged)

    async def _submit_once(self, body: bytes) -> str | _Wait:
        """POST /v1/run once. Returns the job id or a _Wait for a provable refusal; raises
        for everything else. Only failures before a byte was sent are retried here."""
        url = f"{self.base_url}/v1/run"
        await pacing.limiter(self._account, "run").acquire()
        for attempt in range(3):
            try:
                resp = await self.client.post(url, content=body, headers=self._headers(True))
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                if attempt == 2:
                    raise NetworkError(
                        network_message(SERVICE, self.base_url, exc, "Sending the job to")
                        + " Nothing was sent; check the connection and send again."
                    ) from None
                await asyncio.sleep(pacing.backoff(attempt, base=0.5, cap=4.0))
                continue
            except httpx.HTTPError as exc:
                raise SubmissionUncertainError(
                    network_message(SERVICE, self.base_url, exc, "Sending the job to")
                    + " "
                    + UNCERTAIN_HINT
                ) from None
            if resp.status_code in (307, 308) and attempt < 2:
                here = httpx.URL(url)
                target = here.join(resp.headers.get("location", ""))
                if (target.scheme, target.host, target.port) == (here.scheme, here.host, here.port):
                    url = str(target)  # a redirect proves the request was not processed
                    continue
            break
        return self._read_submit_answer(resp)

    def _read_submit_answer(self, resp: httpx.Response) -> str | _Wait:
        code = resp.status_code
        if code == 429:
            error = refused_error(resp, api_key=self._key)
            queue = error.name == "ConcurrencyLimitExceeded"
            if error.name == "OutOfCredits":
                raise error
            delay = retry_after(resp)
            if delay is None:
                delay = pacing.backoff(2, base=1.0, cap=30.0)
            return _Wait(max(0.25, delay), error, queue)  # never hammer the server
        data = json_object(resp)
        if code >= 500:
            err = refused_error(resp, api_key=self._key)
            if data is None:  # e.g. a proxy's HTML page: the job may exist upstream
                raise SubmissionUncertainError(f"{SERVICE}: {err.detail}. {UNCERTAIN_HINT}")
            raise err  # carries the "may still run and be billed" hint
        if code != 200:
            raise refused_error(resp, api_key=self._key)
        job_id = data.get("id") if data else None
        if isinstance(job_id, str) and job_id:
            return job_id
        if data and data.get("error"):
            raise refused_error(resp, api_key=self._key)
        raise SubmissionUncertainError(
            f"{SERVICE} answered the job with HTTP {code} but no readable job id. {UNCERTAIN_HINT}"
        )
