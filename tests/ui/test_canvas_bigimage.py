"""The canvas at large photo sizes: what it holds and what runs off the UI thread.

The designs tested here (mask overlay drawn from the mask's own bytes, the photo shown
from the document's array, the display pyramid built in a worker, full-mask operations
and their undo worked out in a worker and applied with one swap) keep a 100-150 MP
photo within memory and the window live; the tests use small images.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage

from editor.ui.canvas import CanvasView


def address(image: QImage) -> int:
    return int(np.frombuffer(image.constBits(), np.uint8).ctypes.data)


@pytest.fixture
def canvas(qtbot) -> CanvasView:  # type: ignore[no-untyped-def]
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    return view


def test_overlay_draws_the_mask_bytes_themselves(canvas: CanvasView, qtbot) -> None:  # type: ignore[no-untyped-def]
    """No overlay buffer: the full-size overlay is an Indexed8 view of the live mask, so
    a mask change needs no overlay work at full size and a colour change no pixel work."""
    canvas.set_image(np.full((600, 900, 3), 90, np.uint8))
    mask = np.zeros((600, 900), np.uint8)
    mask[100:300, 200:500] = 255
    canvas.apply_mask(mask, "paint")
    level = canvas._overlay.levels[0]  # type: ignore[union-attr]
    live = canvas.mask()
    assert live is not None
    assert address(level.image) == live.ctypes.data
    canvas.set_overlay_opacity(1.0)
    canvas.set_view(1.0, QPointF(300, 200))
    on = canvas.map_from_source(QPointF(300, 200)).toPoint()
    for color in (QColor(0, 255, 0), QColor(0, 0, 255)):
        canvas.set_overlay_color(color)
        assert canvas.grab().toImage().pixelColor(on) == color
    assert address(canvas._overlay.levels[0].image) == live.ctypes.data  # type: ignore[union-attr]


def test_photo_is_shown_from_the_documents_array(canvas: CanvasView) -> None:
    """The full-size level is a view of the photo array, not a 32-bit copy of it."""
    image = np.random.default_rng(2).integers(0, 255, (700, 1100, 3), dtype=np.uint8)
    image[300:500, 400:600] = (3, 241, 31)
    canvas.set_image(image)
    full = canvas._photo.levels[0]  # type: ignore[union-attr]
    assert address(full) == image.ctypes.data
    canvas.set_view(1.0, QPointF(500, 400))
    at = canvas.map_from_source(QPointF(500, 400)).toPoint()
    color = canvas.grab().toImage().pixelColor(at)
    assert (color.red(), color.green(), color.blue()) == (3, 241, 31)  # the overlay is empty


def test_pyramid_is_built_in_a_worker_after_a_quick_first_level(canvas: CanvasView, qtbot) -> None:  # type: ignore[no-untyped-def]
    """set_image returns (and paints, zoomed out) before the smooth levels exist; they
    arrive from a worker and are the 2x2 box averages of the level above."""
    import threading

    from editor.ui.canvas import photo_layer as overlay

    image = np.zeros((2400, 4400, 3), np.uint8)
    image[:, ::2] = 200  # stripes: a box average is grey, a nearest sample is not
    gate = threading.Event()
    overlay._PYRAMID_WORKER.submit(gate.wait, 10)  # hold the worker
    try:
        canvas.set_image(image)
        photo = canvas._photo
        assert photo is not None and photo.building()
        assert len(photo.levels) == 1
        qtbot.waitUntil(lambda: photo.showable(canvas.zoom()), timeout=5_000)  # a worker's
        canvas.grab()  # paints from the quick level meanwhile
        assert photo.level_for(canvas.zoom())[0].width() < image.shape[1]
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not photo.building(), timeout=5_000)
    assert len(photo.levels) > 2
    level1 = photo.levels[1]
    assert (level1.width(), level1.height()) == (2200, 1200)
    assert level1.pixelColor(10, 10).red() == 100  # (200 + 0) / 2 across the stripes
    assert photo.level_for(canvas.zoom())[0] is photo.levels[level_index_for(canvas)]


def level_index_for(canvas: CanvasView) -> int:
    from editor.ui.canvas.photo_layer import level_index

    return level_index(canvas.zoom(), len(canvas._photo.levels))  # type: ignore[union-attr]


def test_full_mask_ops_run_while_the_event_loop_keeps_ticking(
    canvas: CanvasView, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """An invert / feather and their undo / redo are worked out in a worker: a 1 ms
    QTimer keeps ticking meanwhile; the canvas shows the result (levels included) and
    undo brings back the exact bytes."""
    import threading

    from PySide6.QtCore import QTimer

    from editor.core import mask as masks
    from editor.core import mask_work

    monkeypatch.setattr(mask_work, "ASYNC_FROM", 0)  # a moderate image counts as large
    h, w = 1200, 1800
    canvas.set_image(np.full((h, w, 3), 60, np.uint8))
    start = np.zeros((h, w), np.uint8)
    start[300:900, 400:1400] = 255
    canvas.apply_mask(start, "paint")
    canvas.set_overlay_mode("mask")
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()

    def run(action, expected: np.ndarray) -> None:  # type: ignore[no-untyped-def]
        gate = threading.Event()
        mask_work._WORKER.submit(gate.wait, 10)  # the job waits behind this
        ticks.clear()
        action()
        assert canvas.busy()
        qtbot.wait(60)  # the UI thread is free while the job waits
        assert len(ticks) >= 10
        gate.set()
        qtbot.waitUntil(lambda: not canvas.busy(), timeout=5_000)
        assert np.array_equal(canvas.mask(), expected)
        levels = canvas._overlay.levels  # type: ignore[union-attr]
        assert np.array_equal(levels[1].mask, _box_half(expected))
        shown = canvas.grab().toImage()
        centre = canvas.map_from_source(QPointF(900, 600)).toPoint()
        assert shown.pixelColor(centre).red() == int(expected[600, 900])

    run(lambda: canvas.run_mask_op("invert"), masks.invert(start))
    run(canvas.undo_stack.undo, start)
    run(canvas.undo_stack.redo, masks.invert(start))
    feathered = masks.feather(masks.invert(start), 20)
    run(lambda: canvas.run_mask_op("feather", 20), feathered)
    run(canvas.undo_stack.undo, masks.invert(start))
    run(canvas.undo_stack.redo, feathered)
    assert canvas.undo_stack.undoText() == "Feather mask by 20 px"
    timer.stop()


def _box_half(a: np.ndarray) -> np.ndarray:
    h, w = a.shape[0] // 2, a.shape[1] // 2
    q = a[: 2 * h, : 2 * w].astype(np.uint16)
    return ((q[0::2, 0::2] + q[1::2, 0::2] + q[0::2, 1::2] + q[1::2, 1::2] + 2) >> 2).astype(
        np.uint8
    )


def test_while_a_job_runs_strokes_and_undo_wait_with_a_hint(
    canvas: CanvasView, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The worker owns the mask during a job: a stroke, an undo or another operation is
    refused with a status line instead of freezing the window until the job ends."""
    import threading

    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from editor.core import mask_work

    monkeypatch.setattr(mask_work, "ASYNC_FROM", 0)
    canvas.set_image(np.full((600, 800, 3), 60, np.uint8))
    hints: list[str] = []
    canvas.status_hint.connect(hints.append)
    gate = threading.Event()
    mask_work._WORKER.submit(gate.wait, 10)
    try:
        assert canvas.run_mask_op("fill")
        assert canvas.busy()
        pos = canvas.map_from_source(QPointF(100, 100))
        press = QMouseEvent(
            QEvent.Type.MouseButtonPress, pos, canvas.mapToGlobal(pos),
            Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
        )  # fmt: skip
        QApplication.sendEvent(canvas, press)
        assert not canvas.stroke_active()
        assert not canvas.run_mask_op("invert")
        assert hints and "fill mask" in hints[-1]
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=5_000)
    assert (canvas.mask() == 255).all()
    assert canvas.undo()
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=5_000)
    assert not canvas.mask().any()  # type: ignore[union-attr]


