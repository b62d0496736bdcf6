"""Shared helpers for backend tests: test images and running a backend to completion."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from editor.backends import make_backend
from editor.backends.base import Backend, JobCompleted
from editor.backends.journal import Journal
from editor.core.request import EditRequest
from editor.sandbox import testing

SANDBOX_KEY = "sk-sandbox-test-0123456789"


def photo(h: int = 300, w: int = 400, seed: int = 0) -> np.ndarray:
    """A smooth-ish colour photo (gradients + noise) that JPEG keeps recognisable."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 // max(1, w - 1), y * 255 // max(1, h - 1), (x + y) % 256], axis=2)
    noise = rng.integers(-8, 8, size=(h, w, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def box_mask(h: int = 300, w: int = 400, box: tuple[int, int, int, int] = (150, 100, 250, 180)):
    return testing.box_mask(w, h, box)


def request(**kw: Any) -> EditRequest:
    kw.setdefault("image", photo())
    kw.setdefault("mask", box_mask())
    kw.setdefault("prompt", "add a red hat")
    return EditRequest(**kw)


def fashn(sandbox: Any, *, journal: Journal | None = None, **options: Any) -> Backend:
    options.setdefault("api_key", sandbox.key or SANDBOX_KEY)
    return make_backend("fashn", base_url=sandbox.url, journal=journal, **options)


async def _run(backend: Backend, req: EditRequest) -> list[Any]:
    events = []
    try:
        async for event in backend.run(req):
            events.append(event)
    finally:
        await backend.aclose()
    return events


def run(backend: Backend, req: EditRequest) -> list[Any]:
    """All events of one run (raises the backend's typed error)."""
    try:
        return asyncio.run(_run(backend, req))
    except Exception as exc:
        assert SANDBOX_KEY not in str(exc), "an error message leaked the API key"
        raise


def completed(events: list[Any]) -> JobCompleted:
    assert isinstance(events[-1], JobCompleted), events
    return events[-1]


def outside(mask: np.ndarray, margin: int) -> np.ndarray:
    """Pixels farther than ``margin`` from the mask (box-shaped masks only)."""
    ys, xs = np.nonzero(mask)
    keep = np.ones(mask.shape, bool)
    keep[
        max(0, ys.min() - margin) : ys.max() + margin + 1,
        max(0, xs.min() - margin) : xs.max() + margin + 1,
    ] = False
    return keep
