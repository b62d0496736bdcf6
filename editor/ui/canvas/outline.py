"""The brush outline and the lasso as the canvas draws them over the picture.

The brush outline is two or four aliased ellipses with 1-3 px pens: at 400 % on a
60 px brush (a 240 px circle) drawing them cost about half a millisecond a mouse
move. They are drawn once per size and sub-pixel position (in quarters of a pixel: a
pen's or a mouse's sub-pixel position would otherwise draw a new image nearly every
move) into a small transparent image that each paint copies, which gives the same
pixels (the same raster engine and pens, moved by whole pixels).
"""

from __future__ import annotations

import math
from functools import lru_cache

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen


def _draw_outline(p: QPainter, c: QPointF, radius: float, core: float) -> None:
    # aliased on purpose: pure black and white pixels stay visible on any photo
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for color, width in ((QColor(0, 0, 0), 3.0), (QColor(255, 255, 255), 1.0)):
        p.setPen(QPen(color, width))
        p.drawEllipse(c, radius, radius)
        if radius < 4:
            p.drawLine(QPointF(c.x() - 6, c.y()), QPointF(c.x() + 6, c.y()))
            p.drawLine(QPointF(c.x(), c.y() - 6), QPointF(c.x(), c.y() + 6))
    if 0 < core < radius - 2:
        p.setPen(QPen(QColor(0, 0, 0, 160), 3.0))
        p.drawEllipse(c, core, core)
        p.setPen(QPen(QColor(255, 255, 255), 1.0, Qt.PenStyle.DashLine))
        p.drawEllipse(c, core, core)


@lru_cache(maxsize=64)
def _outline_image(radius: float, core: float, fx: float, fy: float) -> tuple[QImage, int]:
    """The outline centred at (e + fx, e + fy) in a transparent image: (image, e)."""
    e = math.ceil(max(radius, 7.0)) + 4
    image = QImage(2 * e + 2, 2 * e + 2, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    p = QPainter(image)
    try:
        _draw_outline(p, QPointF(e + fx, e + fy), radius, core)
    finally:
        p.end()
    return image, e


def paint_brush_outline(p: QPainter, c: QPointF, radius: float, core: float) -> None:
    """The brush outline (radius and hardness core, widget px) centred on ``c``."""
    if radius > 2000:  # a huge outline: not worth an image of its own
        _draw_outline(p, c, radius, core)
        return
    ix, iy = math.floor(c.x()), math.floor(c.y())
    fx, fy = round((c.x() - ix) * 4) / 4, round((c.y() - iy) * 4) / 4
    image, e = _outline_image(round(radius, 3), round(core, 3), fx, fy)
    p.drawImage(ix - e, iy - e, image)


def paint_lasso(p: QPainter, pts: list[QPointF]) -> None:
    """The lasso's polyline (black under white) and its first point."""
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for color, width in ((QColor(0, 0, 0), 3.0), (QColor(255, 255, 255), 1.0)):
        p.setPen(QPen(color, width))
        p.drawPolyline(pts)
    p.setPen(QPen(QColor(255, 255, 255), 1.0))
    p.setBrush(QBrush(QColor(0, 0, 0)))
    p.drawEllipse(pts[0], 4.0, 4.0)
