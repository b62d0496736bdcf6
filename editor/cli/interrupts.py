"""Ctrl+C and SIGTERM in the CLI: stop cleanly and say what is known about the money.

``run_async`` runs a command's coroutine; SIGINT (asyncio's own handling) and SIGTERM
cancel it, so the backends' clean-up runs (a job id being recorded is recorded first).
The command keeps its ``JobTracker`` in ``current``; ``main`` then prints
``interrupt_message`` for the phase the job was in.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Coroutine
from types import FrameType
from typing import Any, TypeVar

from editor.backends.phases import JobTracker, interrupt_message

T = TypeVar("T")

current: list[JobTracker | None] = [None]  # the job the running command follows
received: list[int] = []  # signals that stopped the command


class Terminated(KeyboardInterrupt):
    """SIGTERM outside the event loop (while loading inputs or printing results)."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    received.append(signum)
    raise Terminated


def install() -> None:
    """Turn SIGTERM into an interrupt the command can report (where the OS allows)."""
    if sys.platform != "win32":
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            signal.signal(signal.SIGTERM, _on_sigterm)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)`` where SIGTERM, like Ctrl+C, cancels it cleanly."""

    async def guarded() -> T:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()

        def on_term() -> None:
            received.append(signal.SIGTERM)
            if task is not None:
                task.cancel()

        if sys.platform != "win32":
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal.SIGTERM, on_term)
        return await coro

    try:
        return asyncio.run(guarded())
    finally:
        install()  # the loop's handler is gone with the loop


def exit_code() -> int:
    """128 + the signal number, as shells report it (130 for Ctrl+C)."""
    return 128 + (received[-1] if received else signal.SIGINT)


def message() -> str:
    """One line: what the interrupt means for the money of the job in progress."""
    what = "Stopped by SIGTERM" if received and received[-1] == signal.SIGTERM else "Interrupted"
    return interrupt_message(current[0], what=what)
