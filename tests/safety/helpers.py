"""Helpers shared by the safety tests."""

from __future__ import annotations

import numpy as np

from editor.core.session import JobRecord, Session
from editor.core.variant import Variant


def make_session(h: int = 48, w: int = 64, *, seed: int = 1, alpha: bool = False) -> Session:
    """A session with noisy pixels, a painted mask, two jobs and one history image."""
    rng = np.random.default_rng(seed)
    source = rng.integers(0, 256, (h, w, 4 if alpha else 3), dtype=np.uint8)
    mask = np.zeros((h, w), np.uint8)
    mask[5:20, 10:40] = 255
    mask[30, 3] = 255
    jobs = [
        JobRecord(
            "job-1",
            prompt="make it red",
            settings={"resolution": "2k", "num_images": 2},
            variants=[
                Variant.whole(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)) for _ in range(2)
            ],
            status="completed",
        ),
        JobRecord(
            "job-2",
            prompt="",
            settings={"backend": "local"},
            status="failed",
            error="PipelineError: boom",
        ),
    ]
    history = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8)]
    return Session(
        source=source,
        mask=mask,
        source_path="/photos/été.jpg",
        prompt="replace the sky with a sunset",
        settings={"backend": "fashn", "resolution": "2k", "mode": "balanced"},
        history=history,
        jobs=jobs,
    )


def assert_sessions_equal(a: Session, b: Session) -> None:
    np.testing.assert_array_equal(a.source, b.source)
    np.testing.assert_array_equal(a.mask, b.mask)
    assert a.prompt == b.prompt
    assert a.source_path == b.source_path
    assert a.settings == b.settings
    assert len(a.history) == len(b.history)
    for x, y in zip(a.history, b.history, strict=True):
        np.testing.assert_array_equal(x, y)
    assert [j.job_id for j in a.jobs] == [j.job_id for j in b.jobs]
    for ja, jb in zip(a.jobs, b.jobs, strict=True):
        assert (ja.prompt, ja.settings, ja.status, ja.error) == (
            jb.prompt,
            jb.settings,
            jb.status,
            jb.error,
        )
        assert len(ja.variants) == len(jb.variants)
        for x, y in zip(ja.full_images(), jb.full_images(), strict=True):
            np.testing.assert_array_equal(x, y)
