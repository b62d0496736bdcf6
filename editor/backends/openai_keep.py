"""Keeping an OpenAI-compatible answer in the job journal before it is handed on.

These answers carry the (already paid) images themselves, so there is no job to poll
later: the bytes are written to the journal as soon as they arrive, and leave it only
after the caller has saved the final images (``mask-editor-cli resume`` saves them after
a crash or a full output disk).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from pathlib import Path
from typing import Any, BinaryIO

from editor.backends.journal import Journal, JournalEntry
from editor.backends.remote_jobs import commit_job, stage_job
from editor.core.errors import ExportError
from editor.core.prepare import PreparedUpload
from editor.core.request import EditRequest

log = logging.getLogger(__name__)


def fingerprint(data: list[tuple[str, str]], files: list[Any]) -> str:
    """A short hash of one submission (form fields and file bytes); worker thread."""
    digest = hashlib.sha256()
    for key, value in data:
        digest.update(f"{key}={value}\n".encode())
    for field, (name, payload, mime) in files:
        digest.update(f"{field}:{name}:{mime}\n".encode())
        digest.update(payload)
    return digest.hexdigest()[:12]


class Keeper:
    """The journal side of one OpenAI-compatible edit (all no-ops without a journal)."""

    def __init__(
        self,
        backend: Any,
        request: EditRequest,
        prepared: PreparedUpload,
        box: tuple[int, int, int, int] | None,
    ) -> None:
        self.journal: Journal | None = getattr(backend, "journal", None)
        self.base_url: str = backend.base_url
        self.source_path: str | None = getattr(backend, "source_path", None)
        self.out_dir: str | None = getattr(backend, "out_dir", None)
        self.request = request
        self.prepared = prepared
        self.box = box
        self.staged: Path | None = None
        self.claim: BinaryIO | None = None
        self.entry: JournalEntry | None = None
        self.fingerprint = ""

    async def stage(self, fingerprint: str) -> None:
        """Stage the job and durably note that it is about to be sent (before sending)."""
        if self.journal is None:
            return
        journal = self.journal
        self.fingerprint = fingerprint
        self.staged = await asyncio.to_thread(stage_job, journal, self.request, self.prepared)
        self.claim = journal.claim(self.staged)
        await asyncio.to_thread(
            functools.partial(
                journal.mark_sending,
                self.staged,
                service="openai",
                base_url=self.base_url,
                fingerprint=fingerprint,
                out_dir=self.out_dir,
            )
        )

    async def keep(self, raws: list[bytes]) -> str | None:
        """Write the answer's bytes into the journal; None when kept, else one line saying
        it could not be (the results then go straight to the caller)."""
        if self.journal is None or self.staged is None:
            return None
        journal, staged = self.journal, self.staged
        try:
            entry = await asyncio.to_thread(
                functools.partial(
                    commit_job,
                    journal,
                    staged,
                    job_id=f"openai-{staged.name.rsplit('-', 1)[-1]}",
                    service="openai",
                    base_url=self.base_url,
                    schema="current",
                    request=self.request,
                    prepared=self.prepared,
                    source_path=self.source_path,
                    out_dir=self.out_dir,
                    fingerprint=self.fingerprint,
                )
            )
            if self.box is not None:
                entry.settings["openai_square"] = [*self.box, self.prepared.image.width]
            await asyncio.to_thread(journal.save_outputs, entry, raws)
        except ExportError as exc:
            log.warning("an OpenAI-compatible answer was not kept in the journal: %s", exc)
            await asyncio.to_thread(journal.discard_entry, staged)
            return (
                f"the paid answer could not be kept in the job journal ({exc}); "
                "saving it to the output folder now"
            )
        self.entry = entry
        return None

    async def forget(self) -> None:
        """The results are saved (or unusable): drop the journal entry."""
        if self.journal is not None and self.entry is not None:
            await asyncio.to_thread(self.journal.remove, self.entry)
            self.entry = None

    def close(self) -> None:
        if self.claim is not None:
            self.claim.close()
            self.claim = None
        if self.entry is None and self.journal is not None:
            self.journal.discard(self.staged)
