"""A photo is decoded in a thread of its own at a lower priority than the UI thread's
(so the UI thread gets a CPU first on a busy machine), and still opens."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import editor.core.image as core_image


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice: Linux")
def test_the_decode_runs_in_a_lower_priority_thread(window, qtbot, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "photo.jpg"
    Image.fromarray(np.full((60, 80, 3), 120, np.uint8)).save(path, quality=95)
    seen: list[tuple[str, int]] = []
    real = core_image.load_image

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        tid = threading.get_native_id()
        seen.append((threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, tid)))
        return real(*args, **kwargs)

    monkeypatch.setattr(core_image, "load_image", recording)
    window.opener.open_path(str(path))
    qtbot.waitUntil(lambda: window.canvas.has_image() and not window.opening, timeout=10_000)
    main_nice = os.getpriority(os.PRIO_PROCESS, threading.main_thread().native_id)
    assert len(seen) == 1
    name, nice = seen[0]
    assert name.startswith("photo-decode") and nice > main_nice
    assert window.canvas.image().shape == (60, 80, 3)
    assert Path(window.document.path or "") == path
