"""The mask's dashed edge, worked out per run of equal samples, must be exactly the edge
of the definition: a widget pixel whose sample (at its centre) is inside the mask
differs from its right or lower neighbour's, dashed by its position on the image."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRect, QSize

from editor.ui.canvas.edge import EdgeLayer, edge_colours, edge_pixels
from editor.ui.canvas.viewport import Viewport


def by_definition(mask: np.ndarray, vp: Viewport, x0: int, y0: int, w: int, h: int) -> np.ndarray:
    """Every widget pixel sampled and compared with its neighbours, one by one."""
    mh, mw = mask.shape
    xs = np.arange(x0, x0 + w + 1)
    ys = np.arange(y0, y0 + h + 1)
    sx = np.floor((xs + 0.5 - vp.offset.x()) / vp.zoom).astype(int)
    sy = np.floor((ys + 0.5 - vp.offset.y()) / vp.zoom).astype(int)
    inside = np.zeros((h + 1, w + 1), bool)
    for j, y in enumerate(sy):
        for i, x in enumerate(sx):
            inside[j, i] = 0 <= y < mh and 0 <= x < mw and mask[y, x] >= 128
    edge = (inside[:-1, :-1] != inside[:-1, 1:]) | (inside[:-1, :-1] != inside[1:, :-1])
    out = np.zeros((h, w), np.uint8)
    phase_x, phase_y = round(vp.offset.x()), round(vp.offset.y())
    for j, i in zip(*np.nonzero(edge), strict=True):
        out[j, i] = 1 + ((x0 + i - phase_x) + (y0 + j - phase_y)) // 4 % 2
    return out


def viewport(zoom: float, ox: float, oy: float, image: tuple[int, int]) -> Viewport:
    vp = Viewport()
    vp.image_size = QSize(image[1], image[0])
    vp.view_size = QSize(90, 70)
    vp.zoom = zoom
    vp.offset = QPointF(ox, oy)
    return vp


@pytest.mark.parametrize(
    ("zoom", "ox", "oy"),
    [
        (4.0, -301.3, -207.6),  # 400 %, a fractional offset
        (4.0, 12.0, 9.0),  # 400 %, the image's corner on screen (samples off the image)
        (3.0, -150.5, -90.25),
        (1.5, -40.7, -33.1),  # runs of one and two pixels
        (1.0, -20.0, -10.0),
        (0.37, 5.5, 3.2),  # zoomed out: every sample its own run, source pixels skipped
        (6.3, -600.9, -410.2),
    ],
)
def test_edge_by_runs_is_the_edge_by_definition(zoom: float, ox: float, oy: float) -> None:
    rng = np.random.default_rng(int(zoom * 100))
    mask = np.zeros((120, 160), np.uint8)
    mask[30:90, 40:130] = 200  # a block with a hole and a soft stroke, then noise
    mask[50:60, 60:70] = 0
    mask[:, 100:104] = np.arange(0, 250, 2, dtype=np.uint8)[:120, None]
    noise = rng.random(mask.shape) < 0.05
    mask[noise] = 255 - mask[noise]
    vp = viewport(zoom, ox, oy, mask.shape)
    for x0, y0, w, h in ((0, 0, 90, 70), (13, 7, 31, 23), (60, 40, 30, 30), (88, 5, 2, 1)):
        expect = by_definition(mask, vp, x0, y0, w, h)
        np.testing.assert_array_equal(edge_pixels(mask, vp, x0, y0, w, h), expect)
    assert by_definition(mask, vp, 0, 0, 90, 70).any()  # the view shows some edge


def test_edge_cache_after_dirty_rectangles_equals_a_fresh_one() -> None:
    mask = np.zeros((120, 160), np.uint8)
    mask[20:70, 30:90] = 255
    vp = viewport(4.0, -150.3, -100.6, mask.shape)
    layer = EdgeLayer()
    layer.ensure(mask, vp)
    mask[40:48, 50:120] = 0  # a change under part of the view: only that part refreshed
    layer.update(mask, vp, QRect(0, 0, 90, 70).intersected(QRect(40, 30, 50, 40)))
    partial = layer._buf.copy()
    np.testing.assert_array_equal(partial, edge_colours(mask, vp, 90, 70))
    assert (partial == 0xFFFFFFFF).any() and (partial == 0xFF000000).any()


def test_a_new_blank_mask_is_not_read_and_a_given_one_is(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A photo opened without a mask gets an all-zero one that the canvas does not scan
    (no overlay, no edge to look for) until the first stroke; a mask given with the photo
    is shown with its edge at once."""
    from editor.ui.canvas import CanvasView

    from .canvas_strokes import stroke

    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    photo = np.full((1200, 1600, 3), 90, np.uint8)
    view.set_image(photo)
    assert view._overlay is not None and view._overlay.empty
    view.grab()
    assert not view._edges._buf.any()
    view.set_brush_size(200)
    stroke(view, [(600, 500), (900, 600)])
    assert not view._overlay.empty
    shot = view.grab().toImage()
    on = view.map_from_source(QPointF(750, 550)).toPoint()
    assert shot.pixelColor(on).red() > 90  # the overlay colour at fit, from the levels
    assert view._edges._buf.any()  # and its edge
    given = np.zeros((1200, 1600), np.uint8)
    given[100:400, 100:500] = 255
    view.set_image(photo, given)
    assert not view._overlay.empty
    view.grab()
    np.testing.assert_array_equal(view._edges._buf, edge_colours(given, view._vp, 400, 300))
    assert view._edges._buf.any()


def test_another_source_keeps_the_mask_levels_without_rebuilding_them(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Using another source of the same photo shows an equal copy of the mask: its
    overlay takes the levels over (no pyramid of a 100 MP mask built again on the UI
    thread), in the colour picked for the new source, and strokes keep them in step."""
    from PySide6.QtGui import QColor

    from editor.ui.canvas import CanvasView
    from editor.ui.canvas import mask_levels as overlay_module

    from .canvas_strokes import stroke

    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    photo = np.full((1200, 1600, 3), 90, np.uint8)
    view.set_image(photo)
    mask = np.zeros((1200, 1600), np.uint8)
    mask[200:900, 300:1100] = 255
    view.apply_mask(mask, "block")
    before = view._overlay
    assert before is not None
    built = []
    real = overlay_module.mask_pyramid
    overlay_module.mask_pyramid = lambda *a, **k: built.append(1) or real(*a, **k)  # type: ignore[assignment]
    try:
        view.set_next_overlay_color(QColor(0, 200, 255))
        view.document.use_source(np.full((1200, 1600, 3), 30, np.uint8), "variant 1")
    finally:
        overlay_module.mask_pyramid = real  # type: ignore[assignment]
    after = view._overlay
    assert after is not None and after is not before and not built
    assert after.mask is view.document.mask and after.color() == QColor(0, 200, 255)
    view.set_brush_size(150)
    stroke(view, [(1300, 1000), (1450, 1050)])
    for mine, fresh in zip(after.levels[1:], real(view.document.mask), strict=True):
        np.testing.assert_array_equal(mine.mask, fresh)
    shot = view.grab().toImage()
    inside = shot.pixelColor(view.map_from_source(QPointF(700, 500)).toPoint())
    assert inside.blue() > inside.red()  # the new colour over the block, at fit
