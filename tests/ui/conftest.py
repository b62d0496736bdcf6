"""UI test setup: offscreen Qt, a qasync loop, private data/settings folders, no keyring."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_LOOP = None


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASK_EDITOR_DATA_DIR", str(tmp_path / "app-data"))
    monkeypatch.setenv("MASK_EDITOR_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.delenv("FASHN_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture(autouse=True)
def _no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No OS keyring in tests: keys stay in the session store, which is emptied after."""
    import keyring
    from keyring.backends import fail

    from editor.backends import keys

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr(keys, "_session_keys", {})
    yield
    keyring.set_keyring(previous)


@pytest.fixture(scope="session", autouse=True)
def _stop_loop_threads() -> Iterator[None]:
    """Join the qasync executor's worker threads at the end (no dangling QThreads)."""
    yield
    executor = getattr(_LOOP, "_QEventLoop__default_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)


@pytest.fixture
def qloop(qapp):  # type: ignore[no-untyped-def]
    """The qasync loop, running inside Qt's event loop (driven by qtbot.wait*)."""
    import qasync

    global _LOOP
    if _LOOP is None:
        _LOOP = qasync.QEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(_LOOP)
    asyncio.set_event_loop(_LOOP)
    yield _LOOP
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture
def window(qtbot, qloop):  # type: ignore[no-untyped-def]
    """A shown main window; its jobs and HTTP clients are closed after the test."""
    from window_helpers import close_window, new_window

    win = new_window(qtbot)
    qtbot.waitExposed(win)
    yield win
    close_window(qtbot, win, timeout=10_000)


@pytest.fixture
def fashn_window(window, sandbox, monkeypatch):  # type: ignore[no-untyped-def]
    """The window with FASHN chosen, pointed at the sandbox with its key."""
    from editor.ui import prefs

    monkeypatch.setenv("FASHN_API_KEY", sandbox.key)
    prefs.set_value("backends/fashn/base_url", sandbox.url)
    c = window.controls
    c.backend_box.setCurrentIndex(c.backend_box.findData("fashn"))
    return window


def _make_photo(h: int = 120, w: int = 160, seed: int = 0) -> np.ndarray:
    """A textured RGB test photo (gradient + noise), so fills and diffs are visible."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 // max(1, w - 1), y * 255 // max(1, h - 1), (x + y) % 256], -1)
    noise = rng.integers(0, 24, size=(h, w, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def _write_png(path: Path, arr: np.ndarray) -> Path:
    from PIL import Image

    Image.fromarray(arr).save(path)
    return path


class UiHelpers:
    """Small helpers shared by the window tests (a fixture, so no test imports conftest)."""

    def __init__(self, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        self.qtbot = qtbot
        self.tmp_path = tmp_path

    photo = staticmethod(_make_photo)
    write_png = staticmethod(_write_png)

    def photo_file(
        self, name: str = "photo.png", h: int = 120, w: int = 160, seed: int = 0
    ) -> Path:
        return _write_png(self.tmp_path / name, _make_photo(h, w, seed))

    def open(self, window, path: Path) -> None:  # type: ignore[no-untyped-def]
        """Open ``path`` in ``window`` and wait until it is shown."""
        window.opener.open_path(str(path))
        self.qtbot.waitUntil(
            lambda: window.document.sources.current is not None and not window.opening,
            timeout=10_000,
        )

    @staticmethod
    def paint(window, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:  # type: ignore[no-untyped-def]
        """Add a rectangle to the mask as one undoable command; returns the new mask."""
        mask = np.array(window.canvas.mask(), copy=True)
        mask[y0:y1, x0:x1] = 255
        window.canvas.apply_mask(mask, "test paint")
        return mask

    def wait_job(self, window, timeout: int = 60_000):  # type: ignore[no-untyped-def]
        """Wait until every job has ended and its card shows it (the status, then one
        thumbnail a turn of the event loop); returns the last job's record."""

        def shown(record) -> bool:  # type: ignore[no-untyped-def]
            card = window.results.card(record.number)
            return card is None or (
                len(card.variant_buttons) == len(record.thumbs)
                and card.status_label.text() != ""
                and (record.running or not card.cancel_button.isVisibleTo(card))
            )

        def done() -> bool:
            jobs = window.document.jobs
            return bool(jobs) and not window.runner.running() and all(map(shown, jobs.values()))

        self.qtbot.waitUntil(done, timeout=timeout)
        return window.document.jobs[max(window.document.jobs)]


@pytest.fixture
def ui(qtbot, tmp_path: Path) -> UiHelpers:  # type: ignore[no-untyped-def]
    return UiHelpers(qtbot, tmp_path)


@pytest.fixture
def photo_path(ui: UiHelpers) -> Path:
    return ui.photo_file()


@pytest.fixture
def pyramid_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads that build a mask's display levels from here on."""
    import threading

    from editor.ui.canvas import mask_levels

    threads: list[str] = []
    real = mask_levels.mask_pyramid

    def recording(mask, blank=False):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real(mask, blank)

    monkeypatch.setattr(mask_levels, "mask_pyramid", recording)
    return threads
