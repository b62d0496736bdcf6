"""What a remote job goes through after the wire, for every remote engine: recorded in
the job journal (staged, then committed with its id), rebuilt from its journal entry
(resume), and its raw outputs finished into the final images (decoded, scaled back,
pasted through the feathered mask)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from editor.backends.errors import ServiceError
from editor.backends.journal import Journal, JournalEntry
from editor.core.composite import feathered_mask, finish_variant
from editor.core.errors import ImageLoadError
from editor.core.image import decode_image_bytes
from editor.core.options import saved_values, split_values
from editor.core.prepare import PreparedImage, PreparedUpload
from editor.core.request import EditRequest
from editor.core.variant import WholeImages

# besides the engine options of core.options (those marked ``saved``)
_SETTINGS = (
    "prompt",
    "num_images",
    "seed",
    "return_base64",
    "schema",
    "composite",
    "feather_px",
    "focus",
    "focus_margin",
)


def request_settings(request: EditRequest) -> dict[str, Any]:
    """The JSON-able request fields a journal entry keeps."""
    return {name: getattr(request, name) for name in _SETTINGS} | saved_values(request)


def stage_job(journal: Journal, request: EditRequest, prepared: PreparedUpload) -> Path:
    """Stage what finishing needs: the source when it is pasted into (composite or focus
    crop), the mask when compositing. Worker thread."""
    keep_source = request.wants_composite or prepared.crop is not None
    return journal.stage(
        source=request.image if keep_source else None,
        mask=request.mask if request.wants_composite else None,
    )


def commit_job(
    journal: Journal,
    folder: Path,
    *,
    job_id: str,
    service: str,
    base_url: str,
    schema: str,
    request: EditRequest,
    prepared: PreparedUpload,
    source_path: str | None,
    out_dir: str | None,
    fingerprint: str = "",
) -> JournalEntry:
    """Record an accepted job id (one small atomic write; call it at once)."""
    entry = JournalEntry(
        token=folder.name,
        job_id=job_id,
        service=service,
        base_url=base_url,
        schema=schema,
        settings=request_settings(request),
        crop=list(prepared.crop) if prepared.crop is not None else None,
        source_size=list(prepared.source_size),
        source_path=source_path,
        out_dir=out_dir,
        fingerprint=fingerprint,
    )
    return journal.commit(folder, entry)


def rebuild_job(journal: Journal, entry: JournalEntry) -> tuple[EditRequest, PreparedUpload]:
    """The request and upload geometry finishing needs, from a journal entry."""
    w, h = (int(v) for v in entry.source_size)
    source = journal.load_source(entry)
    if source is None:
        # only the size matters when the result is just scaled to the source
        source = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (h, w, 3))
    mask = journal.load_mask(entry)
    known = {f.name for f in dataclasses.fields(EditRequest)}
    settings = {k: v for k, v in entry.settings.items() if k in known}
    _, extra = split_values(entry.settings, EditRequest)
    request = EditRequest(image=source, mask=mask, **settings)
    request.options.update(extra)
    if mask is None:
        request.composite = False
    placeholder = PreparedImage(b"", "image/jpeg", w, h)
    crop = tuple(int(v) for v in entry.crop) if entry.crop else None
    prepared = PreparedUpload(
        image=placeholder,
        mask=None,
        image_context=None,
        crop=crop,  # type: ignore[arg-type]
        source_size=(w, h),
    )
    return request, prepared


def finish_images(
    request: EditRequest,
    prepared: PreparedUpload,
    raws: list[bytes],
    *,
    service: str,
    job_id: str | None,
    adjust: Callable[[np.ndarray], np.ndarray] | None = None,
) -> WholeImages:
    """Decode each output (validated as an image), ``adjust`` it (e.g. crop padding
    away) and bring it to the source, kept as the window it changes. Worker thread."""
    images = []
    feathered = feathered_mask(request)  # once for all variants
    for i, raw in enumerate(raws):
        try:
            decoded = decode_image_bytes(raw, label=f"output {i + 1} of the {service} job")
        except ImageLoadError as exc:
            raise ServiceError(service, "BadOutput", str(exc), job_id=job_id) from None
        if adjust is not None:
            decoded = adjust(decoded)
        images.append(finish_variant(request, prepared, decoded, feathered=feathered))
    return WholeImages(images, request.image)  # crops: whole images only when read
