"""OpenAI-compatible ``POST /v1/images/edits`` (gpt-image-1, dall-e-2 and look-alikes).

One request per edit, answered with the images (``b64_json`` or ``url``) or, with
``stream``, server-sent partial images. A request that may have reached the server is
never resent (it can be billed); provable refusals (429) are retried with Retry-After.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import numpy as np

from editor.backends import pacing
from editor.backends.base import JobCompleted, JobEvent, JobProgress, JobStatus
from editor.backends.errors import (
    NetworkError,
    RateLimitError,
    ServiceError,
    SubmissionUncertainError,
)
from editor.backends.journal import Journal, JournalEntry
from editor.backends.openai_keep import Keeper as _Keeper
from editor.backends.openai_keep import fingerprint as _fingerprint
from editor.backends.openai_wire import (
    SERVICE,
    api_error,
    crop_content,
    form_fields,
    is_dalle2,
    pick_size,
    prepare_dalle2,
    sse_events,
    stream_error,
)
from editor.backends.phases import ANSWERED, JobTracker
from editor.backends.remote import RemoteBackend
from editor.backends.remote_jobs import finish_images, rebuild_job
from editor.backends.specs import SPECS
from editor.backends.transport import (
    decode_base64,
    fetch_output,
    json_object_async,
    network_message,
    retry_after,
)
from editor.core.errors import EditorError, ValidationError
from editor.core.prepare import PreparedUpload, prepare_upload
from editor.core.redact import redact_error
from editor.core.request import EditRequest

GPT_MAX_EDGE = 2048
UNCERTAIN_HINT = "It may still be billed, so it was not sent again."


class OpenAIBackend(RemoteBackend):
    """Any server speaking OpenAI's ``/v1/images/edits``."""

    spec = SPECS["openai"]

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        rate_limit_attempts: int = 5,
        prefer_urls: bool = False,
        timeout: httpx.Timeout | None = None,
        journal: Journal | None = None,
        source_path: str | None = None,
        out_dir: str | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout or httpx.Timeout(connect=5.0, read=300.0, write=120.0, pool=60.0),
        )
        root = self.base_url
        self.url = f"{root}/images/edits" if root.endswith("/v1") else f"{root}/v1/images/edits"
        self.rate_limit_attempts = rate_limit_attempts
        self.prefer_urls = prefer_urls  # dall-e-2: ask for URLs instead of b64_json
        self.journal = journal  # when set, answers are kept there before they are saved
        self.source_path = source_path
        self.out_dir = out_dir

    async def run(
        self, request: EditRequest, *, tracker: JobTracker | None = None
    ) -> AsyncIterator[JobEvent]:
        """Send one edit; yields progress (partial images when streaming) then the results.
        With a journal, the paid answer is kept there (as bytes) before it is handed on, and
        leaves it only after the caller has saved the results."""
        self._require_key()
        tracker = tracker if tracker is not None else JobTracker(service="openai")
        await self.check_request(request)  # the model is the request's (request.openai)
        started = time.monotonic()
        model = request.openai.model
        box: tuple[int, int, int, int] | None = None
        if is_dalle2(model):
            prepared, box = await asyncio.to_thread(prepare_dalle2, request)
            size = request.openai.size or f"{prepared.image.width}x{prepared.image.width}"
            if size not in ("256x256", "512x512", "1024x1024"):
                size = "1024x1024"
        else:
            prepared = await asyncio.to_thread(
                prepare_upload, request, target="openai", max_edge=GPT_MAX_EDGE
            )
            w, h = prepared.image.width, prepared.image.height
            size = request.openai.size or pick_size(model, w, h)
        files = self._files(request, prepared, model)
        data = form_fields(request, size)
        if self.prefer_urls and is_dalle2(model):
            data = [(k, "url" if k == "response_format" else v) for k, v in data]
        fingerprint = await asyncio.to_thread(_fingerprint, data, files)
        keeper = _Keeper(self, request, prepared, box)
        try:
            await keeper.stage(fingerprint)
            yield JobStatus("processing", time.monotonic() - started)
            raws: list[bytes] = []
            tracker.sending(fingerprint)
            try:
                async for event in self._exchange(request, prepared, box, data, files, raws):
                    yield event
            except httpx.HTTPError as exc:
                if not raws:
                    raise SubmissionUncertainError(
                        network_message(SERVICE, self.base_url, exc, "Reading the edit from")
                        + " "
                        + UNCERTAIN_HINT
                    ) from None
            if not raws:
                raise ServiceError(SERVICE, "BadOutput", "the answer holds no image")
            tracker.accepted(None)
            tracker.phase = ANSWERED
            problem = await keeper.keep(raws)  # bytes on disk before anything else
            tracker.journaled(problem is None and keeper.entry is not None)
            if problem is not None:
                yield JobProgress(message=problem)
            try:
                images = await asyncio.to_thread(self._finish, request, prepared, raws, box)
            except ServiceError as exc:
                if exc.name == "BadOutput":
                    await keeper.forget()  # an unusable answer never becomes usable
                raise
            yield JobCompleted(None, images, raws, None)
            # the consumer asked for more after JobCompleted: its results are saved
            await keeper.forget()
        except EditorError as exc:
            redact_error(exc, [self._key])  # server text (URLs, messages) included
            raise
        finally:
            keeper.close()

    async def collect(self, entry: JournalEntry) -> AsyncIterator[JobEvent]:
        """Finish an answer kept in the journal (the process stopped before saving it)."""
        if self.journal is None:
            raise ValidationError("Resuming an edit needs the job journal.")
        journal = self.journal
        request, prepared = await asyncio.to_thread(rebuild_job, journal, entry)
        raws = await asyncio.to_thread(journal.load_outputs, entry)
        square = entry.settings.get("openai_square")
        adjust = None
        if isinstance(square, list) and len(square) == 5:
            x0, y0, x1, y1, side = (int(v) for v in square)
            adjust = functools.partial(crop_content, box=(x0, y0, x1, y1), side=side)
        try:
            images = await asyncio.to_thread(
                functools.partial(
                    finish_images, request, prepared, raws, service=SERVICE, job_id=None
                ),
                adjust=adjust,
            )
        except ServiceError as exc:
            if exc.name == "BadOutput":
                await asyncio.to_thread(journal.remove, entry)
            raise
        yield JobCompleted(None, images, raws, None)
        await asyncio.to_thread(journal.remove, entry)

    async def _exchange(
        self,
        request: EditRequest,
        prepared: PreparedUpload,
        box: tuple[int, int, int, int] | None,
        data: list[tuple[str, str]],
        files: list,
        raws: list[bytes],
    ) -> AsyncIterator[JobEvent]:
        """POST (retrying provable refusals only) and read the answer into ``raws``."""
        for attempt in range(self.rate_limit_attempts + 1):
            async with _Sender(self, data, files) as resp:
                if resp.status_code == 429:
                    await resp.aread()
                    error = api_error(resp, api_key=self._key)
                    if not isinstance(error, RateLimitError) or attempt >= self.rate_limit_attempts:
                        raise error
                    delay = retry_after(resp) or pacing.backoff(attempt + 1, base=1.0, cap=30.0)
                    yield JobProgress(message=f"{error.name}: retrying in {delay:.0f} s")
                    await asyncio.sleep(delay)
                    continue
                if resp.status_code != 200:
                    await resp.aread()
                    raise api_error(resp, api_key=self._key)
                ctype = resp.headers.get("content-type", "")
                if "text/event-stream" in ctype:
                    async for event in self._read_stream(resp, request, prepared, box, raws):
                        yield event
                else:
                    raws.extend(await self._read_json(resp))
                return

    def _files(self, request: EditRequest, prepared: PreparedUpload, model: str) -> list:
        img = prepared.image
        ext = "png" if img.mime == "image/png" else "jpg"
        images = [(f"image.{ext}", img.data, img.mime)]
        if prepared.image_context is not None and not is_dalle2(model):
            ctx = prepared.image_context
            images.append(
                ("context.png" if ctx.mime == "image/png" else "context.jpg", ctx.data, ctx.mime)
            )
        field = "image[]" if len(images) > 1 else "image"
        files = [(field, item) for item in images]
        if prepared.mask is not None:
            files.append(("mask", ("mask.png", prepared.mask.data, "image/png")))
        return files

    async def _read_json(self, resp: httpx.Response) -> list[bytes]:
        await resp.aread()
        answer = await json_object_async(resp)
        if answer is None:
            raise ServiceError(
                SERVICE, "BadAnswer", f"the edit answer could not be read ({resp.status_code})"
            )
        if isinstance(answer.get("error"), dict):
            raise api_error(resp, api_key=self._key)
        items = answer.get("data")
        if not isinstance(items, list) or not items:
            raise ServiceError(SERVICE, "BadOutput", "the answer holds no image")
        raws = []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("b64_json"), str):
                raws.append(await asyncio.to_thread(decode_base64, item["b64_json"], SERVICE))
            elif isinstance(item, dict) and isinstance(item.get("url"), str):
                raws.append(
                    await fetch_output(self.client, item["url"], service=SERVICE, job_id=None)
                )
            else:
                raise ServiceError(
                    SERVICE, "BadOutput", "an answer item has neither b64_json nor url"
                )
        return raws

    async def _read_stream(
        self,
        resp: httpx.Response,
        request: EditRequest,
        prepared: PreparedUpload,
        box: tuple[int, int, int, int] | None,
        raws: list[bytes],
    ) -> AsyncIterator[JobEvent]:
        try:
            async for name, event in sse_events(resp.aiter_lines()):
                kind = str(event.get("type") or name)
                if kind == "error" or name == "error":
                    raise stream_error(event, self._key)
                b64 = event.get("b64_json")
                if not isinstance(b64, str):
                    continue
                raw = await asyncio.to_thread(decode_base64, b64, SERVICE)
                if kind.endswith("partial_image"):
                    index = event.get("partial_image_index")
                    try:
                        partial = await asyncio.to_thread(
                            self._finish, request, prepared, [raw], box
                        )
                    except ServiceError:
                        continue  # a bad preview is not worth failing the edit
                    yield JobProgress(message=f"partial image {index}", partial=partial[0])
                elif kind.endswith("completed"):
                    raws.append(raw)
        except httpx.HTTPError:
            if raws:
                return  # the final image arrived; a broken tail costs nothing
            raise

    @staticmethod
    def _finish(
        request: EditRequest,
        prepared: PreparedUpload,
        raws: list[bytes],
        box: tuple[int, int, int, int] | None,
    ) -> Sequence[np.ndarray]:
        adjust = None
        if box is not None:  # dall-e-2: cut the padding of the square away
            adjust = functools.partial(crop_content, box=box, side=prepared.image.width)
        return finish_images(request, prepared, raws, service=SERVICE, job_id=None, adjust=adjust)