def _photo_pixel(canvas: CanvasView, x: float, y: float) -> tuple[int, int, int]:
    at = canvas.map_from_source(QPointF(x, y)).toPoint()
    color = canvas.grab().toImage().pixelColor(at)
    return color.red(), color.green(), color.blue()


RGB = tuple[int, int, int]


def _two_tone(h: int, w: int, left: RGB, right: RGB) -> np.ndarray:
    image = np.empty((h, w, 3), np.uint8)
    image[:, : w // 2] = left
    image[:, w // 2 :] = right
    return image


def test_set_image_without_a_preview_makes_its_quick_level_in_a_worker(
    canvas: CanvasView, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """The UI thread does not sample a large photo: until the worker's quick level is in,
    a zoomed-out paint shows the background (never the photo before it, never the full
    photo scaled on the UI thread); then the same pixels as a quick level made at once."""
    import threading

    from editor.ui.canvas import photo_layer
    from editor.ui.canvas.painting import BACKGROUND

    first = _two_tone(2400, 4400, (200, 30, 30), (30, 200, 30))
    canvas.set_image(first)
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=5_000)
    assert _photo_pixel(canvas, 1000, 1200) == (200, 30, 30)
    second = _two_tone(2400, 4400, (20, 40, 220), (240, 240, 20))
    gate = threading.Event()
    photo_layer._QUICK_WORKER.submit(gate.wait, 10)  # the quick level waits behind this
    try:
        canvas.set_image(second)
        photo = canvas._photo
        assert photo is not None and not photo.showable(canvas.zoom()) and canvas.busy()
        shown = _photo_pixel(canvas, 1000, 1200)
        assert shown == (BACKGROUND.red(), BACKGROUND.green(), BACKGROUND.blue())
    finally:
        gate.set()
    qtbot.waitUntil(lambda: photo.showable(canvas.zoom()), timeout=5_000)
    made_here = photo_layer.quick_level(second)
    assert made_here is not None
    level = photo.level_for(canvas.zoom())[0]
    if len(photo.levels) == 1:  # the quick level (not yet the smooth ones)
        assert level.size() == made_here[0].size() and level == made_here[0]
    assert _photo_pixel(canvas, 1000, 1200) == (20, 40, 220)
    assert _photo_pixel(canvas, 3400, 1200) == (240, 240, 20)
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=5_000)


def test_a_stroke_while_the_quick_level_is_made_is_kept(canvas: CanvasView, qtbot) -> None:  # type: ignore[no-untyped-def]
    """An edit arriving between set_image and the worker's quick level lands in the mask
    and its overlay, and is shown once the photo is."""
    import threading

    from editor.ui.canvas import photo_layer

    gate = threading.Event()
    photo_layer._QUICK_WORKER.submit(gate.wait, 10)
    try:
        canvas.set_image(np.full((2400, 4400, 3), 60, np.uint8))
        mask = np.zeros((2400, 4400), np.uint8)
        mask[800:1600, 1000:3000] = 255
        assert canvas.apply_mask(mask, "paint")
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=5_000)
    assert np.array_equal(canvas.mask(), mask)
    levels = canvas._overlay.levels  # type: ignore[union-attr]
    assert np.array_equal(levels[1].mask, _box_half(mask))
    canvas.set_overlay_mode("mask")
    assert _photo_pixel(canvas, 2000, 1200)[0] == 255
    assert _photo_pixel(canvas, 200, 200)[0] == 0
    assert canvas.document.undo() and not canvas.mask().any()  # type: ignore[union-attr]


