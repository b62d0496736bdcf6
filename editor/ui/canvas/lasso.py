"""Lasso / polygon selection: collect points, then rasterise at source resolution.

Points are source coordinates (pixel (x, y) spans [x, x+1)); a pixel is inside when
its centre is. The polygon is rasterised by QPainter (aliased, which samples pixel
centres exactly; Pillow's ImageDraw rounds vertices and includes the outline) into a
Grayscale8 view of a numpy buffer covering only the polygon's bounding box, so the
cost follows the selection, not the photo.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPolygonF

CLOSE_DISTANCE = 8.0  # widget pixels: a click this close to the first point closes
FREEHAND_STEP = 2.0  # widget pixels between freehand points


def rasterise_polygon(
    points: Sequence[tuple[float, float]], shape: tuple[int, int]
) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """Inside-pixels of the polygon as ((x0, y0, x1, y1), bool array of that box), or
    None when it covers no pixel of an image of ``shape`` (h, w)."""
    if len(points) < 3:
        return None
    h, w = shape
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    x0 = max(0, math.floor(min(xs)) - 1)
    y0 = max(0, math.floor(min(ys)) - 1)
    x1 = min(w, math.ceil(max(xs)) + 1)
    y1 = min(h, math.ceil(max(ys)) + 1)
    if x0 >= x1 or y0 >= y1:
        return None
    bw, bh = x1 - x0, y1 - y0
    stride = (bw + 3) // 4 * 4
    buf = np.zeros((bh, stride), dtype=np.uint8)
    img = QImage(buf.data, bw, bh, stride, QImage.Format.Format_Grayscale8)
    painter = QPainter(img)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255))
    polygon = QPolygonF([QPointF(px - x0, py - y0) for px, py in points])
    painter.drawPolygon(polygon, Qt.FillRule.WindingFill)  # loops of a freehand lasso fill
    painter.end()
    inside = buf[:, :bw] > 0
    if not inside.any():
        return None
    return (x0, y0, x1, y1), inside


class LassoPath:
    """An open polygon being drawn; points in source coordinates."""

    def __init__(self) -> None:
        self.points: list[QPointF] = []

    def active(self) -> bool:
        """True while a polygon is being drawn."""
        return bool(self.points)

    def add(self, p: QPointF) -> None:
        """Append a vertex."""
        self.points.append(QPointF(p))

    def add_freehand(self, p: QPointF, zoom: float) -> bool:
        """Append a dragged point if it moved far enough on screen; True if added."""
        if self.points:
            last = self.points[-1]
            if math.hypot(p.x() - last.x(), p.y() - last.y()) * zoom < FREEHAND_STEP:
                return False
        self.points.append(QPointF(p))
        return True

    def near_start(self, p: QPointF, zoom: float) -> bool:
        """True when ``p`` is within CLOSE_DISTANCE widget pixels of the first point and
        the polygon already has an area."""
        if len(self.points) < 3:
            return False
        first = self.points[0]
        return math.hypot(p.x() - first.x(), p.y() - first.y()) * zoom <= CLOSE_DISTANCE

    def undo_point(self) -> None:
        """Remove the last vertex."""
        if self.points:
            self.points.pop()

    def clear(self) -> None:
        """Forget the polygon."""
        self.points.clear()

    def as_tuples(self) -> list[tuple[float, float]]:
        """Vertices as (x, y) tuples."""
        return [(p.x(), p.y()) for p in self.points]
