"""A photo is decoded in a thread of its own: its preview at the UI thread's priority
(the first paint), then the full decode at a lower one (so the UI thread gets a CPU
first on a busy machine); the photo still opens."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import editor.core.image as core_image


def _nice() -> tuple[str, int]:
    tid = threading.get_native_id()
    return threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, tid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice: Linux")
def test_the_full_decode_runs_at_a_lower_priority_after_the_preview(
    window, qtbot, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    w, h = 3 * core_image.PREVIEW_EDGE, 2 * core_image.PREVIEW_EDGE
    path = tmp_path / "photo.jpg"
    Image.fromarray(np.full((h, w, 3), 120, np.uint8)).save(path, quality=80)
    seen: dict[str, tuple[str, int]] = {}
    real_preview, real_decode = core_image._preview, core_image._decode

    def preview(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["preview"] = _nice()
        return real_preview(*args, **kwargs)

    def decode(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["full"] = _nice()
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(core_image, "_preview", preview)
    monkeypatch.setattr(core_image, "_decode", decode)
    window.opener.open_path(str(path))
    qtbot.waitUntil(lambda: window.canvas.has_image() and not window.opening, timeout=20_000)
    main_nice = os.getpriority(os.PRIO_PROCESS, threading.main_thread().native_id)
    assert seen["preview"] == ("photo-decode", main_nice)
    name, nice = seen["full"]
    assert name == "photo-decode" and nice > main_nice
    assert window.canvas.image().shape == (h, w, 3)
    assert Path(window.document.path or "") == path
