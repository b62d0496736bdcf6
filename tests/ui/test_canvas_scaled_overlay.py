"""Zoomed out, the colour overlay is drawn once per view into a widget-sized buffer; a
stroke samples only its rectangle again and a full-mask operation's worker samples the
whole view, which the UI thread adopts. What the canvas shows must stay what Qt's
smooth scaling of the overlay, drawn afresh, shows (within 2 of 255: OpenCV's bilinear
sampling against Qt's), and the UI thread must not draw a worker's view again."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRect
from PySide6.QtGui import QColor, QImage

from editor.core import mask_work
from editor.ui.canvas import CanvasView, scaled_overlay, zoomed

from .canvas_strokes import stroke


def shown(view: CanvasView) -> np.ndarray:
    """The widget's pixels, H x W x 4 (B, G, R, A) as ints."""
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    return rows[:, : 4 * w].reshape(h, w, 4).astype(int)


def fresh(view: CanvasView) -> np.ndarray:
    """The same view with every cache drawn again (the overlay through Qt)."""
    view._zoomed.invalidate()
    view._edges.invalidate()
    return shown(view)


def assert_close(a: np.ndarray, b: np.ndarray) -> None:
    assert np.abs(a - b).max() <= 2


@pytest.fixture
def canvas(qtbot, monkeypatch: pytest.MonkeyPatch) -> CanvasView:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(mask_work, "ASYNC_FROM", 0)  # a moderate image counts as large
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(420, 300)
    view.show()
    rng = np.random.default_rng(7)
    h, w = 1300, 1900
    view.set_image(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    mask = np.zeros((h, w), np.uint8)
    mask[200:900, 300:1200] = 255
    mask[950:1000, 100:1800] = 128
    view.apply_mask(mask, "paint")
    view.set_overlay_color(QColor(20, 200, 90))
    view.set_overlay_opacity(0.6)
    qtbot.waitUntil(lambda: not view.busy(), timeout=5_000)
    view.zoom_fit()
    return view


def test_strokes_pans_and_opacity_show_what_qt_draws_afresh(canvas: CanvasView) -> None:
    assert canvas.zoom() < 0.25
    before = shown(canvas)
    assert_close(before, fresh(canvas))
    canvas.set_brush_size(90)
    stroke(canvas, [(1400, 300), (1500, 420), (1650, 500)])
    painted = shown(canvas)
    at = canvas.map_from_source(QPointF(1500, 420)).toPoint()
    assert np.abs(painted[at.y(), at.x()] - before[at.y(), at.x()]).max() > 20  # on screen
    assert_close(painted, fresh(canvas))
    canvas.pan_by(-17, 9)  # whole pixels: the buffers shift, the strips are sampled
    assert_close(shown(canvas), fresh(canvas))
    canvas.set_overlay_opacity(0.3)
    faded = shown(canvas)
    assert np.abs(faded - painted).max() > 10
    assert_close(faded, fresh(canvas))


def test_a_workers_full_mask_operation_is_adopted_not_drawn_again(
    canvas: CanvasView, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    drawn_by_qt: list[QRect] = []
    plain = scaled_overlay.qt_overlay

    def counted(*args):  # type: ignore[no-untyped-def]
        render = plain(*args)

        def spy(p, r):  # type: ignore[no-untyped-def]
            drawn_by_qt.append(QRect(r))
            render(p, r)

        return spy

    monkeypatch.setattr(zoomed, "qt_overlay", counted)
    shown(canvas)
    for action in (
        lambda: canvas.run_mask_op("invert"),
        lambda: canvas.run_mask_op("feather", 15),
        canvas.undo_stack.undo,
        canvas.undo_stack.redo,
    ):
        before = shown(canvas)
        drawn_by_qt.clear()
        assert action() is not False
        qtbot.waitUntil(lambda: not canvas.busy(), timeout=5_000)
        after = shown(canvas)
        assert np.abs(after - before).max() > 20  # the operation is on screen
        assert drawn_by_qt == []  # the worker's sampling of the whole view was used
        assert_close(after, fresh(canvas))


def test_a_view_changed_after_the_workers_sampling_is_drawn_for_the_new_view(
    canvas: CanvasView, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """The worker samples the view it saw; the view changed before the UI thread took
    the result: the canvas draws the new view itself, not the worker's buffer."""
    before = shown(canvas)
    assert canvas.run_mask_op("invert")
    job = canvas.document.mask_work._job
    assert job is not None
    job.future.result(timeout=10)  # written and sampled; its end not yet taken (no events)
    canvas.set_view(0.3, QPointF(900, 700))
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=5_000)
    assert canvas.zoom() == pytest.approx(0.3)
    after = shown(canvas)
    assert_close(after, fresh(canvas))
    mask = canvas.mask()
    assert mask is not None and mask[500, 600] == 0 and mask[100, 100] == 255  # inverted
    assert after.shape == before.shape
