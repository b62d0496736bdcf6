"""Background threads for pixel work that must leave the UI thread its CPU.

``lower_thread_priority`` lowers the calling thread's priority (Linux: each thread has
its own nice value). ``pixel_map`` runs a function over a list of pieces of pixel work
in two such threads: OpenCV runs a filter on a small image in one thread, so many
small rectangles (the edge of a mask) are worked out side by side instead; OpenCV and
numpy release the interpreter lock while they work.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

BACKGROUND_NICE = 10  # how much a worker thread yields the CPU to the UI thread
PIXEL_THREADS = 2

T = TypeVar("T")
R = TypeVar("R")


def lower_thread_priority() -> None:
    """Make the calling (worker) thread yield the CPU to the UI thread when both want it:
    on Linux each thread has its own nice value; elsewhere this does nothing."""
    try:
        tid = threading.get_native_id()
        os.setpriority(
            os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICE)
        )
    except (AttributeError, OSError):
        pass


_IN_PIXEL_THREAD = threading.local()


def _pixel_thread() -> None:
    lower_thread_priority()
    _IN_PIXEL_THREAD.flag = True


_PIXELS = ThreadPoolExecutor(
    max_workers=PIXEL_THREADS, thread_name_prefix="mask-pixels", initializer=_pixel_thread
)


def pixel_map(work: Callable[[T], R], pieces: Iterable[T]) -> list[R]:
    """``[work(p) for p in pieces]``, worked out in the pixel threads (in order); in the
    calling thread when called from a pixel thread (waiting on the pool from inside it
    could wait for ever)."""
    items = list(pieces)
    if len(items) < 2 or getattr(_IN_PIXEL_THREAD, "flag", False):
        return [work(p) for p in items]
    return list(_PIXELS.map(work, items))
