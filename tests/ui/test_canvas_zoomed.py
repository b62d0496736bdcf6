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


def test_soft_strokes_and_erasing_at_400_percent_over_the_image_border(
    canvas: CanvasView,
) -> None:
    """Each move re-samples only its dirty rectangle (overlay and edge from one sample):
    the view after soft strokes, an eraser stroke and strokes off the image's corner is
    the view drawn afresh, and the smaller levels (left for the stroke's end) are those
    of the mask."""
    rng = np.random.default_rng(5)
    canvas.set_image(rng.integers(0, 256, (1100, 1500, 3), dtype=np.uint8))  # with levels
    canvas.set_brush_size(9)
    canvas.set_hardness(0.3)
    canvas.set_view(4.0, QPointF(1480.7, 1085.2))  # the photo's corner on screen
    before = shown(canvas)
    stroke(canvas, [(1460, 1070), (1472, 1079), (1485, 1088), (1498, 1097), (1510, 1106)])
    canvas.set_tool("eraser")
    stroke(canvas, [(1470, 1090), (1480, 1076)])
    after = shown(canvas)
    assert not np.array_equal(before, after)
    np.testing.assert_array_equal(after, fresh(canvas))
    mask = canvas.mask()
    assert mask is not None
    assert mask[1078, 1472] > 0 and mask[1083, 1475] == 0  # painted, then erased
    levels = canvas._overlay.levels  # type: ignore[union-attr]
    assert len(levels) >= 2
    expect = mask
    for level in levels[1:]:
        h, w = level.mask.shape
        q = expect[: 2 * h, : 2 * w].astype(np.uint16)
        expect = ((q[0::2, 0::2] + q[1::2, 0::2] + q[0::2, 1::2] + q[1::2, 1::2] + 2) >> 2).astype(
            np.uint8
        )
        np.testing.assert_array_equal(level.mask, expect)


@pytest.mark.parametrize("opacity", [0.5, 0.37, 1.0])
def test_zoomed_in_overlay_is_qts_own_opacity_blend(canvas: CanvasView, opacity: float) -> None:
    """Zoomed in, the overlay's colours carry the opacity (one blend fewer a repaint): on
    screen they must be what Qt's opacity blend of the overlay over the photo gives."""
    from PySide6.QtGui import QPainter

    canvas.set_image(np.full((300, 400, 3), (40, 160, 220), np.uint8))
    mask = np.zeros((300, 400), np.uint8)
    values = (255, 128, 37)
    for i, v in enumerate(values):
        mask[100:200, 140 + 10 * i : 150 + 10 * i] = v
    canvas.apply_mask(mask, "bands")
    canvas.set_overlay_opacity(opacity)
    canvas.set_view(4.0, QPointF(160.4, 150.2))
    seen = shown(canvas)
    lut = canvas._overlay.lut  # type: ignore[union-attr]
    for i, v in enumerate(values):
        expect = QImage(1, 1, QImage.Format.Format_RGB32)
        expect.fill(QColor(40, 160, 220))
        pixel = np.array([lut[v]], np.uint32)
        p = QPainter(expect)
        p.setOpacity(opacity)
        p.drawImage(0, 0, QImage(pixel.data, 1, 1, 4, QImage.Format.Format_ARGB32_Premultiplied))
        p.end()
        at = canvas.map_from_source(QPointF(145.5 + 10 * i, 150.5))
        b, g, r, _a = seen[int(at.y()), int(at.x())]
        assert (r, g, b) == expect.pixelColor(0, 0).getRgb()[:3]
    canvas.set_overlay_opacity(0.2)  # another opacity: the buffer is sampled anew
    assert not np.array_equal(shown(canvas), seen)
    np.testing.assert_array_equal(shown(canvas), fresh(canvas))
