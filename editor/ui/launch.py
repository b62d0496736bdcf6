"""Start the GUI: QApplication + qasync loop + main window."""

from __future__ import annotations

import asyncio
import ctypes
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from editor.ui.window import MainWindow


MMAP_FROM = 8 << 20  # bytes: blocks this large always come from (and go back to) mmap


def limit_malloc_arenas() -> None:
    """Tune glibc's malloc for whole-photo buffers passing through worker threads.

    - Two malloc arenas instead of one per thread. 24 MP images pass through worker
      threads (decode, paste-back, PNG encoding); with an arena per thread the freed
      memory stays scattered and held. Measured with tests/benchmarks/bench_window.py:
      peak RSS of a 4-variant 24 MP job 993-1081 MB with the default, 906 MB with two.
    - A fixed mmap threshold (``MMAP_FROM``). By default glibc raises it to the size of
      the last large block freed, so after the first photo Pillow's 16 MB image blocks
      come from the heap, and Pillow's zeroed allocation (calloc) must then clear 400 MB
      by hand while it holds the interpreter lock: a second 102 MP JPEG decode kept the
      UI thread waiting 65-250 ms; from mmap the pages come zeroed for free. Four
      102 MP JPEG decodes in a row, a probe thread waking every 0.5 ms: longest wait
      20-111 ms before, 24-44 ms after (what is left is Pillow freeing its copy).
    Call it before any thread starts; a no-op off glibc."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(ctypes.c_int(-8), ctypes.c_int(2))  # M_ARENA_MAX
        libc.mallopt(ctypes.c_int(-3), ctypes.c_int(MMAP_FROM))  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (reused when one exists), named for QSettings."""
    from PySide6.QtWidgets import QApplication

    limit_malloc_arenas()

    from editor.ui.prefs import APPLICATION, ORGANIZATION

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Mask Editor")
    return app  # type: ignore[return-value]


def create_window(path: str | None = None) -> MainWindow:
    """Build and show the main window; ``path`` is opened once the loop runs (after the
    offer to restore a crashed run and the collection of journal jobs)."""
    from PySide6.QtCore import QTimer

    from editor.ui.window import MainWindow

    window = MainWindow()
    window.show()
    # first restore a crashed run, then collect jobs left in the journal, then open ``path``
    QTimer.singleShot(0, lambda: window.recovery.startup(path))
    return window


def launch(path: str | None = None) -> int:
    """Run the editor until its window closes; returns the exit code."""
    import qasync

    from editor.logs import setup_logging

    setup_logging()
    app = create_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = create_window(path)
    app.setQuitOnLastWindowClosed(True)
    try:
        code = loop.run_forever()
        # Jobs stop waiting and every backend's HTTP client is closed.
        loop.run_until_complete(window.shutdown())
    finally:
        loop.close()
    return int(code or 0)
