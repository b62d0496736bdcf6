"""Main windows for tests that need more than the ``window`` fixture's one: several
windows in a row (a crash, then a restart), closed explicitly."""

from __future__ import annotations

import asyncio


def new_window(qtbot, *, show: bool = True):  # type: ignore[no-untyped-def]
    """A main window that closes without asking; shown unless ``show`` is False."""
    from editor.ui.window import MainWindow

    win = MainWindow()
    win.force_close = True
    qtbot.addWidget(win)
    if show:
        win.show()
    return win


def close_window(qtbot, win, timeout: int = 15_000) -> None:  # type: ignore[no-untyped-def]
    """What a clean quit does: jobs stop waiting, clients close, the autosave goes away."""
    done = asyncio.ensure_future(win.shutdown())
    qtbot.waitUntil(done.done, timeout=timeout)


def crash(window) -> None:  # type: ignore[no-untyped-def]
    """What a crash leaves: the autosave folder unlocked, without the clean-exit marker."""
    saver = window.session.autosaver
    assert saver.flush(10)
    with saver._cond:
        saver._closed = True
        saver._cond.notify_all()
    saver._lock_fh.close()  # the OS does this when a process dies
    saver._lock_fh = None
