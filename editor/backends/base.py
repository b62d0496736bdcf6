"""The one small interface every engine implements (FASHN, OpenAI-compatible, local).

CONTRACT shared by GUI, CLI and tests:

    backend = make_backend("fashn", base_url=..., api_key=...)  # kinds: backends.specs
    async for event in backend.run(request):  # request.schema picks FASHN's schema
        ...  # JobSubmitted, JobStatus, JobProgress, JobCompleted
    await backend.aclose()

``run`` raises a typed error (editor.backends.errors / editor.core.errors) on failure;
the last event of a successful run is JobCompleted, whose ``images`` are final: at the
source's size, pasted back through the feathered mask when the request asks for it.
Cancelling the consuming task stops waiting (the remote job may still finish and bill).
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from editor.backends.specs import BackendSpec
from editor.core.request import BackendKind, EditRequest
from editor.core.validation import ensure_valid


@dataclass(frozen=True, slots=True)
class JobSubmitted:
    job_id: str


@dataclass(frozen=True, slots=True)
class JobStatus:
    status: str  # starting | in_queue | processing | completed | failed | canceled | queued-locally
    elapsed: float  # seconds since run() started


@dataclass(frozen=True, slots=True)
class JobProgress:
    message: str = ""
    fraction: float | None = None
    partial: np.ndarray | None = None  # partial image (OpenAI streaming), source-sized


@dataclass(frozen=True, slots=True)
class JobCompleted:
    job_id: str | None
    images: Sequence[np.ndarray]  # final variants, H x W x 3/4 uint8, source size (may be
    # a core WholeImages: crops over the source, each whole image built when it is read)
    raw: list[bytes] = field(default_factory=list)  # the bytes the service returned
    credits_used: float | None = None


JobEvent = JobSubmitted | JobStatus | JobProgress | JobCompleted


class Backend(abc.ABC):
    spec: ClassVar[BackendSpec]  # the engine's one description (editor.backends.specs)

    @property
    def kind(self) -> BackendKind:
        return self.spec.kind

    @property
    def display_name(self) -> str:
        return self.spec.display_name

    async def check_request(self, request: EditRequest) -> None:
        """The one validation of ``request`` on its way to the wire (in a worker thread:
        it scans the mask). Skipped when these exact settings already passed for this
        engine, e.g. in the window before the job was shown."""
        await asyncio.to_thread(ensure_valid, request, self.kind)

    @abc.abstractmethod
    def run(self, request: EditRequest) -> AsyncIterator[JobEvent]:
        """Send one edit and yield its events; raise a typed error on failure."""

    async def credits(self) -> float | None:
        """The account balance, or None when the backend has no notion of it."""
        return None

    async def check_ready(self) -> str | None:
        """None when usable; otherwise one line saying why not (no key, unreachable)."""
        return None

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release network clients."""
