"""The opening preview scaled once to the fit size (off the UI thread) draws as the
smooth-scaled preview did, and a canvas of another size falls back to scaling it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPainter

from editor.ui.canvas.opening_preview import OpeningPreview, PreviewPixels
from editor.ui.imaging import from_qimage

SIZE = (11648, 8736)  # the photo the preview stands for


def preview_pixels() -> np.ndarray:
    y, x = np.mgrid[0:1092, 0:1456]
    return np.dstack([x * 255 // 1455, y * 255 // 1091, (x + y) % 256]).astype(np.uint8)


def draw(preview: OpeningPreview, view: QSize) -> np.ndarray:
    image = QImage(view, QImage.Format.Format_RGB32)
    p = QPainter(image)
    preview.draw(p, image.rect(), QColor(48, 48, 48))
    p.end()
    return from_qimage(image)[..., :3]


def test_fitted_preview_draws_like_the_scaled_one(qapp) -> None:  # type: ignore[no-untyped-def]
    view = QSize(900, 640)
    fitted = OpeningPreview(PreviewPixels(preview_pixels(), (SIZE, (900, 640), 1.0)), SIZE, "x")
    scaled = OpeningPreview(PreviewPixels(preview_pixels()), SIZE, "x")
    assert fitted.fitted is not None and scaled.fitted is None
    target = fitted.target(view).toAlignedRect()
    assert abs(fitted.fitted.width() - target.width()) <= 1
    a, b = draw(fitted, view), draw(scaled, view)
    below = slice(60, None)  # under the banner
    diff = np.abs(a[below].astype(np.int16) - b[below])
    assert diff.mean() < 2.0  # the same picture in the same place (area vs smooth filter)
    assert np.array_equal(
        a[below, : max(0, target.left() - 1)], b[below, : max(0, target.left() - 1)]
    )


def test_a_resized_canvas_scales_the_preview_again(qapp) -> None:  # type: ignore[no-untyped-def]
    preview = OpeningPreview(PreviewPixels(preview_pixels(), (SIZE, (900, 640), 1.0)), SIZE, "x")
    other = QSize(500, 700)
    shot = draw(preview, other)
    target = preview.target(other).toAlignedRect()
    assert target.width() < preview.fitted.width()  # type: ignore[union-attr]
    row = target.top() + target.height() // 2
    assert tuple(shot[row, target.left() + 2]) != (
        48,
        48,
        48,
    )  # drawn edge to edge in the new fit rect
    assert tuple(shot[row, target.right() - 2]) != (48, 48, 48)
    assert tuple(shot[target.top() - 3, 250]) == (48, 48, 48)  # background above it


def test_the_fitted_preview_is_the_photos_quick_level_until_its_levels_are_in(
    qtbot,
) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.canvas import CanvasView

    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    qtbot.waitExposed(view)
    photo = np.zeros((3000, 4000, 3), np.uint8)
    size = (4000, 3000)
    small = np.full((750, 1000, 3), 200, np.uint8)
    for canvas_size, fitted in (((700, 500), True), ((640, 480), False)):
        view.show_opening_preview(PreviewPixels(small, (size, canvas_size, 1.0)), size, "x")
        quick = view.take_opening_preview(photo.shape)
        assert quick is not None
        target = OpeningPreview(small, size, "x").target(view.size())
        if fitted:  # drawn about 1:1 at the fit zoom: no smooth scaling of 1000 px
            assert abs(quick[0].width() - target.width()) <= 1
        else:  # made for another canvas size: the whole preview, scaled when drawn
            assert quick[0].width() == 1000
    view.show_opening_preview(PreviewPixels(small, (size, (700, 500), 1.0)), size, "x")
    view.set_image(photo)
    layer = view._photo
    assert layer is not None and layer.building()
    level, sx, _sy = layer.level_for(view.zoom())
    assert level.width() < 1000 and abs(sx - level.width() / 4000) < 1e-9
    qtbot.waitUntil(lambda: not layer.building(), timeout=10_000)
    assert layer.level_for(view.zoom())[0].width() >= 4000 // 8  # the smooth levels
