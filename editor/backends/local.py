"""The offline engine: PatchMatch contextual fill on this computer, no key, no network."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from editor.backends.base import Backend, JobCompleted, JobEvent, JobProgress, JobStatus
from editor.backends.specs import SPECS
from editor.core.composite import finish_result
from editor.core.fill import contextual_fill
from editor.core.prepare import PreparedImage, PreparedUpload
from editor.core.request import SEED_MAX, EditRequest


class LocalBackend(Backend):
    """Contextual fill from the surroundings; variants differ by seed (seed + i)."""

    spec = SPECS["local"]

    def __init__(self, **_options: Any) -> None:
        pass

    async def run(self, request: EditRequest) -> AsyncIterator[JobEvent]:
        """Fill the masked area once per variant, in a worker thread."""
        await self.check_request(request)
        started = time.monotonic()
        yield JobStatus("processing", 0.0)
        h, w = request.image.shape[:2]
        prepared = PreparedUpload(
            image=PreparedImage(b"", "image/png", w, h),
            mask=None,
            image_context=None,
            crop=None,
            source_size=(w, h),
        )
        # the fill keeps every unmasked pixel and is built to meet its surroundings, so
        # it is pasted through the hard mask: a feathered blend would only mix the removed
        # object back into a soft ring inside the mask's edge (bench_fill_quality.py)
        composite = dataclasses.replace(request, composite=True, feather_px=0)
        images: list[np.ndarray] = []
        n = int(request.num_images)
        for i in range(n):
            seed = (int(request.seed) + i) % (SEED_MAX + 1)
            filled = await asyncio.to_thread(_fill_variant, composite, prepared, seed)
            images.append(filled)
            yield JobProgress(
                message=f"variant {i + 1} of {n} filled ({time.monotonic() - started:.1f} s)",
                fraction=(i + 1) / n,
            )
        yield JobStatus("completed", time.monotonic() - started)
        yield JobCompleted(None, images)


def _fill_variant(request: EditRequest, prepared: PreparedUpload, seed: int) -> np.ndarray:
    assert request.mask is not None
    filled = contextual_fill(request.image, request.mask, seed=seed)
    return finish_result(request, prepared, filled)
