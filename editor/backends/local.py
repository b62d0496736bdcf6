"""The offline engine: PatchMatch contextual fill on this computer, no key, no network."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from editor.backends.base import Backend, JobCompleted, JobEvent, JobProgress, JobStatus
from editor.backends.specs import SPECS
from editor.core.composite import paste_back
from editor.core.fill import fill_regions
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
        images: list[np.ndarray] = []
        n = int(request.num_images)
        for i in range(n):
            seed = (int(request.seed) + i) % (SEED_MAX + 1)
            filled = await asyncio.to_thread(fill_variant, request.image, request.mask, seed)
            images.append(filled)
            yield JobProgress(
                message=f"variant {i + 1} of {n} filled ({time.monotonic() - started:.1f} s)",
                fraction=(i + 1) / n,
            )
        yield JobStatus("completed", time.monotonic() - started)
        yield JobCompleted(None, images)


def fill_variant(image: np.ndarray, mask: np.ndarray | None, seed: int) -> np.ndarray:
    """One variant at the source's size. Every step works on the holes' neighbourhoods
    (fill_regions, then the paste through the mask per region); the only whole-photo
    work is the one copy a full-size result needs.

    The fill keeps every unmasked pixel and is built to meet its surroundings, so it is
    pasted through the hard mask (its own values: a soft-edged mask still blends), not
    a feathered one: that would only mix the removed object back into a soft ring
    inside the mask's edge (bench_fill_quality.py)."""
    assert mask is not None
    regions = fill_regions(image, mask, seed=seed)
    out = image.copy()
    for region in regions:
        x0, y0, x1, y1 = region.box
        window = out[y0:y1, x0:x1]
        window[...] = paste_back(window, region.pixels, mask[y0:y1, x0:x1], feather_px=0)
    return out
