"""Worker threads (asyncio.to_thread's, the runner's) yield the CPU to the UI thread."""

from __future__ import annotations

import os
import sys
import threading

import pytest


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are Linux's")
def test_worker_threads_run_at_a_lower_priority_than_the_ui(window, qtbot) -> None:
    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    got: list[int] = []
    window.runner.in_thread(nice, on_done=got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    assert got[0] > nice()  # the UI thread's own value
