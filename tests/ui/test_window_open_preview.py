"""Opening a large JPEG: a reduced-scale preview is on the canvas (upright) before the
full decode ends, painting waits for the full pixels, and the window keeps answering."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QTimer

import editor.core.image as core_image
from editor.core.errors import ImageLoadError

W, H = 3 * core_image.PREVIEW_EDGE, 2 * core_image.PREVIEW_EDGE


@pytest.fixture
def big_jpeg(tmp_path: Path) -> Path:
    """Red on the left, blue on the right, stored turned: EXIF orientation 6 (rotate 90
    clockwise to show), so upright the red half is on top."""
    a = np.zeros((W, H, 3), np.uint8)  # the stored, sideways array: W rows, H columns
    a[:, : H // 2] = (255, 0, 0)  # stored left half: upright (turned clockwise), the top
    a[:, H // 2 :] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "big.jpg"
    Image.fromarray(a).save(path, quality=90, exif=exif)
    return path


@pytest.fixture
def held_decode(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    """The full decode waits for ``release`` (the preview is made before it); set
    ``fail`` to make it fail once released."""
    state: dict[str, object] = {"release": threading.Event(), "fail": False}
    decode = core_image._decode

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        assert isinstance(state["release"], threading.Event)
        state["release"].wait(20)
        if state["fail"]:
            raise ImageLoadError("Cannot open big.jpg: the file is corrupt; re-export it.")
        return decode(*args, **kwargs)

    monkeypatch.setattr(core_image, "_decode", held)
    yield state
    state["release"].set()  # type: ignore[attr-defined]


def test_preview_first_then_full_resolution(window, qtbot, ui, big_jpeg, held_decode) -> None:
    canvas = window.canvas
    ticks = [0]
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    timer.start(5)
    window.opener.open_path(str(big_jpeg))
    qtbot.waitUntil(canvas.showing_opening_preview, timeout=10_000)
    assert window.opening and not canvas.has_image()  # the full decode is still held
    assert not canvas.isEnabled()  # painting waits
    assert not window.controls.run_button.isEnabled()
    assert "preview" in window.message_label.text()
    before = ticks[0]
    qtbot.wait(300)
    assert ticks[0] - before >= 10  # the UI thread keeps running meanwhile
    shot = canvas.grab().toImage()
    cx = shot.width() // 2
    top, bottom = (
        shot.pixelColor(cx, shot.height() // 3),
        shot.pixelColor(cx, shot.height() * 2 // 3),
    )
    assert top.red() > 200 and top.blue() < 60  # upright: red on top (EXIF applied)
    assert bottom.blue() > 200 and bottom.red() < 60
    held_decode["release"].set()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: canvas.has_image() and not window.opening, timeout=20_000)
    timer.stop()
    assert not canvas.showing_opening_preview() and canvas.isEnabled()
    assert canvas.image().shape[:2] == (H, W)  # stored W tall, H wide; upright turned
    assert canvas.image()[H // 4, W // 2].tolist()[0] > 200  # red on top, as previewed
    assert window.controls.run_button.isEnabled()
    ui.paint(window, 10, 20, 10, 30)
    assert canvas.mask()[15, 15] == 255


def test_a_failed_full_decode_takes_the_preview_away(
    window, qtbot, ui, photo_path, big_jpeg, held_decode
) -> None:
    held_decode["release"].set()  # type: ignore[attr-defined]
    ui.open(window, photo_path)
    image = window.canvas.image()
    held_decode["release"] = threading.Event()
    held_decode["fail"] = True
    window.opener.open_path(str(big_jpeg))
    qtbot.waitUntil(window.canvas.showing_opening_preview, timeout=10_000)
    held_decode["release"].set()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not window.opening, timeout=10_000)
    assert not window.canvas.showing_opening_preview() and window.canvas.isEnabled()
    assert window.canvas.image() is image
    assert "corrupt" in window.message_label.text()
    assert window.controls.run_button.isEnabled()


def test_the_preview_is_converted_off_the_ui_thread_and_drawn_in_the_fit_rect(
    window, qtbot, big_jpeg, held_decode, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The decoding thread converts the preview to Qt's pixel order; the canvas draws it
    where the fit view of the photo will be, edge to edge."""
    from editor.ui.canvas import opening_preview
    from editor.ui.canvas.painting import BACKGROUND

    threads: list[str] = []
    real = opening_preview.PreviewPixels.__init__

    def recording(self, pixels, *fit):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        real(self, pixels, *fit)

    monkeypatch.setattr(opening_preview.PreviewPixels, "__init__", recording)
    canvas = window.canvas
    window.opener.open_path(str(big_jpeg))
    qtbot.waitUntil(canvas.showing_opening_preview, timeout=10_000)
    assert threads and threading.main_thread().name not in threads
    shot = canvas.grab().toImage()
    target = canvas._opening.target(canvas.size()).toAlignedRect()
    fitted = canvas._opening.fitted  # scaled once, in the decoding thread, to the fit size
    assert fitted is not None
    assert abs(fitted.width() - target.width()) <= 1 and abs(fitted.height() - target.height()) <= 1
    assert target.width() < shot.width() or target.height() < shot.height()
    y = target.top() + target.height() // 4  # the red (top) half, upright
    inside = [shot.pixelColor(x, y) for x in (target.left() + 1, target.right() - 1)]
    assert all(c.red() > 200 and c.blue() < 60 for c in inside)
    if target.left() >= 3:  # beside the photo: the canvas's background
        assert shot.pixelColor(target.left() - 3, y) == BACKGROUND
    if target.top() >= 3:
        assert shot.pixelColor(target.center().x(), target.top() - 3) == BACKGROUND
    held_decode["release"].set()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: canvas.has_image() and not window.opening, timeout=20_000)