class _Sender:
    """``async with`` one POST; maps transport failures to the right typed error."""

    def __init__(self, backend: OpenAIBackend, data: list[tuple[str, str]], files: list) -> None:
        self.backend = backend
        self.data = data
        self.files = files
        self._cm: Any = None

    async def __aenter__(self) -> httpx.Response:
        b = self.backend
        headers = {"Authorization": f"Bearer {b._key}"}
        for attempt in range(3):
            request = b.client.build_request(
                "POST", b.url, data=dict(self.data), files=self.files, headers=headers
            )
            try:
                self._cm = await b.client.send(request, stream=True)
                return self._cm
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                if attempt == 2:
                    raise NetworkError(
                        network_message(SERVICE, b.base_url, exc, "Sending the edit to")
                        + " Nothing was sent; check the connection and send again."
                    ) from None
                await asyncio.sleep(pacing.backoff(attempt, base=0.5, cap=4.0))
            except httpx.HTTPError as exc:
                raise SubmissionUncertainError(
                    network_message(SERVICE, b.base_url, exc, "Sending the edit to")
                    + " "
                    + UNCERTAIN_HINT
                ) from None
        raise AssertionError("unreachable")

    async def __aexit__(self, *exc: object) -> None:
        if self._cm is not None:
            await self._cm.aclose()