def test_a_prepared_mask_overlay_is_taken_as_worked_out(canvas: CanvasView) -> None:
    """A mask whose levels were worked out in another thread (a session's) is shown with
    them, not scanned and reduced again on the UI thread; another array is not."""
    import threading

    from editor.ui.canvas import mask_levels as overlays

    image = np.full((1200, 1800, 3), 70, np.uint8)
    mask = np.zeros((1200, 1800), np.uint8)
    mask[200:700, 300:1500] = 255
    worker = threading.Thread(target=overlays.prepare_overlay, args=(mask,))
    worker.start()
    worker.join()
    prepared = overlays._prepared
    assert prepared is not None
    canvas.set_image(image, mask)
    shown = canvas._overlay
    assert shown is not None and not shown.empty and shown.mask is mask
    assert shown.levels[1].mask is prepared[1][0]  # taken, not built again
    for lv, want in zip(shown.levels[1:], overlays.mask_pyramid(mask), strict=True):
        assert np.array_equal(lv.mask, want)
    assert overlays._prepared is None  # used once
    overlays.prepare_overlay(mask)
    other = mask.copy()
    canvas.set_image(image, other)  # not the array prepared: worked out here
    shown = canvas._overlay
    assert shown is not None and shown.levels[1].mask is not overlays.mask_pyramid(mask)[0]
    assert np.array_equal(shown.levels[1].mask, _box_half(other))
    blank = np.zeros((1200, 1800), np.uint8)
    overlays.prepare_overlay(blank)
    canvas.set_image(image, blank)
    assert canvas._overlay is not None and canvas._overlay.empty
