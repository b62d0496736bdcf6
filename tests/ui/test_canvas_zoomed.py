"""Zoomed in, the canvas copies the photo and the overlay from widget-sized buffers
sampled once per view: what it shows must be what a fresh sampling shows, after strokes,
pans and colour changes, and the photo's own pixels must be the ones on screen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage

from editor.ui.canvas import CanvasView

from .canvas_strokes import stroke


def shown(view: CanvasView) -> np.ndarray:
    """The widget's pixels as an H x W x 4 array (what a person sees)."""
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = image.width(), image.height()
    return (
        np.frombuffer(image.constBits(), np.uint8)
        .reshape(h, image.bytesPerLine())[:, : 4 * w]
        .reshape(h, w, 4)
        .copy()
    )


def fresh(view: CanvasView) -> np.ndarray:
    """The same view drawn from buffers sampled anew."""
    view._zoomed.invalidate()
    view._edges.invalidate()
    return shown(view)


@pytest.fixture
def canvas(qtbot) -> CanvasView:  # type: ignore[no-untyped-def]
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(320, 240)
    view.show()
    rng = np.random.default_rng(3)
    photo = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    view.set_image(photo)
    view.set_brush_size(12)
    view.set_view(4.0, QPointF(200.3, 150.6))
    return view


def test_zoomed_in_each_photo_pixel_is_a_block_of_its_own_colour(canvas: CanvasView) -> None:
    canvas.set_overlay_mode("hidden")
    seen = shown(canvas)
    photo = canvas.image()
    assert photo is not None
    for sx, sy in ((195, 148), (201, 152), (205, 149)):
        centre = canvas.map_from_source(QPointF(sx + 0.5, sy + 0.5))
        b, g, r, _a = seen[int(centre.y()), int(centre.x())]
        assert (r, g, b) == tuple(photo[sy, sx])


def test_strokes_pans_and_colours_show_what_a_fresh_view_shows(canvas: CanvasView) -> None:
    before = shown(canvas)
    stroke(canvas, [(190, 145), (196, 150), (204, 152)])
    after = shown(canvas)
    assert not np.array_equal(before, after)  # the stroke is on screen at once
    np.testing.assert_array_equal(after, fresh(canvas))
    canvas.pan_by(13, -7)  # whole pixels: buffers shifted, strips sampled
    panned = shown(canvas)
    np.testing.assert_array_equal(panned, fresh(canvas))
    canvas.set_overlay_color(QColor(0, 200, 255))
    recoloured = shown(canvas)
    assert not np.array_equal(recoloured, panned)
    np.testing.assert_array_equal(recoloured, fresh(canvas))
    canvas.undo_stack.undo()
    np.testing.assert_array_equal(shown(canvas), fresh(canvas))


def test_zoomed_out_the_photo_drawn_once_per_view_matches_a_fresh_drawing(
    canvas: CanvasView,
) -> None:
    canvas.set_view(0.6, QPointF(200, 150))
    before = shown(canvas)
    np.testing.assert_array_equal(before, fresh(canvas))
    stroke(canvas, [(150, 120), (180, 130)])
    painted = shown(canvas)
    assert not np.array_equal(before, painted)
    np.testing.assert_array_equal(painted, fresh(canvas))
    canvas.pan_by(-9, 4)
    np.testing.assert_array_equal(shown(canvas), fresh(canvas))
